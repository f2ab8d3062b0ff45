/**
 * Constants copied from spec section 20. Protocol constants first (changing one changes the wire),
 * implementation constants after (the SDK's declared choices).
 * @module
 */

// ---- 20.1 Protocol constants ----

/** Wire version carried in the top two bits of the first byte (spec 4.2). */
export const VERSION = 1;
/** First byte of a SHORT datagram: VERSION 01, FORM 00, RESERVED 0000. */
export const FIRST_BYTE_SHORT = 0x40;
/** First byte of a FULL datagram: VERSION 01, FORM 01, RESERVED 0000. */
export const FIRST_BYTE_FULL = 0x50;
export const SHORT_HEADER_LEN = 9;
/** FULL header length without the sender id (spec 4.3): first, GEN, EPOCH, COUNTER, BOOT, SID_LEN. */
export const FULL_HEADER_FIXED_LEN = 19;
/** Length of the BOOT field: a random value a node draws at every start (spec 4.3, 5.2). */
export const BOOT_LEN = 8;
/** Longest FULL header: the fixed part and a 32-byte sender id (spec 4.3). */
export const MAX_FULL_HEADER_LEN = FULL_HEADER_FIXED_LEN + 32;
/** Bytes of a FULL header that go into the nonce: first, GEN, EPOCH, COUNTER (spec 4.5). */
export const NONCE_PREFIX_FULL = 10;
export const NONCE_LEN = 24;
export const TAG_LEN = 16;
export const KEY_LEN = 32;
export const MIN_ID_LEN = 1;
export const MAX_ID_LEN = 32;
export const MAX_GENERATION = 255;
/** A counter of this value or more is never sent (spec 5.1). */
export const COUNTER_LIMIT = 0xffffffff;
/** The last usable epoch (spec 5.2). */
export const EPOCH_MAX = 0xffffffff;
export const MIN_REPLAY_WINDOW = 64;
/** Every receiver accepts datagrams of at least this size (spec 4.10). */
export const MIN_MAX_DATAGRAM = 512;

export const LABEL_DEVICE_KEY = 'saltwire/v1 device key';
export const LABEL_TRAFFIC_KEY = 'saltwire/v1 traffic key';
export const LABEL_GROUP_KEY = 'saltwire/v1 group key';

export const FRAME_PADDING = 0x00;
export const FRAME_INDEX = 0x01;
export const FRAME_DATAGRAM = 0x02;
/** Type byte plus the 9-byte INDEX body (spec 4.8). */
export const INDEX_FRAME_LEN = 10;
/** Asks the peer for an authenticated datagram in return (spec 11.2). No body. */
export const FRAME_PING = 0x03;
/** Carries a CHALLENGE_LEN-byte token the peer must echo (spec 12.3, 10.2). */
export const FRAME_CHALLENGE = 0x04;
/** Echoes a CHALLENGE token (spec 12.3, 10.2). */
export const FRAME_ECHO = 0x05;
export const CHALLENGE_LEN = 8;
/**
 * Tells a peer that its datagram was refused as stale and names the floor its next epoch must
 * exceed (spec 12.4): `u8 gen`, `u32 epoch`.
 */
export const FRAME_STALE = 0x0c;
/** Type byte plus the 5-byte STALE body (spec 12.4). */
export const STALE_FRAME_LEN = 6;
/** Before a path is validated, at most this many bytes are sent per byte received on it (spec 10.3). */
export const AMPLIFICATION_FACTOR = 3;

/** Steady-state overhead of the envelope: SHORT header plus tag (spec 4.9). */
export const ENVELOPE_OVERHEAD_SHORT = SHORT_HEADER_LEN + TAG_LEN;

// ---- 20.2 Implementation constants (SDK defaults) ----

export const REPLAY_WINDOW = 1024;
export const MAX_DATAGRAM = 1500;
/** Grace period of a previous key generation, in milliseconds (spec 3.6). */
export const KEY_GRACE_MS = 600_000;
/** Least time between repeated INDEX frames to one sender, in milliseconds (spec 4.8). */
export const INDEX_REPEAT_INTERVAL_MS = 1_000;
/** With no authenticated datagram from the peer for this long, a sender returns to FULL (spec 4.8). */
export const INDEX_TIMEOUT_MS = 60_000;
/**
 * A sender whose datagram asked for an answer and heard nothing from the peer for this long sends
 * FULL until it hears again: a peer that crashed lost the index (spec 4.8-8).
 */
export const INDEX_SILENCE_MS = 1_000;
/** Least time between two STALE answers to one peer (spec 12.4). */
export const STALE_ANSWER_INTERVAL_MS = 1_000;
/** STALE answers a node sends per second at most, all peers together (spec 12.4). */
export const STALE_ANSWER_RATE = 64;
/** Derived keys kept by a hub's key cache (spec 6.4). */
export const TRAFFIC_KEY_CACHE = 256;
