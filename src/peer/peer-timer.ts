/**
 * What a peer's timer does when it fires (spec 10.2, 11, 12.3, 13.9, 14.4, 14.8) and when it must
 * fire next: the deadline is the earliest of liveness, challenge retry, the candidate address's
 * challenge and expiry, session and reliability. Setting idle senders aside (spec 9.5) is not among
 * them: the node's ParkQueue does it for all peers (park-queue.ts), so a sender's idle period costs
 * no peer timer firing. The node owns the TimerQueue; this file owns the decisions.
 * Runtime-agnostic: `now` is passed in.
 * @module
 */
import { challengeRetryAt } from './challenge.js';
import { nextDeadline, NONE, tick, type LivenessConfig } from './liveness.js';
import type { NodeEvents } from './node-events.js';
import type { Outgoing } from './outbound.js';
import { dropIndex, parkIfIdle } from './parking.js';
import { candidateChallengeAt, candidateExpiresAt } from './path.js';
import type { Peer } from './peer.js';
import type { ReliableMode } from './reliable-mode.js';
import type { SessionMode } from './session-mode.js';

/** The parts of the node a peer's timer touches. */
export interface PeerTimerHost {
  readonly cfg: LivenessConfig;
  readonly senderIdleMs: number;
  readonly sessions: SessionMode;
  readonly reliable: ReliableMode;
  /** Uniform in [0, 1): probe jitter [SW-11.2-1]. */
  random(): number;
  /** Sends the candidate address its challenge if due [SW-10.2-6]. */
  candidate(p: Peer, now: number): void;
  /** Sends one datagram to the peer (control frames plus what its link has due). */
  route(p: Peer, out: Outgoing, now: number): boolean;
  emit<K extends keyof NodeEvents>(name: K, e: NodeEvents[K]): void;
}

/**
 * When the outstanding challenge goes out again on its own. Never while the peer is probed: the
 * probes carry it on their backed-off schedule [SW-11.2-6], and a silent peer is not sent a
 * challenge every CHALLENGE_RETRY besides [SW-12.3-2].
 */
function retryAt(p: Peer): number {
  return p.probingSince !== NONE ? Infinity : challengeRetryAt(p);
}

/** When the peer's timer must fire next. */
export function peerDeadline(h: PeerTimerHost, p: Peer, now: number): number {
  return Math.min(nextDeadline(p, h.cfg), retryAt(p), candidateChallengeAt(p), candidateExpiresAt(p), h.sessions.deadline(p), h.reliable.deadline(p, now));
}

/** The peer's timer fired at `now`: whatever is due then is done (the node then asks peerDeadline again). */
export function onPeerTimer(h: PeerTimerHost, p: Peer, now: number): void {
  h.sessions.tick(p, now); // retries, give-up, expiry (spec 13.9)
  if (now >= candidateExpiresAt(p)) p.candidate = undefined; // [SW-10.2-7] never echoed: forgotten, the path never left
  else if (now >= candidateChallengeAt(p)) h.candidate(p, now);
  const a = tick(p, h.cfg, now, h.random());
  if (a.changed !== undefined) {
    h.reliable.setReachable(p, false); // [SW-14.8-3] reliable fragments wait, timers held
    h.emit(a.changed, { peer: p.id });
  }
  // After one unanswered probe the peer may have lost our index: probe in the FULL form [SW-11.2-5].
  if (a.probe && p.probes > 1) dropIndex(p);
  // [SW-11.1-2] a keepalive after a quiet spell also asks for an answer, so both sides stay fresh
  const quiet = p.lastHeard === NONE || now - p.lastHeard >= h.cfg.keepaliveMs;
  if (a.probe || a.keepalive) h.route(p, { ping: a.probe || (a.keepalive && quiet), probe: a.probe, keepalive: true }, now);
  else if (now >= retryAt(p)) h.route(p, {}, now);
  h.reliable.tick(p, now);
  parkIfIdle(p, now, h.senderIdleMs); // idle already: no need to wait for the ParkQueue
  // A learned peer no longer probed needs no token until it is heard again ([SW-12.3-8]): an idle,
  // unreachable peer keeps no challenge state (spec 9.5).
  if (p.reachability === 'unreachable' && p.nextProbeAt === NONE && !p.needsFreshness) p.challenge = undefined;
}
