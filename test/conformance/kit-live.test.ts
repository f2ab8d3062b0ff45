// Live mode of the conformance kit (issue 19): `saltwire conformance live` against a running SDK hub
// (conformance/targets/live-hub.ts, its own process on a free loopback port) passes every check,
// restart included (--restart-command kills and starts it again); and each fault of that hub is
// caught under its spec id: a replay accepted [SW-5.4-1], a drop that answers [SW-6.3-1], a nonce
// reused after a restart [SW-4.6-1] [SW-5.2-9], an alias beyond the declared limit [SW-15.7-3], a
// reliability window violated [SW-14.12-14]; frames out of order is a SHOULD [SW-9.4-2]: NON-STRICT,
// a failure under --strict.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLive, shell, type LiveOptions, type LiveReport } from '../../conformance/kit/live/run.js';
import { readRequirements } from '../../conformance/kit/spec-text.js';
import { run } from '../../src/cli/main.js';
import { defaultCryptoSuite, deriveDeviceKey } from '../../src/index.js';
import { cToolchainMissing } from './c-toolchain.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SITE = '5c'.repeat(32);
const reqs = readRequirements();
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The hub as its own process; `restart` is the shell command that kills it (SIGKILL) and starts it again. */
async function liveHub(fault?: string): Promise<{ port: number; dir: string; restart: string; drops: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-live-hub-'));
  const port = await freePort();
  const launch = `cd ${ROOT} && : > ${dir}/log && (node --import tsx conformance/targets/live-hub.ts --listen 127.0.0.1:${port} --site ${SITE} --state ${dir} --drops ${dir}/drops.json${fault ? ` --fault ${fault}` : ''} >> ${dir}/log 2>&1 & echo $! > ${dir}/pid)`;
  const wait = `for i in $(seq 150); do grep -q listening ${dir}/log && exit 0; sleep 0.1; done; cat ${dir}/log >&2; exit 1`;
  const kill = `kill -9 $(cat ${dir}/pid) 2>/dev/null`;
  cleanup.push(async () => {
    await shell(`${kill}; true`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  await shell(`${launch}; ${wait}`, 20_000);
  writeFileSync(join(dir, 'site'), SITE);
  return { port, dir, restart: `${kill}; sleep 0.1; ${launch}; ${wait}`, drops: `cat ${dir}/drops.json` };
}

async function live(port: number, o: Partial<LiveOptions> = {}): Promise<LiveReport> {
  return runLive({ address: { host: '127.0.0.1', port }, role: 'hub', targetId: 'hub', id: 'live-a', siteKey: Buffer.from(SITE, 'hex'), ...o }, reqs);
}

const status = (rep: LiveReport): Record<string, string> => Object.fromEntries(rep.results.map((r) => [r.name, r.status]));
const failed = (rep: LiveReport): string[] => rep.results.filter((r) => r.status === 'fail').map((r) => `${r.name} ${r.refs.join(',')}`);

describe('conformance live mode against the SDK hub', () => {
  it('first contact, a replay, bad datagrams dropped and counted by their reason, pub/sub, every RPC outcome', async () => {
    const h = await liveHub();
    const only = ['first-contact', 'replay', 'drop-random', 'drop-bad-version', 'drop-bad-form', 'drop-truncated', 'drop-flipped-tag', 'drop-wrong-key', 'pubsub-qos0', 'pubsub-qos1', 'pubsub-qos2', 'rpc-ok', 'rpc-no-responder', 'rpc-remote-error', 'rpc-unreachable'];
    const rep = await live(h.port, { dropsCommand: h.drops, only });
    expect(failed(rep)).toEqual([]);
    expect(rep.exitCode).toBe(0);
    expect(rep.results.map((r) => `${r.name} ${r.status}`)).toEqual(only.map((n) => `${n} pass`));
  }, 20_000);

  it('reliability under loss, duplication and reordering, the declared limits, amplification, the capture\'s invariants', async () => {
    const h = await liveHub();
    const only = ['first-contact', 'chaos', 'limit-datagram', 'limit-alias', 'limit-window', 'amplification', 'wire-nonce', 'wire-epoch', 'wire-frame-order'];
    const rep = await live(h.port, { only });
    expect(rep.results.map((r) => `${r.name} ${r.status}`)).toEqual(only.map((n) => `${n} pass`));
  }, 20_000);

  it('a restart: the hub comes back under a higher epoch, its devices recover (CLI, JSON and JUnit reports)', async () => {
    const h = await liveHub();
    const lines: string[] = [];
    const code = await run(
      ['conformance', 'live', '--target', `udp://127.0.0.1:${h.port}`, '--site-file', join(h.dir, 'site'), '--restart-command', h.restart, '--only', 'first-contact,pubsub-qos1,restart,wire-nonce,wire-epoch',
        '--json', join(h.dir, 'r.json'), '--junit', join(h.dir, 'r.xml'), '--html', join(h.dir, 'r.html')],
      { out: (l) => void lines.push(l), err: (l) => void lines.push(l), env: process.env, stdin: process.stdin, isTTY: false, stopped: new Promise(() => {}) },
    );
    expect(code, lines.join('\n')).toBe(0);
    const rep = JSON.parse(readFileSync(join(h.dir, 'r.json'), 'utf8')) as { mode: string; tests: Array<{ name: string; status: string; requirements: Array<{ id: string; text: string }> }> };
    expect(rep.mode).toBe('live');
    expect(rep.tests.find((t) => t.name === 'restart')?.status).toBe('pass');
    expect(rep.tests.map((t) => `${t.name} ${t.status}`)).toEqual(['first-contact pass', 'pubsub-qos1 pass', 'restart pass', 'wire-nonce pass', 'wire-epoch pass']);
    expect(readFileSync(join(h.dir, 'r.xml'), 'utf8')).toContain('<testcase classname="live.hub" name="restart');
    expect(readFileSync(join(h.dir, 'r.html'), 'utf8')).toContain('Saltwire conformance: live');
  }, 40_000);
});

const cMissing = cToolchainMissing();

describe.skipIf(cMissing !== undefined)('conformance live mode against the C device (conformance/c, build/swdevice --live)', () => {
  it('passes every check, a restart (SIGKILL, started again from its epoch file) included', async () => {
    execFileSync('make', ['-C', join(ROOT, 'conformance', 'c'), 'host'], { stdio: 'ignore' });
    const dir = mkdtempSync(join(tmpdir(), 'saltwire-live-cdev-'));
    const hubPort = await freePort();
    const key = Buffer.from(deriveDeviceKey(defaultCryptoSuite(), Buffer.from(SITE, 'hex'), 'cdev', 0)).toString('hex');
    // stdin held open by sleep: the device exits when its stdin ends
    // ($! of a background pipeline is its last process: the device itself)
    const launch = `: > ${dir}/log && (sleep 60 </dev/null 2>/dev/null | ${ROOT}/conformance/c/build/swdevice --live --id cdev --key ${key} --connect 127.0.0.1:${hubPort} --state ${dir}/epoch --drops ${dir}/drops.json >> ${dir}/log 2>&1 & echo $! > ${dir}/pid)`;
    const wait = `for i in $(seq 50); do grep -q listening ${dir}/log && exit 0; sleep 0.1; done; exit 1`;
    const kill = `kill -9 $(cat ${dir}/pid) 2>/dev/null`;
    cleanup.push(async () => {
      await shell(`${kill}; true`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });
    await shell(`${launch}; ${wait}`);
    const port = Number(/"port":(\d+)/.exec(readFileSync(join(dir, 'log'), 'utf8'))![1]);
    const t0 = performance.now();
    const rep = await live(port, { role: 'device', targetId: 'cdev', id: 'hub', listen: { host: '127.0.0.1', port: hubPort }, dropsCommand: `cat ${dir}/drops.json`, restartCommand: `${kill}; sleep 0.1; ${launch}; ${wait}` });
    expect(failed(rep)).toEqual([]);
    const st = status(rep);
    for (const name of ['first-contact', 'replay', 'drop-truncated', 'pubsub-qos2', 'rpc-ok', 'chaos', 'device-declares', 'restart', 'wire-nonce', 'wire-epoch']) expect(st[name], name).toBe('pass');
    expect(performance.now() - t0).toBeLessThan(15_000);
  }, 25_000);
});

describe('conformance live mode catches a faulty hub under the right spec id', () => {
  it('a replay accepted: [SW-5.4-1]', async () => {
    const h = await liveHub('accept-replay');
    const rep = await live(h.port, { only: ['first-contact', 'replay'] });
    expect(failed(rep)).toEqual(['replay SW-5.4-1,SW-6.3-1']);
    expect(rep.exitCode).toBe(1);
  }, 20_000);

  it('a drop that answers: [SW-6.3-1], every bad datagram', async () => {
    const h = await liveHub('answer-drops');
    const rep = await live(h.port, { only: ['first-contact', 'drop-random', 'drop-bad-form', 'drop-truncated', 'drop-wrong-key'] });
    expect(failed(rep)).toEqual(['drop-random SW-6.3-1', 'drop-bad-form SW-4.2-2,SW-6.3-1', 'drop-truncated SW-4.5-2,SW-6.3-1', 'drop-wrong-key SW-4.5-2,SW-6.3-1']);
    expect(rep.results.find((r) => r.name === 'drop-random')?.detail).toMatch(/answered a datagram it must drop: 40 bytes/);
  }, 20_000);

  it('a nonce reused after a restart: [SW-4.6-1] and [SW-5.2-9] (needs --restart-command)', async () => {
    const h = await liveHub('reuse-nonce');
    const rep = await live(h.port, { only: ['first-contact', 'restart', 'wire-nonce', 'wire-epoch'], restartCommand: h.restart, restartRecoveryMs: 3000 });
    expect(failed(rep)).toEqual(expect.arrayContaining(['wire-nonce SW-4.6-1', 'wire-epoch SW-5.2-9']));
  }, 40_000);

  it('an alias beyond the declared limit: [SW-15.7-3]', async () => {
    const h = await liveHub('ignore-aliases');
    const rep = await live(h.port, { only: ['first-contact', 'limit-alias', 'limit-window'] });
    expect(failed(rep)).toEqual(['limit-alias SW-15.7-3']);
  }, 30_000);

  it('a reliability window violated: [SW-14.12-14]', async () => {
    const h = await liveHub('ignore-window');
    const rep = await live(h.port, { only: ['first-contact', 'limit-alias', 'limit-window'] });
    expect(failed(rep)).toEqual(['limit-window SW-14.12-14']);
  }, 30_000);

  it('frames out of order, a SHOULD [SW-9.4-2]: NON-STRICT by default, a failure under --strict', async () => {
    const h = await liveHub('misorder-frames');
    const only = ['first-contact', 'pubsub-qos1', 'wire-frame-order'];
    const rep = await live(h.port, { only });
    expect(status(rep)['wire-frame-order']).toBe('nonstrict');
    expect(rep.exitCode).toBe(0);
    const strict = await live(h.port, { only, strict: true });
    expect(failed(strict)).toEqual(['wire-frame-order SW-9.4-2']);
    expect(strict.exitCode).toBe(1);
  }, 30_000);
});
