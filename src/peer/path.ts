/**
 * The path to one peer (spec 10): where datagrams to it go, whether that address is validated, and
 * the amplification budget of an unvalidated address. Pure; the node supplies the facts. Addresses
 * are compared by value (sameAddress), so a peer keeps no key strings (spec 9.5).
 * @module
 */
import { AMPLIFICATION_FACTOR } from '../constants.js';
import type { Address } from '../transport/transport.js';

export interface PathState {
  /** Where datagrams to the peer are sent, or undefined while none is known. */
  address: Address | undefined;
  /** True once the peer proved it receives at `address` (an echo from it) or it was configured. */
  validated: boolean;
  /** Bytes of authenticated datagrams received from `address` while unvalidated. */
  budgetReceived: number;
  /** Bytes sent to `address` while unvalidated. */
  budgetSent: number;
  /** The last validated address, to return to without a new validation [SW-10.2-4], [SW-10.2-5]. */
  previous: Address | undefined;
  /** When the path moved to its current, unvalidated address, or -1. */
  movedAt: number;
}

/** An unvalidated path falls back to the last validated address after this long [SW-10.2-5]. */
export const VALIDATION_TIMEOUT_MS = 5_000;

/** Same host and port. Hosts are compared as written: transports report addresses canonically. */
export function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.host === b.host;
}

export type PathUpdate = 'same' | 'moved' | 'ignored';

/**
 * An authenticated, window-accepted datagram of `bytes` bytes came from `from` [SW-10.1-1].
 * `newest` is true when it carries the highest (epoch, counter) seen from the peer: only such a
 * datagram moves the path [SW-10.1-2], so a delayed or reordered datagram cannot pull it back.
 */
export function onAuthenticated(p: PathState, from: Address, bytes: number, newest: boolean, now: number): PathUpdate {
  if (sameAddress(from, p.address)) {
    if (!p.validated) p.budgetReceived += bytes;
    return 'same';
  }
  if (!newest && p.address !== undefined) return 'ignored';
  const lastValidated = p.validated ? p.address : p.previous;
  p.address = from;
  p.validated = sameAddress(from, lastValidated); // returning to a validated address [SW-10.2-4]
  p.previous = lastValidated;
  p.movedAt = p.validated ? -1 : now;
  p.budgetReceived = bytes;
  p.budgetSent = 0;
  return 'moved';
}

/** True if `bytes` more may be sent to the current address [SW-10.3-1]. */
export function maySend(p: PathState, bytes: number): boolean {
  return p.validated || p.budgetSent + bytes <= AMPLIFICATION_FACTOR * p.budgetReceived;
}

export function onSent(p: PathState, bytes: number): void {
  if (!p.validated) p.budgetSent += bytes;
}

/** The peer echoed a challenge from `from`; validates the path if that is the current address. */
export function validate(p: PathState, from: Address): boolean {
  if (sameAddress(from, p.address)) {
    p.validated = true;
    p.previous = p.address;
    p.movedAt = -1;
    return true;
  }
  // [SW-10.2-5] an echo from the last validated address: the peer is still there; go back
  if (!p.validated && sameAddress(from, p.previous)) {
    fallBack(p);
    return true;
  }
  return false;
}

/** When an unvalidated path should fall back, or Infinity [SW-10.2-5]. */
export function fallBackAt(p: PathState, timeoutMs: number = VALIDATION_TIMEOUT_MS): number {
  return !p.validated && p.previous !== undefined && p.movedAt >= 0 ? p.movedAt + timeoutMs : Infinity;
}

/** Moves an unvalidated path back to the last validated address, as validated [SW-10.2-5]. */
export function fallBack(p: PathState): void {
  if (p.validated || p.previous === undefined) return;
  p.address = p.previous;
  p.validated = true;
  p.movedAt = -1;
  p.budgetReceived = 0;
  p.budgetSent = 0;
}
