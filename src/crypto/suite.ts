/**
 * The CryptoSuite: the narrow set of primitives the spec uses (spec 3.1). The rest of the SDK
 * reaches NaCl only through this interface, so a backend is a constructor argument.
 * @module
 */

/** @group Keys */
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
  /**
   * X25519 (RFC 7748): the 32-byte u-coordinate of scalar `n` (clamped inside) times the point `p`.
   * Returns the output as computed, including the all-zero output of a low-order `p`, and never
   * throws for 32-byte inputs: rejecting all zeros is the caller's job (spec 13.2), so that every
   * backend behaves alike (libsodium refuses it, TweetNaCl does not, spec 7.5).
   */
  scalarMult(n: Uint8Array, p: Uint8Array): Uint8Array;
  /** X25519 of scalar `n` (clamped inside) and the base point 9: the public key of `n`. */
  scalarMultBase(n: Uint8Array): Uint8Array;
}
