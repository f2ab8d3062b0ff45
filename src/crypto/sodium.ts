/**
 * A CryptoSuite on libsodium through sodium-native (4-13x faster than tweetnacl). This file does
 * not import sodium-native: the Node entry loads it when installed and passes it in, so the core
 * stays runtime-agnostic.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { view } from '../util/bytes.js';
import { Slab } from '../util/slab.js';
import type { CryptoSuite } from './suite.js';

export { Slab }; // its home was here

/** The part of the sodium-native module this suite uses. */
export interface SodiumNativeApi {
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_hash_sha512(out: Uint8Array, data: Uint8Array): void;
  randombytes_buf(buf: Uint8Array): void;
  /** Throws (after writing zeros to q) when the output is all zero, as libsodium returns -1 then. */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
}

const X25519_LEN = 32;

function assertX25519(what: string, b: Uint8Array): void {
  if (b.length !== X25519_LEN) throw new InvalidArgumentError(`X25519 ${what} must be ${X25519_LEN} bytes, got ${b.length}`);
}

const TAG = 16;

export interface SodiumSuiteOptions {
  /**
   * Allocates an output buffer that seal or open then overwrites entirely. Default: a Slab, which
   * halves the cost of a 1200 B datagram compared with one `new Uint8Array` per call.
   */
  readonly alloc?: (n: number) => Uint8Array;
}

/** Wraps a loaded sodium-native module. Box encoding is crypto_secretbox_easy's (spec 7.1). */
export function sodiumSuite(sodium: SodiumNativeApi, options: SodiumSuiteOptions = {}): CryptoSuite {
  const slab = new Slab();
  const alloc = options.alloc ?? ((n: number) => slab.take(n));
  return {
    name: 'sodium-native',
    seal(key, nonce, plaintext, prefix) {
      const p = prefix === undefined ? 0 : prefix.length;
      const n = p + TAG + plaintext.length;
      if (options.alloc !== undefined) {
        const out = alloc(n);
        if (prefix !== undefined) out.set(prefix, 0);
        sodium.crypto_secretbox_easy(view(out, p), plaintext, nonce, key);
        return out;
      }
      const out = slab.take(n);
      if (prefix !== undefined) out.set(prefix, 0);
      sodium.crypto_secretbox_easy(new Uint8Array(slab.buffer, slab.at + p, n - p), plaintext, nonce, key);
      return out;
    },
    open(key, nonce, box) {
      if (box.length < TAG) return null;
      const m = alloc(box.length - TAG);
      return sodium.crypto_secretbox_open_easy(m, box, nonce, key) ? m : null;
    },
    randomBytes(n) {
      const b = new Uint8Array(n);
      sodium.randombytes_buf(b);
      return b;
    },
    sha512(data) {
      const out = new Uint8Array(64);
      sodium.crypto_hash_sha512(out, data);
      return out;
    },
    scalarMult(n, p) {
      assertX25519('scalar', n);
      assertX25519('point', p);
      const q = new Uint8Array(X25519_LEN);
      try {
        sodium.crypto_scalarmult(q, n, p);
      } catch {
        // libsodium refuses an all-zero output (-1); with valid lengths that is the only failure.
        // Report it as zeros, like TweetNaCl, so the caller's check of spec 13.2 sees one behaviour.
        q.fill(0);
      }
      return q;
    },
    scalarMultBase(n) {
      assertX25519('scalar', n);
      const q = new Uint8Array(X25519_LEN);
      sodium.crypto_scalarmult_base(q, n);
      return q;
    },
  };
}
