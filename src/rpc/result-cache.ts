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

/**
 * One entry, running or completed, under one key for its whole life: completing it changes it in
 * place (no delete and re-insert of the key). `live` is cleared when it leaves the cache, so the
 * expiry queue can skip dead slots without a Map lookup.
 */
interface Entry {
  readonly key: string;
  done: boolean;
  live: boolean;
  /** Completed: the outcome, or undefined for a tombstone over maxBytes (answers 'busy' until it expires). */
  outcome: Uint8Array | undefined;
  expiresAt: number;
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
  /** Every entry, running and completed, by key. */
  private readonly entries = new Map<string, Entry>();
  private completed = 0;
  /**
   * Completed entries in completion order (with a fixed lifetime, also expiry order) from `head`;
   * dead ones (no longer `live`) are skipped. A queue, not the Map's own order: iterating a V8 Map
   * from its front walks every slot deleted since its last rehash, so a full cache (where every call
   * evicts the oldest) paid more per call the longer it ran.
   */
  private order: Entry[] = [];
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
    return this.entries.size;
  }

  get runningCount(): number {
    return this.entries.size - this.completed;
  }

  /** Bytes of cached outcomes. */
  get bytes(): number {
    return this.cachedBytes;
  }

  /** Called when a request (first or retry) for (caller, callId) arrives. See BeginResult. */
  begin(caller: string, callId: number, now: number): BeginResult {
    const key = keyOf(caller, callId);
    this.tick(now);
    const e = this.entries.get(key);
    if (e !== undefined) {
      if (!e.done) return 'running';
      return e.outcome === undefined ? 'busy' : { outcome: e.outcome };
    }
    if (this.entries.size >= this.maxEntries) {
      if (this.completed === 0) return 'busy';
      this.evictOldest();
    }
    this.entries.set(key, { key, done: false, live: true, outcome: undefined, expiresAt: Infinity });
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
    const e = this.entries.get(key);
    if (e === undefined || e.done) return false;
    e.done = true;
    e.expiresAt = now + this.lifetimeMs;
    this.completed++;
    if (outcome.length > this.maxBytes) {
      this.order.push(e);
      return false;
    }
    // Terminates: outcome.length <= maxBytes, so emptying the completed entries (cachedBytes 0) always suffices.
    while (this.cachedBytes + outcome.length > this.maxBytes && this.evictOldest());
    e.outcome = outcome.slice();
    this.cachedBytes += outcome.length;
    this.order.push(e);
    return true;
  }

  /**
   * Forgets a running call without an outcome, e.g. because the node drops the request
   * (shutting down). A retry will then run the handler: use only when it did not, or cannot, run.
   */
  abandon(caller: string, callId: number): boolean {
    const key = keyOf(caller, callId);
    const e = this.entries.get(key);
    if (e === undefined || e.done) return false;
    e.live = false;
    return this.entries.delete(key);
  }

  /** Drops every completed entry of `caller` (its epoch ended); running entries stay until completed. */
  forgetCaller(caller: string): number {
    let n = 0;
    const suffix = `:${caller}`;
    for (const [key, e] of this.entries) {
      // Keys are `${digits}:${caller}`: the first ':' ends the call id.
      if (e.done && key.slice(key.indexOf(':')) === suffix) {
        this.remove(e);
        n++;
      }
    }
    return n;
  }

  /** Expires completed entries whose lifetime ended at or before `now`. */
  tick(now: number): void {
    for (let e = this.oldest(); e !== undefined && e.expiresAt <= now; e = this.oldest()) this.remove(e);
  }

  /** When the oldest completed entry expires; Infinity if none. Running entries have no deadline. */
  nextDeadline(): number {
    return this.oldest()?.expiresAt ?? Infinity;
  }

  /** Evicts the oldest completed entry; false if there is none. */
  private evictOldest(): boolean {
    const e = this.oldest();
    if (e === undefined) return false;
    this.remove(e);
    this.evictions++;
    return true;
  }

  /** The oldest live completed entry, dropping dead queue slots on the way. */
  private oldest(): Entry | undefined {
    const q = this.order;
    let h = this.head;
    while (h < q.length && !q[h]!.live) h++;
    if (h > 1024 && h * 2 > q.length) {
      this.order = q.slice(h);
      h = 0;
    }
    this.head = h;
    return this.order[h];
  }

  /** Removes a completed entry. */
  private remove(e: Entry): void {
    e.live = false;
    this.entries.delete(e.key);
    this.completed--;
    this.cachedBytes -= e.outcome?.length ?? 0;
  }
}
