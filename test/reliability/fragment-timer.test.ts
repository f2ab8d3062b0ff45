// A fragment's retransmission timer stays at RTO for RTO_FAST_RETRANSMISSIONS retransmissions before
// it doubles [SW-14.4-13]: at 30% loss a timer doubling from the first retransmission left an ordered
// channel waiting minutes while the peer was answering (simulated, virtual time).
import { describe, expect, it } from 'vitest';
import { simulate } from './sim.js';

/** The longest wait of the ordered channel and the rate, 300 messages at once, 10 seeds. */
function stalls(defer: boolean): { stallMs: number; rate: number } {
  let stall = 0;
  let time = 0;
  for (let seed = 1; seed <= 10; seed++) {
    // a first message gives the sender its RTT sample; then 300 ordered ones at once
    const msgs = [
      { at: 0, size: 20, opts: { channel: 3, deadline: 10_000_000 } },
      ...Array.from({ length: 300 }, (_, i) => ({ at: 1000, size: 40 + (i % 7) * 20, opts: { ordered: true, channel: 2, deadline: 10_000_000 } })),
    ];
    const r = simulate(seed, { loss: 0.3, dup: 0.05, delay: 20, jitter: 30 }, msgs, {
      budget: 512,
      horizon: 3_600_000,
      a: { send: { outboxMessages: 1000, outboxBytes: 1 << 20 } },
      ...(defer && { deferB: { channels: [2], releaseMs: 2 } }),
    });
    expect([...r.deliveries.values()].every((n) => n === 1)).toBe(true);
    let last = 0;
    for (const t of r.orderedDelivery.get(2)!) {
      const at = r.deliveredAt.get(t)!;
      stall = Math.max(stall, at - Math.max(last, r.sentAt.get(t)!));
      last = at;
    }
    time += Math.max(...r.deliveredAt.values()) - 1000;
  }
  return { stallMs: stall, rate: (10 * 300) / (time / 1000) };
}

describe('fragment timers at 30% loss, 20-50 ms one way [SW-14.4-13]', () => {
  it('towards a hub that defers its acknowledgements: no stall of minutes', () => {
    // with the timer doubling from the first retransmission: 1.6 msgs/s, a stall of 193 s; now 6.0 and 27 s
    const r = stalls(true);
    expect(r.stallMs).toBeLessThan(60_000);
    expect(r.rate).toBeGreaterThan(4);
  });
});
