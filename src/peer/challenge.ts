/**
 * Challenges (spec 12.3, 10.2): a random token sent in an authenticated datagram, which the peer
 * echoes in its next one. One mechanism serves two purposes: an echo proves the peer's datagrams are
 * fresh (sent after the token was made, so not replays from before this node lost state), and, when
 * it arrives from the address the token was sent to, that the peer receives there (path validation).
 * @module
 */
import { CHALLENGE_LEN } from '../constants.js';
import { constantTimeEqual } from '../util/bytes.js';

export interface ChallengeState {
  /** The outstanding token, or undefined. At most one per peer [SW-12.3-2]. */
  token: Uint8Array | undefined;
  /** Address key the token was last sent to. */
  sentTo: string;
  /** When the token was last sent (resend after CHALLENGE_RETRY_MS). */
  sentAt: number;
  /** Sends of the current token (gives up after CHALLENGE_ATTEMPTS). */
  attempts: number;
  /** A token the peer challenged this node with, to echo in the next datagram [SW-12.3-3]. */
  echoOwed: Uint8Array | undefined;
}

/** Resend interval and attempts of one challenge. */
export const CHALLENGE_RETRY_MS = 1_000;
export const CHALLENGE_ATTEMPTS = 5;

export function initialChallenge(): ChallengeState {
  return { token: undefined, sentTo: '', sentAt: -Infinity, attempts: 0, echoOwed: undefined };
}

/**
 * The token to put in the next datagram, or undefined when none is due: a new token when none is
 * outstanding, the outstanding one again when its retry time passed or the address changed.
 */
export function challengeToSend(
  c: ChallengeState,
  needed: boolean,
  toKey: string,
  now: number,
  random: (n: number) => Uint8Array,
): Uint8Array | undefined {
  if (!needed) return undefined;
  if (c.token === undefined || c.attempts >= CHALLENGE_ATTEMPTS) {
    c.token = random(CHALLENGE_LEN);
    c.attempts = 0;
  } else if (toKey === c.sentTo && now - c.sentAt < CHALLENGE_RETRY_MS) {
    return undefined;
  }
  c.sentTo = toKey;
  c.sentAt = now;
  c.attempts++;
  return c.token;
}

/** Checks an ECHO token; on a match the challenge is spent (one echo answers it). */
export function checkEcho(c: ChallengeState, token: Uint8Array): boolean {
  if (c.token === undefined || !constantTimeEqual(c.token, token)) return false;
  c.token = undefined;
  c.attempts = 0;
  return true;
}
