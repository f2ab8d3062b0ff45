/**
 * The reproduction of nonce reuse and lockout through the CLI (spec 5.2, 12.4): wipe the
 * state of `pub`, publish; wipe again, publish again; and wipe the hub's state between two runs.
 * Before BOOT both first datagrams carried the same header under the same key (nonce reuse), and
 * the wiped device was then locked out in silence (its QoS 1 publish failed after 61 s). Now every
 * publication arrives, every `pub` exits 0 quickly, and no FULL header repeats on the wire.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveDeviceKey, generateKey } from '../../src/crypto/keys.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { ChaosProxy } from '../../src/transport/chaos-proxy.js';
import { toHex } from '../../src/util/bytes.js';
import { startCli } from './in-process.js';

const SUITE = defaultCryptoSuite();
const SITE = generateKey(SUITE);
const tmp = mkdtempSync(join(tmpdir(), 'saltwire-cli-loss-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function start(argv: readonly string[], onOut?: (line: string) => void) {
  return startCli(argv, tmp, onOut, 60_000);
}

async function hub(stateDir: string, port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  let listening!: (port: number) => void;
  const bound = new Promise<number>((r) => (listening = r));
  const h = start(['hub', '--listen', `127.0.0.1:${port}`, '--site', toHex(SITE), '--state', stateDir], (l) => {
    const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(l);
    if (m !== null) listening(Number(m[1]));
  });
  const p = await Promise.race([bound, h.done.then((r) => Promise.reject(new Error(`hub exited ${r.code}: ${r.err.join('\n')}`)))]);
  return { port: p, stop: async () => (h.stop(), void (await h.done)) };
}

describe('state loss through the CLI [SW-5.2-7] [SW-12.4-3]', () => {
  it('a wiped pub publishes again at once, a wiped hub serves again, and no FULL header repeats', async () => {
    const hubDir = join(tmp, 'hub');
    const devDir = join(tmp, 'dev');
    const id = 'sensor-1';
    const keyFile = join(tmp, `${id}.key`);
    writeFileSync(keyFile, toHex(deriveDeviceKey(SUITE, SITE, id, 0)), { mode: 0o600 });
    let h = await hub(hubDir);
    const proxy = await ChaosProxy.start({ target: { host: '127.0.0.1', port: h.port }, maxCapture: 100_000 });
    const got: string[] = [];
    const sub = start(['sub', '--hub', `127.0.0.1:${proxy.address.port}`, '--id', 'watcher', '--key', toHex(deriveDeviceKey(SUITE, SITE, 'watcher', 0)), '--topic', 'pin', '--qos', '1', '--state', join(tmp, 'watcher')], (l) => got.push(l));
    const pub = async (message: string) => {
      const r = await start(['pub', '--hub', `127.0.0.1:${proxy.address.port}`, '--id', id, '--key-file', keyFile, '--state', devDir, '--topic', 'pin', '--message', message, '--qos', '1']).done;
      expect(r.err).toEqual([]);
      expect(r.code).toBe(0);
      return r.ms;
    };
    const until = async (text: string) => {
      const t0 = performance.now();
      while (!got.includes(text) && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
      expect(got).toContain(text);
    };
    try {
      await new Promise((r) => setTimeout(r, 300)); // the watcher subscribes
      const times: number[] = [];
      times.push(await pub('PIN=1234'));
      await until('PIN=1234');
      rmSync(devDir, { recursive: true, force: true });
      times.push(await pub('PIN=9876')); // the wiped device: stale at the hub, told, and delivered
      await until('PIN=9876');
      rmSync(devDir, { recursive: true, force: true });
      times.push(await pub('PIN=5555'));
      await until('PIN=5555');
      // the hub's state wiped between two runs on the same port
      await h.stop();
      rmSync(hubDir, { recursive: true, force: true });
      h = await hub(hubDir, h.port);
      times.push(await pub('PIN=0000'));
      for (const t of times) expect(t).toBeLessThan(5000);
      console.log(`[cli-state-loss] pub run times (ms): ${times.map((t) => t.toFixed(0)).join(', ')}`);
    } finally {
      sub.stop();
      await sub.done;
      await h.stop();
      await proxy.close();
    }
    const seen = new Set<string>();
    let full = 0;
    for (const c of proxy.captured) {
      if (c.bytes[0] !== 0x50) continue;
      full++;
      // the key is (sender, receiver, epoch, BOOT): towards clients the receiver is the client port
      const to = c.direction === 'toClient' ? `${c.client.port}` : 'hub';
      const k = `${to}:${toHex(c.bytes.subarray(19, 19 + c.bytes[18]!))}:${toHex(c.bytes.subarray(2, 18))}`;
      expect(seen.has(k)).toBe(false); // (sender, receiver, epoch, counter, BOOT) never twice [SW-5.2-7]
      seen.add(k);
    }
    expect(full).toBeGreaterThan(4);
  }, 60_000);
});
