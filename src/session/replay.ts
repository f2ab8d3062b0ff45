/**
 * The replay window of spec 5.4: exact semantics for a window of W counters, implemented as an
 * RFC 6479 ring of 32-bit blocks holding at least W bits plus one block. A pure leaf: it knows
 * nothing of keys or datagrams.
 * @module
 */
import { MIN_REPLAY_WINDOW, REPLAY_WINDOW } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';

export type WindowVerdict = 'accept' | 'TOO_OLD' | 'REPLAY';

export class ReplayWindow {
  /** W: counters within `(top - W, top]` are remembered. */
  readonly size: number;
  /**
   * The ring is words `base` to `base + blocks - 1` of `ring`. Standalone, the window owns its array;
   * given `storage` (a region of a pool, util/region-pool.ts) it shares a slab with other windows, so
   * a peer costs no typed array for it (spec 9.5).
   */
  readonly ring: Uint32Array;
  readonly base: number;
  private readonly blocks: number;
  /** Highest accepted counter, or -1 while the window is empty. */
  private topCounter = -1;

  constructor(size: number = REPLAY_WINDOW, storage?: { words: Uint32Array; base: number }) {
    if (!Number.isInteger(size) || size < MIN_REPLAY_WINDOW || size > 1 << 20) {
      throw new InvalidArgumentError(`replay window must be an integer in [${MIN_REPLAY_WINDOW}, 2^20], got ${size}`);
    }
    this.size = size;
    this.blocks = Math.ceil(size / 32) + 1;
    this.ring = storage?.words ?? new Uint32Array(this.blocks);
    this.base = storage?.base ?? 0;
  }

  /** The highest accepted counter, undefined while empty. */
  get top(): number | undefined {
    return this.topCounter < 0 ? undefined : this.topCounter;
  }

  /** The verdict for `counter` [SW-5.4-1]. Does not change the window. */
  check(counter: number): WindowVerdict {
    const top = this.topCounter;
    if (top < 0 || counter > top) return 'accept';
    if (top - counter >= this.size) return 'TOO_OLD';
    const blk = this.base + ((counter >>> 5) % this.blocks);
    return this.ring[blk]! & (1 << (counter & 31)) ? 'REPLAY' : 'accept';
  }

  /**
   * Records `counter` as seen [SW-5.4-2]. Call only after authentication and only when check()
   * said accept; the two are atomic because JavaScript runs one datagram at a time.
   */
  update(counter: number): void {
    const top = this.topCounter;
    if (top < 0) {
      this.clear();
      this.topCounter = counter;
    } else if (counter > top) {
      const oldBlk = top >>> 5;
      const diff = (counter >>> 5) - oldBlk;
      if (diff >= this.blocks) this.clear();
      else for (let i = 1; i <= diff; i++) this.ring[this.base + ((oldBlk + i) % this.blocks)] = 0;
      this.topCounter = counter;
    }
    const blk = this.base + ((counter >>> 5) % this.blocks);
    this.ring[blk] = this.ring[blk]! | (1 << (counter & 31));
  }

  /** Empties the window (a new epoch, spec 5.5-2). */
  reset(): void {
    this.topCounter = -1;
    this.clear();
  }

  /** 32-bit words a window of `size` counters needs (for pooled storage). */
  static wordsFor(size: number): number {
    return Math.ceil(size / 32) + 1;
  }

  private clear(): void {
    this.ring.fill(0, this.base, this.base + this.blocks);
  }

  /** The accepted counters still inside the window, ascending (for vectors and diagnostics). */
  seen(): number[] {
    const out: number[] = [];
    const top = this.topCounter;
    if (top < 0) return out;
    for (let c = Math.max(0, top - this.size + 1); c <= top; c++) if (this.check(c) === 'REPLAY') out.push(c);
    return out;
  }
}
