// X25519 (RFC 7748) from node:crypto only: raw 32-byte keys are wrapped in PKCS#8 / SPKI DER (the
// fixed prefixes of RFC 8410 for OID 1.3.101.110) and used with crypto.diffieHellman.
// Contract: x25519(k, u) returns the 32-byte output, and 0^32 where OpenSSL refuses to derive
// because the output is all zero (RFC 7748 section 6.1); spec 13.2 turns that into BAD_DH.
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { concat } from './bytes.js';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function priv(k: Uint8Array): KeyObject {
  if (k.length !== 32) throw new Error(`X25519 scalar must be 32 bytes, got ${k.length}`);
  return createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, k)), format: 'der', type: 'pkcs8' });
}

function pub(u: Uint8Array): KeyObject {
  if (u.length !== 32) throw new Error(`X25519 u-coordinate must be 32 bytes, got ${u.length}`);
  return createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, u)), format: 'der', type: 'spki' });
}

/** X25519(k, u); 0^32 for a small-order u (OpenSSL fails that derivation). */
export function x25519(k: Uint8Array, u: Uint8Array): Uint8Array {
  const privateKey = priv(k), publicKey = pub(u); // malformed inputs throw here, not below
  try {
    return new Uint8Array(diffieHellman({ privateKey, publicKey }));
  } catch {
    return new Uint8Array(32);
  }
}

/** X25519(k, 9): the public key of k, as node derives it from the private key. */
export function x25519Base(k: Uint8Array): Uint8Array {
  const der = createPublicKey(priv(k)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}
