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

/** TYPE byte (offset 1, after FIRST_BYTE_HANDSHAKE) of a COOKIE: the answer of a node under load (spec 6.6). */
export const TYPE_COOKIE = 0x03;
/** TYPE byte of a COOKIE_ECHO: a cookie, then the datagram it admits (spec 6.6). */
export const TYPE_COOKIE_ECHO = 0x04;
/** Bytes of a cookie, and of the ECHO field of a COOKIE: the last bytes of the datagram answered (spec 6.6). */
export const COOKIE_LEN = 16;
/** A COOKIE: first byte, TYPE, ECHO, COOKIE; shorter than any datagram it answers (spec 6.6). */
export const COOKIE_MESSAGE_LEN = 2 + 2 * COOKIE_LEN;
/** What a COOKIE_ECHO adds to the datagram it carries: first byte, TYPE, COOKIE (spec 6.6). */
export const COOKIE_ECHO_OVERHEAD = 2 + COOKIE_LEN;

/** Steady-state overhead of the envelope: SHORT header plus tag (spec 4.9). */
export const ENVELOPE_OVERHEAD_SHORT = SHORT_HEADER_LEN + TAG_LEN;

// ---- 20.2 Implementation constants (SDK defaults) ----

export const REPLAY_WINDOW = 1024;
/** Largest datagram a node accepts by default: the UDP payload of a 1500-byte IPv4 packet (UDP_MTU_IPV4, spec 20.2). */
export const MAX_DATAGRAM = 1472;
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
/**
 * Longest a node's timers wait for its own input to be read [SW-8.4-3]: while datagrams keep
 * arriving faster than the node reads them, its timers still run at least this often (spec 8.4).
 */
export const INPUT_WAIT_MAX_MS = 1_000;
/** Least time between two STALE answers to one peer (spec 12.4). */
export const STALE_ANSWER_INTERVAL_MS = 1_000;
/** STALE answers a node sends per second at most, all peers together (spec 12.4). */
export const STALE_ANSWER_RATE = 64;
/** Device keys a hub keeps once derived, the least recently used evicted (spec 6.4). */
export const DEVICE_KEY_CACHE = 4096;
/** @deprecated The old name of DEVICE_KEY_CACHE (which was 256). */
export const TRAFFIC_KEY_CACHE = DEVICE_KEY_CACHE;
/**
 * Key derivations a node grants per second to datagrams that have not authenticated, all sources
 * together, and the burst (spec 6.5). Below half the burst the node is under load.
 */
export const DERIVE_RATE = 1000;
export const DERIVE_BURST = 1000;
/** The window over which a node compares the derivations asked of it with DERIVE_RATE to tell it is under load (spec 6.5). */
export const LOAD_WINDOW_MS = 1_000;
/** Derivations (and answers) per second granted to one source address (IPv4, or IPv6 /64), and its burst (spec 6.5). */
export const SOURCE_RATE = 20;
export const SOURCE_BURST = 50;
/** Source addresses whose buckets a node keeps; the least recently used is forgotten (spec 6.5). */
export const SOURCE_TABLE = 4096;
/** Answers to datagrams from outside a validated path (COOKIE, [SW-10.1-6]) a node sends per second, and its burst (spec 6.5). */
export const ANSWER_RATE = 1000;
/** A node under load draws a new cookie secret this often; cookies of the previous one stay valid (spec 6.6). */
export const COOKIE_SECRET_INTERVAL_MS = 120_000;
/** Recent FULL datagrams and initiations a node remembers, to match the COOKIEs that answer them (spec 6.6). */
export const COOKIE_PENDING = 16;
