/**
 * What a ReliableLink needs of its sending half, whichever profile implements it (spec 14.12): the
 * full profile's SendState (congestion control, per-fragment timers, probes, pacing) or the device
 * profile's DeviceSendState (a fixed window and one backed-off timer, integers only).
 * @module
 */
import type { AckFrame, ForwardFrame, MsgFrame } from './frames.js';
import type { Outbox } from './outbox.js';
import type { Pending, RetransmitCounters, SendEvent, SendOptions, SendSnapshot } from './send-types.js';
import type { SleepSchedule } from './sleepy.js';

/** The conformance profile of reliable delivery a node runs (spec 14.12). */
export type ReliabilityProfile = 'full' | 'device';

/**
 * What one sender hands to the next when a link changes its sending rules between messages
 * ([SW-14.12-14]): the id and ticket sequences, each ordered channel's last id (the next PREV), and
 * the peer's cumulative point and window. Taken only while nothing is queued or unsettled.
 */
export interface SenderHandover {
  readonly nextId: number;
  readonly nextTicket: number;
  readonly lastOrdered: ReadonlyMap<number, number>;
  readonly peerCum: number;
  readonly peerWindow: number;
  /** The largest WINDOW the peer advertised since its restart ([SW-14.4-12]); absent from a device-profile sender, which does not keep it. */
  readonly peerWindowMax?: number;
  readonly srtt: number | undefined;
}

export interface LinkSender {
  readonly profile: ReliabilityProfile;
  readonly sleep: SleepSchedule;
  readonly outbox: Outbox<Pending>;
  /** SRTT and RTTVAR (undefined before a sample) and RTO before backoff, ms. */
  readonly rtt: { readonly srtt: number | undefined; readonly rttvar: number | undefined; readonly rto: number };
  /** The receiver's cumulative point, from the newest ACK. */
  readonly peerCum: number;
  /** The slow-start threshold (Infinity before the first loss, and for the device rules, which have none). */
  readonly ssthresh: number;
  /** The congestion window in bytes (Infinity for the device rules, which have none: their window is WINDOW ids). */
  readonly cwnd: number;
  /**
   * Takes the RTT estimate (and slow-start threshold) of a link set aside ([SW-14.13-2]) as they
   * were, where resuming from a handover alone would start them from SRTT.
   */
  restoreEstimates(srtt: number | undefined, rttvar: number | undefined, ssthresh: number, cwnd: number): void;
  readonly counters: RetransmitCounters;
  /** False while liveness reports the peer unreachable [SW-14.8-3]. */
  readonly reachable: boolean;
  /** The lowest id not yet settled: what FORWARD carries. */
  readonly floor: number;
  /** True when message ids are used up: the node must start a new epoch (and a new sender). */
  readonly idsExhausted: boolean;
  /** Nothing assigned is waiting for acknowledgement. */
  readonly settled: boolean;
  /**
   * The largest datagram to build towards the peer now: the node's budget, or less once the peer
   * declared less (capDatagramBudget) and nothing cut to the larger budget is left ([SW-4.6-7]).
   */
  readonly datagramBudget: number;
  /** Payload bytes per fragment: the most an unreliable message may carry. */
  readonly fragmentPayload: number;
  /** Unreliable messages the queue takes now before send() refuses them [SW-14.8-6]. */
  readonly unreliableRoom: number;
  /** The peer takes datagrams of at most `n` bytes: fragments are cut to fit from now on. */
  capDatagramBudget(n: number): void;
  send(data: Uint8Array, opts: SendOptions, now: number): number;
  heard(now: number): void;
  heardUs(): void;
  setReachable(reachable: boolean): void;
  peerRestarted(): void;
  challenged(now: number): void;
  onAck(a: AckFrame, now: number): SendEvent[];
  tick(now: number): SendEvent[];
  wantsDatagram(now: number): boolean;
  nextDeadline(now: number): number;
  forwardFrame(now: number, room: number): ForwardFrame | undefined;
  takeMessages(now: number, room: number): MsgFrame[];
  untaken(): Array<Omit<Pending, 'size' | 'receipt'>>;
  snapshot(): SendSnapshot;
  /** The sequences to continue under other rules, or undefined while anything is queued or unsettled. */
  handover(): SenderHandover | undefined;
}
