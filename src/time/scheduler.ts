/**
 * Time for the layers above the envelope. The core reads no clock: pure state machines take `now`
 * as an argument and return their next deadline, and the one object that turns deadlines into
 * wake-ups is a Scheduler, passed in. RealScheduler uses the runtime's timers (setTimeout exists in
 * every JavaScript runtime); VirtualScheduler lets tests and the MemoryNetwork run hours of protocol
 * time in milliseconds, deterministically.
 * @module
 */

/**
 * Milliseconds on a monotonic clock with an arbitrary origin.
 * @group Transports, state and time
 */
export type Millis = number;

/** @group Transports, state and time */
export interface Timer {
  /** Cancels the timer; a no-op if it already fired or was cancelled. */
  cancel(): void;
}

/** @group Transports, state and time */
export interface Scheduler {
  /** The current time. Monotonic, never decreasing. */
  now(): Millis;
  /** Runs `fn` once at or after `at` (absolute time). Timers due at the same time run in the order set. */
  at(at: Millis, fn: () => void): Timer;
  /**
   * Runs `fn` once the input already received has been handled (after the current burst of
   * datagrams), before any timer of a later time. Optional: without it, work runs at once. A node
   * uses it so that one ACK answers a burst of datagrams instead of one ACK per datagram.
   */
  soon?(fn: () => void): void;
}

type Immediate = (fn: () => void) => unknown;

/**
 * Wall-clock scheduler: performance.now() and setTimeout.
 * @group Transports, state and time
 */
export class RealScheduler implements Scheduler {
  now(): Millis {
    return performance.now();
  }
  at(at: Millis, fn: () => void): Timer {
    const h = setTimeout(fn, Math.max(0, at - this.now()));
    // a pending protocol timer must not keep a process alive on its own (where the runtime has unref)
    (h as { unref?: () => void }).unref?.();
    return { cancel: () => clearTimeout(h) };
  }
  soon(fn: () => void): void {
    // setImmediate (Node, Bun, Deno) runs after the I/O callbacks of this loop turn; elsewhere a 0 ms timer
    const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;
    if (immediate !== undefined) immediate(fn);
    else setTimeout(fn, 0);
  }
}

interface Pending {
  readonly at: Millis;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A virtual clock. Time moves only through advance()/runUntil(); timers run synchronously in
 * deadline order (ties in the order they were set). Deterministic given the same calls.
 * @group Transports, state and time
 */
export class VirtualScheduler implements Scheduler {
  private t: Millis;
  private seq = 0;
  private readonly heap: Pending[] = [];

  constructor(start: Millis = 0) {
    this.t = start;
  }

  now(): Millis {
    return this.t;
  }

  at(at: Millis, fn: () => void): Timer {
    const p: Pending = { at: Math.max(at, this.t), seq: this.seq++, fn, cancelled: false };
    this.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Runs `fn` at the current virtual time, after what is already due now. */
  soon(fn: () => void): void {
    this.at(this.t, fn);
  }

  /** Number of timers not yet run or cancelled. */
  get pending(): number {
    return this.heap.filter((p) => !p.cancelled).length;
  }

  /** Runs every timer due up to `now + ms`, then sets the clock there. */
  advance(ms: Millis): void {
    this.runUntil(this.t + ms);
  }

  /** Runs every timer due at or before `until` in order, moving the clock to each; ends at `until`. */
  runUntil(until: Millis): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.at > until) break;
      this.pop();
      if (top.cancelled) continue;
      this.t = top.at;
      top.fn();
    }
    if (until > this.t) this.t = until;
  }

  private less(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
