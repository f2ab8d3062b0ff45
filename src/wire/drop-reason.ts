/**
 * Drop reasons of spec 6.2. A receiver counts every dropped datagram under exactly one of these
 * and never reveals it on the wire [SW-6.3-2].
 * @module
 */

/** @group Events */
export const DROP_REASONS = [
  'TOO_LARGE',
  'MALFORMED',
  'BAD_VERSION',
  'BAD_FORM',
  'BAD_FLAGS',
  'COUNTER_LIMIT',
  'UNKNOWN_KEY',
  'RETIRED_KEY',
  'UNKNOWN_INDEX',
  'STALE_EPOCH',
  'TOO_OLD',
  'REPLAY',
  'AUTH',
  'MALFORMED_INNER',
  'HANDSHAKE_REPLAY',
  'BAD_DH',
  'HANDSHAKE_RATE',
  'SESSION_DISABLED',
  'SESSION_REQUIRED',
  'STORE_FAILED',
  'PEER_LIMIT',
  // admission and cookies (spec 6.5, 6.6)
  'DERIVE_LIMIT',
  'UNDER_LOAD',
  'BAD_COOKIE',
  'UNSOLICITED',
] as const;

/** @group Events */
export type DropReason = (typeof DROP_REASONS)[number];
