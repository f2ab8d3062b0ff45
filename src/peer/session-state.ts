/**
 * The session state of one session-mode peer (spec 13.8, 13.9): at most three sessions (previous,
 * current, next), at most one pending initiation, the retry schedule of the attempt under way, and
 * the data held until a session exists [SW-13.8-14]. Hung off Peer.session, one optional field, so
 * a peer in the default mode carries nothing of it (spec 9.5). Pure: time is passed in.
 * @module
 */
import {
  HANDSHAKE_GIVE_UP_MS,
  HANDSHAKE_RETRY_JITTER_MS,
  HANDSHAKE_RETRY_MS,
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME_MS,
  REKEY_RESPONDER_DELAY_MS,
} from '../session/handshake/constants.js';
import { handshakeGivesUp, rekeyAction, retryDelay, type RekeyAction } from '../session/handshake/session.js';
import type { IndexHolder, PendingInitiation, SessionSlot } from '../session/session-receiver.js';
import { NONE } from './liveness.js';

/**
 * The times of spec 13.9, in milliseconds. They are protocol constants: both nodes of a pair must
 * use the same values. Other values are for tests and simulations only.
 */
export interface SessionTimers {
  readonly rekeyAfterMs: number;
  readonly rekeyResponderDelayMs: number;
  readonly rejectAfterMs: number;
  readonly retryMs: number;
  readonly retryJitterMs: number;
  readonly giveUpMs: number;
}

export const SESSION_TIMERS: SessionTimers = Object.freeze({
  rekeyAfterMs: REKEY_AFTER_TIME_MS,
  rekeyResponderDelayMs: REKEY_RESPONDER_DELAY_MS,
  rejectAfterMs: REJECT_AFTER_TIME_MS,
  retryMs: HANDSHAKE_RETRY_MS,
  retryJitterMs: HANDSHAKE_RETRY_JITTER_MS,
  giveUpMs: HANDSHAKE_GIVE_UP_MS,
});

export interface PeerSessions {
  /** Receive only: the current session before the last switch. */
  previous: SessionSlot | undefined;
  /** Send and receive. */
  current: SessionSlot | undefined;
  /** Responder: made by an accepted initiation, not yet confirmed; receive only [SW-13.8-8]. */
  next: SessionSlot | undefined;
  /** The initiation waiting for a response; a new one replaces it [SW-13.4-5]. */
  pending: PendingInitiation | undefined;
  /** When the next initiation of the attempt under way is due; NONE when no attempt is under way. */
  retryAt: number;
  /** When the first initiation of the attempt under way was due; NONE before it [SW-13.9-3]. */
  attemptFrom: number;
  /** When the last initiation went out: never more often than once per HANDSHAKE_RETRY [SW-13.9-3]. */
  lastInitiation: number;
  /** Data waiting for a session it may be sealed under [SW-13.8-14]. */
  queue: Uint8Array[] | undefined;
}

export function newPeerSessions(): PeerSessions {
  return { previous: undefined, current: undefined, next: undefined, pending: undefined, retryAt: NONE, attemptFrom: NONE, lastInitiation: NONE, queue: undefined };
}

/** rekeyAction of spec 13.9 [SW-13.9-1]; with other timers than the protocol's, the same rule on them. */
export function decide(now: number, slot: SessionSlot, t: SessionTimers): RekeyAction {
  const input = { role: slot.session.role, createdAt: slot.session.createdAt, messagesSent: slot.sent };
  if (t === SESSION_TIMERS) return rekeyAction(now, input);
  const age = now - input.createdAt;
  if (age >= t.rejectAfterMs || slot.sent >= REJECT_AFTER_MESSAGES) return 'expire';
  if (slot.sent >= REKEY_AFTER_MESSAGES) return 'rekey';
  return age >= t.rekeyAfterMs + (input.role === 'initiator' ? 0 : t.rekeyResponderDelayMs) ? 'rekey' : 'keep';
}

/** The wait before the next initiation [SW-13.9-3]; `sample` is uniform in [0, 1). */
export function retryWait(sample: number, t: SessionTimers): number {
  return t === SESSION_TIMERS ? retryDelay(sample) : t.retryMs + Math.floor(Math.min(Math.max(sample, 0), 0.999999) * (t.retryJitterMs + 1));
}

/** True once the attempt whose first initiation went out at `from` has run for HANDSHAKE_GIVE_UP. */
export function givesUp(now: number, from: number, t: SessionTimers): boolean {
  return t === SESSION_TIMERS ? handshakeGivesUp(now, from) : now - from >= t.giveUpMs;
}

/** Makes `slot` current: the old current becomes previous, the old previous is erased [SW-13.8-9]. */
export function promote(s: PeerSessions, slot: SessionSlot, erase: (h: IndexHolder) => void): void {
  if (s.current === slot) return;
  if (s.previous !== undefined) erase(s.previous);
  s.previous = s.current;
  s.current = slot;
  if (s.next === slot) s.next = undefined;
}

/** Abandons the pending initiation: its ephemeral is erased and its index unassigned [SW-13.4-5]. */
export function abandon(s: PeerSessions, erase: (h: IndexHolder) => void): void {
  if (s.pending !== undefined) erase(s.pending);
  s.pending = undefined;
}

/**
 * Erases every session that may no longer be used: erased by the receiver (index 0), past
 * REJECT_AFTER_TIME [SW-13.8-10], or whose (peer, generation) failed `keyOk` [SW-13.8-11].
 */
export function sweep(s: PeerSessions, now: number, t: SessionTimers, keyOk: (gen: number) => boolean, erase: (h: IndexHolder) => void): void {
  const dead = (x: SessionSlot | undefined): boolean =>
    x !== undefined && (x.index === 0 || now - x.session.createdAt >= t.rejectAfterMs || !keyOk(x.session.gen));
  if (dead(s.previous)) {
    erase(s.previous!);
    s.previous = undefined;
  }
  if (dead(s.current)) {
    erase(s.current!);
    s.current = undefined;
  }
  if (dead(s.next)) {
    erase(s.next!);
    s.next = undefined;
  }
}

/** Erases everything (the peer left the table, or the node closes). */
export function eraseAll(s: PeerSessions, erase: (h: IndexHolder) => void): void {
  for (const x of [s.previous, s.current, s.next, s.pending]) if (x !== undefined) erase(x);
  s.previous = s.current = s.next = undefined;
  s.pending = undefined;
  s.retryAt = s.attemptFrom = NONE;
  s.queue = undefined;
}

/** The next time the peer's session state needs the timer: a retry, or a session's expiry. */
export function sessionDeadline(s: PeerSessions, t: SessionTimers): number {
  let at = s.retryAt === NONE ? Infinity : s.retryAt;
  for (const x of [s.previous, s.current, s.next]) if (x !== undefined) at = Math.min(at, x.session.createdAt + t.rejectAfterMs);
  return at;
}

/** Which of the peer's sessions `slot` is. */
export function roleOf(s: PeerSessions, slot: SessionSlot): 'previous' | 'current' | 'next' | undefined {
  return slot === s.current ? 'current' : slot === s.next ? 'next' : slot === s.previous ? 'previous' : undefined;
}
