/**
 * The responder's at-most-once result cache. A caller retries a call whose response it did not
 * get; the responder must not run the handler a second time, so it remembers, per (caller, call
 * id), that the handler is running, and after it completed the encoded outcome to answer retries
 * with. Pure: time is passed in as `now` (ms, non-decreasing), and `nextDeadline()` says when
 * `tick` has work to do.
 *
 * `caller` is opaque here but MUST identify the caller's epoch (e.g. `${peerId}#${epoch}`): call
 * ids start again when the caller restarts, and an entry of the old epoch must not answer a new
 * call that happens to reuse its id.
 *
 * Limits: at most `maxEntries` entries (running and completed), and at most `maxBytes` bytes of
 * cached outcomes. At a limit the oldest completed entry (by completion time) is evicted; a
 * running entry is never evicted, because evicting it would let a retry run the handler again.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

export const RESULT_CACHE_LIFETIME_MS = 60_000;
export const RESULT_CACHE_MAX_ENTRIES = 4096;
export const RESULT_CACHE_MAX_BYTES = 1024 * 1024;

export interface ResultCacheOptions {
  /** How long a completed entry answers retries, from its completion (default 60 s). */
  readonly lifetimeMs?: number;
  /** Entries, running and completed together (default 4096). */
  readonly maxEntries?: number;
  /** Bytes of cached outcomes (default 1 MiB). */
  readonly maxBytes?: number;
}

/**
 * What `begin` tells the responder:
 * - 'new': run the handler, then call `complete`;
 * - 'running': a retry while the handler still runs: do not run it again; answer once it completes;
 * - 'busy': do not run the handler; answer with an error. Either every entry is running (the cache
 *   is full of running calls), or this call completed with an outcome larger than `maxBytes`
 *   that could not be kept, so only an error can be given without running it twice;
 * - { outcome }: answer with these bytes (the cached encoded outcome, not to be mutated).
 */
export type BeginResult = 'new' | 'running' | 'busy' | { readonly outcome: Uint8Array };

interface Running {
  readonly state: 'running';
}
interface Done {
  readonly state: 'done';
  readonly key: string;
  /** undefined: a tombstone for an outcome over maxBytes (answers 'busy' until it expires). */
  readonly outcome: Uint8Array | undefined;
  readonly expiresAt: number;
}

function keyOf(caller: string, callId: number): string {
  if (typeof caller !== 'string' || caller.length === 0) throw new InvalidArgumentError('caller must be a non-empty string');
  if (!Number.isInteger(callId) || callId < 0 || callId > 0xffff_ffff) throw new InvalidArgumentError(`call id ${callId} is not a u32`);
  // The call id is decimal digits and comes first, so the key is unambiguous for any caller string.
  return `${callId}:${caller}`;
}

function limit(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be an integer >= 1`);
  return v;
}

export class ResultCache {
  readonly lifetimeMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly running = new Map<string, Running>();
  /** Completed entries by key. */
  private readonly done = new Map<string, Done>();
  /**
   * Completed entries in completion order (with a fixed lifetime, also expiry order) from `head`;
   * an entry is live while `done` maps its key to it. A queue, not the Map's own order: iterating a
   * V8 Map from its front walks every slot deleted since its last rehash, so a full cache (where
   * every call evicts the oldest) paid more per call the longer it ran.
   */
  private order: Done[] = [];
  private head = 0;
  private cachedBytes = 0;
  /** Completed entries evicted before their lifetime ended (a retry after that runs the handler again). */
  evictions = 0;

  constructor(options: ResultCacheOptions = {}) {
    this.lifetimeMs = limit(options.lifetimeMs, RESULT_CACHE_LIFETIME_MS, 'lifetimeMs');
    this.maxEntries = limit(options.maxEntries, RESULT_CACHE_MAX_ENTRIES, 'maxEntries');
    this.maxBytes = limit(options.maxBytes, RESULT_CACHE_MAX_BYTES, 'maxBytes');
  }

  /** Entries, running and completed. */
  get size(): number {
    return this.running.size + this.done.size;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Bytes of cached outcomes. */
  get bytes(): number {
    return this.cachedBytes;
  }

  /** Called when a request (first or retry) for (caller, callId) arrives. See BeginResult. */
  begin(caller: string, callId: number, now: number): BeginResult {
    const key = keyOf(caller, callId);
    this.tick(now);
    if (this.running.has(key)) return 'running';
    const d = this.done.get(key);
    if (d !== undefined) return d.outcome === undefined ? 'busy' : { outcome: d.outcome };
    if (this.size >= this.maxEntries) {
      if (this.done.size === 0) return 'busy';
      this.evictOldest();
    }
    this.running.set(key, { state: 'running' });
    return 'new';
  }

  /**
   * Records the encoded outcome of a call whose `begin` said 'new'; it answers retries for
   * `lifetimeMs`. Evicts the oldest completed entries until `maxBytes` holds. Returns whether the
   * bytes were cached: false if the call is not running here (unknown or already completed: then
   * nothing changes) or if `outcome` alone is over `maxBytes` (then a tombstone answers 'busy').
   * The bytes are copied.
   */
  complete(caller: string, callId: number, outcome: Uint8Array, now: number): boolean {
    const key = keyOf(caller, callId);
    if (!(outcome instanceof Uint8Array)) throw new InvalidArgumentError('outcome must be a Uint8Array');
    this.tick(now);
    if (!this.running.delete(key)) return false;
    const expiresAt = now + this.lifetimeMs;
    if (outcome.length > this.maxBytes) {
      this.add({ state: 'done', key, outcome: undefined, expiresAt });
      return false;
    }
    // Terminates: outcome.length <= maxBytes, so emptying `done` (cachedBytes 0) always suffices.
    while (this.cachedBytes + outcome.length > this.maxBytes && this.evictOldest());
    this.add({ state: 'done', key, outcome: outcome.slice(), expiresAt });
    this.cachedBytes += outcome.length;
    return true;
  }

  /**
   * Forgets a running call without an outcome, e.g. because the node drops the request
   * (shutting down). A retry will then run the handler: use only when it did not, or cannot, run.
   */
  abandon(caller: string, callId: number): boolean {
    return this.running.delete(keyOf(caller, callId));
  }

  /** Drops every completed entry of `caller` (its epoch ended); running entries stay until completed. */
  forgetCaller(caller: string): number {
    let n = 0;
    const suffix = `:${caller}`;
    for (const [key, d] of this.done) {
      // Keys are `${digits}:${caller}`: the first ':' ends the call id.
      if (key.slice(key.indexOf(':')) === suffix) {
        this.remove(key, d);
        n++;
      }
    }
    return n;
  }

  /** Expires completed entries whose lifetime ended at or before `now`. */
  tick(now: number): void {
    for (let d = this.oldest(); d !== undefined && d.expiresAt <= now; d = this.oldest()) this.remove(d.key, d);
  }

  /** When the oldest completed entry expires; Infinity if none. Running entries have no deadline. */
  nextDeadline(): number {
    return this.oldest()?.expiresAt ?? Infinity;
  }

  /** Evicts the oldest completed entry; false if there is none. */
  private evictOldest(): boolean {
    const d = this.oldest();
    if (d === undefined) return false;
    this.remove(d.key, d);
    this.evictions++;
    return true;
  }

  private add(d: Done): void {
    this.done.set(d.key, d);
    this.order.push(d);
  }

  /** The oldest live completed entry, dropping dead queue slots on the way. */
  private oldest(): Done | undefined {
    const q = this.order;
    while (this.head < q.length && this.done.get(q[this.head]!.key) !== q[this.head]) this.head++;
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.order = q.slice(this.head);
      this.head = 0;
    }
    return this.order[this.head];
  }

  private remove(key: string, d: Done): void {
    this.done.delete(key);
    this.cachedBytes -= d.outcome?.length ?? 0;
  }
}
