// Repair of group losses (spec 19.12) in memory: the NACK frame, the sender's bounded history, the
// reply budget that keeps a NACK from amplifying, the receiver's gap tracking with suppression, and
// a lossy run on a simulated clock where repair recovers every datagram exactly once.
import { describe, expect, it } from 'vitest';
import { tweetnaclSuite as suite } from '../../src/crypto/tweetnacl.js';
import { decodeGroupMessage, encodeGroupMessage, type GroupNack } from '../../src/multicast/frames.js';
import { GroupManager } from '../../src/multicast/manager.js';
import { GroupReceiver } from '../../src/multicast/receiver.js';
import { NackScheduler, RepairHistory, RepairResponder } from '../../src/multicast/repair.js';
import { GroupSender } from '../../src/multicast/sender.js';

const boot = (n: number) => new Uint8Array(8).fill(n);
const text = (s: string) => new TextEncoder().encode(s);
/** mulberry32: a seeded generator, so every run loses the same datagrams. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function site() {
  const mgr = new GroupManager({ suite, gid: 3 });
  const rx = new Map<string, GroupReceiver>();
  const tx = new Map<string, GroupSender>();
  for (const [i, id] of ['a', 'b', 'c'].entries()) {
    mgr.add(id);
    const r = new GroupReceiver({ suite });
    r.installSync(mgr.grantFor(id), 0);
    rx.set(id, r);
    tx.set(id, new GroupSender({ suite, membership: r.membership(3), epoch: 1, boot: boot(i + 1) }));
  }
  const member = (id: string) => rx.get(id)!.membership(3).sending(0)!.grant.member;
  return { rx, tx, member };
}

describe('the NACK frame [SW-19.12-3]', () => {
  const n: GroupNack = { kind: 'nack', gen: 2, member: 5, epoch: 9, boot: boot(4), counters: [100, 101, 131] };
  it('round-trips as BASE and a 32-bit MASK; padding allowed', () => {
    const b = encodeGroupMessage(n, 2);
    expect(b.length).toBe(2 + 1 + 23);
    expect(Array.from(b.subarray(18, 26))).toEqual([0, 0, 0, 100, 0x80, 0, 0, 0x03]);
    expect(decodeGroupMessage(b)).toEqual({ ...n, boot: boot(4) });
  });
  it('refuses to encode what it cannot name: no counter, a span over 32, no sender', () => {
    expect(() => encodeGroupMessage({ ...n, counters: [] })).toThrow();
    expect(() => encodeGroupMessage({ ...n, counters: [1, 33] })).toThrow();
    expect(() => encodeGroupMessage({ ...n, member: 0 })).toThrow();
  });
  it('decodes nothing malformed (MALFORMED_INNER): a wrong length, MASK 0, MEMBER 0, EPOCH 0, a counter at COUNTER_LIMIT', () => {
    const b = encodeGroupMessage(n);
    const at = (i: number, v: number) => Uint8Array.from(b, (x, j) => (j === i ? v : x));
    expect(decodeGroupMessage(b.subarray(0, 23))).toBeUndefined();
    expect(decodeGroupMessage(Uint8Array.from([...b, 0]))).toBeUndefined();
    expect(decodeGroupMessage(Uint8Array.from(b, (x, j) => (j >= 20 ? 0 : x)))).toBeUndefined();
    expect(decodeGroupMessage(at(3, 0))).toBeUndefined();
    expect(decodeGroupMessage(Uint8Array.from(b, (x, j) => (j >= 4 && j < 8 ? 0 : x)))).toBeUndefined();
    expect(decodeGroupMessage(Uint8Array.from(b, (x, j) => (j >= 16 && j < 20 ? 0xff : j >= 20 ? (j === 23 ? 1 : 0) : x)))).toBeUndefined();
  });
});

describe('history and the reply budget [SW-19.12-1] [SW-19.12-4] [SW-19.12-5]', () => {
  it('the history keeps the last datagrams within its count and its bytes', () => {
    const { tx } = site();
    const h = new RepairHistory(4, 10_000);
    const sent = Array.from({ length: 6 }, (_, i) => tx.get('a')!.seal({ kind: 'datagram', payload: new Uint8Array(10) }, i));
    sent.forEach((d) => h.add(d));
    expect(h.size).toBe(4);
    const small = new RepairHistory(64, 3 * sent[0]!.length);
    sent.forEach((d) => small.add(d));
    expect(small.size).toBe(3);
    expect(small.bytes).toBe(3 * sent[0]!.length);
  });

  it('a NACK gets back the named datagrams unchanged, only those held, each once per interval, within the per-source rate', () => {
    const { tx, member, rx } = site();
    const a = tx.get('a')!;
    const history = new RepairHistory();
    const sent = Array.from({ length: 40 }, (_, i) => a.seal({ kind: 'publish', topic: 't', payload: text(String(i)) }, 0));
    sent.forEach((d) => history.add(d)); // 40 entries, counters 0..39
    const resp = new RepairResponder({ history, sourceRate: 10, rate: 100 });
    const nack = (counters: number[], b = boot(1)): GroupNack => ({ kind: 'nack', gen: 0, member: member('a'), epoch: 1, boot: b, counters });
    // identical bytes: same counter, nonce and ciphertext, so a receiver that has it drops it as a replay
    const r = resp.onNack(nack([3, 5]), member('b'), 1000);
    expect(r).toEqual([sent[3], sent[5]]);
    expect(rx.get('b')!.receiveSync(sent[3]!, 0).ok).toBe(true);
    expect(rx.get('b')!.receiveSync(r[0]!, 0)).toEqual({ ok: false, reason: 'REPLAY' });
    // another member's NACK for the same counters within the interval: nothing more
    expect(resp.onNack(nack([3, 5]), member('c'), 1050)).toEqual([]);
    expect(resp.stats.suppressed).toBe(2);
    // not held: a counter never sent, another BOOT (another start of the sender)
    expect(resp.onNack(nack([60]), member('b'), 1200)).toEqual([]);
    expect(resp.onNack(nack([7], boot(9)), member('b'), 1200)).toEqual([]);
    expect(resp.stats.notHeld).toBe(2);
    // one member naming 32 counters at once gets at most its rate's burst (10, 2 of them spent, half a token back)
    const many = resp.onNack(nack(Array.from({ length: 32 }, (_, i) => 6 + i)), member('b'), 1050);
    expect(many.length).toBe(8);
    expect(resp.stats.overBudget).toBe(24);
    // the bytes it answered are never more than the entries it named
    expect(resp.stats.repairBytes).toBe([3, 5, ...Array.from({ length: 8 }, (_, i) => 6 + i)].reduce((s, c) => s + sent[c]!.length, 0));
  });
});

describe('the amplification bound [SW-19.12-5]', () => {
  it('three members NACKing all 64 held counters every 10 ms for 2 s draw at most the rates: each counter once per 100 ms, 64 a second per member, 128 in all', () => {
    const { tx, member } = site();
    const a = tx.get('a')!;
    const history = new RepairHistory();
    for (let i = 0; i < 70; i++) history.add(a.seal({ kind: 'datagram', payload: new Uint8Array(100) }, 0));
    expect(history.size).toBe(64); // counters 6..69
    const resp = new RepairResponder({ history });
    const perMember = new Map<number, number>();
    const lastSent = new Map<number, number>();
    let nackBytes = 0;
    let repairBytes = 0;
    for (let now = 0; now < 2000; now += 10) {
      for (const id of ['b', 'c', 'c']) {
        for (const base of [6, 38]) {
          const n: GroupNack = { kind: 'nack', gen: 0, member: member('a'), epoch: 1, boot: boot(1), counters: Array.from({ length: 32 }, (_, i) => base + i) };
          nackBytes += tx.get(id)!.seal(n, now).length;
          for (const r of resp.onNack(n, member(id), now)) {
            const c = new DataView(r.buffer, r.byteOffset).getUint32(11);
            expect(now - (lastSent.get(c) ?? -Infinity)).toBeGreaterThanOrEqual(100);
            lastSent.set(c, now);
            perMember.set(member(id), (perMember.get(member(id)) ?? 0) + 1);
            repairBytes += r.length;
          }
        }
      }
    }
    // burst + rate x 2 s, per member and in all
    for (const n of perMember.values()) expect(n).toBeLessThanOrEqual(64 + 64 * 2);
    expect(resp.stats.repairs).toBeLessThanOrEqual(128 + 128 * 2);
    expect(resp.stats.repairs).toBeGreaterThan(200); // the budget is what stopped them, not a lack of NACKs
    // each NACK is 63 bytes; bytes out per byte in stays under 32 x entry / 63 (here far under: the budget caps it)
    expect(nackBytes).toBe(1200 * 63);
    expect(repairBytes / nackBytes).toBeLessThan(1);
  });
});

describe('the receiver’s gaps [SW-19.12-2] [SW-19.12-6]', () => {
  const d = (counter: number) => ({ gen: 0, member: 2, epoch: 1, boot: boot(1), counter });
  it('a gap is NACKed after the delay, again each retry, given up after its tries; a late arrival closes it', () => {
    const s = new NackScheduler({ random: () => 0, delayMinMs: 10, delayMaxMs: 10, retryMs: 50, tries: 2 });
    s.onAccepted(d(0), 0);
    s.onAccepted(d(4), 0); // 1, 2, 3 missing
    expect(s.poll(5)).toEqual([]);
    expect(s.poll(10).map((n) => n.counters)).toEqual([[1, 2, 3]]);
    s.onAccepted(d(2), 20); // repaired
    expect(s.nextDeadline()).toBe(60);
    expect(s.poll(60).map((n) => n.counters)).toEqual([[1, 3]]);
    expect(s.poll(110)).toEqual([]); // two tries spent
    expect(s.stats).toMatchObject({ missing: 3, recovered: 1, givenUp: 2, nacks: 2 });
  });
  it('another member’s NACK for the same counters puts this member’s off (suppression); a new start of the sender is no gap', () => {
    const s = new NackScheduler({ random: () => 0, delayMinMs: 10, delayMaxMs: 10, retryMs: 50 });
    s.onAccepted(d(0), 0);
    s.onAccepted(d(3), 0);
    s.onNackSeen({ kind: 'nack', gen: 0, member: 2, epoch: 1, boot: boot(1), counters: [1] }, 5);
    expect(s.poll(10).map((n) => n.counters)).toEqual([[2]]);
    expect(s.poll(55).map((n) => n.counters)).toEqual([[1]]);
    s.onAccepted({ ...d(9), epoch: 2 }, 60);
    expect(s.outstanding).toBe(0);
  });
  it('counters more than 32 apart go in separate NACKs', () => {
    const s = new NackScheduler({ random: () => 0, delayMinMs: 0, delayMaxMs: 0 });
    s.onAccepted(d(0), 0);
    s.onAccepted(d(40), 0);
    expect(s.poll(0).map((n) => [n.counters[0], n.counters.length])).toEqual([[1, 32], [33, 7]]);
  });
});

describe('a lossy group on a simulated clock', () => {
  /** a sends 200 publications 5 ms apart; b loses 30% of what reaches it (seeded), c loses nothing. */
  function run(repair: boolean) {
    const { rx, tx, member } = site();
    const rand = seeded(20);
    const history = new RepairHistory(256, 1 << 20);
    const resp = new RepairResponder({ history });
    const sched = new NackScheduler({ random: rand });
    const got = new Map<number, number>();
    const queue: Array<{ at: number; to: 'a' | 'b'; d: Uint8Array }> = [];
    const deliverToB = (d: Uint8Array, now: number) => {
      if (rand() < 0.3) return; // lost on b's path, repairs included
      const r = rx.get('b')!.receiveSync(d, now);
      if (!r.ok || r.delivery.message.kind !== 'publish') return;
      const i = Number(new TextDecoder().decode(r.delivery.message.payload));
      got.set(i, (got.get(i) ?? 0) + 1);
      if (repair) sched.onAccepted(r.delivery, now);
    };
    for (let now = 0; now < 3000; now++) {
      if (now % 5 === 0 && now / 5 < 200) {
        const d = tx.get('a')!.seal({ kind: 'publish', topic: 't', payload: text(String(now / 5)) }, now);
        history.add(d);
        queue.push({ at: now + 1, to: 'b', d });
      }
      if (repair) {
        for (const n of sched.poll(now)) {
          const nd = tx.get('b')!.seal(n, now);
          queue.push({ at: now + 1, to: 'a', d: nd });
        }
      }
      for (const q of queue.filter((x) => x.at === now)) {
        if (q.to === 'b') deliverToB(q.d, now);
        else {
          const r = rx.get('a')!.receiveSync(q.d, now);
          if (r.ok && r.delivery.message.kind === 'nack') for (const rep of resp.onNack(r.delivery.message, r.delivery.member, now)) queue.push({ at: now + 1, to: 'b', d: rep });
        }
      }
    }
    void member;
    return { got, resp, sched };
  }

  it('with repair every publication arrives exactly once (but a lost last one, which no later datagram reveals); without, 30% are missing', () => {
    const on = run(true);
    const tailLost = on.got.has(199) ? 0 : 1;
    expect(on.got.size).toBe(200 - tailLost);
    expect([...on.got.values()].every((n) => n === 1)).toBe(true);
    expect(on.sched.stats.missing).toBeGreaterThan(40);
    const off = run(false);
    expect(off.got.size).toBeLessThan(170);
  });
});
