/**
 * Many deadlines on one Scheduler timer: a min-heap of (time, item) with lazy invalidation. An item
 * records the earliest time it is queued for (`timerAt`); a later deadline is not pushed (the item
 * recomputes its deadline when it fires), an earlier one is. So a peer heard on every datagram costs
 * nothing here, and 10,000 idle peers cost one heap entry each and one runtime timer in all.
 * @module
 */
import type { Scheduler, Timer } from './scheduler.js';

export interface Timed {
  timerAt: number;
}

export class TimerQueue<T extends Timed> {
  private readonly heap: Array<{ at: number; item: T }> = [];
  private timer: Timer | undefined;
  private timerFor = Infinity;
  private closed = false;

  /** `fire(item, now)` runs when the item's deadline passes and returns its next deadline (or Infinity). */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly fire: (item: T, now: number) => number,
  ) {}

  /** Makes sure `item` fires at or before `at`. */
  schedule(item: T, at: number): void {
    if (this.closed || !(at < item.timerAt)) return; // also skips NaN and Infinity
    item.timerAt = at;
    this.push({ at, item });
    this.arm();
  }

  /** Stops all timers; schedule() becomes a no-op. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.heap.length = 0;
  }

  get size(): number {
    return this.heap.length;
  }

  private run(): void {
    this.timer = undefined;
    this.timerFor = Infinity;
    const now = this.scheduler.now();
    while (!this.closed && this.heap.length > 0 && this.heap[0]!.at <= now) {
      const { at, item } = this.pop();
      if (item.timerAt !== at) continue; // superseded by an earlier entry, which already ran
      item.timerAt = Infinity;
      const next = this.fire(item, now);
      this.schedule(item, next);
    }
    this.arm();
  }

  private arm(): void {
    const top = this.heap[0];
    if (this.closed || top === undefined || top.at >= this.timerFor) return;
    this.timer?.cancel();
    this.timerFor = top.at;
    this.timer = this.scheduler.at(top.at, () => this.run());
  }

  private push(e: { at: number; item: T }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): { at: number; item: T } {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
