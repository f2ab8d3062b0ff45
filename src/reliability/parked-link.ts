/**
 * A reliable link set aside while it has nothing to do (spec 14.13): what its sending and receiving
 * halves must keep so that, rebuilt later, they continue exactly where they stopped ([SW-14.13-2]):
 * the id and ticket sequences, each ordered channel's last id (the next PREV) and last delivered id,
 * the peer's cumulative point and window, the sender's FORWARD floor as the receiver knows it, the
 * RTT estimate and slow-start threshold, reachability, the peer's sleep schedule and the running
 * totals. What a quiescent link holds besides (its outbox, fragment book, timers, congestion and
 * pacing state, reassembly, hold-back buffer, id ranges) is empty or restarts, as after any idle
 * period ([SW-14.13-3]).
 *
 * Why: a hub keeps one link per device that ever used reliable delivery, and most of them are idle
 * most of the time; a live link is some twenty objects and about 5 KB of heap, a parked one this
 * record. Pure: no clocks, no I/O.
 * @module
 */
import { ReceiveState, type ReceiveConfig, type ReceiveCounters } from './receive-state.js';
import type { ReassemblyBudget } from './reassembly.js';
import type { RetransmitCounters } from './send-types.js';
import type { LinkSender, ReliabilityProfile, SenderHandover } from './sender.js';
import type { SleepSchedule } from './sleepy.js';

/** A map of small integers as flat pairs [key, value, ...], or undefined when empty: no Map per parked link. */
export type Pairs = readonly number[] | undefined;

function toPairs(m: ReadonlyMap<number, number>): Pairs {
  if (m.size === 0) return undefined;
  const out: number[] = [];
  for (const [k, v] of m) out.push(k, v);
  return out;
}

/** The pairs as a Map again. */
export function fromPairs(p: Pairs): Map<number, number> {
  const m = new Map<number, number>();
  if (p !== undefined) for (let i = 0; i + 1 < p.length; i += 2) m.set(p[i]!, p[i + 1]!);
  return m;
}

export class ParkedLink {
  constructor(
    /** The rules the sender ran ('full' or 'device'); the rebuilt sender follows the link's rules then. */
    readonly rules: ReliabilityProfile,
    readonly nextId: number,
    readonly nextTicket: number,
    /** Each ordered channel's last id sent (the next PREV). */
    readonly ordered: Pairs,
    readonly peerCum: number,
    readonly peerWindow: number,
    readonly srtt: number | undefined,
    readonly rttvar: number | undefined,
    /** RTO before backoff, for the liveness probe's timing while parked. */
    readonly rto: number,
    readonly ssthresh: number,
    /** False while liveness reports the peer unreachable [SW-14.8-3]; set while parked too. */
    public reachable: boolean,
    /** The sender's datagram budget when parked: with nothing in flight, the node's or the peer's declared cap. */
    readonly datagramBudget: number,
    readonly sendCounters: RetransmitCounters,
    /** The peer's declared sleep schedule; hearing the peer while parked moves its lastHeard. */
    readonly sleep: SleepSchedule,
    /** Every id below it was received or given up (the receiver's BASE, no ranges above it). */
    readonly base: number,
    readonly senderFloor: number,
    /** Each ordered channel's last delivered id. */
    readonly delivered: Pairs,
    readonly receiveCounters: ReceiveCounters,
    /** When the highest received id first arrived, -1 if none: the DELAY of the next ACK [SW-14.3-6]. */
    readonly largestAt: number,
    /** The congestion window when set aside: the rebuilt one is min(INITIAL_CWND, it) (RFC 5681 4.1's restart window). */
    readonly cwnd: number,
    /** The largest WINDOW the peer advertised ([SW-14.4-12]), 0 if the sender did not keep it. */
    readonly peerWindowMax: number,
  ) {}

  /** The sequences the rebuilt sender continues ([SW-14.12-14]'s handover). */
  handover(): SenderHandover {
    return { nextId: this.nextId, nextTicket: this.nextTicket, lastOrdered: fromPairs(this.ordered), peerCum: this.peerCum, peerWindow: this.peerWindow, peerWindowMax: this.peerWindowMax, srtt: this.srtt };
  }
}

/**
 * Whether a link with these halves may be set aside now ([SW-14.13-1]): no timer and no datagram due
 * on either side, nothing queued, unsettled, held back, withheld, being reassembled or remembered as
 * evicted, no gap in the ids received, and the peer acknowledged the floor (no FORWARD owed).
 */
export function quiescent(s: LinkSender, r: ReceiveState, now: number): boolean {
  return s.peerCum >= s.floor && s.nextDeadline(now) === Infinity && r.nextDeadline() === Infinity && r.idle;
}

/** The record of a quiescent link (quiescent() said so), or undefined if the sender cannot hand over. */
export function parkLink(s: LinkSender, r: ReceiveState): ParkedLink | undefined {
  const h = s.handover();
  if (h === undefined) return undefined;
  return new ParkedLink(
    s.profile,
    h.nextId,
    h.nextTicket,
    toPairs(h.lastOrdered),
    h.peerCum,
    h.peerWindow,
    s.rtt.srtt,
    s.rtt.rttvar,
    s.rtt.rto,
    s.ssthresh,
    s.reachable,
    s.datagramBudget,
    s.counters,
    s.sleep,
    r.ids.base,
    r.senderFloor,
    toPairs(r.lastDeliveredIds),
    r.counters,
    r.largestAt,
    s.cwnd,
    h.peerWindowMax ?? 0,
  );
}

/** The receiving half of a parked link, rebuilt: the same BASE, floor, channels and totals. */
export function resumeReceiver(p: ParkedLink, config: Partial<ReceiveConfig>, budget: ReassemblyBudget): ReceiveState {
  const r = new ReceiveState(config, budget);
  r.ids.forward(p.base);
  r.senderFloor = p.senderFloor;
  for (const [ch, id] of fromPairs(p.delivered)) r.lastDeliveredIds.set(ch, id);
  Object.assign(r.counters, p.receiveCounters);
  r.largestAt = p.largestAt;
  return r;
}
