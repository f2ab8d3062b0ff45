/**
 * A quiescent link set aside and rebuilt (spec 14.13) continues exactly where it stopped: the same
 * ids, PREV chains, BASE, RTT estimate and totals [SW-14.13-2]; only what a quiescent link holds
 * empty or restarts after idle is new [SW-14.13-3]. And it is never set aside while anything is
 * owed [SW-14.13-1].
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRelFrames, encodeRelFrames, ReassemblyBudget, ReliableLink, type MsgFrame, type RelFrame } from '../../src/reliability/index.js';
import { simulate, type AppMessage } from './sim.js';

const ROOM = 1100;

function pair(profile: 'full' | 'device' = 'full') {
  let seed = 1;
  const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const a = new ReliableLink({ peer: 'B', profile }, random, new ReassemblyBudget(1 << 20));
  const b = new ReliableLink({ peer: 'A', profile }, random, new ReassemblyBudget(1 << 20));
  /** Every datagram due from `from` to `to` now, delivered at once (a lossless 10 ms wire in `settle`). */
  const carry = (from: ReliableLink, to: ReliableLink, now: number): { frames: RelFrame[]; delivered: ReturnType<ReliableLink['receive']>['delivered'] } => {
    const frames: RelFrame[] = [];
    const delivered: ReturnType<ReliableLink['receive']>['delivered'] = [];
    for (let i = 0; i < 64; i++) {
      const f = from.poll(now, ROOM);
      if (f === undefined) break;
      const decoded = decodeRelFrames(encodeRelFrames(f))!;
      frames.push(...decoded);
      delivered.push(...to.receive(decoded, now).delivered);
    }
    return { frames, delivered };
  };
  /** Runs both links, 10 ms apart per hop, until neither has anything due or `until`. */
  const settle = (from: number, until: number) => {
    const got: ReturnType<ReliableLink['receive']>['delivered'] = [];
    const sent: RelFrame[] = [];
    let now = from;
    for (; now <= until; now += 10) {
      a.tick(now);
      b.tick(now);
      const ab = carry(a, b, now);
      got.push(...ab.delivered);
      sent.push(...ab.frames);
      carry(b, a, now);
      if (a.nextDeadline(now) === Infinity && b.nextDeadline(now) === Infinity) break;
    }
    return { got, sent, now };
  };
  return { a, b, settle };
}

const msgs = (frames: RelFrame[]): MsgFrame[] => frames.filter((f): f is MsgFrame => f.type === 'MSG' && f.id !== undefined);

describe('a quiescent link set aside (spec 14.13)', () => {
  it('is not set aside while a message is in flight or an ACK is owed [SW-14.13-1]', () => {
    const { a, b } = pair();
    a.send(new Uint8Array(10), { reliable: true, ordered: true, channel: 1, receipt: true }, 0);
    expect(a.park(0)).toBe(false); // queued
    const f = a.poll(0, ROOM)!;
    expect(a.park(0)).toBe(false); // in flight
    b.receive(decodeRelFrames(encodeRelFrames(f))!, 5);
    expect(b.park(5)).toBe(false); // its ACK is owed
    const ack = b.poll(100, ROOM)!;
    a.receive(decodeRelFrames(encodeRelFrames(ack))!, 110);
    expect(b.park(110)).toBe(true);
    expect(a.park(110)).toBe(true);
  });

  for (const profile of ['full', 'device'] as const) {
    it(`${profile} profile: ids, PREV, BASE, the RTT estimate and the totals continue after a rebuild [SW-14.13-2]`, () => {
      const { a, b, settle } = pair(profile);
      for (let i = 0; i < 3; i++) a.send(new Uint8Array([i]), { reliable: true, ordered: true, channel: 2, receipt: true }, 0);
      const first = settle(0, 5_000);
      expect(first.got.map((m) => m.data[0])).toEqual([0, 1, 2]);
      const sentIds = msgs(first.sent);
      const lastId = Math.max(...sentIds.map((m) => m.id!));
      const before = { rtt: { ...a.sender.rtt }, counters: { ...a.counters }, base: b.receiver.ids.base };
      expect(a.park(first.now)).toBe(true);
      expect(b.park(first.now)).toBe(true);
      expect(a.counters).toEqual(before.counters); // read without rebuilding
      expect(a.parked).toBe(true);
      // rebuilt by the next send, a minute later
      const t = first.now + 60_000;
      a.send(new Uint8Array([3]), { reliable: true, ordered: true, channel: 2, receipt: true }, t);
      expect(a.parked).toBe(false);
      expect(a.sender.rtt.srtt).toBe(before.rtt.srtt);
      expect(a.sender.rtt.rttvar).toBe(before.rtt.rttvar);
      expect(a.sender.rtt.rto).toBe(before.rtt.rto);
      const second = settle(t, t + 5_000);
      const next = msgs(second.sent)[0]!;
      expect(next.id).toBe(lastId + 1); // no id reused, none skipped
      expect(next.prev).toBe(lastId); // the ordered chain continues
      expect(second.got.map((m) => m.data[0])).toEqual([3]);
      expect(b.receiver.ids.base).toBe(before.base + 1);
      expect(a.counters.transmissions).toBe(before.counters.transmissions + 1);
    });
  }

  it('a parked receiver still knows every id below BASE: a late duplicate is acknowledged, not delivered again', () => {
    const { a, b, settle } = pair();
    a.send(new Uint8Array([7]), { reliable: true, ordered: false, channel: 0, receipt: true }, 0);
    const r = settle(0, 5_000);
    const old = msgs(r.sent)[0]!;
    expect(b.park(r.now)).toBe(true);
    const again = b.receive([old], r.now + 1_000);
    expect(again.delivered).toEqual([]);
    expect(b.parked).toBe(false); // a reliable frame rebuilds it
    expect(b.receiver.counters.duplicates).toBe(1);
    expect(b.due(r.now + 1_000)).toBe(true); // the ACK goes again at once
  });

  it('the ACK of a late duplicate after a rebuild is the one a link never set aside sends, DELAY included [SW-14.3-6]', () => {
    const acks = (park: boolean): RelFrame[] => {
      const { a, b, settle } = pair();
      a.send(new Uint8Array([7]), { reliable: true, ordered: true, channel: 1, receipt: true }, 0);
      const r = settle(0, 5_000);
      const old = msgs(r.sent)[0]!;
      if (park) expect(b.park(r.now)).toBe(true);
      b.receive([old], r.now + 60_000);
      return b.poll(r.now + 60_000, ROOM)!;
    };
    const kept = acks(false);
    expect(kept.find((f) => f.type === 'ACK')).toMatchObject({ type: 'ACK', delay: 200 }); // MAX_ACK_DELAY since it arrived
    expect(acks(true)).toEqual(kept);
  });

  it('the congestion window restarts at min(INITIAL_CWND, cwnd), never above what it was (RFC 5681 4.1) [SW-14.13-3]', () => {
    for (const factor of [0.5, 10]) {
      const { a, settle } = pair();
      a.send(new Uint8Array([1]), { reliable: true, ordered: false, channel: 0, receipt: true }, 0);
      const r = settle(0, 5_000);
      const cong = (a.sender as unknown as { cong: { cwnd: number } }).cong;
      const initial = new ReliableLink({ peer: 'X' }, Math.random, new ReassemblyBudget(1 << 20)).sender.cwnd;
      cong.cwnd = initial * factor;
      expect(a.park(r.now)).toBe(true);
      expect(a.sender.cwnd).toBe(Math.min(initial, initial * factor));
    }
  });

  it('a CHALLENGE from the peer leaves a parked link parked, with nothing due [SW-14.10-4]', () => {
    const { a, settle } = pair();
    a.send(new Uint8Array([1]), { reliable: true, ordered: false, channel: 0, receipt: true }, 0);
    const r = settle(0, 5_000);
    expect(a.park(r.now)).toBe(true);
    a.challenged(r.now + 100);
    expect(a.parked).toBe(true);
    expect(a.nextDeadline(r.now + 100)).toBe(Infinity);
  });

  it('an unreliable message is delivered by the parked link as it is, without rebuilding it', () => {
    const { a, b, settle } = pair();
    a.send(new Uint8Array([1]), { reliable: true, ordered: false, channel: 0, receipt: true }, 0);
    const r = settle(0, 5_000);
    expect(b.park(r.now)).toBe(true);
    const got = b.receive([{ type: 'MSG', channel: 3, data: new Uint8Array([9, 9]) }], r.now + 500);
    expect(got.delivered).toEqual([{ channel: 3, data: new Uint8Array([9, 9]), reliable: false, ordered: false }]);
    expect(b.parked).toBe(true);
  });
});

describe('parking at every chance on a lossy channel keeps the guarantees of 14.3 and 14.7', () => {
  it('exactly once and in order, or DeadlineExceeded; links were set aside and rebuilt', () => {
    let parks = 0;
    const message = fc.record({
      at: fc.integer({ min: 0, max: 30_000 }),
      size: fc.oneof(fc.integer({ min: 4, max: 300 }), fc.integer({ min: 300, max: 2_500 })),
      opts: fc.record({ ordered: fc.boolean(), channel: fc.integer({ min: 0, max: 2 }), receipt: fc.constant(true), deadline: fc.integer({ min: 2_000, max: 40_000 }) }),
    });
    const channel = fc.record({
      loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
      dup: fc.double({ min: 0, max: 0.2, noNaN: true }),
      delay: fc.integer({ min: 1, max: 60 }),
      jitter: fc.integer({ min: 0, max: 120 }),
    });
    fc.assert(
      fc.property(fc.integer(), channel, fc.array(message, { minLength: 1, maxLength: 20 }), fc.constantFrom('full' as const, 'device' as const), (seed, ch, ms, profile) => {
        const r = simulate(seed, ch, ms as AppMessage[], {
          budget: 600,
          horizon: 300_000,
          park: true,
          a: { profile, send: { outboxMessages: 8, peerMaxMessage: 2_500 } },
          b: { profile, receive: { holdBackMessages: 4, reassemblyPerPeer: 3_000, window: 16, maxRanges: 4 } },
        });
        parks += r.parks;
        expect(r.tickets.length + r.refused).toBe(ms.length);
        for (const { ticket } of r.tickets) {
          const n = r.deliveries.get(ticket) ?? 0;
          expect(n, `ticket ${ticket} delivered ${n} times`).toBeLessThanOrEqual(1);
          expect(r.failed.has(ticket) !== r.receipts.has(ticket), `ticket ${ticket}: exactly one outcome`).toBe(true);
          if (!r.failed.has(ticket)) expect(n, `ticket ${ticket} acknowledged but not delivered`).toBe(1);
        }
        for (const [, order] of r.orderedDelivery) for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
      }),
      { numRuns: 80, seed: 20261206 },
    );
    expect(parks).toBeGreaterThan(100);
  });
});
