// Loss recovery of spec 14.4-14.5 as added for lossy radio links: the time threshold [SW-14.4-5],
// the probe timeout [SW-14.4-6], the Karn refinement [SW-14.4-7], the random-loss reduction
// [SW-14.5-9], the CHALLENGE resend [SW-14.10-4]; and the structures that keep a busy link O(1) per
// datagram (MinHeap, FragmentBook, the outbox's deadline bound).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONGESTION_BETA, MAX_ACK_DELAY_MS, MAX_RTO_MS, MIN_RTT_WINDOW_MS, RANDOM_LOSS_BETA } from '../../src/reliability/constants.js';
import { Congestion, congestionConfig } from '../../src/reliability/congestion.js';
import { scanLosses, type InFlight } from '../../src/reliability/loss-detection.js';
import { Outbox } from '../../src/reliability/outbox.js';
import { ProbeTimer } from '../../src/reliability/probe-timer.js';
import { RttEstimator } from '../../src/reliability/rtt.js';
import { SendState } from '../../src/reliability/send-state.js';
import { MinHeap } from '../../src/util/min-heap.js';

const frag = (seq: number, sentAt: number, id = seq): InFlight => ({ id, seq, sentAt, sackedAbove: 0 });

describe('loss detection [SW-14.4-4] [SW-14.4-5]', () => {
  it('packet threshold: lost once DUP_THRESH later transmissions are acknowledged, counted across ACKs', () => {
    const f = frag(1, 0);
    expect(scanLosses([f], [2, 3], 3, 10, 1000).lost).toEqual([]);
    expect(f.sackedAbove).toBe(2);
    expect(scanLosses([f], [4], 4, 11, 1000).lost).toEqual([f]);
  });

  it('time threshold: lost when a later transmission is acknowledged and it is lossDelay old; else a timer for then', () => {
    const old = frag(1, 0);
    const young = frag(2, 50);
    const r = scanLosses([old, young], [3], 3, 100, 90);
    expect(r.lost).toEqual([old]);
    expect(r.lossTimer).toBe(140);
    // nothing later acknowledged: neither threshold applies, whatever the age
    expect(scanLosses([frag(5, 0)], [], 4, 10_000, 1).lost).toEqual([]);
  });

  it('RTT: no time threshold before the first sample; 9/8 of max(SRTT, latest) after it, at least G', () => {
    const r = new RttEstimator();
    expect(r.lossDelay(9 / 8)).toBe(Infinity);
    r.sample(80);
    r.sample(160);
    expect(r.lossDelay(9 / 8)).toBe((9 / 8) * 160);
    const tiny = new RttEstimator();
    tiny.sample(0.5);
    expect(tiny.lossDelay(9 / 8)).toBe(1);
  });
});

describe('probe timeout [SW-14.4-6]', () => {
  it('none before a sample or with nothing in flight; SRTT + max(G, 4 RTTVAR), + MAX_ACK_DELAY for a lone fragment; doubling up to MAX_RTO [SW-14.4-6]', () => {
    const rtt = new RttEstimator();
    const p = new ProbeTimer();
    p.sent(1000);
    expect(p.at(rtt, 3)).toBe(Infinity);
    rtt.sample(40); // SRTT 40, RTTVAR 20
    expect(p.at(rtt, 0)).toBe(Infinity);
    expect(p.at(rtt, 3)).toBe(1000 + 40 + 80);
    expect(p.at(rtt, 1)).toBe(1000 + 40 + 80 + MAX_ACK_DELAY_MS);
    p.fire();
    expect(p.owed).toBe(true);
    expect(p.at(rtt, 3)).toBe(1000 + 2 * 120);
    for (let i = 0; i < 5; i++) p.fire();
    expect(p.at(rtt, 3)).toBe(1000 + 64 * 120);
    p.fire(); // the doubling goes on past 2^6 (a silent peer is not probed every 64 PTO) ...
    expect(p.at(rtt, 3)).toBe(1000 + 128 * 120);
    for (let i = 0; i < 20; i++) p.fire();
    expect(p.at(rtt, 3)).toBe(1000 + MAX_RTO_MS); // ... up to MAX_RTO
    p.progress();
    expect(p.at(rtt, 3)).toBe(1120); // k back to 0; the wait still runs from the latest transmission
  });

  it('a sender whose tail and its ACK are lost probes within a few RTTs, resends its newest fragment, and keeps cwnd', () => {
    const s = new SendState({ peer: 'p', datagramBudget: 1200 }, () => 0);
    s.send(new Uint8Array(1000), {}, 0);
    s.send(new Uint8Array(1000), {}, 0);
    const [a] = s.takeMessages(0, 1100);
    const [b] = s.takeMessages(0, 1100);
    expect([a!.id, b!.id]).toEqual([1, 2]);
    s.onAck({ type: 'ACK', cum: 2, window: 64, delay: 0, ranges: [] }, 20); // SRTT 20, RTTVAR 10
    const cwnd = s.cong.cwnd;
    // id 2 alone in flight: PTO = 20 + 40 + MAX_ACK_DELAY from its transmission at 0
    expect(s.nextDeadline(21)).toBe(260);
    expect(s.tick(260)).toEqual([]);
    expect(s.wantsDatagram(260)).toBe(true);
    const probe = s.takeMessages(260, 1100);
    expect(probe.map((f) => f.id)).toEqual([2]);
    expect(s.cong.cwnd).toBe(cwnd);
    expect(s.counters.timeouts).toBe(0);
  });
});

describe('window reduction [SW-14.5-9] [SW-14.5-10]', () => {
  const mss = 1200;
  it('keeps RANDOM_LOSS_BETA with no queue, CONGESTION_BETA with one or with no sample; once per episode', () => {
    const calm = new Congestion(congestionConfig(mss));
    calm.cwnd = 20 * mss;
    calm.onRttSample(50, 0);
    expect(calm.onLoss(10, 100, 50.5)).toBe(true); // SRTT - base within G: no queue
    expect(calm.cwnd).toBe(20 * mss * RANDOM_LOSS_BETA);
    expect(calm.onLoss(90, 100, 50.5)).toBe(false); // sent before the reduction: same episode
    expect(calm.onLoss(100, 120, 50.5)).toBe(false); // same ms as the reduction: same episode
    const queued = new Congestion(congestionConfig(mss));
    queued.cwnd = 20 * mss;
    queued.onRttSample(50, 0);
    queued.onLoss(10, 100, 80); // backlog 20 x 29/80 = 7.25 datagrams
    expect(queued.cwnd).toBeCloseTo(20 * mss * CONGESTION_BETA);
    const blind = new Congestion(congestionConfig(mss));
    blind.cwnd = 20 * mss;
    blind.onLoss(10, 100, undefined);
    expect(blind.cwnd).toBeCloseTo(20 * mss * CONGESTION_BETA);
  });

  it('the base RTT is replaced by a smaller sample, or by any sample once MIN_RTT_WINDOW old', () => {
    const c = new Congestion(congestionConfig(mss));
    c.onRttSample(30, 0);
    c.onRttSample(40, 10);
    expect(c.minRtt).toBe(30);
    c.onRttSample(40, MIN_RTT_WINDOW_MS + 1);
    expect(c.minRtt).toBe(40);
  });

  it('delivery rate: one sample per round trip from the second ACK on; a random loss keeps 2 x BDP, a loss with a queue does not [SW-14.5-11]', () => {
    const c = new Congestion(congestionConfig(mss));
    c.onRttSample(10, 0);
    c.onDelivered(5000, 100, 10); // starts the interval; these bytes are not counted
    c.onDelivered(3000, 105, 10); // 5 ms < SRTT: no sample yet
    expect(c.bdp).toBe(0);
    c.onDelivered(3000, 110, 10); // 6000 B in 10 ms: 600 B/ms
    expect(c.bdp).toBe(600 * 10);
    c.cwnd = 4 * mss; // 4800 < 2 x BDP = 12000
    c.onLoss(100, 120, 10.5); // no queue: random
    expect(c.cwnd).toBe(12_000);
    const q = new Congestion(congestionConfig(mss));
    q.onRttSample(10, 0);
    q.onDelivered(1, 100, 10);
    q.onDelivered(6000, 110, 10);
    q.cwnd = 10 * mss;
    q.onLoss(100, 120, 40); // a queue: CONGESTION_BETA, no floor
    expect(q.cwnd).toBeCloseTo(10 * mss * CONGESTION_BETA);
  });

  it('a timeout collapses to MIN_CWND', () => {
    const c = new Congestion(congestionConfig(mss));
    c.cwnd = 20 * mss;
    expect(c.onTimeout(10, 100)).toBe(true);
    expect(c.cwnd).toBe(c.minCwnd);
    expect(c.ssthresh).toBe(10 * mss);
  });
});

describe('CHALLENGE [SW-14.10-4]', () => {
  it('fragments in flight are resent at once with no congestion response; FORWARD is owed again', () => {
    const s = new SendState({ peer: 'p', datagramBudget: 1200 }, () => 0);
    for (let i = 0; i < 3; i++) s.send(new Uint8Array(10), {}, 0);
    expect(s.takeMessages(0, 1100).map((f) => f.id)).toEqual([1, 2, 3]);
    const cwnd = s.cong.cwnd;
    s.challenged(5);
    expect(s.wantsDatagram(5)).toBe(true);
    expect(s.takeMessages(5, 1100).map((f) => f.id)).toEqual([1, 2, 3]);
    expect(s.cong.cwnd).toBe(cwnd);
    expect(s.counters.retransmissions).toBe(3);
  });
});

describe('structures of the busy path', () => {
  it('MinHeap with lazy deletion gives the earliest valid entry, as a sorted model does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean(), fc.boolean()), { maxLength: 200 }), (ops) => {
        const dead = new Set<object>();
        const h = new MinHeap<{ at: number }>((e) => !dead.has(e));
        const model: Array<{ at: number }> = [];
        for (const [at, kill, pop] of ops) {
          const e = { at };
          h.push(e);
          model.push(e);
          if (kill) dead.add(model[(at * 7) % model.length]!);
          const live = model.filter((x) => !dead.has(x)).map((x) => x.at);
          expect(h.earliest()).toBe(live.length === 0 ? Infinity : Math.min(...live));
          if (pop && h.peek() !== undefined) {
            const top = h.pop()!;
            model.splice(model.indexOf(top), 1);
          }
        }
      }),
    );
  });

  it('the outbox expires exactly what a full scan would, and its deadline bound never passes the true earliest', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('push', 'shift', 'expire'), fc.integer({ min: 0, max: 500 })), { maxLength: 150 }), (ops) => {
        const o = new Outbox<{ size: number; deadline: number }>('p', 1000, 1 << 20);
        let model: Array<{ size: number; deadline: number }> = [];
        let now = 0;
        for (const [op, n] of ops) {
          if (op === 'push') {
            const it = { size: 1, deadline: now + n };
            o.push(it);
            model.push(it);
          } else if (op === 'shift') {
            expect(o.shift()).toBe(model.shift());
          } else {
            now += n % 50;
            const dead = model.filter((x) => x.deadline <= now);
            model = model.filter((x) => x.deadline > now);
            expect(o.expire(now)).toEqual(dead);
          }
          const earliest = model.length === 0 ? Infinity : Math.min(...model.map((x) => x.deadline));
          expect(o.nextDeadline()).toBeLessThanOrEqual(earliest);
          expect(o.length).toBe(model.length);
        }
      }),
    );
  });

  it('the floor (what FORWARD carries) follows settlement out of order and abandonment', () => {
    const s = new SendState({ peer: 'p', datagramBudget: 1200 }, () => 0);
    for (let i = 0; i < 4; i++) s.send(new Uint8Array(10), { deadline: i === 0 ? 50 : 10_000 }, 0);
    s.takeMessages(0, 1100);
    expect(s.floor).toBe(1);
    s.onAck({ type: 'ACK', cum: 1, window: 64, delay: 0, ranges: [{ start: 3, end: 4 }] }, 10);
    expect(s.floor).toBe(1);
    s.tick(50); // id 1 gives up at its deadline
    expect(s.floor).toBe(2);
    s.onAck({ type: 'ACK', cum: 3, window: 64, delay: 0, ranges: [] }, 60);
    expect(s.floor).toBe(4);
  });
});
