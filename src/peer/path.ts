/**
 * The path to one peer (spec 10): where datagrams to it go, whether that address is validated, the
 * candidate address being validated, and the amplification budget of an unvalidated address. Pure;
 * the node supplies the facts. Addresses are compared by value (sameAddress), so a peer keeps no key
 * strings (spec 9.5).
 *
 * The contract that matters: a validated address is never left for an address that has not proved,
 * by echoing a token sent there, that the peer receives there [SW-10.1-8]. A copy of the peer's
 * datagram sent from elsewhere so that it arrives first (the original is then a duplicate) only
 * makes that address a candidate; everything keeps going to the validated address meanwhile.
 * @module
 */
import { AMPLIFICATION_FACTOR } from '../constants.js';
import type { Address } from '../transport/transport.js';
import { constantTimeEqual } from '../util/bytes.js';

/**
 * A new address the peer's newest fresh datagram came from while its path is validated [SW-10.1-8]:
 * it gets a CHALLENGE of its own token and nothing else until it echoes it [SW-10.2-6]. Exists only
 * while a candidate is pending (spec 9.5).
 */
export interface Candidate {
  readonly address: Address;
  /** The candidate's own token, made at its first challenge; it validates this address only. */
  token: Uint8Array | undefined;
  /** When the address became the candidate (forgotten VALIDATION_TIMEOUT later, [SW-10.2-7]). */
  readonly since: number;
  /** When its challenge was last sent, or -1. */
  sentAt: number;
  /** Bytes of authenticated datagrams received from it since it became the candidate [SW-10.3-1]. */
  budgetReceived: number;
  /** Bytes sent to it [SW-10.3-1]. */
  budgetSent: number;
}

export interface PathState {
  /** Where datagrams to the peer are sent, or undefined while none is known. */
  address: Address | undefined;
  /** True once the peer proved it receives at `address` (an echo from it) or it was configured. */
  validated: boolean;
  /** Bytes of authenticated datagrams received from `address` while unvalidated. */
  budgetReceived: number;
  /** Bytes sent to `address` while unvalidated. */
  budgetSent: number;
  /** The address being validated while `address` is validated, or undefined [SW-10.1-8]. */
  candidate: Candidate | undefined;
  /** When a challenge last went to any candidate of this peer, or -1: the rate limit of [SW-10.2-6]. */
  candidateChallengedAt: number;
}

/** A candidate not validated this long is forgotten [SW-10.2-7] (CHALLENGE_RETRY x CHALLENGE_ATTEMPTS). */
export const VALIDATION_TIMEOUT_MS = 5_000;

/** Resend interval of one candidate's challenge [SW-10.2-6] (CHALLENGE_RETRY). */
export const CANDIDATE_RETRY_MS = 1_000;

/**
 * Least time between two challenges to candidates of one peer [SW-10.2-6]: an injector makes at most
 * one candidate per datagram of the peer (a second copy is a duplicate), and at most ten a second get a
 * challenge, while a real move that follows an injected copy waits at most this long.
 */
export const CANDIDATE_GAP_MS = 100;

/** Same host and port. Hosts are compared as written: transports report addresses canonically. */
export function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.host === b.host;
}

/**
 * What a datagram did to the path: 'same' (from the path's address), 'moved' (an unvalidated path
 * followed it, [SW-10.1-9]), 'candidate' (a new candidate, [SW-10.1-8]), 'candidate-again' (the
 * newest datagram from the candidate), 'kept' (the newest datagram from the validated address ended
 * a candidate, [SW-10.2-7]), 'ignored'.
 */
export type PathUpdate = 'same' | 'moved' | 'candidate' | 'candidate-again' | 'kept' | 'ignored';

/**
 * An authenticated, window-accepted, fresh datagram of `bytes` bytes came from `from` [SW-10.1-1].
 * `newest` is true when it carries the highest (epoch, counter) seen from the peer: only such a
 * datagram acts on a new address [SW-10.1-2], so a delayed or reordered one cannot.
 */
export function onAuthenticated(p: PathState, from: Address, bytes: number, newest: boolean, now: number): PathUpdate {
  if (sameAddress(from, p.address)) {
    if (!p.validated) p.budgetReceived += bytes;
    if (newest && p.candidate !== undefined) {
      p.candidate = undefined; // [SW-10.2-7] the peer still sends from its validated address
      return 'kept';
    }
    return 'same';
  }
  const c = p.candidate;
  if (c !== undefined && sameAddress(from, c.address)) {
    c.budgetReceived += bytes;
    return newest ? 'candidate-again' : 'ignored';
  }
  if (!newest && p.address !== undefined) return 'ignored';
  if (p.address === undefined || !p.validated) {
    // [SW-10.1-3], [SW-10.1-9] no validated address to keep: the path follows, unvalidated
    p.address = from;
    p.validated = false;
    p.budgetReceived = bytes;
    p.budgetSent = 0;
    return 'moved';
  }
  // [SW-10.1-8] the path stays; the new address must prove itself first
  p.candidate = { address: from, token: undefined, since: now, sentAt: -1, budgetReceived: bytes, budgetSent: 0 };
  return 'candidate';
}

/** True if `bytes` more may be sent to the current address [SW-10.3-1]. */
export function maySend(p: PathState, bytes: number): boolean {
  return p.validated || p.budgetSent + bytes <= AMPLIFICATION_FACTOR * p.budgetReceived;
}

export function onSent(p: PathState, bytes: number): void {
  if (!p.validated) p.budgetSent += bytes;
}

/** The peer echoed the 12.3 token from `from`: validates a path that is not yet validated, if that is its address. */
export function validate(p: PathState, from: Address): boolean {
  if (p.validated || !sameAddress(from, p.address)) return false;
  p.validated = true;
  return true;
}

/**
 * An ECHO that is not the 12.3 token: if it is the candidate's token and came from the candidate's
 * address, the candidate becomes the path, validated [SW-10.2-6]. An echo of it from anywhere else
 * validates nothing. Returns whether the path moved.
 */
export function candidateEchoed(p: PathState, token: Uint8Array, from: Address): boolean {
  const c = p.candidate;
  if (c?.token === undefined || !sameAddress(from, c.address) || !constantTimeEqual(c.token, token)) return false;
  p.address = c.address;
  p.validated = true;
  p.budgetReceived = 0;
  p.budgetSent = 0;
  p.candidate = undefined;
  return true;
}

/**
 * When the candidate's challenge may go (again): at once for a new candidate, then every
 * CANDIDATE_RETRY_MS; never sooner than CANDIDATE_GAP_MS after a challenge to any candidate of the
 * peer. Infinity without a candidate.
 */
export function candidateChallengeAt(p: PathState): number {
  const c = p.candidate;
  if (c === undefined) return Infinity;
  const due = c.sentAt >= 0 ? c.sentAt + CANDIDATE_RETRY_MS : c.since;
  return p.candidateChallengedAt >= 0 ? Math.max(due, p.candidateChallengedAt + CANDIDATE_GAP_MS) : due;
}

/** When the candidate is forgotten, or Infinity [SW-10.2-7]. */
export function candidateExpiresAt(p: PathState, timeoutMs: number = VALIDATION_TIMEOUT_MS): number {
  return p.candidate === undefined ? Infinity : p.candidate.since + timeoutMs;
}

/** True if `bytes` more may be sent to the candidate [SW-10.3-1]. */
export function candidateMaySend(c: Candidate, bytes: number): boolean {
  return c.budgetSent + bytes <= AMPLIFICATION_FACTOR * c.budgetReceived;
}
