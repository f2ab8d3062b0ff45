// The standing-queue bound on the receive buffer [SW-8.4-4]: shrink once every read has found more
// waiting for STANDING_QUEUE_MS, restore at the first read that finds the socket empty.
import { describe, expect, it } from 'vitest';
import { StandingQueueLimit } from '../../src/transport/standing-queue.js';

function limit(): { q: StandingQueueLimit; sizes: number[] } {
  const sizes: number[] = [];
  return { q: new StandingQueueLimit({ full: 4_000_000, behind: 256_000, afterMs: 200 }, (n) => void sizes.push(n)), sizes };
}

describe('StandingQueueLimit [SW-8.4-4]', () => {
  it('shrinks only after 200 ms of reads that all found more, once', () => {
    const { q, sizes } = limit();
    for (let t = 0; t < 200; t += 10) q.turn(false, t);
    expect(sizes).toEqual([]); // 190 ms behind: a burst, not a standing queue
    q.turn(false, 200);
    expect(sizes).toEqual([256_000]);
    for (let t = 210; t < 1_000; t += 10) q.turn(false, t);
    expect(sizes).toEqual([256_000]);
    expect(q.shrinks).toBe(1);
    expect(q.shrunk).toBe(true);
  });

  it('a read that finds the socket empty ends the run and restores the buffer', () => {
    const { q, sizes } = limit();
    for (let t = 0; t < 150; t += 10) q.turn(false, t);
    q.turn(true, 150); // drained: the run starts again
    for (let t = 160; t < 350; t += 10) q.turn(false, t);
    expect(sizes).toEqual([]);
    q.turn(false, 360);
    expect(sizes).toEqual([256_000]);
    q.turn(true, 370);
    expect(sizes).toEqual([256_000, 4_000_000]);
    expect(q.shrunk).toBe(false);
  });

  it('a stall of the process with input waiting is not idle: the buffer stays small', () => {
    const { q, sizes } = limit();
    for (let t = 0; t <= 200; t += 10) q.turn(false, t);
    expect(q.shrunk).toBe(true);
    q.turn(false, 5_000); // a turn after a 4.8 s stall (a long GC): the socket still had more
    expect(sizes).toEqual([256_000]);
    expect(q.shrunk).toBe(true);
    q.turn(true, 5_010);
    expect(sizes).toEqual([256_000, 4_000_000]);
  });
});
