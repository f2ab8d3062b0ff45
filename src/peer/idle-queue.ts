/**
 * Work done once an item has been idle for a fixed period, for all items of a node at once: one FIFO
 * of the items in use, in the order they were last queued, and one runtime timer for its head. The
 * node uses two: idle senders set aside (spec 9.5, ParkQueue) and quiescent reliable links set aside
 * (spec 14.13).
 *
 * Why not each item's own timer: a hub answers each device's keepalive about every 25 s, and with the
 * idle work in the peer's deadline every answer cost a full peer timer firing on top of the datagram.
 * Here an item costs one queue entry per idle period, and a firing looks only at the items due.
 *
 * Every item's idle period is the same, so the queue stays in deadline order: an item queued later is
 * never due earlier, except one used again after it was queued, which goes to the tail for its new
 * time when it comes up (so handled late, never early). An item is queued at most once at a time
 * (its queuedAt slot), and the queue holds only items used within the last idle period: its work
 * follows activity, not the number of items. Runtime-agnostic: time comes from the Scheduler.
 * @module
 */
import type { Scheduler, Timer } from '../time/scheduler.js';
import { NONE } from './liveness.js';

export interface IdleItems<T> {
  /** When the item is queued for, NONE when it is not queued. */
  queuedAt(t: T): number;
  setQueuedAt(t: T, at: number): void;
  /** When the item will have been idle for the period, or Infinity if it has nothing to set aside. */
  dueAt(t: T): number;
  /** The item left the queue at `now` (its time came, or it had nothing left): do the idle work if any. */
  idle(t: T, now: number): void;
}

export class IdleQueue<T> {
  // A ring of items: head..tail, grown by doubling. No entry object per item.
  private ring: Array<T | undefined> = new Array<T | undefined>(16);
  private head = 0;
  private count = 0;
  private timer: Timer | undefined;
  private timerFor = Infinity;
  private closed = false;

  constructor(
    private readonly scheduler: Scheduler,
    /** Integer ms, as every time a node keeps. */
    private readonly now: () => number,
    private readonly items: IdleItems<T>,
  ) {}

  /**
   * The item is in use now: make sure its idle work runs once it has been idle for the period, at
   * `at` (default: its dueAt) or later.
   */
  note(t: T, at: number = this.items.dueAt(t)): void {
    if (this.closed || this.items.queuedAt(t) !== NONE || at === Infinity) return;
    this.items.setQueuedAt(t, at);
    this.push(t);
    this.arm(at);
  }

  get size(): number {
    return this.count;
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (let i = 0; i < this.count; i++) {
      const t = this.ring[(this.head + i) % this.ring.length];
      if (t !== undefined) this.items.setQueuedAt(t, NONE);
    }
    this.ring = [];
    this.count = 0;
  }

  private run(): void {
    this.timer = undefined;
    this.timerFor = Infinity;
    const now = this.now();
    // each entry looked at once per run at most: one requeued for a later time is not seen again
    for (let budget = this.count; !this.closed && budget > 0 && this.count > 0; budget--) {
      const t = this.ring[this.head]!;
      const at = this.items.dueAt(t);
      if (at <= now || at === Infinity) {
        this.shift();
        this.items.setQueuedAt(t, NONE);
        this.items.idle(t, now);
        continue;
      }
      if (at === this.items.queuedAt(t)) break; // the head, not due yet: neither is any item behind it
      // used again since it was queued: to the tail, for its new time
      this.shift();
      this.items.setQueuedAt(t, at);
      this.push(t);
    }
    if (this.count > 0) this.arm(this.items.queuedAt(this.ring[this.head]!));
  }

  private arm(at: number): void {
    if (this.closed || !(at < Infinity) || at >= this.timerFor) return;
    this.timer?.cancel();
    this.timerFor = at;
    this.timer = this.scheduler.at(at, () => this.run());
  }

  private push(t: T): void {
    if (this.count === this.ring.length) {
      const grown = new Array<T | undefined>(this.ring.length * 2);
      for (let i = 0; i < this.count; i++) grown[i] = this.ring[(this.head + i) % this.ring.length];
      this.ring = grown;
      this.head = 0;
    }
    this.ring[(this.head + this.count) % this.ring.length] = t;
    this.count++;
  }

  private shift(): void {
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
  }
}
