// What the cluster tests share: `saltwire hub` processes with a cluster bridge, and roaming devices in
// the test's process knowing hub-a, hub-b and hub-c (one derived key under each id).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';
import { RoamingClient } from '../../src/cluster/index.js';
import { deriveDeviceKey, PairKeyring, startNode, type SaltwireNode } from '../../src/internals.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { toHex } from '../../src/util/bytes.js';
import { procs } from '../messaging/hub-process.js';

export const SITE = new Uint8Array(32).fill(9);
const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * `saltwire hub --id ID ... --mqtt URL --config FILE` in its own process, resolved with its UDP port
 * once it listens (test/messaging/hub-process.ts's, with room for three tsx starts on a loaded host);
 * `kill9` kills it, `stop` sends SIGTERM (the hub's graceful stop) and waits for it to exit.
 */
export async function hubProcess(id: string, stateDir: string, args: readonly string[]): Promise<{ port: number; kill9: () => Promise<void>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'hub', '--id', id, '--listen', '127.0.0.1:0', '--site', toHex(SITE), '--state', stateDir, ...args], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', process.env.CLUSTER_DEBUG ? 'inherit' : 'ignore'],
  });
  procs.add(child);
  const exited = new Promise<void>((r) => child.on('exit', () => (procs.delete(child), r())));
  let out = '';
  const port = await new Promise<number>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${id} not listening after 40 s: ${out}`)), 40_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening [^\s]*:(\d+)/.exec(out);
      if (m !== null) (clearTimeout(t), res(Number(m[1])));
    });
    child.on('exit', (code) => (clearTimeout(t), rej(new Error(`${id} exited ${code}: ${out}`))));
  });
  return { port, kill9: async () => void (child.kill('SIGKILL'), await exited), stop: async () => void (child.kill('SIGTERM'), await exited) };
}
export const HUBS = ['hub-a', 'hub-b', 'hub-c'] as const;
/** Run after each test, last first. */
export const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  for (const p of procs) p.kill('SIGKILL');
});

/** A device whose node knows the three hubs (same derived key under each id), on `hubs[0]` first. */
export async function device(dir: string, id: string, ports: Record<string, number>, hubs: string[], readyTimeoutMs = 2000): Promise<{ node: SaltwireNode; client: RoamingClient }> {
  const suite = defaultCryptoSuite();
  const key = deriveDeviceKey(suite, SITE, id, 0);
  const keyring = new PairKeyring();
  for (const h of HUBS) keyring.add(h, 0, key);
  const node = await startNode({
    id, keyring, suite, listen: { host: '127.0.0.1' }, stateDir: join(dir, id), provisioning: true,
    // only the hub in use hears from the device (the others would claim it too); ports of hubs not started are 9 (discard)
    peers: HUBS.map((h) => ({ id: h, address: { host: '127.0.0.1', port: ports[h] ?? 9 }, keepalive: h === hubs[0] })),
    liveness: { keepaliveMs: 150, probeAfterMs: 300, probeIntervalMs: 100, probeMaxIntervalMs: 200, unreachableAfterMs: 600, recoveryIntervalMs: 500 },
  });
  const client = await RoamingClient.start(node, { hubs, readyTimeoutMs });
  cleanup.push(async () => {
    await client.close();
    await node.close();
  });
  return { node, client };
}

