// Unit tests of the pure pieces: RTT (RFC 6298 values), congestion, ACK ranges, frames, reassembly,
// fragmentation at the sender, fast retransmit, backoff, deadlines, sleepy peers, the outbox.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, InvalidArgumentError, MessageTooLargeError, OutboxFullError, SaltwireError } from '../../src/errors.js';
import {
  Congestion,
  congestionConfig,
  decodeRelFrame,
  decodeRelFrames,
  encodeRelFrames,
  fragmentPayload,
  FRAGMENT_RESERVE,
  ReassemblyBudget,
  ReceivedIds,
  ReceiveState,
  ReliableLink,
  RttEstimator,
  SendState,
  type AckFrame,
  type MsgFrame,
  type RelFrame,
} from '../../src/reliability/index.js';

const noJitter = (): number => 0;

describe('RTT estimator (RFC 6298)', () => {
  it('follows the RFC formulas: first sample, then the 1/8 and 1/4 gains, with Karn applied by the caller', () => {
    const r = new RttEstimator({ initialRtoMs: 1000, minRtoMs: 200, maxRtoMs: 60_000, granularityMs: 1 });
    expect(r.rto).toBe(1000); // (2.1)
    r.sample(100); // (2.2): SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR)
    expect([r.srtt, r.rttvar, r.rto]).toEqual([100, 50, 300]);
    r.sample(200); // (2.3): RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5
    expect([r.srtt, r.rttvar, r.rto]).toEqual([112.5, 62.5, 362.5]);
    r.sample(112.5); // RTTVAR = 46.875, SRTT unchanged
    expect([r.srtt, r.rttvar, r.rto]).toEqual([112.5, 46.875, 300]);
  });

  it('clamps to the minimum and maximum, and backs off by doubling up to the maximum', () => {
    const r = new RttEstimator({ initialRtoMs: 1000, minRtoMs: 200, maxRtoMs: 5000, granularityMs: 1 });
    r.sample(10);
    expect(r.rto).toBe(200); // 10 + 20 = 30 -> floor 200
    expect(r.backedOff(1, 0.25, 0)).toBe(200);
    expect(r.backedOff(3, 0.25, 0)).toBe(800);
    expect(r.backedOff(10, 0.25, 0)).toBe(5000);
    expect(r.backedOff(2, 0.25, 0.5)).toBe(400 * 1.125);
    r.sample(100_000);
    expect(r.rto).toBe(5000);
  });
});

describe('congestion window', () => {
  it('grows in slow start, cuts to CONGESTION_BETA on a loss with no RTT sample, once per episode, collapses on a timeout', () => {
    const c = new Congestion(congestionConfig(1000));
    expect(c.cwnd).toBe(4000);
    c.onSent(1000);
    c.onAcked(1000, 1);
    c.onRemoved(1000);
    expect(c.cwnd).toBe(5000); // slow start: +1 datagram per datagram acknowledged
    expect(c.onLoss(10, 20)).toBe(true);
    expect(c.cwnd).toBe(3500);
    expect(c.ssthresh).toBe(3500);
    expect(c.onLoss(15, 21)).toBe(false); // sent before the reduction: same episode
    expect(c.cwnd).toBe(3500);
    c.onAcked(1000, 30); // congestion avoidance: mss * bytes / cwnd, in whole bytes [SW-14.4-10]
    expect(c.cwnd).toBe(3500 + 285); // 1000 * 1000 / 3500 = 285.7: 285, and 0.7 x 3500 carried
    c.onAcked(1000, 30); // 1000 * 1000 + 2500 carried, over 3785: 264 (264.8)
    expect(c.cwnd).toBe(3785 + 264);
    expect(c.onTimeout(40, 50)).toBe(true);
    expect(c.cwnd).toBe(2000); // the floor: 2 datagrams
  });

  it('paces: the next send time moves by bytes / (gain * cwnd / srtt), rounded up, one quantum early [SW-14.5-8]', () => {
    const c = new Congestion(congestionConfig(1000));
    c.pace(1000, 0, undefined);
    expect(c.sendTime(0)).toBe(0); // no pacing before an RTT sample
    c.pace(1000, 0, 100); // rate = 1.25 * 4000 / 100 = 50 bytes/ms -> 20 ms
    expect(c.sendTime(0)).toBe(19); // 20 ms, brought forward by PACING_QUANTUM (1 ms)
    expect(c.sendTime(25)).toBe(25);
    const d = new Congestion(congestionConfig(1000));
    d.pace(10, 0, 100); // 0.2 ms: within the current millisecond's quantum, so no wait at all
    expect(d.sendTime(0)).toBe(0);
  });
});

describe('ACK ranges', () => {
  it('folds into the cumulative point, bounds ranges and the window, and fits the space left', () => {
    const s = new ReceivedIds(10, 2);
    expect(s.admit(1)).toBe('new');
    s.add(1);
    expect(s.base).toBe(2);
    s.add(4);
    s.add(6);
    expect(s.admit(8)).toBe('too-many-ranges'); // a new range beyond MAX_ACK_RANGES is not taken [SW-14.3-2]
    expect(s.admit(7)).toBe('new'); // touches a range
    expect(s.admit(12)).toBe('beyond-window'); // at or above BASE + RECEIVE_WINDOW: not taken [SW-14.3-2]
    expect(s.admit(4)).toBe('duplicate');
    const a = s.ackFrame(10 + 4, 16, 3)!;
    expect(a.cum).toBe(2);
    expect(a.ranges).toEqual([{ start: 4, end: 5 }]); // only one range fits
    expect(s.ackFrame(9, 16, 0)).toBeUndefined();
    s.add(2);
    s.add(3);
    expect(s.base).toBe(5);
    s.forward(9);
    expect(s.base).toBe(9);
    expect(s.list()).toEqual([]);
  });

  it('property: the set equals a model set after random adds and forwards', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: -60, max: -1 })), { maxLength: 200 }), (ops) => {
        const s = new ReceivedIds(64, 8);
        const model = new Set<number>();
        let floor = 1;
        for (const op of ops) {
          if (op < 0) {
            s.forward(-op);
            floor = Math.max(floor, -op);
            continue;
          }
          if (s.admit(op) === 'new') (s.add(op), model.add(op));
        }
        for (let id = 1; id < 150; id++) expect(s.has(id), `id ${id}`).toBe(id < floor || model.has(id));
        expect(s.rangeCount).toBeLessThanOrEqual(8);
      }),
    );
  });
});

describe('frames', () => {
  const samples: RelFrame[] = [
    { type: 'MSG', channel: 3, data: new Uint8Array([1, 2]) },
    { type: 'MSG', channel: 0, id: 7, data: new Uint8Array(0) },
    { type: 'MSG', channel: 9, id: 12, prev: 4, frag: { index: 2, count: 3, total: 5 }, data: new Uint8Array([9]) },
    { type: 'ACK', cum: 5, window: 64, delay: 20, ranges: [{ start: 7, end: 9 }, { start: 12, end: 13 }] },
    { type: 'FORWARD', floor: 40 },
    { type: 'SLEEP', wakeIntervalMs: 60_000, awakeMs: 300 },
  ];

  it('round-trips, with exact lengths', () => {
    const bytes = encodeRelFrames(samples);
    // MSG: type, LEN, data (4); type, ID, LEN (3); type, CHANNEL 9, ID, PREV_GAP 6, INDEX, COUNT, TOTAL, LEN, data (9) [SW-14.2-8]
    expect(bytes.length).toBe(4 + 3 + 9 + 18 + 5 + 9);
    expect(decodeRelFrames(bytes)).toEqual(samples);
  });

  it('rejects truncation, reserved types, zero ids, non-canonical forms, bad fragments and repeated singletons', () => {
    const bytes = encodeRelFrames(samples);
    for (let n = 1; n < bytes.length; n++) {
      const d = decodeRelFrames(bytes.subarray(0, n));
      // a cut can only succeed on a frame boundary, and then it decodes a prefix
      if (d !== undefined) expect(encodeRelFrames(d).length).toBe(n);
    }
    expect(decodeRelFrame(new Uint8Array([0x06, 0x01, 0, 0, 0, 1, 0, 0]), 0)).toBeUndefined(); // draft 1's MSG type: reserved
    expect(decodeRelFrame(new Uint8Array([0x82, 0x61]), 0)).toBeUndefined(); // ordered without reliable
    expect(decodeRelFrame(new Uint8Array([0x81, 0x00, 0x61]), 0)).toBeUndefined(); // id 0
    expect(decodeRelFrame(new Uint8Array([0x81, 0x81, 0x00, 0x61]), 0)).toBeUndefined(); // id 1 in two bytes [SW-4.11-1]
    expect(decodeRelFrame(new Uint8Array([0xb8, 0x03, 0x61]), 0)).toBeUndefined(); // channel 3 in a CHANNEL byte
    expect(decodeRelFrame(new Uint8Array([0x08, 0, 0, 0, 0]), 0)).toBeUndefined(); // FORWARD floor 0
    expect(decodeRelFrame(new Uint8Array([0x09, 0, 0, 0, 1, 0, 0, 0, 0]), 0)).toBeUndefined(); // interval without awake [SW-14.2-5]
    expect(decodeRelFrame(new Uint8Array([0x09, 0, 0, 0, 0, 0, 0, 0, 1]), 0)).toBeUndefined(); // awake without interval [SW-14.2-5]
    expect(decodeRelFrame(new Uint8Array([0x0a]), 0)).toBeUndefined(); // reserved type
    const ackZeroGap = new Uint8Array([0x07, 0, 0, 0, 5, 0, 64, 0, 0, 1, 0, 0, 0, 1]);
    expect(decodeRelFrame(ackZeroGap, 0)).toBeUndefined();
    const twoForwards = encodeRelFrames([{ type: 'FORWARD', floor: 2 }, { type: 'FORWARD', floor: 3 }]);
    expect(decodeRelFrames(twoForwards)).toBeUndefined();
    // fragment whose index would put the first id at 0
    expect(() => encodeRelFrames([{ type: 'MSG', channel: 0, id: 2, frag: { index: 2, count: 3, total: 3 }, data: new Uint8Array(1) }])).toThrow(InvalidArgumentError);
  });
});

describe('fragmentation and reassembly', () => {
  const roundTrip = (size: number, budget: number): Uint8Array | undefined => {
    const s = new SendState({ peer: 'p', datagramBudget: budget, initialPeerWindow: 1000 }, noJitter);
    const r = new ReceiveState({ window: 1000, maxRanges: 64 }, new ReassemblyBudget(1 << 20));
    const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
    s.send(data, { ordered: true }, 0);
    s.cong.cwnd = 1e9;
    const out: Uint8Array[] = [];
    for (let i = 0; i < 500; i++) {
      const frames = s.takeMessages(0, budget - 88);
      if (frames.length === 0) break;
      expect(encodeRelFrames(frames).length).toBeLessThanOrEqual(budget - 88);
      for (const f of frames.reverse()) for (const d of r.onMsg(f, 0)) out.push(d.data); // reversed: reassembly out of order
    }
    expect(out.length).toBeLessThanOrEqual(1);
    return out[0];
  };

  it('round-trips messages of any size up to the limit, at budgets 512 and 1200', () => {
    for (const budget of [512, 1200])
      for (const size of [0, 1, fragmentPayload(budget), fragmentPayload(budget) + 1, 5000, 65_536]) {
        const got = roundTrip(size, budget);
        expect(got?.length, `size ${size} budget ${budget}`).toBe(size);
        expect(got).toEqual(new Uint8Array(size).map((_, i) => (i * 31) & 0xff));
      }
    expect(fragmentPayload(512)).toBe(512 - FRAGMENT_RESERVE);
  });

  it('refuses at the sender a message over the peer MAX_MESSAGE, and an unreliable one over a fragment', () => {
    const s = new SendState({ peer: 'p', peerMaxMessage: 4096 }, noJitter);
    const e = (() => {
      try {
        s.send(new Uint8Array(4097), {}, 0);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(MessageTooLargeError);
    expect((e as SaltwireError).code).toBe('ERR_MESSAGE_TOO_LARGE');
    expect(s.outbox.length).toBe(0); // nothing queued, nothing sent
    expect(() => s.send(new Uint8Array(s.fragmentPayload + 1), { reliable: false }, 0)).toThrow(MessageTooLargeError);
    expect(s.takeMessages(0, 2000)).toEqual([]);
  });

  it('the receiver refuses (and does not acknowledge) a message over its limits, and holds no partial bytes beyond them', () => {
    const total = new ReassemblyBudget(3000);
    const r1 = new ReceiveState({ reassemblyPerPeer: 2500, maxMessage: 2000 }, total);
    const r2 = new ReceiveState({ reassemblyPerPeer: 2500, maxMessage: 2000 }, total);
    const frag = (id: number, index: number, count: number, t: number, len: number): MsgFrame => ({ type: 'MSG', channel: 0, id, frag: { index, count, total: t }, data: new Uint8Array(len) });
    expect(r1.onMsg(frag(1, 0, 3, 2001, 700), 0)).toEqual([]);
    expect(r1.takeAck(0, 100)).toBeUndefined(); // over MAX_MESSAGE: not taken, no ACK owed
    r1.onMsg(frag(1, 0, 2, 1800, 900), 0);
    expect(total.reserved).toBe(1800);
    r2.onMsg(frag(1, 0, 2, 1800, 900), 0); // would pass the total of 3000
    expect(r2.counters.reassemblyRefused).toBe(1);
    expect(total.reserved).toBe(1800);
    r1.tick(60_000); // the fragment lifetime
    expect(total.reserved).toBe(0);
    expect(r1.counters.reassemblyExpired).toBe(1);
  });
});

describe('sender: acknowledgements, fast retransmit, backoff and deadlines', () => {
  const mk = (): SendState => {
    const s = new SendState({ peer: 'p', initialPeerWindow: 100 }, noJitter);
    s.cong.cwnd = 1e9;
    return s;
  };
  const ack = (cum: number, ranges: Array<[number, number]> = [], delay = 0): AckFrame => ({ type: 'ACK', cum, window: 100, delay, ranges: ranges.map(([start, end]) => ({ start, end })) });

  it('retransmits a gap after 3 later messages are acknowledged (fast retransmit), before the RTO', () => {
    const s = mk();
    for (let i = 0; i < 5; i++) s.send(new Uint8Array(10), {}, 0);
    expect(s.takeMessages(0, 2000).map((f) => f.id)).toEqual([1, 2, 3, 4, 5]);
    s.onAck(ack(2, [[3, 5]]), 50); // 1 acked; 3, 4 acked above 2: two later
    expect(s.takeMessages(50, 2000)).toEqual([]);
    s.onAck(ack(2, [[3, 6]]), 51); // a third later one
    expect(s.takeMessages(51, 2000).map((f) => f.id)).toEqual([2]);
    expect(s.cong.ssthresh).toBeLessThan(Infinity);
  });

  it('takes an RTT sample only from a message sent once (Karn), minus the declared ack delay', () => {
    const s = mk();
    s.send(new Uint8Array(1), {}, 0);
    s.takeMessages(0, 2000);
    s.tick(1000); // RTO 1000: lost
    expect(s.takeMessages(1000, 2000).map((f) => f.id)).toEqual([1]);
    s.onAck(ack(2), 1100);
    expect(s.rtt.srtt).toBeUndefined();
    s.send(new Uint8Array(1), {}, 1100);
    s.takeMessages(1100, 2000);
    s.onAck(ack(3, [], 20), 1180);
    expect(s.rtt.srtt).toBe(60);
  });

  it('a fragment timer: RTO for RTO_FAST_RETRANSMISSIONS retransmissions, then doubling, spread by jitter [SW-14.4-13]', () => {
    const s = new SendState({ peer: 'p', jitter: 0.25 }, () => 0.5);
    expect([1, 2, 9, 10, 11, 12].map((n) => s.rtt.fragmentTimeout(n, 0.25, 0.5))).toEqual([1125, 1125, 1125, 2250, 4500, 9000]);
    // towards a peer that never answers the fragment's timer and the silence backoff's steps stay RTO
    // apart for 8 retransmissions, then double [SW-14.4-13] [SW-14.4-14]
    s.send(new Uint8Array(1), {}, 0);
    const times: number[] = [];
    let now = 0;
    for (let i = 0; i < 30 && times.length < 12; i++) {
      if (s.takeMessages(now, 2000).length === 1) times.push(now);
      now = s.nextDeadline(now);
      s.tick(now);
    }
    expect(times).toEqual([0, 1125, 2250, 3375, 4500, 5625, 6750, 7875, 9000, 10125, 12375, 16875]);
  });

  it('reports DeadlineExceeded for a queued and for an in-flight message, and owes a FORWARD past the abandoned ids', () => {
    const s = new SendState({ peer: 'p', initialPeerWindow: 1 }, noJitter);
    const t1 = s.send(new Uint8Array(5), { deadline: 500 }, 0);
    const t2 = s.send(new Uint8Array(5), { deadline: 300 }, 0);
    s.takeMessages(0, 2000); // window 1: only t1 goes
    const ev = s.tick(300);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ type: 'failed', ticket: t2 });
    expect((ev[0] as { error: DeadlineExceededError }).error.stage).toBe('queued');
    const ev2 = s.tick(500);
    expect(ev2[0]).toMatchObject({ type: 'failed', ticket: t1 });
    expect((ev2[0] as { error: DeadlineExceededError }).error.code).toBe('ERR_DEADLINE_EXCEEDED');
    expect(s.forwardOwed).toBe(true);
    expect(s.forwardFrame(500, 100)).toEqual({ type: 'FORWARD', floor: 2 });
    s.onAck(ack(2), 600);
    expect(s.forwardOwed).toBe(false);
  });

  it('bounds the outbox with OutboxFullError', () => {
    const s = new SendState({ peer: 'p', outboxMessages: 2 }, noJitter);
    s.send(new Uint8Array(1), {}, 0);
    s.send(new Uint8Array(1), {}, 0);
    expect(() => s.send(new Uint8Array(1), {}, 0)).toThrow(OutboxFullError);
  });

  it('holds everything while the peer is unreachable, then lets it flow', () => {
    const s = mk();
    s.setReachable(false);
    s.send(new Uint8Array(1), {}, 0);
    expect(s.wantsDatagram(0)).toBe(false);
    expect(s.takeMessages(0, 2000)).toEqual([]);
    s.setReachable(true);
    expect(s.takeMessages(10, 2000).map((f) => f.id)).toEqual([1]);
  });
});

describe('sleepy peers', () => {
  it('never (re)transmits while the peer sleeps; retries wait for it to wake', () => {
    const a = new ReliableLink({ peer: 'device' }, () => 0, new ReassemblyBudget(1 << 20));
    a.receive([{ type: 'SLEEP', wakeIntervalMs: 10_000, awakeMs: 500 }], 0); // heard at 0: listening until 500
    const sendTimes: number[] = [];
    a.send(new Uint8Array(3), {}, 100);
    a.send(new Uint8Array(3), {}, 900); // asleep: waits
    const wakes = [10_000, 20_000, 30_000];
    let now = 100;
    for (let step = 0; step < 200 && now < 40_000; step++) {
      a.tick(now);
      const frames = a.poll(now, 1000);
      if (frames?.some((f) => f.type === 'MSG')) {
        sendTimes.push(now);
        const awakeFrom = [0, ...wakes].filter((w) => w <= now).pop()!;
        expect(now - awakeFrom, `sent at ${now} while asleep`).toBeLessThan(500);
      }
      const w = wakes.find((x) => x > now) ?? Infinity;
      const next = Math.min(a.nextDeadline(now), w);
      if (next === w && w < Infinity) {
        now = w;
        a.heard(now); // the device wakes and speaks (its ACK never comes in this test)
      } else now = Math.max(next, now + 1);
    }
    // first at 100, retry at 100 + RTO = 1100 falls asleep -> goes at the 10 s wake, and so on
    expect(sendTimes[0]).toBe(100);
    expect(sendTimes.slice(1, 3)).toEqual([10_000, 20_000]);
  });
});

describe('receiver: duplicates, ordering, hold-back', () => {
  it('delivers ordered messages in order, unordered ones at once, duplicates never, and re-acknowledges duplicates', () => {
    const r = new ReceiveState({ holdBackMessages: 2 }, new ReassemblyBudget(1000));
    const m = (id: number, prev?: number): MsgFrame => ({ type: 'MSG', channel: 1, id, ...(prev !== undefined && { prev }), data: new Uint8Array([id]) });
    expect(r.onMsg(m(3, 2), 0)).toEqual([]); // held: waits for 2
    expect(r.onMsg(m(4), 0).map((d) => d.id)).toEqual([4]); // unordered: at once
    expect(r.onMsg(m(2, 1), 0)).toEqual([]);
    expect(r.heldMessages).toBe(2);
    expect(r.onMsg(m(5, 3), 0)).toEqual([]); // hold-back full: refused, not acknowledged [SW-14.7-7]
    expect(r.counters.holdBackFull).toBe(1);
    expect(r.ids.has(5)).toBe(false);
    expect(r.onMsg(m(1, 0), 0).map((d) => d.id)).toEqual([1, 2, 3]); // the message that unblocks the channel is taken while full [SW-14.7-7]
    r.takeAck(0, 100);
    expect(r.onMsg(m(2, 1), 5)).toEqual([]); // duplicate
    expect(r.ackDue(5)).toBe(true);
    expect(r.takeAck(5, 100)).toMatchObject({ cum: 5 });
  });

  it('while refusing, takes only what completes an acknowledged message or chain, and duplicates [SW-14.7-8]', () => {
    const r = new ReceiveState({}, new ReassemblyBudget(1 << 16));
    const m = (id: number, prev?: number): MsgFrame => ({ type: 'MSG', channel: 1, id, ...(prev !== undefined && { prev }), data: new Uint8Array([id]) });
    const frag = (id: number, index: number): MsgFrame => ({ type: 'MSG', channel: 2, id, frag: { index, count: 3, total: 1500 }, data: new Uint8Array(500) });
    expect(r.undelivered).toBe(0);
    expect(r.takesWhileRefusing(m(1, 0))).toBe(false); // nothing waits: new data is refused
    expect(r.onMsg(m(4, 3), 0)).toEqual([]); // held for 3
    expect(r.onMsg(frag(10, 0), 0)).toEqual([]); // a message of 3 fragments, 10 to 12, being reassembled
    expect(r.undelivered).toBe(2);
    expect(r.takesWhileRefusing(m(3, 2))).toBe(true); // below a held id: may be its predecessor
    expect(r.takesWhileRefusing(m(1, 0))).toBe(true);
    expect(r.takesWhileRefusing(frag(11, 1))).toBe(true); // completes the partial message
    expect(r.takesWhileRefusing(m(4, 3))).toBe(true); // a duplicate: acknowledged again
    expect(r.takesWhileRefusing(m(13, 12))).toBe(false); // after everything waiting: refused
    expect(r.takesWhileRefusing({ type: 'MSG', channel: 0, data: new Uint8Array(1) })).toBe(false); // unreliable
    for (const id of [1, 2, 3]) r.onMsg(m(id, id - 1), 0);
    expect(r.onMsg(frag(11, 1), 0)).toEqual([]);
    expect(r.onMsg(frag(12, 2), 0).map((d) => d.id)).toEqual([10]);
    expect(r.undelivered).toBe(0);
    expect(r.takesWhileRefusing(m(9, 8))).toBe(false); // the chain drained: nothing below a held id any more
  });

  it('a FORWARD past a given-up predecessor releases the held message', () => {
    const r = new ReceiveState({}, new ReassemblyBudget(1000));
    expect(r.onMsg({ type: 'MSG', channel: 0, id: 2, prev: 1, data: new Uint8Array(1) }, 0)).toEqual([]);
    expect(r.onForward(2, 0).map((d) => d.id)).toEqual([2]);
    expect(r.ids.base).toBe(3);
  });
});
