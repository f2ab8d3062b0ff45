/**
 * One entry of the peer table (spec 9.2): everything a node keeps about a peer outside the receive
 * context (session/receiver.ts holds the window and traffic key). One flat object per peer, because
 * the per-peer memory goal is 1 KB (spec 9.5): the liveness, path and challenge states are its fields.
 * @module
 */
import type { PeerSender } from '../session/sender.js';
import type { Address } from '../transport/transport.js';
import type { ChallengeState } from './challenge.js';
import type { LivenessState, Reachability } from './liveness.js';
import { initialPath, type PathState } from './path.js';

export class Peer implements LivenessState, PathState, ChallengeState {
  // liveness (spec 11)
  reachability: Reachability = 'unknown';
  lastHeard = -Infinity;
  lastSent = -Infinity;
  probingSince = Infinity;
  nextProbeAt = Infinity;
  probes = 0;
  keepalive: boolean;
  // path (spec 10)
  address: Address | undefined;
  addressKey: string;
  validated: boolean;
  budgetReceived = 0;
  budgetSent = 0;
  previousKey = '';
  // challenge (spec 12.3)
  token: Uint8Array | undefined = undefined;
  sentTo = '';
  sentAt = -Infinity;
  attempts = 0;
  echoOwed: Uint8Array | undefined = undefined;
  // sending (spec 4.8, 5)
  /** The sender for this node's current epoch, created at the first datagram to the peer. */
  sender: PeerSender | undefined = undefined;
  /** Generation of the peer's last accepted datagram, and its highest (epoch, counter) (spec 10.1). */
  gen = -1;
  topEpoch = 0;
  topCounter = -1;
  /** The last accepted datagram was of unknown freshness and no echo has verified the peer since. */
  needsFreshness = false;
  /** A datagram to the peer is owed (a PING, an INDEX, an echo or a challenge to send). */
  flushDue = false;
  /** Configured by the application (never evicted; validated address; keepalives on). */
  readonly configured: boolean;
  /** Earliest time for which a liveness timer is queued (timer-queue.ts), Infinity when none. */
  timerAt = Infinity;

  constructor(
    readonly id: string,
    options: { address?: Address; configured?: boolean; keepalive?: boolean } = {},
  ) {
    this.configured = options.configured ?? false;
    this.keepalive = options.keepalive ?? this.configured;
    const p = initialPath(options.address, this.configured);
    this.address = p.address;
    this.addressKey = p.addressKey;
    this.validated = p.validated;
  }
}

