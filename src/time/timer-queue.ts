/**
 * Many deadlines on one Scheduler timer: a min-heap of (time, item) with lazy invalidation. An item
 * records the earliest time it is queued for (`timerAt`); a later deadline is not pushed (the item
 * recomputes its deadline when it fires), an earlier one is. So a peer heard on every datagram costs
 * nothing here, and 10,000 idle peers cost one heap entry each and one runtime timer in all.
 * @module
 */
import type { Scheduler, Timer } from './scheduler.js';

/** An item with the time it is queued for, or -1 when it is not queued. */
export interface Timed {
  timerAt: number;
}

const NOT_QUEUED = -1;

export class TimerQueue<T extends Timed> {
  // The heap as two parallel arrays (times, items): no entry object per queued item (spec 9.5).
  private readonly ats: number[] = [];
  private readonly items: T[] = [];
  private timer: Timer | undefined;
  private timerFor = Infinity;
  private closed = false;

  /** A run waits at the gate: a timer firing meanwhile adds none (that run takes whatever is due then). */
  private gated = false;

  /**
   * `fire(item, now)` runs when the item's deadline passes and returns its next deadline (or
   * Infinity). `gate`, if given, is passed each run when its timer fires and calls it when the run
   * may go: the node's gate waits for the input already received to be read first [SW-8.4-3].
   */
  constructor(
    private readonly scheduler: Scheduler,
    private readonly fire: (item: T, now: number) => number,
    private readonly gate?: (run: () => void) => void,
  ) {}

  /** Makes sure `item` fires at or before `at`. */
  schedule(item: T, at: number): void {
    if (this.closed || !(at < Infinity)) return; // also skips NaN
    if (item.timerAt !== NOT_QUEUED && at >= item.timerAt) return;
    item.timerAt = at;
    this.push(at, item);
    this.arm();
  }

  /** Stops all timers; schedule() becomes a no-op. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.ats.length = 0;
    this.items.length = 0;
  }

  get size(): number {
    return this.ats.length;
  }

  private run(): void {
    this.timer = undefined;
    this.timerFor = Infinity;
    const now = Math.floor(this.scheduler.now()); // integer ms, as every time the items keep
    while (!this.closed && this.ats.length > 0 && this.ats[0]! <= now) {
      const at = this.ats[0]!;
      const item = this.pop();
      if (item.timerAt !== at) continue; // superseded by an earlier entry, which already ran
      item.timerAt = NOT_QUEUED;
      const next = this.fire(item, now);
      this.schedule(item, next > now ? next : now + 1); // never loop on a deadline that stays due
    }
    this.arm();
  }

  private arm(): void {
    const top = this.ats[0];
    if (this.closed || top === undefined || top >= this.timerFor) return;
    this.timer?.cancel();
    this.timerFor = top;
    const gate = this.gate;
    if (gate === undefined) return void (this.timer = this.scheduler.at(top, () => this.run()));
    // at most one run waits at the gate, however often the queue is armed meanwhile: bounded work
    // while the node is behind on its input, when it can least afford more
    this.timer = this.scheduler.at(top, () => {
      if (this.gated) return;
      this.gated = true;
      gate(() => {
        this.gated = false;
        this.run();
      });
    });
  }

  private swap(i: number, j: number): void {
    const a = this.ats;
    const t = this.items;
    [a[i], a[j]] = [a[j]!, a[i]!];
    [t[i], t[j]] = [t[j]!, t[i]!];
  }

  private push(at: number, item: T): void {
    const a = this.ats;
    a.push(at);
    this.items.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      this.swap(i, p);
      i = p;
    }
  }

  private pop(): T {
    const a = this.ats;
    const t = this.items;
    const top = t[0]!;
    const lastAt = a.pop()!;
    const lastItem = t.pop()!;
    if (a.length > 0) {
      a[0] = lastAt;
      t[0] = lastItem;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
