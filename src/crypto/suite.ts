/**
 * The CryptoSuite: the narrow set of primitives the spec uses (spec 3.1). The rest of the SDK
 * reaches NaCl only through this interface, so a backend is a constructor argument.
 * @module
 */

export interface CryptoSuite {
  /** Backend name, for diagnostics and benchmarks ("tweetnacl", "sodium-native"). */
  readonly name: string;
  /**
   * XSalsa20-Poly1305 secretbox. Returns `prefix || tag || ciphertext` in one buffer, so a
   * datagram is built with no extra copy. `key` is 32 bytes, `nonce` 24. Inputs are not retained.
   */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array): Uint8Array;
  /** Opens `box` (tag || ciphertext). Returns null, never throws, when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array | null;
  /** `n` bytes from a cryptographically secure generator. */
  randomBytes(n: number): Uint8Array;
  /** SHA-512 (FIPS 180-4); the base of HMAC and HKDF (crypto/hkdf.ts). */
  sha512(data: Uint8Array): Uint8Array;
}
