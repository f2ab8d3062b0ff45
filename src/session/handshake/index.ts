/**
 * Session mode (spec 13): the handshake, the session record and its timers. Pure and
 * runtime-agnostic; the peer layer wires it to transports, index tables and replay windows.
 * @module
 */
export * from './constants.js';
export { SESSION_DROP_REASONS, parseHandshake, type SessionDropReason, type HandshakeDropReason, type ParsedHandshake } from './messages.js';
export { hedgedEphemeral, ephemeralKeyPair, timestampAfter, isAllZero, type Timestamp, type EphemeralKeyPair } from './ephemeral.js';
export {
  createInitiation,
  consumeInitiation,
  consumeResponse,
  type InitiationParams,
  type InitiatorState,
  type ResponderParams,
  type PskLookup,
  type InitiationResult,
  type ResponseResult,
} from './handshake.js';
export { rekeyAction, retryDelay, handshakeGivesUp, directionalKeys, type Session, type SessionRole, type RekeyAction, type RekeyInput } from './session.js';
export { TokenBucket, type RateLimiter } from './rate-limit.js';
export type { TraceStep } from './symmetric.js';
