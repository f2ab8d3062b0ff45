/**
 * The cookies of a node under load (spec 6.6): a 16-byte pseudo-random function of the source
 * address and port under a random secret replaced every COOKIE_SECRET_INTERVAL, the previous secret
 * still accepted [SW-6.6-1]. Stateless per source: nothing is stored for a cookie handed out, and
 * only this node ever checks its cookies, so the function is the SDK's own choice.
 *
 * The SDK's function: the Poly1305 tag of secretbox(secret, n, empty), where n is 24 bytes naming the
 * address: u8(host length) || u16(port) || host, zero-padded, for a host of at most 21 ASCII
 * characters (every IPv4 address), else 0xff || u16(port) || the first 21 bytes of SHA-512(host).
 * With an empty message the tag is Poly1305's one-time key half s, that is 16 bytes of the XSalsa20
 * keystream of (secret, n): a PRF of n. One secretbox call, far below a key derivation.
 * @module
 */
import { COOKIE_LEN, COOKIE_SECRET_INTERVAL_MS, KEY_LEN, NONCE_LEN } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { Address } from '../transport/transport.js';
import { constantTimeEqual, wipe } from '../util/bytes.js';

const EMPTY = new Uint8Array(0);
const MAX_INLINE_HOST = NONCE_LEN - 3;

export class CookieMint {
  private current: Uint8Array | undefined;
  private previous: Uint8Array | undefined;
  private since = 0;
  private readonly nonce = new Uint8Array(NONCE_LEN);

  constructor(
    private readonly suite: CryptoSuite,
    private readonly intervalMs: number = COOKIE_SECRET_INTERVAL_MS,
  ) {}

  /** The cookie of `from` now. The first cookie draws the first secret: a node never under load draws none. */
  make(from: Address, now: number): Uint8Array {
    this.rotate(now);
    return this.prf(this.current!, from);
  }

  /** Whether `cookie` is the cookie of `from` under the current or the previous secret [SW-6.6-1]. */
  check(cookie: Uint8Array, from: Address, now: number): boolean {
    if (cookie.length !== COOKIE_LEN || this.current === undefined) return false;
    this.rotate(now);
    if (constantTimeEqual(cookie, this.prf(this.current, from))) return true;
    return this.previous !== undefined && constantTimeEqual(cookie, this.prf(this.previous, from));
  }

  private rotate(now: number): void {
    if (this.current !== undefined && now - this.since < this.intervalMs) return;
    if (this.previous !== undefined) wipe(this.previous);
    // a secret more than two intervals old would accept cookies no longer meant to be valid
    this.previous = this.current !== undefined && now - this.since < 2 * this.intervalMs ? this.current : undefined;
    this.current = this.suite.randomBytes(KEY_LEN);
    this.since = now;
  }

  private prf(secret: Uint8Array, from: Address): Uint8Array {
    const n = this.nonce;
    n.fill(0);
    const host = from.host;
    let ascii = host.length <= MAX_INLINE_HOST;
    for (let i = 0; ascii && i < host.length; i++) if (host.charCodeAt(i) > 0x7f) ascii = false;
    n[1] = (from.port >>> 8) & 0xff;
    n[2] = from.port & 0xff;
    if (ascii) {
      n[0] = host.length;
      for (let i = 0; i < host.length; i++) n[3 + i] = host.charCodeAt(i);
    } else {
      n[0] = 0xff;
      n.set(this.suite.sha512(new TextEncoder().encode(host)).subarray(0, MAX_INLINE_HOST), 3);
    }
    return this.suite.seal(secret, n, EMPTY).slice(0, COOKIE_LEN);
  }
}
