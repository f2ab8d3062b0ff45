/**
 * HMAC-SHA-512 (RFC 2104) and HKDF-SHA-512 (RFC 5869) on top of a suite's SHA-512 [SW-3.1-1].
 * Key derivation is rare (once per sender epoch), so clarity wins over speed here.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { concat } from '../util/bytes.js';
import type { CryptoSuite } from './suite.js';

const BLOCK = 128;
const HASH_LEN = 64;

/** HMAC-SHA-512(key, msg). Keys longer than the block are hashed first [SW-7.3-1]. */
export function hmacSha512(suite: CryptoSuite, key: Uint8Array, msg: Uint8Array): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? suite.sha512(key) : key);
  const ipad = new Uint8Array(BLOCK);
  const opad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    ipad[i] = k[i]! ^ 0x36;
    opad[i] = k[i]! ^ 0x5c;
  }
  return suite.sha512(concat(opad, suite.sha512(concat(ipad, msg))));
}

/** HKDF-Extract(salt, IKM) = HMAC(salt, IKM). */
export function hkdfExtract(suite: CryptoSuite, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha512(suite, salt, ikm);
}

/** HKDF-Expand(PRK, info, L), L ≤ 255·64. */
export function hkdfExpand(suite: CryptoSuite, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * HASH_LEN) {
    throw new InvalidArgumentError(`HKDF output length must be in [0, ${255 * HASH_LEN}]`);
  }
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, o = 0; o < length; i++) {
    t = hmacSha512(suite, prk, concat(t, info, Uint8Array.of(i)));
    out.set(t.subarray(0, Math.min(HASH_LEN, length - o)), o);
    o += HASH_LEN;
  }
  return out;
}

/** HKDF(salt, IKM, info, L) = Expand(Extract(salt, IKM), info, L). */
export function hkdf(suite: CryptoSuite, salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(suite, hkdfExtract(suite, salt, ikm), info, length);
}
