/**
 * Constants of the session mode (spec 13, listed in spec 20). Protocol constants first: both peers
 * must use the same values. Implementation constants after: the SDK's declared choices.
 * Times are in milliseconds, like every time the SDK takes.
 * @module
 */

// ---- protocol constants ----

/** First byte of a handshake message: VERSION 01, FORM 10 (HANDSHAKE), RESERVED 0000 (spec 4.2, 13.4). */
export const FIRST_BYTE_HANDSHAKE = 0x60;
/** TYPE byte (offset 1) of an initiation [SW-13.4-1]. */
export const TYPE_INITIATION = 0x01;
/** TYPE byte (offset 1) of a response [SW-13.4-1]. */
export const TYPE_RESPONSE = 0x02;
/** X25519 scalars, public keys and outputs (RFC 7748). */
export const DH_LEN = 32;
/** Clear bytes of an initiation before the id: first, TYPE, GEN, SID_LEN. */
export const INITIATION_HEADER_FIXED_LEN = 4;
/** Encrypted initiation payload: timestamp epoch (4), timestamp counter (4), sender index (4). */
export const INITIATION_PAYLOAD_LEN = 12;
/** Initiation length without the id: 4 + 32 + 16 + 12 = 64; the whole message is 64 + SID_LEN. */
export const INITIATION_FIXED_LEN = 64;
/** Clear bytes of a response before the ephemeral: first, TYPE, RECEIVER INDEX. */
export const RESPONSE_HEADER_LEN = 6;
/** Encrypted response payload: the responder's sender index. */
export const RESPONSE_PAYLOAD_LEN = 4;
/** A response is always 6 + 32 + 16 + 4 = 58 bytes, less than the shortest initiation (65) [SW-13.5-2]. */
export const RESPONSE_LEN = 58;
/** Bytes of h used as the secretbox nonce of a handshake box [SW-13.2-4]. */
export const HANDSHAKE_NONCE_LEN = 24;
/** 60 ASCII bytes, zero-padded to 64 to make the initial h and ck [SW-13.2-3]. */
export const LABEL_SESSION_PROTOCOL = 'saltwire/v1 session NNpsk0_25519_XSalsa20Poly1305_HMACSHA512';
/** Prefix of the hedged ephemeral derivation [SW-13.3-1]. */
export const LABEL_EPHEMERAL = 'saltwire/v1 ephemeral';

/** An initiator-role session starts a rekey at this age [SW-13.9-1]. */
export const REKEY_AFTER_TIME_MS = 3_600_000;
/** A responder-role session starts a rekey this much later, so the two sides rarely cross [SW-13.9-1]. */
export const REKEY_RESPONDER_DELAY_MS = 30_000;
/** No datagram is sealed or opened under a session of this age or older [SW-13.9-2]. */
export const REJECT_AFTER_TIME_MS = 3_720_000;
/** A session that has sealed this many datagrams starts a rekey [SW-13.9-1]. */
export const REKEY_AFTER_MESSAGES = 2 ** 31;
/** A session never seals a counter of this value or more: COUNTER_LIMIT (spec 5.1) [SW-13.8-3]. */
export const REJECT_AFTER_MESSAGES = 0xffffffff;
/** Base wait before a new initiation replaces one that got no valid response [SW-13.9-3]. */
export const HANDSHAKE_RETRY_MS = 5_000;
/** Upper bound of the uniform random delay added to each retry wait [SW-13.9-3]. */
export const HANDSHAKE_RETRY_JITTER_MS = 334;
/** An initiator stops retrying this long after the first initiation of an attempt [SW-13.9-3]. */
export const HANDSHAKE_GIVE_UP_MS = 90_000;

// ---- implementation constants (SDK defaults) ----

/** Initiations a responder answers per second, over all initiators [SW-13.6-4]; also the burst. */
export const HANDSHAKE_RATE = 50;
/** Responses an initiator processes for one initiation before abandoning it [SW-13.7-2]. */
export const HANDSHAKE_RESPONSE_ATTEMPTS = 4;
