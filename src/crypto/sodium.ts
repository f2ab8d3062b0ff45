/**
 * A CryptoSuite on libsodium through sodium-native (4-13x faster than tweetnacl). This file does
 * not import sodium-native: the Node entry loads it when installed and passes it in, so the core
 * stays runtime-agnostic.
 * @module
 */
import type { CryptoSuite } from './suite.js';

/** The part of the sodium-native module this suite uses. */
export interface SodiumNativeApi {
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_hash_sha512(out: Uint8Array, data: Uint8Array): void;
  randombytes_buf(buf: Uint8Array): void;
}

const TAG = 16;

/** Wraps a loaded sodium-native module. Box encoding is crypto_secretbox_easy's (spec 7.1). */
export function sodiumSuite(sodium: SodiumNativeApi): CryptoSuite {
  return {
    name: 'sodium-native',
    seal(key, nonce, plaintext, prefix) {
      const p = prefix === undefined ? 0 : prefix.length;
      const out = new Uint8Array(p + TAG + plaintext.length);
      if (prefix !== undefined) out.set(prefix, 0);
      sodium.crypto_secretbox_easy(out.subarray(p), plaintext, nonce, key);
      return out;
    },
    open(key, nonce, box) {
      if (box.length < TAG) return null;
      const m = new Uint8Array(box.length - TAG);
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
  };
}
