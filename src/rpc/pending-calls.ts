/**
 * The caller's table of outstanding RPC calls. Each call gets a call id (u32, 1 to 2^32-1,
 * increasing, wrapping from 2^32-1 to 1 and skipping ids still in use: 0 is never used, so the wire
 * may use it for "no call"), a deadline (`now + timeoutMs`), and a `delivered` flag set once the
 * request's reliable delivery was acknowledged, so a timeout can say whether the responder got the
 * request (RpcTimeoutError.delivered). Pure: time is passed in, `nextDeadline()` says when to call
 * `expire`. Bounded by `maxPending`; at the limit `add` throws TooManyCallsError.
 *
 * `T` is whatever the caller wants kept with the call (e.g. its promise's resolve/reject).
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { RpcTimeoutError, TooManyCallsError } from './errors.js';

export const MAX_PENDING_CALLS = 1024;
export const MAX_CALL_ID = 0xffff_ffff;

export interface PendingCall<T = undefined> {
  readonly callId: number;
  readonly peer: string;
  readonly method: string;
  readonly timeoutMs: number;
  readonly startedAt: number;
  readonly deadline: number;
  /** The request's reliable delivery was acknowledged: the responder has it. */
  delivered: boolean;
  readonly context: T;
}

export interface PendingCallsOptions {
  /** Outstanding calls at most (default 1024). */
  readonly maxPending?: number;
  /** The first call id to give (default 1); e.g. random, or near the top to test wrap-around. */
  readonly firstCallId?: number;
}

export class PendingCalls<T = undefined> {
  readonly maxPending: number;
  private readonly calls = new Map<number, PendingCall<T>>();
  private nextId: number;

  constructor(options: PendingCallsOptions = {}) {
    const max = options.maxPending ?? MAX_PENDING_CALLS;
    if (!Number.isInteger(max) || max < 1 || max > MAX_CALL_ID) throw new InvalidArgumentError('maxPending must be an integer from 1 to 2^32-1');
    this.maxPending = max;
    const first = options.firstCallId ?? 1;
    if (!Number.isInteger(first) || first < 1 || first > MAX_CALL_ID) throw new InvalidArgumentError('firstCallId must be from 1 to 2^32-1');
    this.nextId = first;
  }

  get size(): number {
    return this.calls.size;
  }

  /**
   * Registers a call and returns its id. Throws TooManyCallsError at `maxPending` outstanding
   * calls, and InvalidArgumentError for a timeout that is not a finite number > 0.
   */
  add(peer: string, method: string, timeoutMs: number, now: number, context?: T): number {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new InvalidArgumentError(`timeoutMs must be a finite number > 0, got ${timeoutMs}`);
    if (this.calls.size >= this.maxPending) throw new TooManyCallsError(this.maxPending);
    // Terminates: fewer than maxPending <= 2^32-1 ids are in use, so a free one exists.
    let id = this.nextId;
    while (this.calls.has(id)) id = id === MAX_CALL_ID ? 1 : id + 1;
    this.nextId = id === MAX_CALL_ID ? 1 : id + 1;
    this.calls.set(id, {
      callId: id,
      peer,
      method,
      timeoutMs,
      startedAt: now,
      deadline: now + timeoutMs,
      delivered: false,
      context: context as T,
    });
    return id;
  }

  get(callId: number): PendingCall<T> | undefined {
    return this.calls.get(callId);
  }

  /** Notes that the request of `callId` was acknowledged. False if the call is not outstanding. */
  markDelivered(callId: number): boolean {
    const c = this.calls.get(callId);
    if (c === undefined) return false;
    c.delivered = true;
    return true;
  }

  /**
   * Removes and returns the call, for a response (or a cancellation). Undefined if it is not
   * outstanding: a late or duplicate response, which the caller ignores.
   */
  settle(callId: number): PendingCall<T> | undefined {
    const c = this.calls.get(callId);
    if (c !== undefined) this.calls.delete(callId);
    return c;
  }

  /** Removes and returns every call whose deadline is at or before `now`, earliest deadline first. */
  expire(now: number): PendingCall<T>[] {
    const dead: PendingCall<T>[] = [];
    for (const c of this.calls.values()) if (c.deadline <= now) dead.push(c);
    for (const c of dead) this.calls.delete(c.callId);
    return dead.sort((a, b) => a.deadline - b.deadline || a.startedAt - b.startedAt);
  }

  /** Removes and returns every call to `peer`, in the order they were added (e.g. it became unreachable). */
  failPeer(peer: string): PendingCall<T>[] {
    const out: PendingCall<T>[] = [];
    for (const c of this.calls.values()) if (c.peer === peer) out.push(c);
    for (const c of out) this.calls.delete(c.callId);
    return out;
  }

  /**
   * Removes and returns every call for which `pred` holds, in the order they were added (e.g. the
   * calls sent through a hub that became unreachable: the hop is in the context, not in `peer`).
   */
  takeWhere(pred: (c: PendingCall<T>) => boolean): PendingCall<T>[] {
    const out: PendingCall<T>[] = [];
    for (const c of this.calls.values()) if (pred(c)) out.push(c);
    for (const c of out) this.calls.delete(c.callId);
    return out;
  }

  /** Removes and returns every call (the node is closing). */
  drain(): PendingCall<T>[] {
    const all = [...this.calls.values()];
    this.calls.clear();
    return all;
  }

  /** The earliest deadline, or Infinity when nothing is outstanding. O(size): size is at most maxPending. */
  nextDeadline(): number {
    let d = Infinity;
    for (const c of this.calls.values()) if (c.deadline < d) d = c.deadline;
    return d;
  }
}

/** The error an expired call fails with. */
export function timeoutErrorOf(call: PendingCall<unknown>): RpcTimeoutError {
  return new RpcTimeoutError(call.peer, call.method, call.timeoutMs, call.delivered);
}
