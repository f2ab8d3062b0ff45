/**
 * The public shapes of the sending half of reliable delivery (spec 14): what the application passes
 * (SendOptions), what it gets back (SendEvent), the configuration and its SDK defaults, and the
 * fragment payload a datagram budget leaves. send-state.ts holds the state machine itself.
 * @module
 */
import type { DeadlineExceededError } from '../errors.js';
import {
  DATAGRAM_BUDGET,
  DEFAULT_DEADLINE_MS,
  FRAGMENT_LIFETIME_MS,
  MAX_MESSAGE_ID,
  FRAGMENT_RESERVE,
  INITIAL_PEER_WINDOW,
  MAX_MESSAGE,
  OUTBOX_BYTES,
  OUTBOX_MESSAGES,
  RTO_JITTER,
} from './constants.js';
import { CONTROL_RESERVE_BYTES, CONTROL_RESERVE_MESSAGES } from './device-constants.js';
import { RTT_DEFAULTS, type RttConfig } from './rtt.js';

/** How one message is sent. */
export interface SendOptions {
  /** Default true. An unreliable message (QoS 0) goes out in the next datagram and is never retransmitted. */
  readonly reliable?: boolean;
  /** Delivered in order with the other ordered messages of its channel (reliable only). Default false. */
  readonly ordered?: boolean;
  /** 0 to 255, default 0. */
  readonly channel?: number;
  /** Absolute time (ms) by which the message must be acknowledged; default now + defaultDeadlineMs. */
  readonly deadline?: number;
  /** Report a `delivered` event when every fragment is acknowledged. Default false. */
  readonly receipt?: boolean;
  /**
   * A control operation (SYNC, WILL, SUBACK, UNSUBACK): it may take the outbox room reserved for
   * them, so it is not refused when ordinary messages filled the outbox [SW-14.12-12]. Default false.
   */
  readonly control?: boolean;
}

export type SendEvent =
  | { readonly type: 'delivered'; readonly ticket: number }
  | { readonly type: 'failed'; readonly ticket: number; readonly error: DeadlineExceededError };

export interface SendConfig {
  /** The peer's id, for errors. */
  readonly peer: string;
  /** Whole-datagram budget (header to tag), 512 or more; fixes the fragment size [SW-14.6-1]. */
  readonly datagramBudget: number;
  /** The largest message the peer reassembles (its declared MAX_MESSAGE). */
  readonly peerMaxMessage: number;
  readonly outboxMessages: number;
  readonly outboxBytes: number;
  /** Outbox room above outboxMessages and outboxBytes that only control operations take [SW-14.12-12]. */
  readonly controlReserveMessages: number;
  readonly controlReserveBytes: number;
  readonly defaultDeadlineMs: number;
  readonly initialPeerWindow: number;
  readonly rtt: RttConfig;
  /** Fraction of random spread of retransmission timers (0.25: up to +25%). */
  readonly jitter: number;
  readonly fragmentLifetimeMs: number;
  /**
   * The sender takes no new message once its next id reaches this: the node then starts a new epoch
   * (ids from 1 again) [SW-14.1-1]. Default MAX_MESSAGE_ID - 65535, room for the largest message;
   * tests set it low to reach the renewal.
   */
  readonly lastMessageId: number;
}

export const SEND_DEFAULTS: Omit<SendConfig, 'peer'> = {
  datagramBudget: DATAGRAM_BUDGET,
  peerMaxMessage: MAX_MESSAGE,
  outboxMessages: OUTBOX_MESSAGES,
  outboxBytes: OUTBOX_BYTES,
  controlReserveMessages: CONTROL_RESERVE_MESSAGES,
  controlReserveBytes: CONTROL_RESERVE_BYTES,
  defaultDeadlineMs: DEFAULT_DEADLINE_MS,
  initialPeerWindow: INITIAL_PEER_WINDOW,
  rtt: RTT_DEFAULTS,
  jitter: RTO_JITTER,
  fragmentLifetimeMs: FRAGMENT_LIFETIME_MS,
  lastMessageId: MAX_MESSAGE_ID - 0xffff,
};

/**
 * SEND_DEFAULTS completed by `c`, as one object literal with every field in a fixed order. A spread
 * merge (`{ ...SEND_DEFAULTS, ...c }`) gave each link's configuration a hidden class of its own in V8
 * (about 360 B more per peer on a hub: a map and its descriptors); this literal shares one. An
 * undefined field takes the default.
 */
export function sendConfig(c: Partial<SendConfig> & { peer: string }): SendConfig {
  const d = SEND_DEFAULTS;
  return {
    peer: c.peer,
    datagramBudget: c.datagramBudget ?? d.datagramBudget,
    peerMaxMessage: c.peerMaxMessage ?? d.peerMaxMessage,
    outboxMessages: c.outboxMessages ?? d.outboxMessages,
    outboxBytes: c.outboxBytes ?? d.outboxBytes,
    controlReserveMessages: c.controlReserveMessages ?? d.controlReserveMessages,
    controlReserveBytes: c.controlReserveBytes ?? d.controlReserveBytes,
    defaultDeadlineMs: c.defaultDeadlineMs ?? d.defaultDeadlineMs,
    initialPeerWindow: c.initialPeerWindow ?? d.initialPeerWindow,
    rtt: c.rtt ?? d.rtt,
    jitter: c.jitter ?? d.jitter,
    fragmentLifetimeMs: c.fragmentLifetimeMs ?? d.fragmentLifetimeMs,
    lastMessageId: c.lastMessageId ?? d.lastMessageId,
  };
}

/** Payload bytes of one fragment (and the largest unfragmented or unreliable message) for a budget. */
export function fragmentPayload(datagramBudget: number): number {
  return datagramBudget - FRAGMENT_RESERVE;
}

/** A message queued or in flight at the sender (see SendState.outbox). */
export interface Pending {
  readonly ticket: number;
  readonly data: Uint8Array;
  readonly channel: number;
  readonly ordered: boolean;
  readonly receipt: boolean;
  readonly deadline: number;
  readonly size: number;
}

/** Running totals of one sender, for diagnostics and benches. */
export interface RetransmitCounters {
  /** MSG frames of reliable fragments put in datagrams, first transmissions and retransmissions. */
  transmissions: number;
  retransmissions: number;
  /** Fragments declared lost by acknowledgements (fast retransmit) and by their timers. */
  fastLosses: number;
  timeouts: number;
  /** Window reductions: by acknowledgement-found loss, and by timeout. */
  reductions: number;
  collapses: number;
}

/** A snapshot for tests, vectors and diagnostics. */
export interface SendSnapshot {
  readonly rto: number;
  readonly srtt: number | undefined;
  readonly rttvar: number | undefined;
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly inflightBytes: number;
  readonly inflightIds: number;
  readonly outbox: number;
  readonly floor: number;
  readonly peerCum: number;
  readonly peerWindow: number;
}

