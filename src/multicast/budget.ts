/**
 * Rate limits with time passed in (pure): a token bucket, and a "once per interval per key" table
 * bounded in size. Used by the verify budget (19.5) and the reply budget (19.7).
 * @module
 */

export class TokenBucket {
  private tokens: number;
  private last = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly ratePerS: number,
    private readonly burst: number = ratePerS,
  ) {
    this.tokens = burst;
  }
  /** Takes one token at time `now` (ms); false when none is left. */
  take(now: number): boolean {
    if (this.last !== Number.NEGATIVE_INFINITY) this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.ratePerS) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Remembers when each key was last granted; grants a key at most once per `intervalMs`. */
export class IntervalTable {
  private readonly last = new Map<string, number>();
  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 4096,
  ) {}
  /** True (and records `now`) if `key` was not granted within the interval. */
  grant(key: string, now: number): boolean {
    const t = this.last.get(key);
    if (t !== undefined && now - t < this.intervalMs) return false;
    this.last.delete(key);
    if (this.last.size >= this.maxKeys) {
      // forget the oldest entry (Map keeps insertion order); an old entry is past its interval or
      // nearly so, and a bounded table is what keeps a flood from growing memory
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    this.last.set(key, now);
    return true;
  }
}

/** Buckets per key (a source address), bounded like IntervalTable. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    private readonly ratePerS: number,
    private readonly burst: number = ratePerS,
    private readonly maxKeys = 4096,
  ) {}
  take(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      this.buckets.set(key, (b = new TokenBucket(this.ratePerS, this.burst)));
    }
    return b.take(now);
  }
}
