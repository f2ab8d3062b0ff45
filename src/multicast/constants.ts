/**
 * Constants of spec section 19 (secured multicast and discovery). Protocol constants first (both
 * sides must agree), then the SDK's implementation constants (spec 19.10).
 * @module
 */

// ---- protocol constants (19.10) ----

/** First byte of every GROUP-form datagram: VERSION 01, FORM 11, RESERVED 0000 (spec 4.2, 19.1). */
export const FIRST_BYTE_GROUP = 0x70;
/** Second byte (TYPE) of a GROUP-form datagram (spec 19.1). */
export const GTYPE_SCOUT = 0x01;
export const GTYPE_ANNOUNCE = 0x02;
export const GTYPE_DATA = 0x03;
export const GTYPE_SIGNED = 0x04;

/** GROUP_DATA and SIGNED header: first, TYPE, GID(2), GEN, MEMBER(2), EPOCH(4), COUNTER(4), BOOT(8) (19.4). */
export const GROUP_HEADER_LEN = 23;
/** Bytes of that header in the nonce: everything but BOOT (19.4). */
export const GROUP_NONCE_PREFIX = 15;
/** Ed25519 signature length (19.5). */
export const SIGNATURE_LEN = 64;
export const PUBLIC_KEY_LEN = 32;

/** Random scout id in a SCOUT and echoed by its ANNOUNCE (19.6). */
export const SCOUT_ID_LEN = 12;
/** SCOUT fixed part before the sender id: first, TYPE, GEN, FLAGS, SCOUT_ID, SID_LEN (19.6). */
export const SCOUT_FIXED_LEN = 17;
/** Bytes of the SCOUT header in its nonce: first, TYPE, GEN, FLAGS, SCOUT_ID (19.6). */
export const SCOUT_NONCE_PREFIX = 16;
/** ANNOUNCE header: first, TYPE, GEN, FLAGS, SCOUT_ID, RAND(8); all of it is the nonce (19.6). */
export const ANNOUNCE_HEADER_LEN = 24;
export const ANNOUNCE_RAND_LEN = 8;
/** SCOUT FLAGS bit U: answer by unicast to the scout's source address (19.6). */
export const SCOUT_FLAG_UNICAST = 0x01;

/** Group plaintext frame kinds (19.4). */
export const GFRAME_PADDING = 0x00;
export const GFRAME_PUBLISH = 0x01;
export const GFRAME_DATAGRAM = 0x02;
export const GFRAME_COMMAND = 0x03;
/** A receiver's request to re-send datagrams it missed (19.12). */
export const GFRAME_NACK = 0x04;
/** NACK body after its kind: GEN, MEMBER(2), EPOCH(4), BOOT(8), BASE(4), MASK(4) (19.12). */
export const NACK_BODY_LEN = 23;
/** Counters one NACK can name: the bits of MASK (19.12). */
export const NACK_MAX_COUNTERS = 32;

/** Group key grant format version byte (19.3). */
export const GRANT_VERSION = 0x01;

export const LABEL_GROUP_SENDER_KEY = 'saltwire/v1 group sender key';
export const LABEL_DISCOVERY_SCOUT = 'saltwire/v1 discovery scout';
export const LABEL_DISCOVERY_ANNOUNCE = 'saltwire/v1 discovery announce';

/** The reply-delay window of a hub answering a scout, in ms (19.7; mDNS's shared-answer window). */
export const REPLY_DELAY_MIN_MS = 20;
export const REPLY_DELAY_MAX_MS = 120;
/** At most one ANNOUNCE per (scout id, source address) per this interval (19.7). */
export const REPLY_INTERVAL_MS = 1_000;

// ---- implementation constants (SDK defaults, 19.10) ----

/** A receiver persists a sender's floor this many counters ahead, one write per block (19.5). */
export const FLOOR_RESERVE = 1_000;
/** Delay between receiving a new generation's grant and sending under it (19.8). */
export const GROUP_ACTIVATE_MS = 250;
/** How long a receiver still accepts the previous generation after its own switch (19.8). */
export const GROUP_GRACE_MS = 2_000;
/** A grant's key lifetime: past it a member stops sending under that generation (19.8). */
export const GROUP_KEY_LIFETIME_S = 86_400;
/** Senders kept per (group, generation) in memory (19.5). */
export const MAX_GROUP_SENDERS = 256;
/** Sender-key derivations per second granted to datagrams not yet authenticated (19.5), and burst. */
export const GROUP_DERIVE_RATE = 200;
/** Signature verifications per second per receiver (19.5), and burst: tweetnacl's verify costs ~8-16 ms. */
export const VERIFY_RATE = 20;
/** Scout key derivations per second at a hub, all sources (19.7). */
export const SCOUT_DERIVE_RATE = 100;
/** ANNOUNCEs per second per source address, and for all sources together (19.7). */
export const REPLY_SOURCE_RATE = 4;
export const REPLY_RATE = 100;
/** A device pads its scouts to this size so that an announcement fits under it (19.6). */
export const SCOUT_PAD_TO = 96;
/** Device scout schedule: first retry after this, doubling, capped (19.6). */
export const SCOUT_RETRY_MS = 250;
export const SCOUT_MAX_INTERVAL_MS = 8_000;
/** Without an announcement for this long a device uses its configured or remembered hub address (19.9). */
export const DISCOVERY_FALLBACK_MS = 1_500;
/** A node joins its groups again this often whatever it observes (what a router forgot) [SW-19.9-2]. */
export const REJOIN_INTERVAL_MS = 60_000;
/** The Node SDK looks for an interface that came back or changed this often, and joins again [SW-19.9-2]. */
export const INTERFACE_POLL_MS = 1_000;
/** Default multicast group and port (19.9): administratively scoped IPv4, and FF02 for IPv6. */
export const DEFAULT_GROUP_V4 = '239.255.83.87';
export const DEFAULT_GROUP_V6 = 'ff02::5357';
export const DEFAULT_GROUP_PORT = 5357;

// ---- repair (19.12), SDK defaults; repair is off unless enabled per group ----

/** A sender's history of its own datagrams for repair: entries and bytes, whichever is reached first. */
export const REPAIR_HISTORY_COUNT = 64;
export const REPAIR_HISTORY_BYTES = 65_536;
/** A sender re-sends one counter at most once per this interval, however many NACKs name it. */
export const REPAIR_INTERVAL_MS = 100;
/** Repairs per second drawn by one NACKing member, and by all members together (burst the same). */
export const REPAIR_SOURCE_RATE = 64;
export const REPAIR_RATE = 128;
/** A receiver waits a delay drawn from this window before its first NACK of a gap (suppression). */
export const NACK_DELAY_MIN_MS = 10;
export const NACK_DELAY_MAX_MS = 40;
/** Then it asks again this often while the gap stays open, at most NACK_TRIES times in all. */
export const NACK_RETRY_MS = 100;
export const NACK_TRIES = 8;
/** Gaps a receiver tracks per sender; older ones are given up (lost). */
export const NACK_MAX_MISSING = 256;
