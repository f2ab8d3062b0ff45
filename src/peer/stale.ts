/**
 * Stale datagrams and their answers (spec 12.4). A peer that lost its state, was restored from an
 * old copy, or runs twice under one id, sends under an epoch (or BOOT) this node has already seen
 * superseded; the receive path drops it as STALE_EPOCH. Answering tells the peer the floor its next
 * epoch must exceed, so it heals within a round trip instead of being locked out in silence. The
 * answer costs a decryption and a datagram, so both are bounded here: one answer per peer per
 * STALE_ANSWER_INTERVAL and STALE_ANSWER_RATE per second in all [SW-12.4-1]. And the same counts
 * reveal two processes under one id: their stale datagrams keep coming ([SW-12.4-6]).
 * @module
 */
import { STALE_ANSWER_INTERVAL_MS, STALE_ANSWER_RATE } from '../constants.js';
import type { StaleProof } from '../session/receiver-types.js';
import type { WireFrame } from '../wire/frames.js';

/** The frames of the answer to an authenticated stale datagram: STALE, and ECHO of its token [SW-12.4-2]. */
export function staleAnswerFrames(s: StaleProof): WireFrame[] {
  const frames: WireFrame[] = [{ type: 'STALE', gen: s.gen, epoch: s.floor }];
  if (s.token !== undefined) frames.push({ type: 'ECHO', token: s.token });
  return frames;
}

/** Peers whose answer times are remembered; beyond it the oldest are forgotten (bounded memory). */
const TRACKED_PEERS = 4096;
/** Stale answers to one peer, over at least CONFLICT_SPAN_MS, that make it a conflict ([SW-12.4-6]). */
export const CONFLICT_ANSWERS = 3;
export const CONFLICT_SPAN_MS = 2_000;
/** A conflict track older than this starts over: a burst long ago says nothing about now. */
const CONFLICT_RESET_MS = 30_000;

interface Track {
  /** Time of the last answer to the peer. */
  last: number;
  /** Answers in the current conflict track, and when it began. */
  count: number;
  since: number;
  /** A conflict was reported in this track (reported once per track). */
  reported: boolean;
}

export class StaleAnswers {
  private readonly peers = new Map<string, Track>();
  private windowStart = -Infinity;
  private inWindow = 0;
  /** Stale datagrams answered, and refused an answer by the limits (counted, [SW-12.4-1]). */
  answered = 0;
  limited = 0;

  constructor(
    private readonly intervalMs = STALE_ANSWER_INTERVAL_MS,
    private readonly perSecond = STALE_ANSWER_RATE,
  ) {}

  /** Whether a stale datagram from `peer` may be authenticated and answered now; spends it if so. */
  grant(peer: string, now: number): boolean {
    const t = this.peers.get(peer);
    if (t !== undefined && now - t.last < this.intervalMs) return this.refuse();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perSecond) return this.refuse();
    this.inWindow++;
    if (t !== undefined) {
      t.last = now;
    } else {
      if (this.peers.size >= TRACKED_PEERS) this.peers.delete(this.peers.keys().next().value!);
      this.peers.set(peer, { last: now, count: 0, since: now, reported: false });
    }
    return true;
  }

  /**
   * Records an answer sent to an authenticated stale datagram of `peer`. Returns true once per
   * track when the answers reach CONFLICT_ANSWERS over CONFLICT_SPAN_MS: a peer whose stale
   * datagrams keep coming for seconds is not a restart's stragglers but a second process ([SW-12.4-6]).
   */
  answeredTo(peer: string, now: number): boolean {
    this.answered++;
    const t = this.peers.get(peer);
    if (t === undefined) return false;
    if (t.count === 0 || now - t.since > CONFLICT_RESET_MS) {
      t.count = 0;
      t.since = now;
      t.reported = false;
    }
    t.count++;
    if (!t.reported && t.count >= CONFLICT_ANSWERS && now - t.since >= CONFLICT_SPAN_MS) {
      t.reported = true;
      return true;
    }
    return false;
  }

  private refuse(): false {
    this.limited++;
    return false;
  }
}
