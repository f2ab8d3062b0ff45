/**
 * TimerQueue's gate [SW-8.4-3]: a run waits until the gate lets it go (the node's gate: its input
 * read first), and only one waits at a time.
 */
import { describe, expect, it } from 'vitest';
import { VirtualScheduler } from '../../src/time/scheduler.js';
import { TimerQueue } from '../../src/time/timer-queue.js';

interface Item {
  timerAt: number;
  readonly name: string;
}

describe('TimerQueue gate [SW-8.4-3]', () => {
  it('fires only when the gate releases the run, with the time then', () => {
    const s = new VirtualScheduler(0);
    const held: Array<() => void> = [];
    const fired: Array<[string, number]> = [];
    const q = new TimerQueue<Item>(s, (it, now) => (fired.push([it.name, now]), Infinity), (run) => void held.push(run));
    q.schedule({ timerAt: -1, name: 'a' }, 100);
    s.advance(150);
    expect(fired, 'due, but the gate holds it').toEqual([]);
    expect(held).toHaveLength(1);
    s.advance(50);
    held.shift()!();
    expect(fired).toEqual([['a', 200]]);
  });

  it('one run waits at the gate at a time, however often the queue is armed meanwhile; it takes all that is due', () => {
    const s = new VirtualScheduler(0);
    const held: Array<() => void> = [];
    const fired: string[] = [];
    const q = new TimerQueue<Item>(s, (it) => (fired.push(it.name), Infinity), (run) => void held.push(run));
    q.schedule({ timerAt: -1, name: 'late' }, 100);
    s.advance(100); // fired, waiting at the gate
    q.schedule({ timerAt: -1, name: 'early' }, 50); // earlier than the armed time: armed again
    s.advance(1);
    expect(held, 'no second run at the gate').toHaveLength(1);
    held.shift()!();
    expect(fired.sort()).toEqual(['early', 'late']);
    q.schedule({ timerAt: -1, name: 'next' }, 120);
    s.advance(30);
    expect(held).toHaveLength(1);
    held.shift()!();
    expect(fired).toContain('next');
  });

  it('without a gate, runs when due (unchanged)', () => {
    const s = new VirtualScheduler(0);
    const fired: number[] = [];
    const q = new TimerQueue<Item>(s, (_it, now) => (fired.push(now), Infinity));
    q.schedule({ timerAt: -1, name: 'a' }, 10);
    s.advance(10);
    expect(fired).toEqual([10]);
  });
});
