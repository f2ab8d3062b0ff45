/**
 * Failures are loud: pub, sub, call and serve exit 3 with one line on stderr when the hub never
 * answers, instead of exiting 0 (pub), waiting out a call's timeout (call), printing `subscribed`
 * for a subscription nobody granted (sub) or `ready` (serve). Three ways to get no answer, all over
 * real UDP on loopback: no hub (a port nobody listens on), a hub of another site (the device's key
 * is wrong: the hub drops its datagrams), and the wrong port (a UDP service that is not a hub).
 * In-process (main.ts run() with an Io) for exact timings, and as processes for exit codes and
 * stderr as a user sees them.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS as LOADERS } from '../../src/cli/main.js';
import { deriveDeviceKey, generateKey } from '../../src/crypto/keys.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { toHex } from '../../src/util/bytes.js';
import { killAll, runCli } from './cli-process.js';
import { startCli, type InProcess } from './in-process.js';

const SUITE = defaultCryptoSuite();
const SITE = generateKey(SUITE);
const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['pub', '--topic', 't', '--message', 'm'],
  ['sub', '--topic', 't', '--timeout', '1'],
  ['call', '--to', 'svc', '--method', 'echo'],
  ['serve', '--echo'],
];
const message = (port: number, ms: number): string => `no answer from 127.0.0.1:${port} in ${ms} ms: is the hub running, and is this device's key right?`;

let tmp = '';
let n = 0;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'saltwire-unreach-'));
  // load the commands first: the timings below are the commands', not the module loader's
  await Promise.all(Object.values(LOADERS).map((load) => load()));
});
afterEach(async () => {
  await killAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** --hub, a fresh --id and its --key-file (derived from SITE). */
function device(port: number): string[] {
  const id = `dev-${++n}`;
  const file = join(tmp, `${id}.key`);
  writeFileSync(file, toHex(deriveDeviceKey(SUITE, SITE, id, 0)), { mode: 0o600 });
  return ['--hub', `127.0.0.1:${port}`, '--id', id, '--key-file', file];
}

function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((r) => s.bind(0, '127.0.0.1', () => r(s)));
}

/** A UDP port nobody listens on (bound, then closed). */
async function freePort(): Promise<number> {
  const s = await udp();
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A UDP service that is not a hub: it echoes every datagram back (wrong --hub port). */
async function echoService(): Promise<number> {
  const s = await udp();
  s.on('message', (m, from) => s.send(m, from.port, from.address));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return s.address().port;
}

function start(argv: readonly string[], onOut?: (line: string) => void, bound = 10_000): { done: Promise<InProcess>; stop: () => void } {
  return startCli(argv, tmp, onOut, bound);
}

/** A hub of another site, in this process: every device key of SITE is wrong for it. */
async function otherSiteHub(): Promise<number> {
  let listening!: (port: number) => void;
  const port = new Promise<number>((r) => (listening = r));
  const h = start(
    ['hub', '--listen', '127.0.0.1:0', '--site', toHex(generateKey(SUITE))],
    (l) => {
      const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(l);
      if (m !== null) listening(Number(m[1]));
    },
    60_000,
  );
  cleanups.push(async () => {
    h.stop();
    expect((await h.done).code).toBe(0);
  });
  return Promise.race([port, h.done.then((r) => Promise.reject(new Error(`hub exited ${r.code}: ${r.err.join('\n')}`)))]);
}

const SCENARIOS: ReadonlyArray<readonly [string, () => Promise<number>]> = [
  ['no hub (nobody listens on the port)', freePort],
  ['a wrong key (a hub of another site)', otherSiteHub],
  ['the wrong port (a UDP service that is not a hub)', echoService],
];

describe('no answer from the hub: pub, sub, call and serve exit 3 with one line', () => {
  for (const [what, setup] of SCENARIOS) {
    it(`${what}: exit 3 and the message, at --connect-timeout (in-process)`, { timeout: 15_000 }, async () => {
      const port = await setup();
      const results = await Promise.all(COMMANDS.map((c) => start([...c, ...device(port), '--connect-timeout', '1']).done));
      if (process.env['SALTWIRE_TEST_TIMINGS'] !== undefined) console.log(what, results.map((r, i) => `${COMMANDS[i]![0]} ${r.ms.toFixed(0)} ms`).join(', '));
      results.forEach((r, i) => {
        const name = COMMANDS[i]![0]!;
        expect(r.code, `${name}: ${r.err.join('\n')}`).toBe(3);
        expect(r.err).toEqual([`saltwire ${name}: ${message(port, 1000)}`]);
        expect(r.out).toEqual([]); // no `ready`, nothing received
        expect(r.ms, name).toBeGreaterThanOrEqual(990);
        expect(r.ms, name).toBeLessThan(2500); // not a call's 5 s timeout, not sub's --timeout
      });
    });
  }

  it('--connect-timeout takes decimals (0.5: 500 ms); 0 and words are usage errors', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const r = await start(['call', '--to', 'svc', '--method', 'echo', ...device(port), '--connect-timeout', '0.5']).done;
    expect(r.code).toBe(3);
    expect(r.err).toEqual([`saltwire call: ${message(port, 500)}`]);
    expect(r.ms).toBeLessThan(2000);
    for (const bad of ['0', 'soon', '-1']) {
      const u = await start(['pub', '--topic', 't', '--message', 'm', ...device(port), '--connect-timeout', bad]).done;
      expect(u.code).toBe(1);
      expect(u.err[0]).toMatch(/^saltwire pub: --connect-timeout must be a number greater than 0/);
    }
  });

  it('the default --connect-timeout is 5 s (in-process)', { timeout: 15_000 }, async () => {
    const port = await freePort();
    const results = await Promise.all(COMMANDS.map((c) => start([...c, ...device(port)]).done));
    results.forEach((r, i) => {
      const name = COMMANDS[i]![0]!;
      expect(r.code, `${name}: ${r.err.join('\n')}`).toBe(3);
      expect(r.err).toEqual([`saltwire ${name}: ${message(port, 5000)}`]);
      expect(r.out).toEqual([]);
      expect(r.ms, name).toBeGreaterThanOrEqual(4990);
      expect(r.ms, name).toBeLessThan(7000);
    });
  });

  it('as processes: exit 3, exactly one line on stderr (no stack trace), no `subscribed` or `ready`', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const env = { XDG_STATE_HOME: tmp };
    const results = await Promise.all(COMMANDS.map((c) => runCli([...c, ...device(port), '--connect-timeout', '1'], env, 25_000)));
    if (process.env['SALTWIRE_TEST_TIMINGS'] !== undefined) console.log('processes', results.map((r, i) => `${COMMANDS[i]![0]} ${r.ms.toFixed(0)} ms`).join(', '));
    results.forEach((r, i) => {
      const name = COMMANDS[i]![0]!;
      expect(r.code, `${name}: ${r.err}`).toBe(3);
      expect(r.err).toBe(`saltwire ${name}: ${message(port, 1000)}\n`);
      expect(r.out).toBe('');
    });
  });
});
