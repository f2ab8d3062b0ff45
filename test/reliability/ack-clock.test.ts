// The ACK clock's bookkeeping [SW-14.8-7]: an ACK covers the unreliable messages transmitted before
// (or beside) the first transmission of each fragment it reports received.
import { describe, expect, it } from 'vitest';
import { AckClock } from '../../src/reliability/ack-clock.js';
import type { AckFrame, MsgFrame } from '../../src/reliability/frames.js';

const u = (): MsgFrame => ({ type: 'MSG', channel: 0, data: new Uint8Array(1) });
const r = (id: number): MsgFrame => ({ type: 'MSG', channel: 0, id, data: new Uint8Array(1) });
const ack = (cum: number, ranges: Array<[number, number]> = []): AckFrame => ({ type: 'ACK', cum, window: 64, delay: 0, ranges: ranges.map(([start, end]) => ({ start, end })) });

function sent(c: AckClock, frames: MsgFrame[]): void {
  c.handed += frames.filter((f) => f.id === undefined).length;
  c.transmitted(frames);
}

describe('AckClock [SW-14.8-7]', () => {
  it('stamps a fragment with the unreliable messages sent before and beside it, and an ACK covers the largest stamp', () => {
    const c = new AckClock();
    sent(c, [u(), u(), r(1)]); // stamp 2
    sent(c, [u(), u(), u(), r(2)]); // stamp 5
    sent(c, [u()]);
    expect(c.uncovered).toBe(6);
    c.acked(ack(2)); // id 1 only
    expect(c.covered).toBe(2);
    c.acked(ack(2, [[2, 3]])); // id 2 in a range
    expect(c.covered).toBe(5);
    expect(c.uncovered).toBe(1);
  });

  it('keeps the first stamp of a retransmitted fragment (Karn: the ACK may answer the first copy)', () => {
    const c = new AckClock();
    sent(c, [r(1)]); // stamp 0
    sent(c, [u(), u(), u(), r(1)]); // retransmission: still 0
    c.acked(ack(2));
    expect(c.covered).toBe(0);
    expect(c.uncovered).toBe(3);
  });

  it('counts queued messages as uncovered; a given-up marker covers what was handed before it and transmitted', () => {
    const c = new AckClock();
    sent(c, [u(), u(), u(), u(), u(), u()]);
    c.handed += 4; // queued, not transmitted
    expect(c.uncovered).toBe(10);
    c.cover(4);
    expect(c.uncovered).toBe(6);
    c.cover(99); // only the 6 transmitted: the 4 queued wait for a later cover
    expect(c.uncovered).toBe(4);
  });

  it('starts again when the peer restarts: old ids cover nothing', () => {
    const c = new AckClock();
    sent(c, [u(), u(), r(1)]);
    c.reset();
    expect(c.uncovered).toBe(0);
    sent(c, [u(), r(5)]);
    c.acked(ack(2)); // id 1 of the new epoch is not the stamped one
    expect(c.uncovered).toBe(1);
    c.acked(ack(6));
    expect(c.uncovered).toBe(0);
  });
});
