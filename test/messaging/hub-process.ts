/**
 * `saltwire hub` in its own process, for the restart and crash tests of the message layer: a
 * SIGKILL loses exactly what a crash loses. Every process started here is in `procs`, so a test's
 * cleanup can kill what a failed test left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, deriveDeviceKey, PairKeyring, startNode, type SaltwireNode } from '../../src/internals.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import type { StartNodeOptions } from '../../src/node/start.js';
import { toHex } from '../../src/util/bytes.js';

const MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Hub processes alive now. */
export const procs = new Set<ChildProcess>();

/** Starts `saltwire hub` on `port` (0: any) and resolves once it prints `listening`. */
export async function hubProcess(site: Uint8Array, stateDir: string, port: number, extra: readonly string[] = []): Promise<{ child: ChildProcess; port: number; exited: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'hub', '--listen', `127.0.0.1:${port}`, '--site', toHex(site), '--state', stateDir, ...extra], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.add(child);
  const exited = new Promise<void>((r) => child.on('exit', () => (procs.delete(child), r())));
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const bound = await new Promise<number>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`hub not listening after 15 s: ${out} ${err}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening [^\s]*:(\d+)/.exec(out);
      if (m !== null) (clearTimeout(t), res(Number(m[1])));
    });
    child.on('exit', (code) => (clearTimeout(t), rej(new Error(`hub exited ${code}: ${err}`))));
  });
  return { child, port: bound, exited };
}

/**
 * A device (a node and its Client, in this process) with its state under `dir/<id>`, provisioned
 * with the site's derived key, that knows the hub at 127.0.0.1:`hubPort`. `cleanup` gets its close.
 */
export async function hubDevice(
  site: Uint8Array,
  id: string,
  dir: string,
  hubPort: number,
  send: NonNullable<NonNullable<StartNodeOptions['reliability']>['send']>,
  cleanup: Array<() => Promise<void> | void>,
): Promise<{ node: SaltwireNode; client: Client }> {
  const suite = defaultCryptoSuite();
  const node = await startNode({
    id,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, site, id, 0)),
    listen: { host: '127.0.0.1' },
    stateDir: join(dir, id),
    provisioning: true,
    suite,
    peers: [{ id: 'hub', address: { host: '127.0.0.1', port: hubPort } }],
    reliability: { send },
  });
  const client = await Client.start(node, { hub: 'hub' });
  cleanup.push(async () => {
    await client.close();
    await node.close();
  });
  return { node, client };
}
