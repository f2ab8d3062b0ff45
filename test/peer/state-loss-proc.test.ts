/**
 * State loss with kill -9, each node in its own process (spec 5.2, 12.4): the wipe test. A
 * device and a hub process talk through a ChaosProxy that records every datagram; each round kills
 * one or both with SIGKILL, wipes the device's state, the hub's, or both, or restores an old copy of
 * either, and starts them again. Every process logs each (key, nonce) it seals (--seal-log): across
 * all rounds none repeats [SW-5.2-7], no FULL header repeats on the wire, and each round delivers
 * both ways again (reliable sends) with no user code, within the bound printed here.
 * STATE_LOSS_PROC_ROUNDS sets the rounds (default 100; each costs one or two process starts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChaosProxy } from '../../src/transport/chaos-proxy.js';
import { killAll, removeTempDirs, spawnNode, tempDir, type NodeProc } from './process-helpers.js';
import { CASES, hits, loseState, snapshot, type LossCase } from './state-loss-cases.js';

const ROUNDS = Number(process.env.STATE_LOSS_PROC_ROUNDS ?? 100);
const DEV = 'sensor-1';
let proxy: ChaosProxy | undefined;

afterEach(async () => {
  await killAll();
  await proxy?.close();
  proxy = undefined;
});
afterAll(async () => {
  await removeTempDirs();
});

describe('state loss with kill -9, separate processes [SW-5.2-7] [SW-12.4-3]', () => {
  it(`${ROUNDS} rounds of wipes and restores: no (key, nonce) sealed twice, delivering again every round`, async () => {
    const root = await tempDir('saltwire-stateloss-proc-');
    const hubDir = join(root, 'hub');
    const devDir = join(root, 'dev');
    const snapHub = join(root, 'snap-hub');
    const snapDev = join(root, 'snap-dev');
    const sealLog = join(root, 'seals.log');
    const dirs = { hub: hubDir, dev: devDir, snapHub, snapDev };
    const startHub = (port = 0): Promise<NodeProc> => spawnNode({ role: 'hub', id: 'hub', stateDir: hubDir, port, sealLog });
    let hub = await startHub();
    const hubPort = hub.port;
    proxy = await ChaosProxy.start({ target: { host: '127.0.0.1', port: hubPort }, maxCapture: 1_000_000 });
    const p = proxy;
    const startDev = (): Promise<NodeProc> => spawnNode({ role: 'device', id: DEV, stateDir: devDir, peer: { id: 'hub', address: p.address }, sealLog });
    let dev = await startDev();

    const deliver = async (tag: string): Promise<void> => {
      const hm = hub.mark();
      await dev.sendReliable('hub', `${tag}-up`); // also teaches a wiped hub where the device is
      await hub.waitFor('message', (l) => l['text'] === `${tag}-up` && l['fresh'] === true, 10_000, hm);
      const dm = dev.mark();
      await hub.sendReliable(DEV, `${tag}-down`);
      await dev.waitFor('message', (l) => l['text'] === `${tag}-down` && l['fresh'] === true, 10_000, dm);
    };
    await deliver('first');
    await snapshot(dirs);

    const times: Record<LossCase, number[]> = { device: [], hub: [], both: [], 'restore-device': [], 'restore-hub': [] };
    const texts: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const c = CASES[i % CASES.length]!;
      const { dev: devHit, hub: hubHit } = hits(c);
      if (devHit) texts.push(...dev.texts()); // each process life's deliveries, once
      if (hubHit) texts.push(...hub.texts());
      if (devHit) await dev.kill9();
      if (hubHit) await hub.kill9();
      await loseState(c, dirs);
      if (hubHit) hub = await startHub(hubPort);
      if (devHit) dev = await startDev();
      // from the later 'listening' line: the restarted process is up, its epoch durable
      const t0 = Math.max(hubHit ? hub.lines[0]!.t : 0, devHit ? dev.lines[0]!.t : 0);
      await deliver(`r${i}`);
      const down = dev.lines.filter((l) => l.event === 'message' && l['text'] === `r${i}-down`);
      times[c].push(down[down.length - 1]!.t - t0);
      if (i % 10 === 4) await snapshot(dirs); // an old copy for later rounds to restore
    }
    texts.push(...hub.texts(), ...dev.texts());
    const conflicts = [...hub.lines, ...dev.lines].filter((l) => l.event === 'conflict');
    await dev.exit();
    await hub.exit();

    // [SW-5.2-7]: no (key, nonce) sealed twice by any start of either node, kill -9 or not
    const lines = readFileSync(sealLog, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(ROUNDS * 4);
    expect(new Set(lines).size).toBe(lines.length);
    // on the wire: no FULL header's (receiver, sender, epoch, counter, BOOT) twice
    const full = new Set<string>();
    let fulls = 0;
    for (const d of p.captured) {
      if (d.bytes[0] !== 0x50) continue;
      fulls++;
      const k = `${d.direction}:${Buffer.from(d.bytes.subarray(2, 19 + d.bytes[18]!)).toString('hex')}`;
      expect(full.has(k)).toBe(false);
      full.add(k);
    }
    // nothing of an earlier life delivered again: each text at most once per process life, and
    // each round's texts delivered exactly once in all
    for (let i = 0; i < ROUNDS; i++) {
      expect(texts.filter((t) => t === `r${i}-up`).length).toBe(1);
      expect(texts.filter((t) => t === `r${i}-down`).length).toBe(1);
    }
    expect(conflicts).toEqual([]);
    const summary = Object.entries(times).map(([c, ts]) => {
      const s = [...ts].sort((a, b) => a - b);
      return `${c}: p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms (n=${s.length})`;
    });
    console.log(`[state-loss-proc] from the restarted process's 'listening' to delivered both ways: ${summary.join('; ')}; ${lines.length} seals, ${fulls} FULL datagrams`);
    for (const c of ['device', 'restore-device', 'both'] as const) expect(Math.max(...times[c])).toBeLessThan(1500);
    for (const c of ['hub', 'restore-hub'] as const) expect(Math.max(...times[c])).toBeLessThan(3000);
  }, 600_000);
});
