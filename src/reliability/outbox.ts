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
  /**
   * A lower bound of the earliest deadline queued (exact after expire()): it keeps nextDeadline()
   * and expire() O(1) on a busy link, where they run for every datagram.
   */
  private minDeadline = Infinity;

  /**
   * `reserveMessages` and `reserveBytes` are room above the limits that only control operations
   * take (push with `control`): a SYNC or WILL after the peer restarted, or the answer to one, is
   * never refused because ordinary messages filled the outbox while the peer was away [SW-14.12-12].
   */
  constructor(
    readonly peer: string,
    readonly maxMessages: number,
    readonly maxBytes: number,
    readonly reserveMessages = 0,
    readonly reserveBytes = 0,
  ) {
    if (!(maxMessages >= 1) || !(maxBytes >= 1)) throw new InvalidArgumentError('outbox limits must be >= 1');
    if (!(reserveMessages >= 0) || !(reserveBytes >= 0)) throw new InvalidArgumentError('outbox reserves must be >= 0');
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * Queues `item`, or throws OutboxFullError if either limit would be passed [SW-14.8-1]; a
   * `control` item may also take the reserve (the limits plus the reserves).
   */
  push(item: T, control = false): void {
    const maxMessages = control ? this.maxMessages + this.reserveMessages : this.maxMessages;
    const maxBytes = control ? this.maxBytes + this.reserveBytes : this.maxBytes;
    if (this.length + 1 > maxMessages || this.bytes + item.size > maxBytes) {
      throw new OutboxFullError(this.peer, maxMessages, maxBytes);
    }
    this.items.push(item);
    this.bytes += item.size;
    if (item.deadline < this.minDeadline) this.minDeadline = item.deadline;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const it = this.items[this.head];
    if (it === undefined) return undefined;
    this.head++;
    this.bytes -= it.size;
    if (this.head === this.items.length) this.minDeadline = Infinity;
    if (this.head > 32 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return it;
  }

  /** Removes and returns every item whose deadline is at or before `now` [SW-14.8-4]. */
  expire(now: number): T[] {
    if (now < this.minDeadline) return [];
    const live: T[] = [];
    const dead: T[] = [];
    let min = Infinity;
    for (let i = this.head; i < this.items.length; i++) {
      const it = this.items[i]!;
      if (it.deadline <= now) dead.push(it);
      else {
        live.push(it);
        if (it.deadline < min) min = it.deadline;
      }
    }
    this.minDeadline = min;
    if (dead.length === 0) return dead;
    this.items = live;
    this.head = 0;
    this.bytes = live.reduce((n, it) => n + it.size, 0);
    return dead;
  }

  /** The earliest deadline queued, or earlier (a bound that expire() makes exact), or Infinity. */
  nextDeadline(): number {
    return this.length === 0 ? Infinity : this.minDeadline;
  }

  /** Removes every item (for a reset); returns them. */
  drain(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.minDeadline = Infinity;
    return all;
  }
}
