/**
 * The default CryptoSuite on tweetnacl; the only file that imports tweetnacl. Pure JavaScript,
 * so it runs in every runtime.
 * @module
 */
import nacl from 'tweetnacl';
import { Slab } from '../util/slab.js';
import type { CryptoSuite } from './suite.js';

/** tweetnacl's low-level NaCl C-style API; present at runtime, missing from its typings. */
const lowlevel = (
  nacl as unknown as {
    lowlevel: {
      crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
      crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
    };
  }
).lowlevel;

/** The padded inputs and the outputs of seal and open, as sodiumSuite's (see Slab). */
const slab = new Slab(128 * 1024);

const ZEROBYTES = 32; // crypto_secretbox_ZEROBYTES
const BOXZEROBYTES = 16; // crypto_secretbox_BOXZEROBYTES

/**
 * tweetnacl's low-level crypto_secretbox writes `0^16 || tag || ciphertext`. For a prefix of up to
 * 16 bytes (a SHORT header is 9) we write the prefix into the leading zeros and return a view, so a
 * datagram costs the same two allocations as a bare nacl.secretbox call (spec 7.1).
 * @group Keys
 */
export const tweetnaclSuite: CryptoSuite = {
  name: 'tweetnacl',
  seal(key, nonce, plaintext, prefix) {
    const p = prefix === undefined ? 0 : prefix.length;
    // slab views start zeroed (a slab is never reused): the padding NaCl needs is there already
    const m = slab.take(ZEROBYTES + plaintext.length);
    m.set(plaintext, ZEROBYTES);
    const c = slab.take(m.length);
    lowlevel.crypto_secretbox(c, m, m.length, nonce, key);
    if (p <= BOXZEROBYTES) {
      if (prefix !== undefined) c.set(prefix, BOXZEROBYTES - p);
      return c.subarray(BOXZEROBYTES - p);
    }
    const out = slab.take(p + c.length - BOXZEROBYTES);
    out.set(prefix!, 0);
    out.set(c.subarray(BOXZEROBYTES), p);
    return out;
  },
  open(key, nonce, box) {
    if (box.length < BOXZEROBYTES) return null;
    const c = slab.take(BOXZEROBYTES + box.length);
    c.set(box, BOXZEROBYTES);
    const m = slab.take(c.length);
    if (lowlevel.crypto_secretbox_open(m, c, c.length, nonce, key) !== 0) return null;
    return m.subarray(ZEROBYTES);
  },
  randomBytes: (n) => nacl.randomBytes(n),
  sha512: (data) => nacl.hash(data),
  // nacl.scalarMult checks the lengths (throws otherwise) and returns the raw output, zeros included.
  scalarMult: (n, p) => nacl.scalarMult(n, p),
  scalarMultBase: (n) => nacl.scalarMult.base(n),
};
