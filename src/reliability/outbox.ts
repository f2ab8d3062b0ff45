/**
 * The outbox of one peer (spec 14.8): messages accepted from the application and not yet given
 * message ids, because the peer is unreachable or asleep, or the windows are full. Bounded in
 * messages and bytes; each message carries its deadline. FIFO, so per-channel order is kept.
 * @module
 */
import { InvalidArgumentError, OutboxFullError } from '../errors.js';

export interface Queued {
  readonly size: number;
  readonly deadline: number;
}

export class Outbox<T extends Queued> {
  private items: T[] = [];
  private head = 0;
  bytes = 0;

  constructor(
    readonly peer: string,
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {
    if (!(maxMessages >= 1) || !(maxBytes >= 1)) throw new InvalidArgumentError('outbox limits must be >= 1');
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues `item`, or throws OutboxFullError if either limit would be passed [SW-14.8-1]. */
  push(item: T): void {
    if (this.length + 1 > this.maxMessages || this.bytes + item.size > this.maxBytes) {
      throw new OutboxFullError(this.peer, this.maxMessages, this.maxBytes);
    }
    this.items.push(item);
    this.bytes += item.size;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const it = this.items[this.head];
    if (it === undefined) return undefined;
    this.head++;
    this.bytes -= it.size;
    if (this.head > 32 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return it;
  }

  /** Removes and returns every item whose deadline is at or before `now` [SW-14.8-4]. */
  expire(now: number): T[] {
    const live: T[] = [];
    const dead: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const it = this.items[i]!;
      (it.deadline <= now ? dead : live).push(it);
    }
    if (dead.length === 0) return dead;
    this.items = live;
    this.head = 0;
    this.bytes = live.reduce((n, it) => n + it.size, 0);
    return dead;
  }

  nextDeadline(): number {
    let d = Infinity;
    for (let i = this.head; i < this.items.length; i++) d = Math.min(d, this.items[i]!.deadline);
    return d;
  }

  /** Removes every item (for a reset); returns them. */
  drain(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return all;
  }
}
