/**
 * Constants of the reliability layer (spec 14, table 20.x). Protocol constants first (both sides
 * must agree), then the SDK's declared implementation defaults.
 * @module
 */

// ---- protocol constants ----

/**
 * Frame types of spec 14: ACK, FORWARD and SLEEP take 0x07-0x09 of the range 4.7 reserves; MSG takes
 * every type byte with bit 7 set (0x80-0xff), its low bits holding its flags and channel [SW-14.2-8].
 * 0x06 (MSG before version 1 was frozen), 0x0a and 0x0b are reserved and MUST NOT be sent.
 */
export const FRAME_MSG = 0x80;
export const FRAME_ACK = 0x07;
export const FRAME_FORWARD = 0x08;
export const FRAME_SLEEP = 0x09;
/** 0x0a and 0x0b stay reserved for later reliability frames; they MUST NOT be sent. */
export const FRAME_RELIABILITY_LAST = 0x0b;

/** Bits of a MSG type byte [SW-14.2-8]: 1 L C C C F O R. */
export const MSG_FLAG_RELIABLE = 0x01;
export const MSG_FLAG_ORDERED = 0x02;
export const MSG_FLAG_FRAGMENT = 0x04;
/** CH, bits 3-5: the channel 0-6, or 7 for a CHANNEL byte (7-255) after the type byte. */
export const MSG_CHANNEL_SHIFT = 3;
export const MSG_CHANNEL_ESCAPE = 7;
/** L: a LEN field is present; without it DATA runs to the end of the plaintext. */
export const MSG_FLAG_LEN = 0x40;

/** Encoded sizes of the fixed frames. */
export const ACK_FIXED_LEN = 10; // type, CUM u32, WINDOW u16, DELAY u16, N u8
export const ACK_RANGE_LEN = 4; // GAP u16, LEN u16
export const FORWARD_FRAME_LEN = 5;
export const SLEEP_FRAME_LEN = 9;
/**
 * Accounted MSG header sizes [SW-14.2-9]: what the room of a datagram, cwnd and pacing count for a
 * MSG frame's header, the most its encoding can take for its flags (type, CHANNEL, LEN 3 and, as
 * flags say, ID 5, PREV 5, INDEX 3 + COUNT 3 + TOTAL 5). The encoding is never longer.
 */
export const MSG_ACCOUNTED_BASE = 5;
export const MSG_ACCOUNTED_ID = 5;
export const MSG_ACCOUNTED_PREV = 5;
export const MSG_ACCOUNTED_FRAG = 11;
/** Largest accounted MSG header: every field present. */
export const MSG_MAX_HEADER_LEN = MSG_ACCOUNTED_BASE + MSG_ACCOUNTED_ID + MSG_ACCOUNTED_PREV + MSG_ACCOUNTED_FRAG;
/** Largest number of ranges one ACK frame can carry (N is a u8). */
export const ACK_MAX_RANGES = 255;

/** Message ids start here in each sender epoch; 0 means "no message" in PREV. */
export const FIRST_MESSAGE_ID = 1;
/** Largest message id; a sender that reaches it starts a new epoch (ids restart at 1). */
export const MAX_MESSAGE_ID = 0xffffffff;

/** A receiver never delays an acknowledgement by more than this; senders cap DELAY to it. */
export const MAX_ACK_DELAY_MS = 200;
/**
 * A sender abandons a fragmented message not fully acknowledged this long after its first fragment
 * was first sent; a receiver keeps a partial message at least this long after its first fragment
 * arrived [SW-14.6-4].
 */
export const FRAGMENT_LIFETIME_MS = 60_000;
/** Every receiver reassembles messages of at least this many bytes [SW-14.6-3]. */
export const MIN_MAX_MESSAGE = 16_384;
/** Datagram budget floor: the smallest MTU budget a node may configure (= MIN_MAX_DATAGRAM). */
export const MIN_DATAGRAM_BUDGET = 512;
/**
 * Bytes of a datagram that a full-size fragment leaves free: the largest header and tag (51 + 16),
 * the peer control frames (INDEX 10, ECHO 9, CHALLENGE 9, PING 1), an ACK without ranges (10), a
 * FORWARD (5), a SLEEP (9) and the largest accounted MSG header (26) [SW-14.6-7]: 146.
 */
export const FRAGMENT_RESERVE = 51 + 16 + 29 + ACK_FIXED_LEN + FORWARD_FRAME_LEN + SLEEP_FRAME_LEN + MSG_MAX_HEADER_LEN;
/** Packet threshold of fast retransmit: lost when this many later transmissions are acknowledged. */
export const DUP_THRESH = 3;

// ---- implementation constants (SDK defaults) ----

/** Datagram budget (whole datagram, header to tag) used for coalescing and fragment size. */
export const DATAGRAM_BUDGET = 1200;
/** Message ids ahead of the cumulative point a receiver accepts and advertises (u16). */
export const RECEIVE_WINDOW = 64;
/** The window a sender assumes before the first ACK. */
export const INITIAL_PEER_WINDOW = 16;
/** Separate ranges a receiver keeps above its cumulative point. */
export const MAX_ACK_RANGES = 32;
/** Ordered messages held back per peer waiting for their predecessor, and their bytes. */
export const HOLD_BACK_MESSAGES = 64; // at least RECEIVE_WINDOW: a smaller hold-back can stall an ordered channel (spec 20.3)
export const HOLD_BACK_BYTES = 256 * 1024;
/** Largest message a receiver reassembles (MAX_MESSAGE), per-peer and total reassembly bytes. */
export const MAX_MESSAGE = 65_536;
export const REASSEMBLY_PER_PEER = 131_072;
export const REASSEMBLY_TOTAL = 8 * 1024 * 1024;

/**
 * A quiescent link unused this long is set aside (spec 14.13); SDK default. Long enough that a burst
 * of messages keeps its link (rebuilding one costs about twenty objects), short enough that a hub
 * whose devices report every few seconds keeps most of their links parked.
 */
export const LINK_IDLE_MS = 2_000;
/** Evicted messages a receiver remembers per peer [SW-14.6-6]; a peer with this many is not evicted again. */
export const REASSEMBLY_TOMBSTONES = 64;
/** A receiver answering a burst with one ACK [SW-14.3-8] still sends one after this many datagrams of data. */
export const ACK_EVERY_DATAGRAMS = 4;
/** Delay of an acknowledgement that nothing else is due with (it waits for data to ride on). */
export const ACK_DELAY_MS = 20;
/** RFC 6298 bounds: initial RTO, floor, ceiling (milliseconds) and clock granularity. */
export const INITIAL_RTO_MS = 1_000;
export const MIN_RTO_MS = 200;
export const MAX_RTO_MS = 60_000;
/**
 * Longest step of the silence backoff [SW-14.4-14]: PROBE_MAX_INTERVAL's 4 s. Towards a silent peer
 * liveness already probes this often; a path that comes back (a flood ends, the peer thaws) is used
 * again within it, not after up to MAX_RTO.
 */
export const SILENCE_MAX_STEP_MS = 4_000;
/** Steps of the silence backoff kept RTO apart before the distance doubles [SW-14.4-14]. */
export const SILENCE_FAST_STEPS = 8;
export const CLOCK_GRANULARITY_MS = 1;
/** Retransmission timers are spread by up to this fraction, from an injected random number. */
export const RTO_JITTER = 0.25;
/** Retransmissions of a fragment whose timer stays at RTO before it doubles per transmission [SW-14.4-13]. */
export const RTO_FAST_RETRANSMISSIONS = 8;
/** Congestion window, in datagram budgets: initial and floor. */
export const INITIAL_CWND_DATAGRAMS = 4;
export const MIN_CWND_DATAGRAMS = 2;
/**
 * Loss found by acknowledgements with little queueing (backlog below RANDOM_LOSS_BACKLOG datagram
 * budgets) is taken as radio loss: cwnd x RANDOM_LOSS_BETA instead of halving [SW-14.5-9] (TCP
 * Veno's rule). The base RTT is the smallest sample of the last MIN_RTT_WINDOW_MS.
 */
export const RANDOM_LOSS_BACKLOG = 3;
export const RANDOM_LOSS_BETA = 0.9;
/** Delivery-rate samples kept (one per round trip) and the BDP multiple a random loss keeps [SW-14.5-11]. */
export const RATE_SAMPLES = 10;
export const BDP_GAIN = 2;
/** Multiplicative decrease for a loss with a queue behind it: CUBIC's beta (RFC 9438 4.6). */
export const CONGESTION_BETA = 0.7;
export const MIN_RTT_WINDOW_MS = 10_000;
/** Time threshold of loss detection: 9/8 of max(SRTT, latest RTT) [SW-14.4-5] (RFC 9002 6.1.2). */
export const LOSS_TIME_THRESHOLD = 9 / 8;
/** Pacing rate = PACING_GAIN * cwnd / SRTT. */
export const PACING_GAIN = 1.25;
/** Outbox per peer: messages and bytes waiting for a window or a reachable peer. */
export const OUTBOX_MESSAGES = 64;
export const OUTBOX_BYTES = 1024 * 1024;
/**
 * Unreliable messages that found their peer's queue full and wait for room [SW-14.8-6]: at most this
 * many per peer and for all peers together (the hub's delivery-queue bounds, DELIVERY_QUEUE and
 * DELIVERY_QUEUE_TOTAL of spec 20.3), each for at most UNRELIABLE_WAIT_MS; past a bound the send
 * fails with OutboxFullError.
 */
export const UNRELIABLE_WAITING = 1_000;
export const UNRELIABLE_WAITING_TOTAL = 100_000;
export const UNRELIABLE_WAIT_MS = 5_000;
/** Deadline of a reliable message when the application gives none. */
export const DEFAULT_DEADLINE_MS = 60_000;
