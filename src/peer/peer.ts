/**
 * One entry of the peer table (spec 9.2): everything a node keeps about a peer outside the receive
 * context (session/receiver.ts holds the window and traffic key). One flat object per peer, because
 * the per-peer memory goal is 1 KB (spec 9.5): the liveness, path and challenge states are its
 * fields, booleans share one integer, times are integers with NONE (-1) for "never" (an Infinity
 * would make V8 box the field in every peer), and the challenge exists only while outstanding.
 * @module
 */
import type { ReliableLink } from '../reliability/link.js';
import type { PeerSender, SenderSnapshot } from '../session/sender.js';
import type { Address } from '../transport/transport.js';
import type { Challenge, ChallengeState } from './challenge.js';
import { NONE, type LivenessState, type Reachability } from './liveness.js';
import type { Candidate, PathState } from './path.js';
import type { PeerSessions } from './session-state.js';

const VALIDATED = 1;
const NEEDS_FRESHNESS = 2;
const FLUSH_DUE = 4;
const KEEPALIVE = 8;
const CONFIGURED = 16;
const EPOCH_PENDING = 32;
const WANTS_ECHO = 64;

export class Peer implements LivenessState, PathState, ChallengeState {
  private flags = 0;
  // liveness (spec 11)
  reachability: Reachability = 'unknown';
  lastHeard = NONE;
  lastSent = NONE;
  probingSince = NONE;
  nextProbeAt = NONE;
  probes = 0;
  // path (spec 10)
  address: Address | undefined;
  budgetReceived = 0;
  budgetSent = 0;
  /** A new address being validated while the path stays where it is ([SW-10.1-8]); only while one is pending. */
  candidate: Candidate | undefined = undefined;
  /** When a challenge last went to a candidate address, NONE if never ([SW-10.2-6]). */
  candidateChallengedAt = NONE;
  // challenge (spec 12.3)
  challenge: Challenge | undefined = undefined;
  echoOwed: Uint8Array | undefined = undefined;
  /** The last token the peer challenged this node with: [SW-14.10-4] acts once per token. */
  lastChallenge: Uint8Array | undefined = undefined;
  /** The epoch of this node whose conflict with this peer was last reported, 0 if none ([SW-12.4-5]: once per epoch). */
  selfConflictEpoch = 0;
  // sending (spec 4.8, 5)
  /** The sender for this node's current epoch, created at the first datagram to the peer. */
  sender: PeerSender | undefined = undefined;
  /** A sender set aside after SENDER_IDLE_MS without sending, to be rebuilt on the next send (spec 9.5). */
  parked: SenderSnapshot | undefined = undefined;
  /** Earliest time for which a liveness timer is queued (timer-queue.ts), NONE when none. */
  timerAt = NONE;
  /** When the node's ParkQueue expects to set the sender aside (park-queue.ts), NONE when not queued. */
  parkQueuedAt = NONE;
  /**
   * Session mode only (spec 13): sessions, pending initiation, queue. Declared, not initialised: a
   * peer in the default mode never gets the property, so it costs it no memory at all (spec 9.5).
   */
  declare session: PeerSessions | undefined;
  /**
   * Reliable delivery with this peer (spec 14), created at the first reliable send or the first
   * reliability frame from it. Declared, not initialised, like `session`: an idle peer that never
   * used reliable delivery pays nothing for it (spec 9.5).
   */
  declare link: ReliableLink | undefined;

  constructor(
    readonly id: string,
    options: { address?: Address; configured?: boolean; keepalive?: boolean } = {},
  ) {
    const configured = options.configured ?? false;
    this.address = options.address;
    if (configured) this.flags |= CONFIGURED;
    if (options.keepalive ?? configured) this.flags |= KEEPALIVE;
    if (configured && options.address !== undefined) this.flags |= VALIDATED;
  }

  private flag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** Configured by the application (never evicted; validated address; keepalives on). */
  get configured(): boolean {
    return (this.flags & CONFIGURED) !== 0;
  }
  /** Whether this node sends keepalives to the peer and probes it back when unreachable (spec 11). */
  get keepalive(): boolean {
    return (this.flags & KEEPALIVE) !== 0;
  }
  set keepalive(on: boolean) {
    this.flag(KEEPALIVE, on);
  }
  /** The peer proved it receives at `address`, or the address was configured (spec 10.2). */
  get validated(): boolean {
    return (this.flags & VALIDATED) !== 0;
  }
  set validated(on: boolean) {
    this.flag(VALIDATED, on);
  }
  /**
   * The peer sent a STALE frame that echoed no token of this node's current epoch, so it was not
   * acted on: the next datagram carries a CHALLENGE, whose echo will come with the next STALE ([SW-12.4-11]).
   */
  get wantsEcho(): boolean {
    return (this.flags & WANTS_ECHO) !== 0;
  }
  set wantsEcho(on: boolean) {
    this.flag(WANTS_ECHO, on);
  }
  /** The last accepted datagram was of unknown freshness and no echo has verified the peer since. */
  get needsFreshness(): boolean {
    return (this.flags & NEEDS_FRESHNESS) !== 0;
  }
  set needsFreshness(on: boolean) {
    this.flag(NEEDS_FRESHNESS, on);
  }
  /**
   * The peer's context moved to a higher epoch on a datagram of unknown freshness: a restart, or a
   * replay of an old one. Reported as a restart only once a fresh datagram confirms it ([SW-9.3-5]).
   */
  get epochPending(): boolean {
    return (this.flags & EPOCH_PENDING) !== 0;
  }
  set epochPending(on: boolean) {
    this.flag(EPOCH_PENDING, on);
  }
  /** A datagram to the peer is owed (a PING answer, an INDEX, an echo or a challenge). */
  get flushDue(): boolean {
    return (this.flags & FLUSH_DUE) !== 0;
  }
  set flushDue(on: boolean) {
    this.flag(FLUSH_DUE, on);
  }
}
