/**
 * Fixed-size regions of 32-bit words carved out of shared 16 KiB slabs, with a free list. Per-peer
 * state that lives as long as its peer (a replay-window ring and its traffic key) goes here: a typed
 * array of its own would cost an ArrayBuffer object and a separate allocation, about 150 bytes per
 * array beyond its contents, and 10,000 peers would pay that several times over (spec 9.5). The
 * owner of a pool (a Receiver) returns regions when it erases their contexts; when the owner itself
 * is collected, its pool and slabs go with it.
 * @module
 */

const SLAB_WORDS = 4096; // 16 KiB

export class RegionPool {
  private readonly slabs: Uint32Array[] = [];
  private readonly freeWords: Uint32Array[] = [];
  private readonly freeBases: number[] = [];
  private next = SLAB_WORDS; // words used in the newest slab; starts "full" so the first alloc makes one

  /** `size` words per region, at most a quarter of a slab. */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1 || size > SLAB_WORDS / 4) throw new RangeError(`region size ${size} out of range`);
  }

  /**
   * A zeroed region: words `base` to `base + size - 1` of the returned slab view (shared with other
   * regions, so the caller stays inside its own).
   */
  alloc(): { words: Uint32Array; base: number } {
    const words = this.freeWords.pop();
    if (words !== undefined) return { words, base: this.freeBases.pop()! };
    if (this.next + this.size > SLAB_WORDS) {
      this.slabs.push(new Uint32Array(SLAB_WORDS));
      this.next = 0;
    }
    const base = this.next;
    this.next += this.size;
    return { words: this.slabs[this.slabs.length - 1]!, base };
  }

  /** Returns a region, zeroing it (it may have held a key). Its user must not touch it again. */
  release(words: Uint32Array, base: number): void {
    words.fill(0, base, base + this.size);
    this.freeWords.push(words);
    this.freeBases.push(base);
  }

  /** Regions handed out and not returned (tests, the memory bench). */
  get inUse(): number {
    return this.slabs.length * Math.floor(SLAB_WORDS / this.size) - Math.floor((SLAB_WORDS - this.next) / this.size) - this.freeBases.length;
  }
}
