/**
 * Constants of the device profile of reliable delivery (spec 14.12, table 20.x): what a
 * microcontroller-class node keeps per peer. Every value is a whole number of ms, bytes, ids or
 * messages, so an implementation without floating point computes exactly what the vectors say.
 * @module
 */

/** Fragments a device-profile sender has in flight at most (ids FLOOR to FLOOR + 7) [SW-14.12-4]. */
export const DEVICE_WINDOW = 8;
/** Ids a device-profile receiver advertises and takes ahead of BASE (its WINDOW) [SW-14.12-9]. */
export const DEVICE_RECEIVE_WINDOW = 8;
/** Ranges a device-profile receiver keeps: within 8 ids past BASE at most 4 are separated by gaps [SW-14.12-9]. */
export const DEVICE_MAX_ACK_RANGES = 4;
/** Ordered messages held back for their predecessor: as many as the window admits, so none is refused [SW-14.12-10]. */
export const DEVICE_HOLD_BACK_MESSAGES = DEVICE_RECEIVE_WINDOW;
export const DEVICE_HOLD_BACK_BYTES = 512;
/**
 * The largest message a device-profile node takes unless it declares more [SW-14.12-11]: one
 * fragment's payload at the smallest datagram budget (512 - FRAGMENT_RESERVE 146), so nothing sent to
 * it is fragmented and it needs no reassembly buffer (spec 14.12.5); the least a node with a 512-byte budget may declare.
 */
export const DEVICE_MAX_MESSAGE = 366;
/** Ordinary outbox limits of a device-profile sender (messages and bytes, queued and in flight). */
export const DEVICE_OUTBOX_MESSAGES = 8;
export const DEVICE_OUTBOX_BYTES = 1024;
/** Outbox room only control operations may take (SYNC, WILL, SUBACK, UNSUBACK) [SW-14.12-12]. */
export const DEVICE_CONTROL_RESERVE_MESSAGES = 2;
export const DEVICE_CONTROL_RESERVE_BYTES = 256;
/** Cap of the backed-off retransmission timer before jitter [SW-14.12-6]. */
export const DEVICE_MAX_BACKOFF_MS = 32_000;
/**
 * The first DEVICE_FAST_STEPS timer expiries without progress keep the timer at RTO; each later one
 * doubles it, up to DEVICE_MAX_BACKOFF_MS [SW-14.12-6].
 */
export const DEVICE_FAST_STEPS = 8;
/** Backoff exponents stop here (2^16 x MIN_RTO passes any cap): a 32-bit shift never overflows. */
export const DEVICE_MAX_BACKOFF_STEPS = 16;

/**
 * Jitter of the retransmission timer: T + T x b / DEVICE_JITTER_DIVISOR, b a random byte (0-255),
 * so up to +25% as the full profile's RTO_JITTER, in integers [SW-14.12-6].
 */
export const DEVICE_JITTER_DIVISOR = 1024;

/**
 * The full profile's outbox room for control operations, above OUTBOX_MESSAGES and OUTBOX_BYTES, as
 * [SW-14.12-12] says; ordinary messages never take it, so it changes nothing for them.
 */
export const CONTROL_RESERVE_MESSAGES = 4;
export const CONTROL_RESERVE_BYTES = 16_384;
