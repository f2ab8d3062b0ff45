// The sender towards a silent peer (spec 14.4, 14.7): the silence backoff of [SW-14.4-14] and the
// FORWARD backoff of [SW-14.7-10]. Before them an application publishing every 200 ms towards a
// frozen hub had each new message bring its own short timer, and a FORWARD went every RTO.
import { describe, expect, it } from 'vitest';
import { MAX_RTO_MS, SILENCE_FAST_STEPS, SILENCE_MAX_STEP_MS } from '../../src/reliability/constants.js';
import type { AckFrame } from '../../src/reliability/frames.js';
import { SendState } from '../../src/reliability/send-state.js';
import { simulate } from './sim.js';

const ack = (cum: number, ranges: Array<[number, number]> = []): AckFrame => ({ type: 'ACK', cum, window: 100, delay: 0, ranges: ranges.map(([start, end]) => ({ start, end })) });

/** Runs the sender for `ms` with the application handing over a message every `everyMs`; returns the times of datagrams with fragments. */
function silentPeer(s: SendState, ms: number, everyMs: number, from = 0, size = 20): number[] {
  const sent: number[] = [];
  for (let now = from; now < from + ms; now += 10) {
    if (now % everyMs === 0) s.send(new Uint8Array(size), { deadline: 10 * 60_000 }, now);
    s.tick(now);
    if (s.takeMessages(now, 1200).some((f) => f.id !== undefined)) sent.push(now);
  }
  return sent;
}

describe('a sender towards a silent peer [SW-14.4-14] [SW-14.7-10]', () => {
  it('sends one datagram per step of the silence backoff, 8 steps RTO apart then doubling up to SILENCE_MAX_STEP, whatever the application hands over', () => {
    const s = new SendState({ peer: 'p', jitter: 0, outboxMessages: 1000 }, () => 0);
    // an RTT sample first: RTO becomes MIN_RTO-ish, as on a LAN
    s.send(new Uint8Array(20), {}, 0);
    s.takeMessages(0, 1200);
    s.onAck(ack(2), 2);
    const sent = silentPeer(s, 60_000, 200, 10);
    const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
    // a handful at first (the first transmissions and SILENCE_FAST_STEPS steps RTO apart), then ever longer gaps
    expect(sent.length).toBeLessThan(30);
    expect(sent.filter((t) => t < 5_000).length).toBeLessThanOrEqual(2 + SILENCE_FAST_STEPS + 3);
    expect(sent.filter((t) => t > 30_000).length).toBeLessThanOrEqual(8); // one per SILENCE_MAX_STEP at most
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(SILENCE_MAX_STEP_MS);
  });

  it('the first ACK that acknowledges something new lets everything go again', () => {
    const s = new SendState({ peer: 'p', jitter: 0, outboxMessages: 1000 }, () => 0);
    s.send(new Uint8Array(20), {}, 0);
    s.takeMessages(0, 1200);
    s.onAck(ack(2), 2);
    silentPeer(s, 20_000, 200, 10, 1000); // one message per datagram
    expect(s.takeMessages(20_010, 1200).length).toBe(0); // still silent: this step's datagram went
    s.onAck(ack(3), 20_010); // the peer is back: id 2 acknowledged
    s.cong.cwnd = 1e9; // congestion control aside: only the silence backoff is under test
    let datagrams = 0;
    for (let now = 20_010; now < 20_110; now++) if (s.takeMessages(now, 1200).length > 0) datagrams++;
    expect(datagrams).toBeGreaterThan(5); // datagram after datagram, paced only by congestion control
  });

  it('a CHALLENGE of the peer (it got our datagrams) ends the silence at once', () => {
    const s = new SendState({ peer: 'p', jitter: 0, outboxMessages: 1000 }, () => 0);
    s.send(new Uint8Array(20), {}, 0);
    s.takeMessages(0, 1200);
    s.onAck(ack(2), 2);
    silentPeer(s, 20_000, 200, 10, 1000);
    s.cong.cwnd = 1e9;
    expect(s.takeMessages(20_010, 1200).length).toBe(0); // gated
    s.challenged(20_010);
    expect(s.takeMessages(20_010, 1200).length).toBeGreaterThan(0);
  });

  it('a FORWARD goes on its own RTO after the last, doubling, up to MAX_RTO; an ACK that raises CUM starts over', () => {
    const s = new SendState({ peer: 'p', jitter: 0 }, () => 0);
    s.send(new Uint8Array(20), { deadline: 100 }, 0);
    s.takeMessages(0, 1200);
    s.tick(100); // given up: FORWARD owed
    const times: number[] = [];
    for (let now = 100; now < 200_000; now += 10) {
      if (s.wantsDatagram(now) && s.forwardFrame(now, 100) !== undefined) times.push(now);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]); // INITIAL_RTO 1 s, doubling
    expect(Math.max(...gaps)).toBe(MAX_RTO_MS);
    s.onAck(ack(2), 200_000);
    expect(s.forwardOwed).toBe(false);
  });

  it('a step that the last timeouts came too early for is counted when its time comes: no sender is left without a timer [SW-14.4-15]', () => {
    // 30% loss both ways towards a window of 8: with seed 9 the fragments of the fifth step's datagram
    // (their 4th transmissions, timers of 8 RTO) all timed out before the step's 16 RTO had passed,
    // counted nothing, and left no timer: 37 messages waited for their deadline, nothing ever sent
    const msgs = Array.from({ length: 300 }, (_, i) => ({ at: 0, size: 40 + (i % 7) * 20, opts: { ordered: true, channel: 2, deadline: 10_000_000 } }));
    const r = simulate(9, { loss: 0.3, dup: 0.05, delay: 20, jitter: 30 }, msgs, { budget: 512, a: { send: { initialPeerWindow: 8, outboxMessages: 1000, outboxBytes: 1 << 20 } }, b: { profile: 'device' }, horizon: 3_600_000 });
    expect(r.deliveries.size).toBe(300);
    expect(r.endTime).toBeLessThan(600_000);
  });
});
