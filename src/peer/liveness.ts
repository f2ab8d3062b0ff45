/**
 * Liveness of one peer (spec 11): keepalives when idle, probes when the peer falls silent, and the
 * reachable/unreachable decision. Pure: functions of the state, the configuration and `now`; the
 * node turns the returned deadline into a timer and the returned actions into datagrams.
 * @module
 */

/** @group Events */
export type Reachability = 'unknown' | 'reachable' | 'unreachable';

/**
 * Timers of spec 11, in milliseconds. Defaults in LIVENESS_DEFAULTS.
 * @group Nodes
 */
export interface LivenessConfig {
  /** Send an empty datagram after this long without sending to the peer; 0 disables [SW-11.1-1]. */
  readonly keepaliveMs: number;
  /** Start probing after this long without a fresh datagram from the peer [SW-11.2-1]. */
  readonly probeAfterMs: number;
  /** First retry interval of probes; doubles up to probeMaxIntervalMs [SW-11.2-2]. */
  readonly probeIntervalMs: number;
  readonly probeMaxIntervalMs: number;
  /** Unreachable when probes have gone unanswered for this long [SW-11.3-1]. */
  readonly unreachableAfterMs: number;
  /** Probe interval while unreachable, so a returning peer is found with no user code [SW-11.3-3]. */
  readonly recoveryIntervalMs: number;
}

/**
 * SDK defaults: a device keepalive of 25 s stays under the shortest common NAT UDP timeout (30 s);
 * a silent peer is probed after 30 s and declared unreachable 10 s later.
 * @group Nodes
 */
export const LIVENESS_DEFAULTS: LivenessConfig = {
  keepaliveMs: 25_000,
  probeAfterMs: 30_000,
  probeIntervalMs: 1_000,
  probeMaxIntervalMs: 4_000,
  unreachableAfterMs: 10_000,
  recoveryIntervalMs: 5_000,
};

/**
 * "No such time". Times are integer milliseconds >= 0 (the node floors its clock), so they and this
 * sentinel stay small integers, which V8 stores in the object itself; Infinity would box every field
 * of every peer (16 bytes each, spec 9.5).
 */
export const NONE = -1;

/** The liveness fields of a peer. Kept on the peer record itself (no extra object per peer). */
export interface LivenessState {
  reachability: Reachability;
  /** Last fresh authenticated datagram from the peer (spec 11.2: only fresh datagrams count), or NONE. */
  lastHeard: number;
  /** Last datagram sent to the peer, or NONE. */
  lastSent: number;
  /** When probing started, or NONE when not probing. */
  probingSince: number;
  /** When the next probe is due, or NONE. */
  nextProbeAt: number;
  /** Probes sent since probing started. */
  probes: number;
  /** Whether this node sends keepalives to the peer (configured peers: yes; learned peers: no). */
  keepalive: boolean;
}

export function initialLiveness(keepalive: boolean): LivenessState {
  return {
    reachability: 'unknown',
    lastHeard: NONE,
    lastSent: NONE,
    probingSince: NONE,
    nextProbeAt: NONE,
    probes: 0,
    keepalive,
  };
}

/** A fresh authenticated datagram arrived. Returns the new reachability if it changed. */
export function heard(s: LivenessState, now: number): 'reachable' | undefined {
  s.lastHeard = now;
  s.probingSince = NONE;
  s.nextProbeAt = NONE;
  s.probes = 0;
  if (s.reachability === 'reachable') return undefined;
  s.reachability = 'reachable';
  return 'reachable';
}

/** Starts probing at once (a node that has just started, or an application that needs the peer). */
export function probeNow(s: LivenessState, now: number): void {
  if (s.probingSince === NONE) s.probingSince = now;
  s.nextProbeAt = s.nextProbeAt === NONE ? now : Math.min(s.nextProbeAt, now);
}

/** The next time at which tick() has something to do, or Infinity. */
export function nextDeadline(s: LivenessState, c: LivenessConfig): number {
  const keep = s.keepalive && c.keepaliveMs > 0 ? Math.max(s.lastSent, 0) + c.keepaliveMs : Infinity;
  const probeStart = s.probingSince === NONE && s.lastHeard !== NONE ? s.lastHeard + c.probeAfterMs : Infinity;
  const giveUp = s.reachability !== 'unreachable' && s.probingSince !== NONE ? s.probingSince + c.unreachableAfterMs : Infinity;
  const probe = s.nextProbeAt === NONE ? Infinity : s.nextProbeAt;
  return Math.min(keep, probeStart, probe, giveUp);
}

export interface LivenessActions {
  /** Send a PING (an authenticated datagram that asks for one in return). */
  readonly probe: boolean;
  /** Send an empty datagram (keeps NAT bindings; asks for nothing). */
  readonly keepalive: boolean;
  /** The reachability changed to this. */
  readonly changed?: 'unreachable';
}

/**
 * Advances the state to `now`. `jitter` is a number in [0, 1) that spreads probe times by up to 10%
 * so that many peers silenced at once are not probed in lockstep.
 */
export function tick(s: LivenessState, c: LivenessConfig, now: number, jitter: number): LivenessActions {
  let changed: 'unreachable' | undefined;
  if (s.probingSince === NONE && s.lastHeard !== NONE && now >= s.lastHeard + c.probeAfterMs) {
    probeNow(s, now); // [SW-11.2-1]
  }
  if (s.reachability !== 'unreachable' && s.probingSince !== NONE && now >= s.probingSince + c.unreachableAfterMs) {
    s.reachability = 'unreachable'; // [SW-11.3-1]
    changed = 'unreachable';
  }
  let probe = false;
  if (s.nextProbeAt !== NONE && now >= s.nextProbeAt) {
    probe = true;
    s.probes++;
    const base =
      s.reachability === 'unreachable'
        ? c.recoveryIntervalMs
        : Math.min(c.probeMaxIntervalMs, c.probeIntervalMs * 2 ** Math.min(s.probes - 1, 20));
    // [SW-11.3-3] only peers this node keeps alive are probed back; a learned peer returns by sending.
    s.nextProbeAt = s.reachability === 'unreachable' && !s.keepalive ? NONE : Math.round(now + base * (1 + 0.1 * jitter));
  }
  // A probe is itself a datagram, so a keepalive is only needed when no probe goes out.
  const keepalive = !probe && s.keepalive && c.keepaliveMs > 0 && now >= Math.max(s.lastSent, 0) + c.keepaliveMs;
  return changed === undefined ? { probe, keepalive } : { probe, keepalive, changed };
}
