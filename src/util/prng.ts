/**
 * A small seeded pseudo-random generator for tests and simulations (fault injection, the memory
 * network): the same seed gives the same sequence in every runtime. NOT for keys, nonces or receiver
 * indexes: those come from the crypto suite's random source. Runtime-agnostic.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/** A seed: a 32-bit integer (other numbers are reduced to one) or any string (hashed). */
export type Seed = number | string;

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, period at least 2^32),
 * seeded through splitmix32 so that close seeds (0, 1, 2...) give unrelated sequences.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Seed = 0) {
    let s = typeof seed === 'string' ? hashString(seed) : Number.isFinite(seed) ? Math.trunc(seed) >>> 0 : 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // the first outputs of sfc32 are still close to the seed's structure; the reference discards 12
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1), with 32 bits of randomness. */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform integer in [0, n). `n` must be an integer from 1 to 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new InvalidArgumentError(`int(n): n must be an integer from 1 to 2^32, got ${n}`);
    }
    // rejection sampling: no modulo bias even for n close to 2^32
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /** True with probability `p` (clamped to [0, 1]); p = 0 is never true and p = 1 always. */
  bool(p: number): boolean {
    if (!(p > 0)) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /**
   * A new generator seeded from this one's next output and `label`. Forking advances this generator
   * by one step; using the fork never moves it, so separate streams (one per link, per direction)
   * stay reproducible when the traffic on another stream changes.
   */
  fork(label: string): Prng {
    return new Prng(`${this.uint32()}/${label}`);
  }
}

/** 32-bit FNV-1a over the UTF-16 code units of `s`, then a final avalanche (murmur3 fmix32). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
