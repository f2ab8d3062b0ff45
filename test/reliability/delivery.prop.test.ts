// Model-based property on a simulated lossy channel: every reliable message is delivered exactly
// once (in order on an ordered channel), or the sender learns DeadlineExceeded; memory stays within
// the declared limits. [SW-14.3-1] [SW-14.7-3] [SW-14.8-4] [SW-14.6-3]
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate, type AppMessage } from './sim.js';

const message = fc.record({
  at: fc.integer({ min: 0, max: 3_000 }),
  size: fc.oneof(fc.integer({ min: 4, max: 300 }), fc.integer({ min: 300, max: 2_500 })),
  opts: fc.record({
    ordered: fc.boolean(),
    channel: fc.integer({ min: 0, max: 2 }),
    receipt: fc.constant(true),
    deadline: fc.integer({ min: 2_000, max: 40_000 }),
  }),
});

const channel = fc.record({
  loss: fc.double({ min: 0, max: 0.35, noNaN: true }),
  dup: fc.double({ min: 0, max: 0.2, noNaN: true }),
  delay: fc.integer({ min: 1, max: 60 }),
  jitter: fc.integer({ min: 0, max: 120 }),
});

const HOLD = 4;
const REASSEMBLY_PEER = 3_000;

describe('reliable delivery on a lossy, duplicating, reordering channel', () => {
  it('exactly once and in order, or DeadlineExceeded; memory bounded', () => {
    fc.assert(
      fc.property(fc.integer(), channel, fc.array(message, { minLength: 1, maxLength: 25 }), (seed, ch, msgs) => {
        const budget = 600;
        const r = simulate(seed, ch, msgs as AppMessage[], {
          budget,
          horizon: 200_000,
          a: { send: { outboxMessages: 8, peerMaxMessage: 2_500 } },
          b: { receive: { holdBackMessages: HOLD, reassemblyPerPeer: REASSEMBLY_PEER, window: 16, maxRanges: 4 } },
        });
        expect(r.tickets.length + r.refused).toBe(msgs.length);
        for (const { ticket } of r.tickets) {
          const n = r.deliveries.get(ticket) ?? 0;
          expect(n, `ticket ${ticket} delivered ${n} times`).toBeLessThanOrEqual(1);
          const failed = r.failed.has(ticket);
          const receipt = r.receipts.has(ticket);
          expect(failed !== receipt, `ticket ${ticket}: exactly one outcome (failed ${failed}, receipt ${receipt})`).toBe(true);
          if (!failed) expect(n, `ticket ${ticket} acknowledged but not delivered`).toBe(1);
        }
        // ordered channels: delivery follows send order
        for (const [, order] of r.orderedDelivery) for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
        // declared limits
        expect(r.maxHold).toBeLessThanOrEqual(HOLD);
        expect(r.maxReassembly).toBeLessThanOrEqual(REASSEMBLY_PEER);
        expect(r.maxOutbox).toBeLessThanOrEqual(8);
        expect(r.maxInflightIds).toBeLessThanOrEqual(16);
      }),
      { numRuns: 80, seed: 20260101 },
    );
  });

  it('the same towards a receiver that defers its acknowledgements (a hub), both sending profiles [SW-14.3-9] [SW-14.4-12] [SW-14.12-20]', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        channel,
        fc.array(message, { minLength: 1, maxLength: 25 }),
        fc.constantFrom<'full' | 'device'>('full', 'device'),
        fc.subarray([0, 1, 2], { minLength: 1 }),
        fc.integer({ min: 0, max: 50 }),
        (seed, ch, msgs, profile, deferred, releaseMs) => {
          const r = simulate(seed, ch, msgs as AppMessage[], {
            budget: 600,
            horizon: 200_000,
            a: { profile, send: { outboxMessages: 8, peerMaxMessage: 2_500 } },
            b: { receive: { holdBackMessages: HOLD, reassemblyPerPeer: REASSEMBLY_PEER, window: 16, maxRanges: 4 } },
            deferB: { channels: deferred, releaseMs },
          });
          expect(r.tickets.length + r.refused).toBe(msgs.length);
          for (const { ticket } of r.tickets) {
            const n = r.deliveries.get(ticket) ?? 0;
            expect(n, `ticket ${ticket} delivered ${n} times`).toBeLessThanOrEqual(1);
            const failed = r.failed.has(ticket);
            expect(failed !== r.receipts.has(ticket), `ticket ${ticket}: exactly one outcome`).toBe(true);
            if (!failed) expect(n, `ticket ${ticket} acknowledged but not delivered`).toBe(1);
          }
          for (const [, order] of r.orderedDelivery) for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
          expect(r.maxHold).toBeLessThanOrEqual(HOLD);
          expect(r.maxInflightIds).toBeLessThanOrEqual(16);
        },
      ),
      { numRuns: 80, seed: 20261206 },
    );
  });

  it('on a clean channel every message arrives and none fails', () => {
    const msgs: AppMessage[] = Array.from({ length: 40 }, (_, i) => ({
      at: i * 5,
      size: 10 + ((i * 397) % 3000),
      opts: { ordered: i % 2 === 0, channel: i % 3, receipt: true },
    }));
    const r = simulate(1, { loss: 0, dup: 0, delay: 10, jitter: 0 }, msgs, { budget: 1200, horizon: 60_000, a: { send: { outboxMessages: 64 } } });
    expect(r.refused).toBe(0);
    expect(r.failed.size).toBe(0);
    expect(r.receipts.size).toBe(40);
    expect([...r.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(r.deliveries.size).toBe(40);
  });

  it('with heavy loss something is retransmitted and still nothing is delivered twice', () => {
    const msgs: AppMessage[] = Array.from({ length: 20 }, (_, i) => ({ at: i, size: 50, opts: { ordered: true, receipt: true } }));
    const r = simulate(7, { loss: 0.3, dup: 0.1, delay: 20, jitter: 50 }, msgs, { budget: 1200, horizon: 120_000, a: { send: { outboxMessages: 64 } } });
    expect(r.datagramsAtoB).toBeGreaterThan(20);
    expect(r.receipts.size + r.failed.size).toBe(20);
    expect([...r.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(r.orderedDelivery.get(0)).toEqual([...(r.orderedDelivery.get(0) ?? [])].sort((x, y) => x - y));
  });
});
