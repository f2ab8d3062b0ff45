/**
 * The path to one peer (spec 10): where datagrams to it go, whether that address is validated, and
 * the amplification budget of an unvalidated address. Pure; the node supplies the facts.
 * @module
 */
import { AMPLIFICATION_FACTOR } from '../constants.js';
import { addressKey, type Address } from '../transport/transport.js';

export interface PathState {
  /** Where datagrams to the peer are sent, or undefined while none is known. */
  address: Address | undefined;
  /** addressKey(address), cached. */
  addressKey: string;
  /** True once the peer proved it receives at `address` (an echo from it) or it was configured. */
  validated: boolean;
  /** Bytes of authenticated datagrams received from `address` while unvalidated. */
  budgetReceived: number;
  /** Bytes sent to `address` while unvalidated. */
  budgetSent: number;
  /** The last validated address, to return to without a new validation [SW-10.2-4]. */
  previousKey: string;
}

export function initialPath(address?: Address, validated = false): PathState {
  return {
    address,
    addressKey: address === undefined ? '' : addressKey(address),
    validated: address !== undefined && validated,
    budgetReceived: 0,
    budgetSent: 0,
    previousKey: '',
  };
}

export type PathUpdate = 'same' | 'moved' | 'ignored';

/**
 * An authenticated, window-accepted datagram of `bytes` bytes came from `from` [SW-10.1-1].
 * `newest` is true when it carries the highest (epoch, counter) seen from the peer: only such a
 * datagram moves the path [SW-10.1-2], so a delayed or reordered datagram cannot pull it back.
 */
export function onAuthenticated(p: PathState, from: Address, fromKey: string, bytes: number, newest: boolean): PathUpdate {
  if (fromKey === p.addressKey) {
    if (!p.validated) p.budgetReceived += bytes;
    return 'same';
  }
  if (!newest && p.address !== undefined) return 'ignored';
  const wasValidated = p.validated ? p.addressKey : p.previousKey;
  p.address = from;
  p.validated = fromKey === wasValidated && wasValidated !== ''; // returning to a validated address [SW-10.2-4]
  p.previousKey = wasValidated;
  p.addressKey = fromKey;
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

/** The peer echoed a challenge from `fromKey`; validates the path if that is the current address. */
export function validate(p: PathState, fromKey: string): boolean {
  if (fromKey !== p.addressKey || p.address === undefined) return false;
  p.validated = true;
  p.previousKey = p.addressKey; // the same string instance: one per peer
  return true;
}
