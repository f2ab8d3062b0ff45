// The session handshake of spec 13, written from the spec text with node:crypto (HMAC, X25519) and
// libsodium-wrappers (secretbox) only.
// Contract: initiate() builds an initiation exactly as [SW-13.4-2]; respond() runs the checks of the
// [SW-13.6-1] table in order and stops at the first failure, returning its reason and step; finish()
// does the same for a response ([SW-13.7-1]). Every function records ck and h after each step
// (13.2) so the evaluators can compare them with the vectors' intermediate values.
import { ascii, concat, readU32, u32, u8 } from './bytes.js';
import { COUNTER_LIMIT } from './constants.js';
import { isValidNodeIdBytes, lp } from './keys.js';
import { hmacSha512, secretbox, secretboxOpen } from './primitives.js';
import { x25519, x25519Base } from './x25519.js';

export const PROTOCOL_NAME = 'saltwire/v1 session NNpsk0_25519_XSalsa20Poly1305_HMACSHA512'; // 13.2
export const LABEL_EPHEMERAL = 'saltwire/v1 ephemeral'; // [SW-13.3-1]
/** Drop reasons session mode adds to 6.2 (13.10). */
export const SESSION_DROP_REASONS = ['HANDSHAKE_REPLAY', 'BAD_DH', 'HANDSHAKE_RATE', 'SESSION_DISABLED', 'SESSION_REQUIRED'] as const;

export interface Step { op: string; ck: Uint8Array; h: Uint8Array; k?: Uint8Array }
export type Fail = { ok: false; reason: string; step: string };
export interface Keys { keyIR: Uint8Array; keyRI: Uint8Array; handshakeHash: Uint8Array }

/** ck, h, k of 13.2 with its operations; `steps` is the trace (op names match the vectors). */
class State {
  ck: Uint8Array; h: Uint8Array; k: Uint8Array | null = null; steps: Step[] = [];
  constructor(ck: Uint8Array, h: Uint8Array) { this.ck = ck; this.h = h; }
  static start(responderId: string): State {
    const name = ascii(PROTOCOL_NAME);
    if (name.length !== 60) throw new Error('internal: PROTOCOL_NAME must be 60 bytes');
    const h = concat(name, new Uint8Array(64 - name.length)); // Init(R)
    const s = new State(h, h);
    s.log('init');
    s.mixHash(lp(responderId), 'prologue');
    return s;
  }
  log(op: string, withK = false): void { this.steps.push({ op, ck: this.ck, h: this.h, ...(withK && this.k ? { k: this.k } : {}) }); }
  /** KDF(ck, ikm): t = HMAC(ck, ikm); o1 = HMAC(t, 0x01); o(i) = HMAC(t, o(i-1) || i). */
  kdf(ikm: Uint8Array, n: number): Uint8Array[] {
    const t = hmacSha512(this.ck, ikm);
    const out: Uint8Array[] = [];
    for (let i = 1; i <= n; i++) out.push(hmacSha512(t, concat(out[i - 2] ?? new Uint8Array(0), u8(i))));
    return out;
  }
  mixHash(x: Uint8Array, op: string): void { this.h = hmacSha512(this.h, x); this.log(op); }
  mixKey(x: Uint8Array, op: string): void { const [ck, o2] = this.kdf(x, 2); this.ck = ck; this.k = o2.slice(0, 32); this.log(op, true); }
  mixKeyAndHash(x: Uint8Array, op: string): void {
    const [ck, o2, o3] = this.kdf(x, 3);
    this.ck = ck; this.h = hmacSha512(this.h, o2); this.k = o3.slice(0, 32); this.log(op, true);
  }
  /** [SW-13.2-4]: nonce = h[0..24). Each k seals or opens one box. */
  encryptAndHash(p: Uint8Array): Uint8Array {
    if (!this.k) throw new Error('internal: no k'); const c = secretbox(this.k, this.h.slice(0, 24), p); this.k = null;
    this.mixHash(c, 'EncryptAndHash'); return c;
  }
  decryptAndHash(c: Uint8Array): Uint8Array | null {
    if (!this.k) throw new Error('internal: no k'); const p = secretboxOpen(this.k, this.h.slice(0, 24), c); this.k = null;
    if (!p) return null;
    this.mixHash(c, 'DecryptAndHash'); return p;
  }
  split(): Keys { const [o1, o2] = this.kdf(new Uint8Array(0), 2); return { keyIR: o1.slice(0, 32), keyRI: o2.slice(0, 32), handshakeHash: this.h }; }
}

const isZero = (x: Uint8Array): boolean => x.reduce((a, b) => a | b, 0) === 0;

/** [SW-13.3-1] e.priv = HMAC(psk, label || lp(self) || u32(epoch) || u32(counter) || rnd)[0..32). */
export function hedgedEphemeral(psk: Uint8Array, self: string, epoch: number, counter: number, rnd: Uint8Array): Uint8Array {
  return hmacSha512(psk, concat(ascii(LABEL_EPHEMERAL), lp(self), u32(epoch), u32(counter), rnd)).slice(0, 32);
}

export interface InitiationInput {
  initiator: string; responder: string; gen: number; psk: Uint8Array; ePriv: Uint8Array;
  epoch: number; counter: number; index: number;
}
export interface Pending { input: InitiationInput; ePub: Uint8Array; ck: Uint8Array; h: Uint8Array; m1: Uint8Array; steps: Step[] }

/** [SW-13.4-2] */
export function initiate(i: InitiationInput): Pending {
  const s = State.start(i.responder);
  const header = concat(Uint8Array.of(0x60, 0x01), u8(i.gen), lp(i.initiator));
  const ePub = x25519Base(i.ePriv);
  s.mixHash(header, 'MixHash(header)');
  s.mixKeyAndHash(i.psk, 'psk: MixKeyAndHash');
  s.mixHash(ePub, 'e: MixHash');
  s.mixKey(ePub, 'e: MixKey');
  const c1 = s.encryptAndHash(concat(u32(i.epoch), u32(i.counter), u32(i.index)));
  return { input: i, ePub, ck: s.ck, h: s.h, m1: concat(header, ePub, c1), steps: s.steps };
}

/** Steps 1-4 of 13.6 / 13.7, common to both messages (MAX_DATAGRAM ≥ 512 is never reached here). */
function firstByte(m: Uint8Array): Fail | null {
  if (m.length < 1) return { ok: false, reason: 'MALFORMED', step: '2' };
  if (m[0] >> 6 !== 0b01) return { ok: false, reason: 'BAD_VERSION', step: '2' };
  if (((m[0] >> 4) & 3) !== 0b10) return { ok: false, reason: 'BAD_FORM', step: '3' };
  if ((m[0] & 0x0f) !== 0) return { ok: false, reason: 'BAD_FLAGS', step: '4' };
  if (m.length < 2) return { ok: false, reason: 'MALFORMED', step: '5' };
  if (m[1] !== 0x01 && m[1] !== 0x02) return { ok: false, reason: 'BAD_FORM', step: '5' }; // [SW-13.4-1]
  return null;
}

export interface ResponderConfig {
  self: string;
  /** checks 1-4 of [SW-6.1-6] for (peer, gen) */
  keyFor(peer: string, gen: number): { key: Uint8Array } | { reason: string };
  sessionDisabled: string[];
  lastTimestamp(peer: string): [number, number] | undefined;
  budgetLeft: boolean;
}
export type Responded = { ok: true; initiator: string; gen: number; epoch: number; counter: number; initiatorIndex: number; response: Uint8Array; keys: Keys; steps: Step[] };

/** The [SW-13.6-1] table, steps 1-13, for an initiation (a TYPE 0x02 message goes to 13.7 at step 5). */
export function respond(cfg: ResponderConfig, m: Uint8Array, ePrivR: Uint8Array, idxR: number): Responded | Fail {
  const fail = (reason: string, step: string): Fail => ({ ok: false, reason, step });
  const f = firstByte(m);
  if (f) return f;
  if (m[1] === 0x02) return fail(m.length !== 58 ? 'MALFORMED' : 'UNKNOWN_INDEX', '13.7'); // no pending initiation here
  if (m.length < 4) return fail('MALFORMED', '5');
  const n = m[3];
  if (n < 1 || n > 32 || m.length !== 64 + n || !isValidNodeIdBytes(m.subarray(4, 4 + n))) return fail('MALFORMED', '5');
  const peer = Buffer.from(m.subarray(4, 4 + n)).toString('latin1');
  const gen = m[2];
  const k = cfg.keyFor(peer, gen); // step 6 (own id is check 1 of [SW-6.1-6])
  if ('reason' in k) return fail(k.reason, '6');
  if (cfg.sessionDisabled.includes(peer)) return fail('SESSION_DISABLED', '7');
  const s = State.start(cfg.self); // step 8
  const ePubI = m.subarray(4 + n, 36 + n);
  s.mixHash(m.subarray(0, 4 + n), 'MixHash(header)');
  s.mixKeyAndHash(k.key, 'psk: MixKeyAndHash');
  s.mixHash(ePubI, 'e: MixHash');
  s.mixKey(ePubI, 'e: MixKey');
  const p = s.decryptAndHash(m.subarray(36 + n));
  if (!p) return fail('AUTH', '8');
  const epoch = readU32(p, 0), counter = readU32(p, 4), initiatorIndex = readU32(p, 8);
  if (epoch === 0 || counter >= COUNTER_LIMIT || initiatorIndex === 0) return fail('MALFORMED_INNER', '9');
  const last = cfg.lastTimestamp(peer); // step 10 [SW-13.6-2]: (epoch, counter) must be greater
  if (last && (epoch < last[0] || (epoch === last[0] && counter <= last[1]))) return fail('HANDSHAKE_REPLAY', '10');
  if (!cfg.budgetLeft) return fail('HANDSHAKE_RATE', '11');
  const ePubR = x25519Base(ePrivR); // step 12
  const dh = x25519(ePrivR, ePubI);
  if (isZero(dh)) return fail('BAD_DH', '12');
  const header = concat(Uint8Array.of(0x60, 0x02), u32(initiatorIndex)); // [SW-13.5-1]
  s.mixHash(header, 'MixHash(header)');
  s.mixHash(ePubR, 'e: MixHash');
  s.mixKey(ePubR, 'e: MixKey');
  s.mixKey(dh, 'ee: MixKey');
  const response = concat(header, ePubR, s.encryptAndHash(u32(idxR)));
  return { ok: true, initiator: peer, gen, epoch, counter, initiatorIndex, response, keys: s.split(), steps: s.steps };
}

/** The [SW-13.7-1] table for a response to `pending`. */
export function finish(pending: Pending, m: Uint8Array): { ok: true; responderIndex: number; keys: Keys; steps: Step[] } | Fail {
  const fail = (reason: string, step: string): Fail => ({ ok: false, reason, step });
  const f = firstByte(m);
  if (f) return f;
  if (m[1] === 0x01) return fail('MALFORMED', '13.6-5'); // an initiation is 64 + SID_LEN ≥ 65 bytes; 58 never fits
  if (m.length !== 58) return fail('MALFORMED', '5');
  if (readU32(m, 2) !== pending.input.index) return fail('UNKNOWN_INDEX', '6');
  const ePubR = m.subarray(6, 38);
  const dh = x25519(pending.input.ePriv, ePubR);
  if (isZero(dh)) return fail('BAD_DH', '7');
  const s = new State(pending.ck, pending.h);
  s.mixHash(m.subarray(0, 6), 'MixHash(header)');
  s.mixHash(ePubR, 'e: MixHash');
  s.mixKey(ePubR, 'e: MixKey');
  s.mixKey(dh, 'ee: MixKey');
  const p = s.decryptAndHash(m.subarray(38));
  if (!p) return fail('AUTH', '8');
  const responderIndex = readU32(p, 0);
  if (responderIndex === 0) return fail('MALFORMED_INNER', '9');
  return { ok: true, responderIndex, keys: s.split(), steps: s.steps };
}

/** The rekey decision of 13.9 (times in ms). */
export function rekeyDecision(role: string, createdAt: number, now: number, sent: number): string {
  const age = now - createdAt;
  if (age >= 3_720_000 || sent >= 0xffffffff) return 'expire';
  if (sent >= 2 ** 31) return 'rekey';
  if (role === 'initiator' && age >= 3_600_000) return 'rekey';
  if (role === 'responder' && age >= 3_600_000 + 30_000) return 'rekey';
  return 'keep';
}
