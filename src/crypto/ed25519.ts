/**
 * Ed25519 signatures for the signed multicast tier (spec 19.5), on tweetnacl. Kept apart from the
 * CryptoSuite: only a group's controller signs and only group members verify.
 * @module
 */
import nacl from 'tweetnacl';

export interface Ed25519 {
  readonly name: string;
  /** A key pair from a 32-byte seed (or a random one): `secretKey` is 64 bytes (seed || public). */
  keyPair(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /**
   * True iff `signature` is a valid signature of `message` under `publicKey` with S < L: the
   * canonical check of libsodium, which tweetnacl-js lacks (spec 7; [SW-19.5-8]), so every
   * implementation accepts the same signatures.
   */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}

/** The group order L, little-endian (RFC 8032 section 5.1). */
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x10,
]);

/** S (bytes 32..64 of the signature, little-endian) < L. */
export function isCanonicalS(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    if (s < L[i]!) return true;
    if (s > L[i]!) return false;
  }
  return false; // S == L
}

export const tweetnaclEd25519: Ed25519 = {
  name: 'tweetnacl',
  keyPair(seed) {
    return seed === undefined ? nacl.sign.keyPair() : nacl.sign.keyPair.fromSeed(seed);
  },
  sign(message, secretKey) {
    return nacl.sign.detached(message, secretKey);
  },
  verify(message, signature, publicKey) {
    if (signature.length !== 64 || publicKey.length !== 32 || !isCanonicalS(signature)) return false;
    return nacl.sign.detached.verify(message, signature, publicKey);
  },
};
