/**
 * Back-pressure for unreliable messages [SW-14.8-6]: a message that finds its peer's unreliable queue
 * full waits here, in order, until the reliability layer has drained the queue (the node's pump),
 * instead of failing at once. Bounded per peer and for all peers together, and in time: past a bound
 * the message is refused, past its wait it fails, both with OutboxFullError and both counted.
 * Runtime-agnostic: no timers of its own (the node's per-peer timer asks nextExpiry()).
 * @module
 */
import { OutboxFullError } from '../errors.js';
import { UNRELIABLE_WAITING, UNRELIABLE_WAITING_TOTAL, UNRELIABLE_WAIT_MS } from '../reliability/constants.js';

/** @group Nodes */
export interface UnreliableWaitingOptions {
  /** Messages waiting for one peer, default UNRELIABLE_WAITING (1,000). */
  readonly max?: number;
  /** Messages waiting for all peers together, default UNRELIABLE_WAITING_TOTAL (100,000). */
  readonly maxTotal?: number;
  /** How long a message may wait for room, default UNRELIABLE_WAIT_MS (5 s). */
  readonly timeoutMs?: number;
}

/**
 * What NodeStats.unreliable reports.
 * @group Nodes
 */
export interface UnreliableWaitingStats {
  /** Messages waiting now. */
  waiting: number;
  /** Messages that waited for room and were queued. */
  waited: number;
  /** Messages refused at once because a bound on waiting messages was reached. */
  refused: number;
  /** Messages that waited longer than the timeout and failed. */
  expired: number;
  /** Messages that waited, were sent as a reliable clock marker and given up at its deadline. */
  givenUp: number;
}

interface Waiter {
  readonly data: Uint8Array;
  readonly channel: number;
  readonly expires: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

interface Line {
  items: Waiter[];
  head: number;
}

export class UnreliableWaiting<P> {
  readonly stats: UnreliableWaitingStats = { waiting: 0, waited: 0, refused: 0, expired: 0, givenUp: 0 };
  private readonly max: number;
  private readonly maxTotal: number;
  /** How long a message may wait for room. */
  readonly timeoutMs: number;
  private readonly lines = new Map<P, Line>();

  constructor(options: UnreliableWaitingOptions = {}) {
    this.max = options.max ?? UNRELIABLE_WAITING;
    this.maxTotal = options.maxTotal ?? UNRELIABLE_WAITING_TOTAL;
    this.timeoutMs = options.timeoutMs ?? UNRELIABLE_WAIT_MS;
  }

  /** Whether messages wait for `p`: a new one goes behind them, whatever room the queue has. */
  has(p: P): boolean {
    return this.lines.has(p);
  }

  /**
   * Makes `data` wait for room towards `p`. Resolves once it is queued; rejects with OutboxFullError
   * at once past a bound (`peer` names it), or after the timeout.
   */
  add(p: P, peer: string, data: Uint8Array, channel: number, now: number): Promise<void> {
    let line = this.lines.get(p);
    const n = line === undefined ? 0 : line.items.length - line.head;
    if (n >= this.max || this.stats.waiting >= this.maxTotal || this.timeoutMs <= 0) {
      this.stats.refused++;
      return Promise.reject(new OutboxFullError(peer, this.max, 0));
    }
    if (line === undefined) this.lines.set(p, (line = { items: [], head: 0 }));
    const l = line;
    this.stats.waiting++;
    // copied: the caller may reuse its buffer once send() returned, as with a message queued at once
    const copy = data.slice();
    return new Promise<void>((resolve, reject) => void l.items.push({ data: copy, channel, expires: now + this.timeoutMs, resolve, reject }));
  }

  /**
   * Moves up to `room` waiting messages of `p` into its queue with `push` (which may throw: that
   * message fails with the error), after failing those whose wait is over. Returns how many moved.
   */
  admit(p: P, peer: string, room: number, now: number, push: (data: Uint8Array, channel: number, expires: number) => void): number {
    this.expire(p, peer, now);
    const line = this.lines.get(p);
    if (line === undefined) return 0;
    let moved = 0;
    while (moved < room && line.head < line.items.length) {
      const w = line.items[line.head++]!;
      this.stats.waiting--;
      try {
        push(w.data, w.channel, w.expires);
      } catch (e) {
        w.reject(e as Error);
        continue;
      }
      moved++;
      this.stats.waited++;
      w.resolve();
    }
    this.compact(p, line);
    return moved;
  }

  /** Fails the messages of `p` whose wait is over (FIFO with one timeout: they are at the head). */
  expire(p: P, peer: string, now: number): void {
    const line = this.lines.get(p);
    if (line === undefined) return;
    while (line.head < line.items.length && line.items[line.head]!.expires <= now) {
      const w = line.items[line.head++]!;
      this.stats.waiting--;
      this.stats.expired++;
      w.reject(new OutboxFullError(peer, this.max, 0));
    }
    this.compact(p, line);
  }

  /** When the oldest message waiting for `p` fails, or Infinity. */
  nextExpiry(p: P): number {
    const line = this.lines.get(p);
    return line === undefined ? Infinity : line.items[line.head]!.expires;
  }

  /** Fails every message waiting for `p` with `error` (the peer is forgotten, the node closes). */
  drop(p: P, error: () => Error): void {
    const line = this.lines.get(p);
    if (line === undefined) return;
    this.lines.delete(p);
    for (let i = line.head; i < line.items.length; i++) {
      this.stats.waiting--;
      line.items[i]!.reject(error());
    }
  }

  /** The peers with messages waiting. */
  peers(): P[] {
    return [...this.lines.keys()];
  }

  private compact(p: P, line: Line): void {
    if (line.head === line.items.length) this.lines.delete(p);
    else if (line.head > 64 && line.head * 2 > line.items.length) {
      line.items = line.items.slice(line.head);
      line.head = 0;
    }
  }
}
