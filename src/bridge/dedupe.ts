/**
 * A bounded set of recently seen keys (insertion order, oldest evicted): the bridge's loop and
 * duplicate guard, keyed by origin and message id. Its bound is its memory: at `max` keys the oldest
 * goes, so a duplicate older than the last `max` messages is not caught (a broker's redelivery
 * comes within seconds; a loop within one round trip).
 * @module
 */
/** @group Bridge building blocks */
export class DedupeCache {
  private readonly keys = new Set<string>();
  /** Keys seen again while remembered. */
  hits = 0;

  constructor(readonly max = 10_000) {}

  /** True if `key` was seen (and remembered); otherwise remembers it and returns false. */
  seen(key: string): boolean {
    if (this.keys.has(key)) {
      this.hits++;
      return true;
    }
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
    return false;
  }

  get size(): number {
    return this.keys.size;
  }
}
