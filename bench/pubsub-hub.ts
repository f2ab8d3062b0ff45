/**
 * The hub side of bench/pubsub.ts in its own process, as a broker runs beside its clients: a
 * Saltwire node on loopback running the message layer's Hub, serving `echo` (returns its params) for
 * the RPC round trip. The crypto backend follows SALTWIRE_CRYPTO like the parent's. The parent gets
 * { port } over IPC once it listens and ends the child with SIGTERM or by going away.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SiteKeyring } from '../src/core.js';
import { Hub } from '../src/messaging/hub.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { UdpTransport } from '../src/transport/udp.js';
import type { ReliabilityOptions } from '../src/peer/node-options.js';

export interface HubProcess {
  readonly port: number;
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

/** Receive window and outbox large enough for a saturating publisher (the defaults suit devices). */
export const BENCH_RELIABILITY: ReliabilityOptions = { send: { outboxMessages: 4096 }, receive: { window: 1024, maxRanges: 1024 } };

/** `busyPollUs`: the hub's UdpTransport busyPollUs (0: none). */
export async function startHubProcess(site: Uint8Array, busyPollUs = 0): Promise<HubProcess> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(SELF, ['--serve-hub', JSON.stringify([...site]), String(busyPollUs)], { execArgv: ['--import', tsx, ...(process.env['HUB_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((res, rej) => {
    const t = setTimeout(() => rej(new Error('hub child: not listening after 15 s')), 15_000);
    child.once('message', (m) => {
      clearTimeout(t);
      res((m as { port: number }).port);
    });
    child.once('exit', (code) => rej(new Error(`hub child exited (${code})`)));
  });
  return {
    port,
    async stop() {
      process.removeListener('exit', kill);
      child.kill('SIGTERM');
      const t = setTimeout(kill, 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && process.argv[2] === '--serve-hub') {
  const site = Uint8Array.from(JSON.parse(process.argv[3]!) as number[]);
  const suite = defaultCryptoSuite();
  const transport = await UdpTransport.bind({ host: '127.0.0.1', busyPollUs: Number(process.argv[4] ?? 0) });
  const node = await SaltwireNode.start({
    id: 'hub',
    keyring: new SiteKeyring(suite, site),
    suite,
    transport,
    state: new MemoryStateStore(),
    provisioning: true,
    peerMaxDatagram: 1200,
    reliability: BENCH_RELIABILITY,
  });
  const hub = await Hub.start(node, {});
  hub.serve('echo', (params) => params);
  const quit = (): void => void hub.close().then(() => node.close()).finally(() => process.exit(0));
  process.once('SIGTERM', quit);
  process.once('disconnect', quit);
  process.send?.({ port: transport.local.port });
}
