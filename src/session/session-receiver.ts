/**
 * Sessions on the datagram path (spec 13.8): the record a receiver index names when it names a
 * session instead of a receive context [SW-13.8-7], opening a SHORT datagram under it
 * [SW-13.8-5], and sealing one [SW-13.8-2]. Sessions live in RAM only [SW-13.8-10]. Pure: no
 * clock (time is an argument), Uint8Array only.
 * @module
 */
import { FIRST_BYTE_SHORT, NONCE_LEN, SHORT_HEADER_LEN } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CounterExhaustedError } from '../errors.js';
import { view, wipe, writeU32 } from '../util/bytes.js';
import type { DropReason } from '../wire/drop-reason.js';
import { decodeFrames, type WireFrame } from '../wire/frames.js';
import { writeNonce, type ShortHeader } from '../wire/header.js';
import { REJECT_AFTER_MESSAGES } from './handshake/constants.js';
import type { InitiatorState } from './handshake/handshake.js';
import type { Session } from './handshake/session.js';
import type { Keyring } from './keyring.js';
import { ReplayWindow } from './replay.js';

/** A session as the node holds it: the handshake's keys plus the send counter and replay window. */
export interface SessionSlot {
  readonly kind: 'session';
  readonly session: Session;
  /** The receiver index (session.localIndex) while the session exists; 0 once erased. */
  index: number;
  /** Its own replay window, empty when made and never reset [SW-13.8-4]. */
  readonly window: ReplayWindow;
  /** Datagrams sealed so far: the next send counter, from 0 [SW-13.8-3]. */
  sent: number;
  /** A datagram of the session passed every check (always true on the initiator) [SW-13.8-8]. */
  confirmed: boolean;
  /** Responder: the initiator's epoch if its initiation showed a restart (a higher epoch than before), else 0. */
  readonly restartEpoch: number;
}

/** An initiation waiting for its response (spec 13.7); its index names it until then [SW-13.4-4]. */
export interface PendingInitiation {
  readonly kind: 'pending';
  index: number;
  readonly peerId: string;
  /** Holds the ephemeral private key: wiped when the initiation completes or is abandoned [SW-13.3-3]. */
  readonly state: InitiatorState;
  /** Responses that reached step 7 of 13.7 for this initiation [SW-13.7-2]. */
  responses: number;
}

/** What a receiver index can name besides a receive context. */
export type IndexHolder = SessionSlot | PendingInitiation;

export function newSessionSlot(session: Session, windowSize: number, restartEpoch = 0): SessionSlot {
  return {
    kind: 'session',
    session,
    index: 0,
    window: new ReplayWindow(windowSize),
    sent: 0,
    confirmed: session.role === 'initiator',
    restartEpoch,
  };
}

/** Erases a session's keys (its index is released by the table that holds it) [SW-13.8-10]. */
export function wipeSession(slot: SessionSlot): void {
  wipe(slot.session.sendKey);
  wipe(slot.session.receiveKey);
}

/** Erases a pending initiation's secrets [SW-13.3-3] [SW-13.4-5]. */
export function wipePending(p: PendingInitiation): void {
  wipe(p.state.ephemeral.privateKey);
  wipe(p.state.ck);
}

export type SessionOpen =
  | {
      readonly ok: true;
      readonly plaintext: Uint8Array;
      /** Frames, INDEX frames removed [SW-13.8-15]. */
      readonly frames: WireFrame[];
      /** The counter is above the window's top: the newest datagram of this session. */
      readonly newest: boolean;
    }
  | { readonly ok: false; readonly reason: DropReason; readonly erase?: true };

/**
 * Step 7b to 11 of spec 6.1 for a SHORT datagram whose index names `slot` [SW-13.8-5]: the age
 * check (UNKNOWN_INDEX, and `erase`, at REJECT_AFTER_TIME [SW-13.9-2]), checks 2 to 4 of
 * [SW-6.1-6] for (peer, gen) (and `erase`: the generation's grace ended or the peer was revoked,
 * [SW-13.8-11]), the session's window, the receive key, then the window update and, on a
 * responder, confirmation [SW-13.8-8]. Never throws on the datagram.
 */
export function openSessionDatagram(
  suite: CryptoSuite,
  keyring: Keyring,
  slot: SessionSlot,
  d: Uint8Array,
  h: ShortHeader,
  now: number,
  rejectAfterMs: number,
  nonce: Uint8Array = new Uint8Array(NONCE_LEN),
): SessionOpen {
  const s = slot.session;
  if (now - s.createdAt >= rejectAfterMs) return { ok: false, reason: 'UNKNOWN_INDEX', erase: true };
  const status = keyring.status(s.peerId, s.gen, now);
  if (status !== 'ok') return { ok: false, reason: status, erase: true };
  const verdict = slot.window.check(h.counter); // step 7d on the session's window
  if (verdict !== 'accept') return { ok: false, reason: verdict };
  const plaintext = suite.open(s.receiveKey, writeNonce(nonce, d, 'SHORT'), view(d, h.length)); // steps 8-9
  if (plaintext === null) return { ok: false, reason: 'AUTH' };
  const top = slot.window.top;
  slot.window.update(h.counter); // step 10
  const frames = decodeFrames(plaintext); // step 11, after the window update [SW-6.1-3]
  if (frames === undefined) return { ok: false, reason: 'MALFORMED_INNER' };
  slot.confirmed = true; // it passed every check [SW-13.8-8]
  return { ok: true, plaintext, frames: frames.filter((f) => f.type !== 'INDEX'), newest: top === undefined || h.counter > top };
}

const HEADER = new Uint8Array(SHORT_HEADER_LEN);
const NONCE = new Uint8Array(NONCE_LEN);

/**
 * Seals `plaintext` under the session: SHORT header with the peer's index and the next counter,
 * nonce of 4.5, the direction's key [SW-13.8-2]. Throws CounterExhaustedError at
 * REJECT_AFTER_MESSAGES [SW-13.8-3]; the caller evaluates rekeyAction first [SW-13.9-1].
 */
export function sealSessionDatagram(suite: CryptoSuite, slot: SessionSlot, plaintext: Uint8Array): Uint8Array {
  const c = slot.sent;
  if (c >= REJECT_AFTER_MESSAGES || slot.index === 0) throw new CounterExhaustedError();
  slot.sent = c + 1;
  HEADER[0] = FIRST_BYTE_SHORT;
  writeU32(HEADER, 1, slot.session.remoteIndex);
  writeU32(HEADER, 5, c);
  return suite.seal(slot.session.sendKey, writeNonce(NONCE, HEADER, 'SHORT'), plaintext, HEADER);
}
