// Deferred acknowledgements [SW-14.3-9]: a receiver takes a message on a deferring channel at once
// (delivered, deduplicated) but leaves its id out of every ACK until the application released it,
// without lying about other ids and without ever moving CUM backwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReassemblyBudget, ReceivedIds, ReceiveState, type MsgFrame } from '../../src/reliability/index.js';

const msg = (id: number, channel = 2, prev?: number): MsgFrame => ({ type: 'MSG', channel, id, ...(prev !== undefined && { prev }), data: new Uint8Array([id & 0xff]) });
const state = (deferred: number[]): ReceiveState => new ReceiveState({ deferAcks: new Set(deferred) }, new ReassemblyBudget(1 << 20));

describe('deferred acknowledgements [SW-14.3-9]', () => {
  it('a deferred message is delivered with its withheld id and acknowledged only after release', () => {
    const r = state([2]);
    const d = r.onMsg(msg(1), 0);
    expect(d).toHaveLength(1);
    expect(d[0]!.withheld).toBe(1);
    expect(r.takeAck(0, 100)).toMatchObject({ cum: 1, ranges: [] });
    // an uncovered channel is acknowledged as usual, around the withheld id
    expect(r.onMsg(msg(2, 3), 0)[0]!.withheld).toBeUndefined();
    expect(r.takeAck(0, 100)).toMatchObject({ cum: 1, ranges: [{ start: 2, end: 3 }] });
    // the retransmitted copy is a duplicate: not delivered again, still not acknowledged
    expect(r.onMsg(msg(1), 5)).toEqual([]);
    expect(r.takeAck(5, 100)).toMatchObject({ cum: 1, ranges: [{ start: 2, end: 3 }] });
    expect(r.release(1, 6)).toBe(true);
    expect(r.ackDue(6)).toBe(true);
    expect(r.takeAck(6, 100)).toMatchObject({ cum: 3, ranges: [] });
    expect(r.release(1, 7)).toBe(false); // released twice: nothing more
  });

  it('a held-back ordered message stays unacknowledged until delivered and released', () => {
    const r = state([2]);
    expect(r.onMsg(msg(2, 2, 1), 0)).toEqual([]); // held back for id 1
    expect(r.takeAck(0, 100)).toMatchObject({ cum: 1, ranges: [] });
    // not handed over yet, so nothing to release: it stays withheld and no ACK is owed
    expect(r.release(2, 0)).toBe(false);
    expect(r.withheld).toBe(1);
    expect(r.ackDue(0)).toBe(false);
    const d = r.onMsg(msg(1, 2, 0), 0);
    expect(d.map((x) => x.withheld)).toEqual([1, 2]);
    r.release(2, 1);
    expect(r.takeAck(1, 100)).toMatchObject({ cum: 1, ranges: [{ start: 2, end: 3 }] });
    r.release(1, 2);
    expect(r.takeAck(2, 100)).toMatchObject({ cum: 3, ranges: [] });
  });

  it('FORWARD past a withheld id settles it (the sender gave it up)', () => {
    const r = state([2]);
    r.onMsg(msg(1), 0);
    r.onForward(2, 0);
    expect(r.takeAck(0, 100)).toMatchObject({ cum: 2 });
    expect(r.withheld).toBe(0);
  });

  it('property: an ACK never covers a withheld id, covers every other received id that fits, and CUM never decreases', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.boolean()), { maxLength: 80 }), (ops) => {
        const ids = new ReceivedIds(1000, 64);
        const withheld = new Set<number>();
        let lastCum = 1;
        for (const [id, hold, release] of ops) {
          if (ids.admit(id) === 'new') {
            ids.add(id);
            if (hold) withheld.add(id);
          } else if (release) withheld.delete(id);
          const a = ids.ackFrame(10 + 4 * 64, 100, 0, withheld)!;
          const covered = (x: number): boolean => x < a.cum || a.ranges.some((g) => x >= g.start && x < g.end);
          for (const w of withheld) expect(covered(w)).toBe(false);
          for (let x = 1; x <= 60; x++) if (ids.has(x) && !withheld.has(x)) expect(covered(x)).toBe(true);
          for (let x = 1; x <= 60; x++) if (covered(x)) expect(ids.has(x)).toBe(true);
          for (const g of a.ranges) expect(g.start).toBeGreaterThan(a.cum);
          // a newly taken id is at or above base, so withholding it never pulls CUM back
          expect(a.cum).toBeGreaterThanOrEqual(lastCum);
          lastCum = a.cum;
        }
      }),
      { numRuns: 300 },
    );
  });
});
