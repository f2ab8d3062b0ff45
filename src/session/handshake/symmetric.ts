/**
 * The symmetric state of the handshake (spec 13.2): Noise's CipherState and SymmetricState folded
 * into one object, with HMAC-SHA-512 for every hash and XSalsa20-Poly1305 secretbox, whose missing
 * associated data is replaced by taking the nonce from h [SW-13.2-4].
 * Pure: Uint8Array only, no clock, no randomness.
 * @module
 */
import { KEY_LEN } from '../../constants.js';
import { hmacSha512 } from '../../crypto/hkdf.js';
import type { CryptoSuite } from '../../crypto/suite.js';
import { InvalidArgumentError } from '../../errors.js';
import { ascii, concat, wipe } from '../../util/bytes.js';
import { HANDSHAKE_NONCE_LEN, LABEL_SESSION_PROTOCOL } from './constants.js';

const HASH_LEN = 64;

/** One step of the transcript, recorded for conformance vectors: ck and h after the step. */
export interface TraceStep {
  readonly op: string;
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  /** The cipher key after the step, for the steps that set one. */
  readonly k?: Uint8Array;
}

/**
 * KDF(ck, ikm) of [SW-13.2-3]: Noise's HKDF with HMAC-SHA-512. Returns `n` 64-byte outputs
 * o1, o2 (and o3): t = HMAC(ck, ikm); o1 = HMAC(t, 0x01); o(i) = HMAC(t, o(i-1) || i).
 */
export function kdf(suite: CryptoSuite, ck: Uint8Array, ikm: Uint8Array, n: 2 | 3): Uint8Array[] {
  const t = hmacSha512(suite, ck, ikm);
  const out: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    prev = hmacSha512(suite, t, concat(prev, Uint8Array.of(i)));
    out.push(prev);
  }
  wipe(t);
  return out;
}

/** The initial h (= ck): the protocol name, zero-padded to 64 bytes [SW-13.2-3]. */
export function initialHash(): Uint8Array {
  const h = new Uint8Array(HASH_LEN);
  h.set(ascii(LABEL_SESSION_PROTOCOL));
  return h;
}

export class SymmetricState {
  /** Chaining key: every secret (psk, ephemerals, DH) passes through it. */
  ck: Uint8Array;
  /** Transcript hash: every byte of both messages, and the prologue. */
  h: Uint8Array;
  /** The cipher key of the next box; each value seals or opens exactly one box. */
  private k: Uint8Array | undefined;

  private constructor(
    private readonly suite: CryptoSuite,
    ck: Uint8Array,
    h: Uint8Array,
    private readonly trace: TraceStep[] | undefined,
  ) {
    this.ck = ck;
    this.h = h;
  }

  /** Init(R): h = ck = the padded protocol name, then MixHash(prologue) with prologue = lp(R). */
  static init(suite: CryptoSuite, prologue: Uint8Array, trace?: TraceStep[]): SymmetricState {
    const h = initialHash();
    const s = new SymmetricState(suite, h.slice(), h, trace);
    s.record('init');
    s.mixHash(prologue, 'prologue');
    return s;
  }

  /** Resumes from a saved (ck, h): the initiator's state after its initiation (spec 13.7). */
  static resume(suite: CryptoSuite, ck: Uint8Array, h: Uint8Array, trace?: TraceStep[]): SymmetricState {
    return new SymmetricState(suite, ck.slice(), h.slice(), trace);
  }

  /** h = HMAC(h, data). */
  mixHash(data: Uint8Array, op = 'MixHash'): void {
    this.h = hmacSha512(this.suite, this.h, data);
    this.record(op);
  }

  /** (ck, o2) = KDF(ck, ikm); k = o2[0..32). */
  mixKey(ikm: Uint8Array, op = 'MixKey'): void {
    const [ck, o2] = kdf(this.suite, this.ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.setCk(ck);
    this.setK(o2);
    this.record(op, true);
  }

  /** (ck, o2, o3) = KDF(ck, psk); MixHash(o2); k = o3[0..32). */
  mixKeyAndHash(psk: Uint8Array, op = 'MixKeyAndHash'): void {
    const [ck, o2, o3] = kdf(this.suite, this.ck, psk, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.setCk(ck);
    this.h = hmacSha512(this.suite, this.h, o2);
    wipe(o2);
    this.setK(o3);
    this.record(op, true);
  }

  /** c = secretbox(k, h[0..24), p); MixHash(c). The key is then spent. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const k = this.takeKey();
    const c = this.suite.seal(k, this.nonce(), plaintext).slice();
    wipe(k);
    this.mixHash(c, 'EncryptAndHash');
    return c;
  }

  /** The plaintext, or null if secretbox_open fails (the state is then unusable). */
  decryptAndHash(c: Uint8Array): Uint8Array | null {
    const k = this.takeKey();
    const p = this.suite.open(k, this.nonce(), c);
    wipe(k);
    if (p === null) return null;
    const copy = p.slice(); // a backend may return a view of a shared buffer
    this.mixHash(c, 'DecryptAndHash');
    return copy;
  }

  /** (o1, o2) = KDF(ck, empty): [TK initiator→responder, TK responder→initiator] [SW-13.2-3]. */
  split(): [Uint8Array, Uint8Array] {
    const [o1, o2] = kdf(this.suite, this.ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    const keys: [Uint8Array, Uint8Array] = [o1.slice(0, KEY_LEN), o2.slice(0, KEY_LEN)];
    wipe(o1);
    wipe(o2);
    wipe(this.ck);
    return keys;
  }

  private nonce(): Uint8Array {
    return this.h.slice(0, HANDSHAKE_NONCE_LEN);
  }

  private takeKey(): Uint8Array {
    if (this.k === undefined) throw new InvalidArgumentError('no cipher key: MixKey must precede a box');
    const k = this.k;
    this.k = undefined;
    return k;
  }

  private setCk(ck: Uint8Array): void {
    wipe(this.ck);
    this.ck = ck;
  }

  private setK(o: Uint8Array): void {
    if (this.k !== undefined) wipe(this.k);
    this.k = o.slice(0, KEY_LEN);
    wipe(o);
  }

  private record(op: string, withKey = false): void {
    if (this.trace === undefined) return;
    this.trace.push({ op, ck: this.ck.slice(), h: this.h.slice(), ...(withKey && this.k ? { k: this.k.slice() } : {}) });
  }
}
