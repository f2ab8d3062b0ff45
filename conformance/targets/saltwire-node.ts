/**
 * Conformance target adapter for this SDK: a thin program over startNode/SaltwireNode that follows
 * the runner's target contract (conformance/README.md, "Runner").
 *
 *   SALTWIRE_TARGET_CONFIG='{...}' node --import tsx conformance/targets/saltwire-node.ts
 *
 * Reads its configuration (role, id, keys, configured peers, liveness timers, state directory,
 * provisioning, durablePeerEpochs) from the environment, prints JSON lines on stdout (listening,
 * message, restart, reachable, unreachable, address) and reads JSON-line commands on stdin (send,
 * exit). A configuration it cannot honour exits with code 127. When stdin ends, the node closes and
 * the process exits, so no orphan keeps a port.
 * @module
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  defaultCryptoSuite,
  fromHex,
  INDEX_REPEAT_INTERVAL_MS,
  MemoryMaxEpochStore,
  PairKeyring,
  SiteKeyring,
  startNode,
  UdpTransport,
  type CryptoSuite,
  type Keyring,
  type LivenessConfig,
  type SaltwireNode,
  type StartNodeOptions,
  type Transport,
} from '../../src/internals.js';
import { CHALLENGE_RETRY_MS } from '../../src/peer/challenge.js';
import { VALIDATION_TIMEOUT_MS } from '../../src/peer/path.js';

interface TargetConfig {
  readonly role: 'hub' | 'device';
  readonly id: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly stateDir: string;
  readonly provisioning: boolean;
  readonly keys:
    | { readonly mode: 'site'; readonly siteKey: string }
    | { readonly mode: 'pairs'; readonly pairKeys: ReadonlyArray<{ readonly peer: string; readonly gen: number; readonly key: string }> };
  readonly peers: ReadonlyArray<{ readonly id: string; readonly host: string; readonly port: number }>;
  readonly liveness: Partial<LivenessConfig>;
  readonly durablePeerEpochs?: boolean;
}

/** Test hooks: a wrapper target (targets/faulty.ts) changes what the node sees, sends or does. */
export interface TargetHooks {
  readonly suite?: (s: CryptoSuite) => CryptoSuite;
  readonly transport?: (t: Transport) => Transport;
  readonly options?: Partial<StartNodeOptions>;
}

const emit = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
};

/** Exit 127: the runner reports the scenario as unsupported, not failed. */
function unsupported(why: string): never {
  process.stderr.write(`unsupported: ${why}\n`);
  process.exit(127);
}

function readConfig(): TargetConfig {
  const raw = process.env['SALTWIRE_TARGET_CONFIG'];
  if (raw === undefined) {
    process.stderr.write('SALTWIRE_TARGET_CONFIG is not set\n');
    process.exit(1);
  }
  const c = JSON.parse(raw) as TargetConfig;
  if (c.role !== 'hub' && c.role !== 'device') unsupported(`role ${String(c.role)}`);
  if (c.keys.mode !== 'site' && c.keys.mode !== 'pairs') unsupported(`keys mode ${String((c.keys as { mode: unknown }).mode)}`);
  return c;
}

export async function runTarget(hooks: TargetHooks = {}): Promise<void> {
  const c = readConfig();
  const suite = hooks.suite?.(defaultCryptoSuite()) ?? defaultCryptoSuite();
  let keyring: Keyring;
  if (c.keys.mode === 'site') keyring = new SiteKeyring(suite, fromHex(c.keys.siteKey));
  else {
    const pairs = new PairKeyring();
    for (const k of c.keys.pairKeys) pairs.add(k.peer, k.gen, fromHex(k.key));
    keyring = pairs;
  }
  const udp = await UdpTransport.bind({ host: c.listen.host, port: c.listen.port });
  const transport = hooks.transport?.(udp) ?? udp;
  let node: SaltwireNode;
  try {
    node = await startNode({
      id: c.id,
      keyring,
      suite,
      transport,
      stateDir: c.stateDir,
      provisioning: c.provisioning,
      peers: c.peers.map((p) => ({ id: p.id, address: { host: p.host, port: p.port } })),
      liveness: c.liveness,
      // durablePeerEpochs false: peer epochs in memory only, as a node without a durable store (spec 5.6)
      ...(c.durablePeerEpochs === false ? { maxEpochs: new MemoryMaxEpochStore(), durableMaxEpochs: false } : {}),
      ...hooks.options,
    });
  } catch (e) {
    await udp.close();
    throw e;
  }
  const dec = new TextDecoder();
  node.on('message', (m) => emit('message', { from: m.from, text: dec.decode(m.data), fresh: m.fresh }));
  node.on('restart', (e) => emit('restart', { peer: e.peer, epoch: e.epoch }));
  node.on('reachable', (e) => emit('reachable', { peer: e.peer }));
  node.on('unreachable', (e) => emit('unreachable', { peer: e.peer }));
  node.on('address', (e) => emit('address', { peer: e.peer, host: e.address.host, port: e.address.port, validated: e.validated, change: e.change }));
  emit('listening', {
    host: udp.local.host,
    port: udp.local.port,
    epoch: node.epoch,
    constants: { VALIDATION_TIMEOUT: VALIDATION_TIMEOUT_MS, CHALLENGE_RETRY: CHALLENGE_RETRY_MS, INDEX_REPEAT_INTERVAL: INDEX_REPEAT_INTERVAL_MS },
  });
  commands(node);
}

function commands(node: SaltwireNode): void {
  const enc = new TextEncoder();
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await node.close().catch(() => undefined); // saves the remembered peers (spec 12.1)
    process.exit(0);
  };
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    try {
      const cmd = JSON.parse(line) as Record<string, unknown>;
      if (cmd['cmd'] === 'exit') return void shutdown();
      if (cmd['cmd'] !== 'send') return emit('error', { message: `unknown command ${String(cmd['cmd'])}` });
      const to = String(cmd['to']);
      emit('sent', { to, ok: node.send(to, enc.encode(String(cmd['text']))) });
    } catch (e) {
      emit('error', { message: (e as Error).message });
    }
  });
  rl.on('close', () => void shutdown());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runTarget().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
