/**
 * Uniform numbers in [0, 1) for timer jitter (liveness probes [SW-11.2-1], retransmissions
 * [SW-14.4-13]), drawn from the crypto suite's random source 64 at a time. One draw from the suite per
 * use was a system call (getrandom) per timer on Node: about a thousand a second on a busy node.
 * Jitter only spreads timers apart; it protects no secret, so pooling is safe. Runtime-agnostic.
 * @module
 */

/** 64 draws of 4 bytes each. */
const POOL_BYTES = 256;

/** Returns a function giving uniform numbers in [0, 1), refilled from `randomBytes` as needed. */
export function uniformSource(randomBytes: (n: number) => Uint8Array): () => number {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (): number => {
    if (at + 4 > pool.length) {
      pool = randomBytes(POOL_BYTES);
      at = 0;
    }
    const v = (((pool[at]! << 24) | (pool[at + 1]! << 16) | (pool[at + 2]! << 8) | pool[at + 3]!) >>> 0) / 2 ** 32;
    at += 4;
    return v;
  };
}
