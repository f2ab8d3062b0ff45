/**
 * The `saltwire` command end to end, as a user runs it: real processes (node --import tsx
 * src/cli/main.ts), real UDP on loopback, the hub on a port the OS picks (read from its
 * "listening" line). Each test has its own XDG_STATE_HOME, so the default state directories are
 * fresh and removed afterwards.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, generateKey } from '../../src/crypto/keys.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { toHex } from '../../src/util/bytes.js';
import { killAll, runCli, spawnCli, type Cli, type Ran } from './cli-process.js';

const T = 20_000; // per test
let tmp = '';
let site: Uint8Array = new Uint8Array(32);

/** The test's environment: default state directories under its own XDG_STATE_HOME. */
const start = (args: string[], env: Record<string, string> = {}): Cli => spawnCli(args, { XDG_STATE_HOME: tmp, ...env });
const run = (args: string[], env: Record<string, string> = {}, ms = 10_000): Promise<Ran> => runCli(args, { XDG_STATE_HOME: tmp, ...env }, ms);

const keyOf = (id: string): string => toHex(deriveDeviceKey(defaultCryptoSuite(), site, id, 0));
/** --hub, --id and --key of device `id`. */
const dev = (hub: string, id: string): string[] => ['--hub', hub, '--id', id, '--key', keyOf(id)];

async function startHub(extra: string[] = []): Promise<{ hub: Cli; addr: string }> {
  const hub = start(['hub', '--listen', '127.0.0.1:0', '--site', toHex(site), ...extra]);
  const m = await hub.waitFor(/^listening (127\.0\.0\.1:\d+)$/m, 15_000);
  return { hub, addr: m[1]! };
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'saltwire-cli-'));
  site = generateKey(defaultCryptoSuite());
});

afterEach(async () => {
  await killAll();
  rmSync(tmp, { recursive: true, force: true });
});

describe('saltwire CLI, end to end', () => {
  it('keygen and derive print keys as 64 lowercase hex characters', { timeout: T }, async () => {
    const k = await run(['keygen']);
    expect(k.code).toBe(0);
    expect(k.out).toMatch(/^[0-9a-f]{64}\n$/);
    const d = await run(['derive', '--device', 'pump-1'], { SALTWIRE_SITE_KEY: toHex(site) });
    expect(d).toMatchObject({ code: 0, out: `${keyOf('pump-1')}\n`, err: '' });
  });

  it('hub + sub + pub at QoS 0: sub prints the payloads and exits 0 after --count', { timeout: T }, async () => {
    const { addr } = await startHub();
    const sub = start(['sub', ...dev(addr, 'sink'), '--topic', 'sensors/+/temp', '--count', '2']);
    await sub.waitFor(/^subscribed sensors\/\+\/temp qos 0$/m, 8000, 'stderr');
    const pub = await run(['pub', '--hub', addr, '--id', 'src', '--topic', 'sensors/s1/temp', '--message', '21.5', '--repeat', '2', '--interval', '50'], { SALTWIRE_KEY: keyOf('src') });
    expect(pub.code, pub.err).toBe(0);
    expect(await sub.exit(), sub.describe()).toBe(0);
    expect(sub.lines).toEqual(['21.5', '21.5']);
  });

  it('QoS 1 with --json: {topic, payload, encoding, qos, retained, from}', { timeout: T }, async () => {
    const { addr } = await startHub();
    const sub = start(['sub', ...dev(addr, 'sink'), '--topic', 'a/#', '--qos', '1', '--count', '1', '--json']);
    await sub.waitFor(/^subscribed a\/# qos 1$/m, 8000, 'stderr');
    const pub = await run(['pub', ...dev(addr, 'src'), '--topic', 'a/b', '--message', 'héllo wörld', '--qos', '1']);
    expect(pub.code, pub.err).toBe(0);
    expect(await sub.exit(), sub.describe()).toBe(0);
    expect(sub.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { topic: 'a/b', payload: 'héllo wörld', encoding: 'utf8', qos: 1, retained: false, from: 'src' },
    ]);
  });

  it('sub exits 2 when --timeout passes before --count publications', { timeout: T }, async () => {
    const { addr } = await startHub();
    const r = await run(['sub', ...dev(addr, 'sink'), '--topic', 'quiet', '--count', '1', '--timeout', '1']);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/timed out after 1 s/);
  });

  it('serve --echo prints ready; call echo and time print JSON results (exit 0)', { timeout: T }, async () => {
    const { addr } = await startHub(['--busy-poll-us', '200']);
    const srv = start(['serve', ...dev(addr, 'svc'), '--echo', '--busy-poll-us', '200']);
    await srv.waitFor(/^ready$/m);
    const echo = await run(['call', ...dev(addr, 'cli'), '--to', 'svc', '--method', 'echo', '--params', '{"a":[1,"x",null],"b":true}', '--busy-poll-us', '200']);
    expect(echo, echo.err).toMatchObject({ code: 0, out: '{"a":[1,"x",null],"b":true}\n' });
    const time = await run(['call', ...dev(addr, 'cli'), '--to', 'svc', '--method', 'time']);
    expect(time.code, time.err).toBe(0);
    const t = JSON.parse(time.out) as { iso: string; epochMs: number };
    expect(new Date(t.iso).getTime()).toBe(t.epochMs);
    expect(Math.abs(t.epochMs - Date.now())).toBeLessThan(10_000);
    srv.child.kill('SIGINT');
    expect(await srv.exit(), srv.describe()).toBe(0);
  });

  it('call: unknown device exits 3 at once, a method not served exits 4', { timeout: T }, async () => {
    const { addr } = await startHub();
    const srv = start(['serve', ...dev(addr, 'svc'), '--echo']);
    await srv.waitFor(/^ready$/m);
    const ghost = await run(['call', ...dev(addr, 'cli'), '--to', 'ghost', '--method', 'echo']);
    expect(ghost.code, ghost.err).toBe(3);
    expect(ghost.err).toMatch(/"ghost" is unreachable/);
    expect(ghost.ms).toBeLessThan(4000); // mostly process start: the hub answers at once
    const none = await run(['call', ...dev(addr, 'cli'), '--to', 'svc', '--method', 'nope']);
    expect(none.code, none.err).toBe(4);
    expect(none.err).toMatch(/no responder for method "nope"/);
  });

  it('call exits 5 when the responder is gone (killed) and --timeout passes', { timeout: T }, async () => {
    const { addr } = await startHub();
    const srv = start(['serve', ...dev(addr, 'svc'), '--echo']);
    await srv.waitFor(/^ready$/m);
    srv.child.kill('SIGKILL');
    await srv.exited;
    const r = await run(['call', ...dev(addr, 'cli'), '--to', 'svc', '--method', 'echo', '--timeout', '800']);
    expect(r.code, r.err).toBe(5);
    expect(r.err).toMatch(/timed out after 800 ms/);
  });

  it('--config access control: a denied call exits 6, a refused subscription too, and a refused QoS 1 publication [SW-15.4-4]', { timeout: 30_000 }, async () => {
    const config = join(tmp, 'hub.json');
    const acl = { rules: [{ devices: ['*'], publish: ['#'], subscribe: ['#'], serve: ['*'], call: ['time'] }] };
    writeFileSync(config, JSON.stringify({ acl }));
    const { addr } = await startHub(['--config', config]);
    const srv = start(['serve', ...dev(addr, 'svc'), '--echo']);
    await srv.waitFor(/^ready$/m);
    const denied = await run(['call', ...dev(addr, 'cli'), '--to', 'svc', '--method', 'echo', '--params', '1']);
    expect(denied.code, denied.err).toBe(6);
    expect(denied.err).toMatch(/rejected the call of "echo"/);
    const allowed = await run(['call', ...dev(addr, 'cli'), '--to', 'svc', '--method', 'time']);
    expect(allowed.code, allowed.err).toBe(0);
    const sys = await run(['sub', ...dev(addr, 'sink'), '--topic', '$SYS/#', '--timeout', '5']);
    expect(sys.code, sys.err).toBe(6);
    expect(sys.err).toMatch(/refused/);
    const pubDenied = await run(['pub', ...dev(addr, 'src'), '--topic', '$SYS/x', '--message', 'm', '--qos', '1']);
    expect(pubDenied.code, pubDenied.err).toBe(6);
    expect(pubDenied.err).toMatch(/refused by access control/);
  });

  it('pub --retain: a later subscriber gets it flagged retained', { timeout: T }, async () => {
    const { addr } = await startHub();
    const pub = await run(['pub', ...dev(addr, 'src'), '--topic', 'cfg/rate', '--message', '10', '--retain', '--qos', '1']);
    expect(pub.code, pub.err).toBe(0);
    const sub = await run(['sub', ...dev(addr, 'sink'), '--topic', 'cfg/#', '--count', '1', '--json', '--timeout', '5']);
    expect(sub.code, sub.err).toBe(0);
    expect(JSON.parse(sub.out)).toMatchObject({ topic: 'cfg/rate', payload: '10', retained: true, from: 'src' });
  });

  it('default state directories: $XDG_STATE_HOME/saltwire/<ID> and hub-<PORT>; without XDG_STATE_HOME, ~/.local/state/saltwire', { timeout: T }, async () => {
    const { addr } = await startHub();
    const pub = await run(['pub', ...dev(addr, 'src'), '--topic', 't', '--message', 'm', '--qos', '1']);
    expect(pub.code, pub.err).toBe(0);
    const nonEmpty = (dir: string): boolean => existsSync(dir) && readdirSync(dir).length > 0;
    expect(nonEmpty(join(tmp, 'saltwire', 'src'))).toBe(true);
    expect(nonEmpty(join(tmp, 'saltwire', `hub-${addr.split(':')[1]}`))).toBe(true);
    const home = join(tmp, 'home');
    for (const xdg of ['', 'relative/dir']) {
      const r = await run(['pub', ...dev(addr, 'src2'), '--topic', 't', '--message', 'm', '--qos', '1'], { XDG_STATE_HOME: xdg, HOME: home });
      expect(r.code, r.err).toBe(0);
    }
    expect(nonEmpty(join(home, '.local', 'state', 'saltwire', 'src2'))).toBe(true);
    expect(existsSync(join(tmp, 'saltwire', 'src2'))).toBe(false);
  });

  it('hub, serve and sub stop cleanly on SIGTERM / SIGINT (exit 0)', { timeout: T }, async () => {
    const { hub, addr } = await startHub();
    const srv = start(['serve', ...dev(addr, 'svc'), '--echo']);
    const sub = start(['sub', ...dev(addr, 'sink'), '--topic', '#']);
    await srv.waitFor(/^ready$/m);
    await sub.waitFor(/^subscribed # qos 0$/m, 8000, 'stderr');
    srv.child.kill('SIGTERM');
    sub.child.kill('SIGINT');
    expect(await srv.exit(), srv.describe()).toBe(0);
    expect(await sub.exit(), sub.describe()).toBe(0);
    hub.child.kill('SIGTERM');
    expect(await hub.exit(), hub.describe()).toBe(0);
    expect(hub.stderr).not.toMatch(/\n\s+at /);
  });

  // these two start a dozen processes at once: on a loaded 2-vCPU machine each may take over 10 s
  it('bad input: one error naming the problem, the usage, exit 1, no stack trace', { timeout: 2 * T }, async () => {
    const key = keyOf('x');
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['pub', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key.slice(2), '--topic', 't', '--message', 'm'], /--key must be 64 hex characters \(a 32-byte key\), got 62/],
      [['pub', '--hub', '127.0.0.1:9', '--id', 'x', '--key', `${key.slice(2)}xy`, '--topic', 't', '--message', 'm'], /--key is not hex: "x"/],
      [['pub', '--hub', '127.0.0.1:9', '--id', 'x', '--topic', 't', '--message', 'm'], /SALTWIRE_KEY \(environment\) must be 64 hex/, { SALTWIRE_KEY: 'abc' }],
      [['sub', '--hub', '127.0.0.1:9', '--id', 'bad id', '--key', key, '--topic', 't'], /--id: invalid node id "bad id"/],
      [['pub', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key, '--topic', 'a/#', '--message', 'm'], /--topic: invalid topic name "a\/#"/],
      [['sub', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key, '--topic', 'a/b#'], /--topic: invalid topic filter "a\/b#"/],
      [['sub', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key, '--topic', 't', '--qos', '3'], /--qos must be 0, 1 or 2, got "3"/],
      [['call', '--hub', 'localhost', '--id', 'x', '--key', key, '--to', 'y', '--method', 'm'], /--hub must be HOST:PORT/],
      [['hub', '--listen', '127.0.0.1:99999', '--site', key], /--listen must be HOST:PORT .*from 0 to 65535/],
      [['hub', '--listen', '127.0.0.1:0', '--site', key, '--busy-poll-us', '-5'], /--busy-poll-us must be an integer from 0 to 1000000, got "-5"/],
      [['hub', '--listen', '127.0.0.1:0', '--site', key, '--standing-queue-ms', '-1'], /--standing-queue-ms must be an integer from 0 to 60000, got "-1"/],
      [['call', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key, '--to', 'y', '--method', 'm', '--busy-poll-us', '2e6'], /--busy-poll-us must be an integer from 0 to 1000000, got "2e6"/],
      [['serve', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key, '--echo', '--verbose'], /unknown flag --verbose for "saltwire serve"/],
      [['call', '--hub', '127.0.0.1:9', '--id', 'x', '--key', key, '--to', 'y', '--method', 'm', '--params', '{x'], /--params is not valid JSON/],
    ];
    const results = await Promise.all(cases.map(([args, , env]) => run(args, env, 30_000)));
    results.forEach((r, i) => {
      const [args, re] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.split('\n')[0]).toMatch(re);
      expect(r.err).toContain(`usage: saltwire ${args[0]}`);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  });

  it('--help on every command prints its usage and exits 0', { timeout: 2 * T }, async () => {
    const names = ['keygen', 'derive', 'hub', 'pub', 'sub', 'serve', 'call'];
    const results = await Promise.all([run(['--help'], {}, 30_000), ...names.map((n) => run([n, '--help'], {}, 30_000))]);
    expect(results[0]).toMatchObject({ code: 0, out: expect.stringContaining('usage: saltwire <command>') });
    names.forEach((n, i) => expect(results[i + 1], n).toMatchObject({ code: 0, out: expect.stringContaining(`usage: saltwire ${n}`) }));
  });
});
