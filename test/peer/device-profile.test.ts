// The device profile of reliable delivery (spec 14.12) through SaltwireNode over the MemoryNetwork:
// a device-profile device with a full hub that knows it, and with a hub that runs the device profile
// too, through 30% loss, 5% duplication and reordering both ways; the outbox room of control
// operations. Virtual time; every loop is bounded by it.
import { describe, expect, it } from 'vitest';
import { OutboxFullError } from '../../src/errors.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { Harness, text } from './harness.js';

const LOSSY = { loss: 0.3, duplicate: 0.05, reorder: 0.2, reorderDelayMs: 40, delayMs: 10, jitterMs: 10 };
const dec = (d: Uint8Array): string => new TextDecoder().decode(d);

/**
 * `from` hands `to` an ordered message every `gapMs` (n in all); returns the texts it accepted (a
 * device's outbox is small: some sends may be refused at once) and the promises' outcomes.
 */
async function stream(h: Harness, from: SaltwireNode, to: string, tag: string, n: number, gapMs: number): Promise<{ accepted: string[]; failed: number; pending: () => number }> {
  const accepted: string[] = [];
  let failed = 0;
  let open = 0;
  for (let i = 0; i < n; i++) {
    const m = `${tag}${i}`;
    open++;
    from
      .send(to, text(m), { reliable: true, ordered: true, channel: 5, deadlineMs: 3_600_000 })
      .catch((e: unknown) => {
        if (e instanceof OutboxFullError) accepted.splice(accepted.indexOf(m), 1);
        else failed++;
      })
      .finally(() => open--);
    accepted.push(m);
    await h.run(gapMs);
  }
  return { accepted, get failed() { return failed; }, pending: () => open };
}

async function bothWays(hubExtra: Parameters<Harness['hub']>[0], seed: number): Promise<void> {
  const h = new Harness(undefined, seed);
  const hub = await h.hub(hubExtra);
  const dev = await h.device('dev-a', { reliability: { profile: 'device' } });
  await h.run(200);
  h.net.setFaults(LOSSY);
  const [up, down] = await Promise.all([stream(h, dev, 'hub', 'u', 150, 100), stream(h, hub, 'dev-a', 'd', 150, 100)]);
  for (let t = 0; t < 600_000 && (up.pending() > 0 || down.pending() > 0); t += 1_000) await h.run(1_000, 10);
  const got = (id: string): string[] => h.inbox.get(id)!.filter((m) => m.reliable && m.channel === 5).map((m) => dec(m.data));
  // every accepted message exactly once, in order; none failed
  expect(got('hub')).toEqual(up.accepted);
  expect(got('dev-a')).toEqual(down.accepted);
  expect(up.failed + down.failed).toBe(0);
  expect(up.accepted.length).toBeGreaterThan(100); // the device's small outbox refuses some at 10/s through 30% loss, not most
  const c = h.net.faults.counters;
  expect(c.lost / c.datagrams).toBeGreaterThan(0.2);
  expect(c.duplicated).toBeGreaterThan(0);
  await dev.close();
  await hub.close();
}

describe('device profile through the node (spec 14.12)', () => {
  it('a device-profile device and a full hub that sends to it by the device rules: both ways, exactly once and in order through 30% loss [SW-14.12-4] [SW-14.12-14]', async () => {
    await bothWays({ reliability: { devicePeers: ['dev-a'] } }, 3);
  }, 30_000);

  it('two device-profile nodes: both ways, exactly once and in order through 30% loss [SW-14.12-6] [SW-14.12-10]', async () => {
    await bothWays({ reliability: { profile: 'device' } }, 4);
  }, 30_000);

  it('a control operation is taken while publications fill the outbox of an unreachable hub [SW-14.12-12]', async () => {
    const h = new Harness(undefined, 5);
    const dev = await h.device('dev-b', { reliability: { profile: 'device' } });
    h.net.setFaults({ loss: 1 }); // the hub is gone
    const results: unknown[] = [];
    for (let i = 0; i < 8; i++) void dev.send('hub', text(`p${i}`), { reliable: true }).catch((e: unknown) => results.push(e));
    await h.run(10);
    await expect(dev.send('hub', text('p8'), { reliable: true })).rejects.toBeInstanceOf(OutboxFullError);
    const sync = dev.send('hub', text('sync'), { reliable: true, control: true });
    let syncFailed: unknown;
    sync.catch((e: unknown) => (syncFailed = e));
    await h.run(10);
    expect(syncFailed).toBeUndefined();
    expect(results).toEqual([]);
    await dev.close();
  }, 30_000);
});
