/**
 * Challenges (spec 12.3, 10.2): a random token sent in an authenticated datagram, which the peer
 * echoes in its next one. One mechanism serves two purposes: an echo proves the peer's datagrams are
 * fresh (sent after the token was made, so not replays from before this node lost state), and, when
 * it arrives from the address the token was sent to, that the peer receives there (path validation).
 * The state exists only while a challenge is outstanding: an idle peer carries none (spec 9.5).
 * @module
 */
import { CHALLENGE_LEN } from '../constants.js';
import type { Address } from '../transport/transport.js';
import { constantTimeEqual } from '../util/bytes.js';
import { sameAddress } from './path.js';

/** An outstanding challenge. At most one per peer [SW-12.3-2]. */
export interface Challenge {
  readonly token: Uint8Array;
  /**
   * This node's epoch when the token was made. A new epoch takes a new token, so an echo of it proves
   * the peer got a datagram this start sealed in that epoch: what a STALE frame and an INDEX need to
   * count as evidence about this epoch ([SW-12.4-11]).
   */
  readonly epoch: number;
  /** Addresses the token was sent to: the path, and the last validated address while the path is not ([SW-12.3-8]). */
  sentTo: Address[];
  /** When the token was last sent (resent after CHALLENGE_RETRY_MS). */
  sentAt: number;
  /** Sends of this token (a new one after CHALLENGE_ATTEMPTS). */
  attempts: number;
  /**
   * The token this one replaced, with its addresses: its echoes may still be in flight, and one
   * arriving after the replacement still answers the challenge [SW-12.3-9]. Without it, a burst of
   * datagrams that each draw a resend rotates the token faster than echoes return, and no echo ever
   * matches (the storm of issue 14).
   */
  previous?: { readonly token: Uint8Array; readonly sentTo: Address[]; readonly epoch: number };
}

export interface ChallengeState {
  challenge: Challenge | undefined;
  /** A token the peer challenged this node with, to echo in the next datagram [SW-12.3-3]. */
  echoOwed: Uint8Array | undefined;
}

/** Resend interval and attempts of one challenge. */
export const CHALLENGE_RETRY_MS = 1_000;
export const CHALLENGE_ATTEMPTS = 5;

/**
 * The token to put in the next datagram, or undefined when none is due: a new token when none is
 * outstanding, the outstanding one again when its retry time passed or the address changed, a new
 * one in its place after CHALLENGE_ATTEMPTS sends. Only a probe, which its own timer paces, skips the
 * retry interval [SW-11.2-6]. Nothing else does, not even an answer to a datagram: the interval is
 * what keeps challenges from feeding on each other's answers [SW-12.3-2] [SW-9.4-4].
 */
export function challengeToSend(
  s: ChallengeState,
  needed: boolean,
  to: Address,
  now: number,
  random: (n: number) => Uint8Array,
  /** A liveness probe: it carries the token whatever the retry interval. */
  probe = false,
  /** The node's current epoch: a token of an earlier epoch is replaced at once ([SW-12.4-11]). */
  epoch = 0,
): Uint8Array | undefined {
  if (!needed) return undefined;
  let c = s.challenge;
  if (c === undefined) {
    c = s.challenge = { token: random(CHALLENGE_LEN), epoch, sentTo: [to], sentAt: now, attempts: 1 };
    return c.token;
  }
  const known = c.sentTo.some((a) => sameAddress(a, to));
  const renew = c.epoch !== epoch; // a token of an earlier epoch: replaced now (epochs are few)
  if (!renew && known && !probe && now - c.sentAt < CHALLENGE_RETRY_MS) return undefined;
  if (renew || c.attempts >= CHALLENGE_ATTEMPTS) {
    const previous = { token: c.token, sentTo: c.sentTo, epoch: c.epoch };
    c = s.challenge = { token: random(CHALLENGE_LEN), epoch, sentTo: [to], sentAt: now, attempts: 1, previous };
    return c.token;
  }
  if (!known) {
    if (c.sentTo.length >= 2) c.sentTo.shift(); // at most the path and the last validated address
    c.sentTo.push(to);
  }
  c.sentAt = now;
  c.attempts++;
  return c.token;
}

/**
 * Checks an ECHO token. On a match the challenge is spent (one echo answers it) and the addresses it
 * was sent to are returned, for path validation, with the epoch the token was made in; otherwise
 * undefined.
 */
export function checkEcho(s: ChallengeState, token: Uint8Array): { sentTo: Address[]; epoch: number } | undefined {
  const c = s.challenge;
  if (c === undefined) return undefined;
  const current = constantTimeEqual(c.token, token);
  const previous = c.previous !== undefined && constantTimeEqual(c.previous.token, token);
  if (!current && !previous) return undefined;
  s.challenge = undefined;
  return current ? { sentTo: c.sentTo, epoch: c.epoch } : { sentTo: c.previous!.sentTo, epoch: c.previous!.epoch };
}

/** When the outstanding challenge should be resent, or Infinity. */
export function challengeRetryAt(s: ChallengeState): number {
  return s.challenge === undefined ? Infinity : s.challenge.sentAt + CHALLENGE_RETRY_MS;
}
