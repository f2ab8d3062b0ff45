/**
 * `serve` runs user code (issue 18): the functions a module exports (--module), or a command per
 * call (--command, as `nats reply --command`). In-process against a hub on UDP loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { run } from '../../src/cli/main.js';
import { deriveDeviceKey, generateKey, RpcRemoteError, startClient, startHub, toHex, tweetnaclSuite, type Client, type Hub } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-serve-'));
const site = generateKey(tweetnaclSuite);
const key = (id: string): string => toHex(deriveDeviceKey(tweetnaclSuite, site, id, 0));
let hub: Hub;
let caller: Client;
let addr = '';

beforeAll(async () => {
  hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: join(tmp, 'hub') });
  addr = `127.0.0.1:${hub.node.local.port}`;
  caller = await startClient({ hub: addr, id: 'caller', key: key('caller'), stateDir: join(tmp, 'caller') });
});
afterAll(async () => {
  await caller.close();
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs `serve ARGS` as device `id` until the returned stop() is called; resolves once it printed ready. */
async function serve(id: string, args: string[]): Promise<{ stop(): Promise<number>; err: string[] }> {
  const err: string[] = [];
  let stop!: (s: string) => void;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const io: Io = { out: (l) => l === 'ready' && ready(), err: (l) => void err.push(l), env: { XDG_STATE_HOME: tmp, SALTWIRE_KEY: key(id) }, stopped: new Promise((r) => (stop = r)) };
  const done = run(['serve', '--hub', addr, '--id', id, ...args], io);
  await Promise.race([isReady, done.then((c) => Promise.reject(new Error(`serve exited ${c}: ${err.join('\n')}`)))]);
  return { stop: () => (stop('SIGTERM'), done), err };
}

describe('serve runs user code', () => {
  it('--module: each exported function is a method (named exports and a default object)', async () => {
    const file = join(tmp, 'handlers.mjs');
    writeFileSync(file, `export function add({ a, b }) { return a + b; }\nexport async function whoami(_p, { from, method }) { return { from, method }; }\nexport default { shout: (s) => String(s).toUpperCase(), fail() { throw Object.assign(new Error('no'), { code: 'nope' }); } };\n`);
    const s = await serve('mod', ['--module', file]);
    expect(await caller.call<number>('mod', 'add', { a: 2, b: 3 })).toBe(5);
    expect(await caller.call('mod', 'whoami')).toEqual({ from: 'caller', method: 'whoami' });
    expect(await caller.call('mod', 'shout', 'hi')).toBe('HI');
    const e = await caller.call('mod', 'fail').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcRemoteError);
    expect((e as RpcRemoteError).remoteCode).toBe('nope');
    expect(await s.stop()).toBe(0);
  });

  it('--command: params on stdin, stdout the result (JSON or text), a failing exit a remote error', async () => {
    const s = await serve('cmd', ['--method', 'sum', '--command', `node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);console.log(JSON.stringify({sum:p.a+p.b,caller:process.env.SALTWIRE_CALLER}))})'`]);
    expect(await caller.call('cmd', 'sum', { a: 1, b: 41 }, { timeoutMs: 10_000 })).toEqual({ sum: 42, caller: 'caller' });
    expect(await s.stop()).toBe(0);
    const t = await serve('txt', ['--method', 'hello', '--command', 'echo hello world']);
    expect(await caller.call('txt', 'hello', null, { timeoutMs: 10_000 })).toBe('hello world');
    await t.stop();
    const f = await serve('bad', ['--method', 'x', '--command', 'echo broken >&2; exit 3']);
    const e = await caller.call('bad', 'x', null, { timeoutMs: 10_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcRemoteError);
    expect([(e as RpcRemoteError).remoteCode, (e as RpcRemoteError).remoteMessage]).toEqual(['exit-3', 'broken']);
    await f.stop();
  });

  it('exactly one thing to serve', async () => {
    const err: string[] = [];
    const io: Io = { out: () => undefined, err: (l) => void err.push(l), env: { SALTWIRE_KEY: key('x') }, stopped: new Promise(() => undefined) };
    expect(await run(['serve', '--hub', addr, '--id', 'x'], io)).toBe(1);
    expect(err[0]).toMatch(/^saltwire serve: nothing to serve: give --echo, --module FILE, or --method NAME --command CMD/);
    expect(await run(['serve', '--hub', addr, '--id', 'x', '--command', 'true'], io)).toBe(1);
    expect(err[1]).toMatch(/--method and --command go together/);
  });
});
