/**
 * What a completed handshake yields (spec 13.8) and when a session must be replaced (spec 13.9):
 * the Session record, the pure rekey decision, and the retry schedule. Time is passed in.
 * @module
 */
import type { SymmetricState } from './symmetric.js';
import {
  HANDSHAKE_GIVE_UP_MS,
  HANDSHAKE_RETRY_JITTER_MS,
  HANDSHAKE_RETRY_MS,
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME_MS,
  REKEY_RESPONDER_DELAY_MS,
} from './constants.js';

export type SessionRole = 'initiator' | 'responder';

/**
 * An established session. Datagrams of the session use the SHORT header (spec 4.4): to the peer
 * with RECEIVER INDEX = remoteIndex under sendKey; from the peer with localIndex under receiveKey.
 * Counters start at 0 in each direction; the peer layer keeps the send counter and the replay window.
 */
export interface Session {
  readonly role: SessionRole;
  readonly selfId: string;
  readonly peerId: string;
  /** Generation of the pair key the handshake used; the session ends with it [SW-13.8-11]. */
  readonly gen: number;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** The index this node assigned: the peer's datagrams of this session carry it. */
  readonly localIndex: number;
  /** The index the peer assigned: this node's datagrams of this session carry it. */
  readonly remoteIndex: number;
  /** When the handshake completed on this node (same clock as every `now`). */
  readonly createdAt: number;
  /** The final h: identifies the session (both sides hold the same value). */
  readonly handshakeHash: Uint8Array;
}

/** Splits the finished transcript into a Session [SW-13.8-1]. Wipes the chaining key. */
export function makeSession(
  ss: SymmetricState,
  role: SessionRole,
  ids: { selfId: string; peerId: string; gen: number },
  localIndex: number,
  remoteIndex: number,
  now: number,
): Session {
  const handshakeHash = ss.h.slice();
  const [ir, ri] = ss.split();
  const initiator = role === 'initiator';
  return {
    role,
    ...ids,
    sendKey: initiator ? ir : ri,
    receiveKey: initiator ? ri : ir,
    localIndex,
    remoteIndex,
    createdAt: now,
    handshakeHash,
  };
}

/** The two traffic keys by direction, as the spec and the vectors name them. */
export function directionalKeys(s: Session): { initiatorToResponder: Uint8Array; responderToInitiator: Uint8Array } {
  return s.role === 'initiator'
    ? { initiatorToResponder: s.sendKey, responderToInitiator: s.receiveKey }
    : { initiatorToResponder: s.receiveKey, responderToInitiator: s.sendKey };
}

/**
 * 'keep': use the session. 'rekey': keep using it, and start a handshake unless one is under way.
 * 'expire': never seal or open under it again; erase it [SW-13.9-1] [SW-13.9-2].
 */
export type RekeyAction = 'keep' | 'rekey' | 'expire';

export interface RekeyInput {
  readonly role: SessionRole;
  readonly createdAt: number;
  /** Datagrams sealed under the session so far: the next send counter. */
  readonly messagesSent: number;
}

/** The rekey decision of spec 13.9, in its order: expiry first, then messages, then age by role. */
export function rekeyAction(now: number, s: RekeyInput): RekeyAction {
  const age = now - s.createdAt; // a clock that stepped back gives a negative age: 'keep' until it catches up
  if (age >= REJECT_AFTER_TIME_MS || s.messagesSent >= REJECT_AFTER_MESSAGES) return 'expire';
  if (s.messagesSent >= REKEY_AFTER_MESSAGES) return 'rekey';
  const rekeyAge = s.role === 'initiator' ? REKEY_AFTER_TIME_MS : REKEY_AFTER_TIME_MS + REKEY_RESPONDER_DELAY_MS;
  return age >= rekeyAge ? 'rekey' : 'keep';
}

/**
 * Wait before the next initiation of an attempt [SW-13.9-3]: HANDSHAKE_RETRY plus a jitter uniform
 * in [0, HANDSHAKE_RETRY_JITTER]. `sample` is a uniform number in [0, 1) from the caller's RNG.
 */
export function retryDelay(sample: number): number {
  const s = Number.isFinite(sample) ? Math.min(Math.max(sample, 0), 1 - Number.EPSILON) : 0;
  return HANDSHAKE_RETRY_MS + Math.floor(s * (HANDSHAKE_RETRY_JITTER_MS + 1));
}

/** True once an attempt begun at `firstSentAt` has run for HANDSHAKE_GIVE_UP [SW-13.9-3]. */
export function handshakeGivesUp(now: number, firstSentAt: number): boolean {
  return now - firstSentAt >= HANDSHAKE_GIVE_UP_MS;
}
