// Cryptographic primitives of spec 3.1, from node:crypto and libsodium-wrappers only (no SDK code,
// no tweetnacl, no sodium-native).
// - HMAC-SHA-512 [SW-3.1-1]: computed twice, by createHmac and by an RFC 2104 construction on
//   createHash('sha512') (block 128, keys > 128 bytes hashed first [SW-7.3-1]); the two must agree.
// - HKDF-SHA-512 (RFC 5869): Extract = HMAC(salt, IKM); Expand = the T(i) chain. hkdf() cross-checks
//   the Extract/Expand result with node's hkdfSync.
// - secretbox / secretbox_open (XSalsa20-Poly1305, box = tag || ciphertext, [SW-7.1-1]) via libsodium's
//   crypto_secretbox_easy / crypto_secretbox_open_easy, whose output is exactly that box.
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import _sodium from 'libsodium-wrappers';
import { concat, ctEqual } from './bytes.js';
import { KEY_LEN, NONCE_LEN } from './constants.js';

const BLOCK = 128;
const HASH_LEN = 64;

function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** RFC 2104 HMAC-SHA-512 built from SHA-512 alone. */
function hmacRfc2104(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? sha512(key) : key);
  const ipad = k.map((b) => b ^ 0x36);
  const opad = k.map((b) => b ^ 0x5c);
  return sha512(opad, sha512(ipad, msg));
}

/** HMAC(K, m) of 3.1: 64 bytes. Throws if the two computations disagree (never expected). */
export function hmacSha512(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const a = new Uint8Array(createHmac('sha512', key).update(msg).digest());
  const b = hmacRfc2104(key, msg);
  if (!ctEqual(a, b)) throw new Error('internal: createHmac and RFC 2104 HMAC disagree');
  return a;
}

/** HKDF-Extract(salt, IKM) = HMAC(salt, IKM) (3.1). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha512(salt, ikm);
}

/** HKDF-Expand(PRK, info, L), RFC 5869 2.3; L ≤ 255·64 (3.1). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, L: number): Uint8Array {
  if (!Number.isInteger(L) || L < 0 || L > 255 * HASH_LEN) throw new Error(`HKDF length out of range: ${L}`);
  const out: Uint8Array[] = [];
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1; out.length * HASH_LEN < L; i++) {
    t = hmacSha512(prk, concat(t, info, Uint8Array.of(i)));
    out.push(t);
  }
  return concat(...out).slice(0, L);
}

/** HKDF(salt, IKM, info, L) of 3.1, cross-checked with node:crypto hkdfSync where node allows it. */
export function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, L: number): Uint8Array {
  const ours = hkdfExpand(hkdfExtract(salt, ikm), info, L);
  // hkdfSync limits info to 1024 bytes and refuses L = 0; outside that, the manual result stands alone.
  if (info.length <= 1024 && L > 0) {
    const node = new Uint8Array(hkdfSync('sha512', ikm, salt, info, L));
    if (!ctEqual(ours, node)) throw new Error('internal: hkdfSync and RFC 5869 HKDF disagree');
  }
  return ours;
}

let sodium: typeof _sodium | null = null;

/** Must be awaited once before secretbox/secretboxOpen. */
export async function initSodium(): Promise<void> {
  await _sodium.ready;
  sodium = _sodium;
}

function s(): typeof _sodium {
  if (!sodium) throw new Error('initSodium() was not awaited');
  return sodium;
}

function checkKN(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_LEN) throw new Error(`secretbox key must be ${KEY_LEN} bytes, got ${key.length}`);
  if (nonce.length !== NONCE_LEN) throw new Error(`secretbox nonce must be ${NONCE_LEN} bytes, got ${nonce.length}`);
}

/** secretbox(k, n, m): returns the box tag(16) || ciphertext (3.1, 7.1). */
export function secretbox(key: Uint8Array, nonce: Uint8Array, msg: Uint8Array): Uint8Array {
  checkKN(key, nonce);
  return s().crypto_secretbox_easy(msg, nonce, key);
}

/** secretbox_open(k, n, b): the plaintext, or null if the tag does not verify or b is too short. */
export function secretboxOpen(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array | null {
  checkKN(key, nonce);
  try {
    return s().crypto_secretbox_open_easy(box, nonce, key);
  } catch {
    return null;
  }
}
