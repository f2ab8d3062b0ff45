/**
 * The session-mode handshake of spec 13: `-> psk, e` / `<- e, ee`, in Noise's shape, over
 * HMAC-SHA-512, X25519 and secretbox. Pure: Uint8Array only, no clock (time is an argument), no
 * randomness except through the suite when no ephemeral is given. Functions that take network bytes
 * never throw on them: every failure is a drop reason [SW-13.6-6]; they throw InvalidArgumentError
 * only for bad parameters from the caller.
 * @module
 */
import { COUNTER_LIMIT, KEY_LEN } from '../../constants.js';
import { assertGeneration, assertKey } from '../../crypto/keys.js';
import type { CryptoSuite } from '../../crypto/suite.js';
import { InvalidArgumentError } from '../../errors.js';
import { concat, readU32, u32, wipe } from '../../util/bytes.js';
import { assertNodeId, lengthPrefixed } from '../../wire/node-id.js';
import { INITIATION_PAYLOAD_LEN } from './constants.js';
import {
  assertTimestamp,
  ephemeralKeyPair,
  hedgedEphemeral,
  isAllZero,
  timestampAfter,
  type EphemeralKeyPair,
  type Timestamp,
} from './ephemeral.js';
import { assertIndex, initiationHeader, parseHandshake, responseHeader, type HandshakeDropReason } from './messages.js';
import type { RateLimiter } from './rate-limit.js';
import { makeSession, type Session } from './session.js';
import { SymmetricState, type TraceStep } from './symmetric.js';

export interface InitiationParams {
  readonly suite: CryptoSuite;
  /** The initiator I. */
  readonly selfId: string;
  /** The responder R: bound through the prologue lp(R) [SW-13.2-3]. */
  readonly peerId: string;
  readonly gen: number;
  /** The pair key of (I, gen) shared with R (spec 3.4). */
  readonly psk: Uint8Array;
  /** (own persisted epoch, handshake counter) [SW-13.4-3]; also hedges the ephemeral. */
  readonly timestamp: Timestamp;
  /** The index this node assigned to the session: the responder's datagrams will carry it. */
  readonly localIndex: number;
  /** A fixed ephemeral private key (tests, vectors). Default: hedged from 32 bytes of the suite's RNG. */
  readonly ephemeralPrivate?: Uint8Array;
  /** Receives ck and h after every step (conformance vectors). */
  readonly trace?: TraceStep[];
}

/** What the initiator keeps until the response arrives (spec 13.7). Holds the ephemeral secret. */
export interface InitiatorState {
  readonly selfId: string;
  readonly peerId: string;
  readonly gen: number;
  readonly localIndex: number;
  readonly timestamp: Timestamp;
  readonly ephemeral: EphemeralKeyPair;
  /** ck and h after the initiation. */
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly initiationLength: number;
}

/** Test and vector hooks: force the ephemeral public key or the plaintext of the initiation. */
export interface InitiationOverrides {
  readonly ephemeralPublic?: Uint8Array;
  readonly payload?: Uint8Array;
}

export type PskLookup = { ok: true; psk: Uint8Array } | { ok: false; reason: HandshakeDropReason };

export interface ResponderParams {
  readonly suite: CryptoSuite;
  readonly selfId: string;
  /**
   * The pair key of (initiator id, gen), checked in the order of [SW-6.1-6] checks 2 to 4, then the
   * peer's session configuration ('SESSION_DISABLED'). The module checks the own-id rule itself.
   */
  readonly lookup: (initiatorId: string, gen: number) => PskLookup;
  /** The greatest timestamp accepted from this initiator, at any generation [SW-13.6-2]. */
  readonly lastTimestamp: (initiatorId: string) => Timestamp | undefined;
  /** The responder-wide budget [SW-13.6-4]; none means unlimited (tests only). */
  readonly rateLimiter?: RateLimiter;
  /** The index this node assigns to the session if the initiation is accepted. */
  readonly localIndex: number;
  readonly now: number;
  /** Own (epoch, handshake counter) for the hedged ephemeral; required unless ephemeralPrivate is given. */
  readonly hedge?: Timestamp;
  readonly ephemeralPrivate?: Uint8Array;
  readonly trace?: TraceStep[];
}

export type Dropped = { readonly ok: false; readonly reason: HandshakeDropReason };

export type InitiationResult =
  | {
      readonly ok: true;
      /** Send to the initiation's source address; never longer than the initiation [SW-13.5-2]. */
      readonly response: Uint8Array;
      /** Unconfirmed: do not seal under it before a datagram of it arrives [SW-13.8-8]. */
      readonly session: Session;
      readonly initiatorId: string;
      readonly gen: number;
      /** Store as the initiator's greatest timestamp when committing [SW-13.6-7]. */
      readonly timestamp: Timestamp;
    }
  | Dropped;

export type ResponseResult = { readonly ok: true; readonly session: Session } | Dropped;

const drop = (reason: HandshakeDropReason): Dropped => ({ ok: false, reason });

/** Creates an initiation [SW-13.4-2]. Throws InvalidArgumentError on bad parameters. */
export function createInitiation(p: InitiationParams): { bytes: Uint8Array; state: InitiatorState } {
  return buildInitiation(p, {});
}

/** createInitiation with forced fields, for conformance vectors and tests. Not for applications. */
export function buildInitiation(p: InitiationParams, o: InitiationOverrides): { bytes: Uint8Array; state: InitiatorState } {
  assertNodeId(p.selfId);
  assertNodeId(p.peerId);
  if (p.selfId === p.peerId) throw new InvalidArgumentError('initiator and responder ids must differ [SW-3.5-3]');
  assertGeneration(p.gen);
  assertKey(p.psk, 'pair key');
  assertTimestamp(p.timestamp);
  assertIndex(p.localIndex, 'local index');
  const priv = p.ephemeralPrivate ?? hedgedEphemeral(p.suite, p.psk, p.selfId, p.timestamp, p.suite.randomBytes(KEY_LEN));
  const e = ephemeralKeyPair(p.suite, priv);
  const ePub = o.ephemeralPublic ?? e.publicKey;
  const header = initiationHeader(p.gen, p.selfId);
  const ss = SymmetricState.init(p.suite, lengthPrefixed(p.peerId), p.trace);
  absorbInitiation(ss, header, p.psk, ePub);
  const payload = o.payload ?? concat(u32(p.timestamp.epoch), u32(p.timestamp.counter), u32(p.localIndex));
  const box = ss.encryptAndHash(payload);
  const bytes = concat(header, ePub, box);
  const state: InitiatorState = {
    selfId: p.selfId,
    peerId: p.peerId,
    gen: p.gen,
    localIndex: p.localIndex,
    timestamp: p.timestamp,
    ephemeral: e,
    ck: ss.ck.slice(),
    h: ss.h.slice(),
    initiationLength: bytes.length,
  };
  return { bytes, state };
}

/** Initiation tokens before its box: MixHash(header); psk; e (MixHash and, psk mode, MixKey). */
export function absorbInitiation(ss: SymmetricState, header: Uint8Array, psk: Uint8Array, ePub: Uint8Array): void {
  ss.mixHash(header, 'MixHash(header)');
  ss.mixKeyAndHash(psk, 'psk: MixKeyAndHash');
  ss.mixHash(ePub, 'e: MixHash');
  ss.mixKey(ePub, 'e: MixKey');
}

/**
 * Writes a response on the responder's state after the initiation [SW-13.5-1]: MixHash(header); e;
 * ee with the given DH output; EncryptAndHash(payload). Exported for vectors (forced DH, payload).
 */
export function writeResponse(
  ss: SymmetricState,
  f: { initiatorIndex: number; ephemeralPublic: Uint8Array; dh: Uint8Array; responderIndex: number; payload?: Uint8Array },
): Uint8Array {
  const header = responseHeader(f.initiatorIndex);
  absorbResponse(ss, header, f.ephemeralPublic, f.dh);
  return concat(header, f.ephemeralPublic, ss.encryptAndHash(f.payload ?? u32(f.responderIndex)));
}

function absorbResponse(ss: SymmetricState, header: Uint8Array, ePub: Uint8Array, dh: Uint8Array): void {
  ss.mixHash(header, 'MixHash(header)');
  ss.mixHash(ePub, 'e: MixHash');
  ss.mixKey(ePub, 'e: MixKey');
  ss.mixKey(dh, 'ee: MixKey');
}

/**
 * Processes an initiation in the order of spec 13.6 [SW-13.6-1]. On success the caller commits:
 * stores `timestamp`, keeps `session` as the peer's unconfirmed session, and sends `response`.
 * A message of TYPE response is dropped as UNKNOWN_INDEX (route it with parseHandshake instead).
 */
export function consumeInitiation(d: Uint8Array, p: ResponderParams): InitiationResult {
  assertNodeId(p.selfId);
  assertIndex(p.localIndex, 'local index');
  if (p.ephemeralPrivate === undefined) {
    if (p.hedge === undefined) throw new InvalidArgumentError('hedge or ephemeralPrivate is required');
    assertTimestamp(p.hedge, 'hedge');
  }
  const m = parseHandshake(d); // steps 2-5
  if (typeof m === 'string') return drop(m);
  if (m.type !== 'INITIATION') return drop('UNKNOWN_INDEX');
  if (m.initiatorId === p.selfId) return drop('UNKNOWN_KEY'); // step 6, [SW-3.5-3]
  const key = p.lookup(m.initiatorId, m.gen); // steps 6-7
  if (!key.ok) return drop(key.reason);

  const ss = SymmetricState.init(p.suite, lengthPrefixed(p.selfId), p.trace); // step 8
  absorbInitiation(ss, m.header, key.psk, m.ephemeral);
  const payload = ss.decryptAndHash(m.box);
  if (payload === null) return drop('AUTH');
  if (payload.length !== INITIATION_PAYLOAD_LEN) return drop('MALFORMED_INNER'); // fixed by the exact length
  const timestamp: Timestamp = { epoch: readU32(payload, 0), counter: readU32(payload, 4) };
  const initiatorIndex = readU32(payload, 8);
  if (timestamp.epoch === 0 || timestamp.counter >= COUNTER_LIMIT || initiatorIndex === 0) return drop('MALFORMED_INNER'); // step 9
  if (!timestampAfter(timestamp, p.lastTimestamp(m.initiatorId))) return drop('HANDSHAKE_REPLAY'); // step 10
  if (p.rateLimiter !== undefined && !p.rateLimiter.take(p.now)) return drop('HANDSHAKE_RATE'); // step 11

  // step 12: the asymmetric work, only for authentic, fresh initiations within the budget
  const priv = p.ephemeralPrivate ?? hedgedEphemeral(p.suite, key.psk, p.selfId, p.hedge!, p.suite.randomBytes(KEY_LEN));
  const e = ephemeralKeyPair(p.suite, priv);
  if (p.ephemeralPrivate === undefined) wipe(priv);
  const dh = p.suite.scalarMult(e.privateKey, m.ephemeral);
  wipe(e.privateKey); // [SW-13.3-3]: the responder's ephemeral serves this one response
  if (isAllZero(dh)) return drop('BAD_DH'); // [SW-13.2-1]
  const response = writeResponse(ss, { initiatorIndex, ephemeralPublic: e.publicKey, dh, responderIndex: p.localIndex });
  wipe(dh);
  const ids = { selfId: p.selfId, peerId: m.initiatorId, gen: m.gen };
  const session = makeSession(ss, 'responder', ids, p.localIndex, initiatorIndex, p.now);
  return { ok: true, response, session, initiatorId: m.initiatorId, gen: m.gen, timestamp };
}

/**
 * Processes a response for the pending initiation `state`, in the order of spec 13.7 [SW-13.7-1].
 * `state` is left usable after a drop (another response may be the genuine one, up to
 * HANDSHAKE_RESPONSE_ATTEMPTS); on success its ephemeral private key is wiped [SW-13.3-3].
 */
export function consumeResponse(
  state: InitiatorState,
  d: Uint8Array,
  p: { readonly suite: CryptoSuite; readonly now: number; readonly trace?: TraceStep[] },
): ResponseResult {
  const m = parseHandshake(d); // steps 2-5
  if (typeof m === 'string') return drop(m);
  if (m.type !== 'RESPONSE') return drop('MALFORMED');
  if (m.receiverIndex !== state.localIndex) return drop('UNKNOWN_INDEX'); // step 6
  if (isAllZero(state.ephemeral.privateKey)) return drop('UNKNOWN_INDEX'); // already completed
  const dh = p.suite.scalarMult(state.ephemeral.privateKey, m.ephemeral); // step 7
  if (isAllZero(dh)) return drop('BAD_DH'); // [SW-13.2-1]
  const ss = SymmetricState.resume(p.suite, state.ck, state.h, p.trace);
  absorbResponse(ss, m.header, m.ephemeral, dh);
  wipe(dh);
  const payload = ss.decryptAndHash(m.box); // step 8
  if (payload === null) return drop('AUTH');
  const responderIndex = readU32(payload, 0);
  if (responderIndex === 0) return drop('MALFORMED_INNER'); // step 9
  wipe(state.ephemeral.privateKey);
  const ids = { selfId: state.selfId, peerId: state.peerId, gen: state.gen };
  return { ok: true, session: makeSession(ss, 'initiator', ids, state.localIndex, responderIndex, p.now) };
}
