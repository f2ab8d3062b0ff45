/**
 * Stale datagrams and their answers (spec 12.4). A peer that lost its state, was restored from an
 * old copy, or runs twice under one id, sends under an epoch (or BOOT) this node has already seen
 * superseded; the receive path drops it as STALE_EPOCH. Answering tells the peer the floor its next
 * epoch must exceed, so it heals within a round trip instead of being locked out in silence. The
 * answer costs a decryption and a datagram, so both are bounded here: one answer per start of a peer
 * per STALE_ANSWER_INTERVAL and STALE_ANSWER_RATE per second in all, spent only by a datagram that
 * authenticated [SW-12.4-9]. And the same counts
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

/** Starts whose answer times are remembered; beyond it the oldest are forgotten (bounded memory). */
const TRACKED_STARTS = 4096;
/** Stale answers to one peer, over at least CONFLICT_SPAN_MS, that make it a conflict ([SW-12.4-6]). */
export const CONFLICT_ANSWERS = 3;
export const CONFLICT_SPAN_MS = 2_000;
/** A conflict track older than this starts over: a burst long ago says nothing about now. */
const CONFLICT_RESET_MS = 30_000;

interface Track {
  /** Answers in the current conflict track, and when it began. */
  count: number;
  since: number;
  /** A conflict was reported in this track (reported once per track). */
  reported: boolean;
}

/** The key of one start of a peer: its id and BOOT (hex). */
function startKey(peer: string, boot: Uint8Array): string {
  let k = peer + '/';
  for (const b of boot) k += (b < 16 ? '0' : '') + b.toString(16);
  return k;
}

/**
 * The limits of [SW-12.4-9]: at most one answer per start of a peer (its id and BOOT) per interval,
 * and at most `perSecond` answers in all. `may` is asked before a stale datagram is decrypted and
 * spends nothing; `take` spends, once the datagram authenticated. So a forgery (which fails) never
 * uses up a peer's answer, and a replayed datagram of an earlier life (which authenticates) uses up
 * only that life's, never the answer the peer's current start needs.
 */
export class StaleAnswers {
  private readonly starts = new Map<string, number>();
  private readonly tracks = new Map<string, Track>();
  private windowStart = -Infinity;
  private inWindow = 0;
  /** Stale datagrams answered, and refused an answer by the limits (counted, [SW-12.4-9]). */
  answered = 0;
  limited = 0;

  constructor(
    private readonly intervalMs = STALE_ANSWER_INTERVAL_MS,
    private readonly perSecond = STALE_ANSWER_RATE,
  ) {}

  /** Whether an answer to this start of `peer` could be sent now; spends nothing. Counts a refusal. */
  may(peer: string, boot: Uint8Array, now: number): boolean {
    return this.open(startKey(peer, boot), now) || this.refuse();
  }

  /** Spends an answer to this start of `peer` if the limits allow one now. */
  take(peer: string, boot: Uint8Array, now: number): boolean {
    const key = startKey(peer, boot);
    if (!this.open(key, now)) return this.refuse();
    this.inWindow++;
    this.starts.delete(key); // re-inserted last: the map's order is the order of last answers
    if (this.starts.size >= TRACKED_STARTS) this.starts.delete(this.starts.keys().next().value!);
    this.starts.set(key, now);
    return true;
  }

  private open(key: string, now: number): boolean {
    const last = this.starts.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return this.inWindow < this.perSecond;
  }

  /**
   * Records an answer sent to an authenticated stale datagram of `peer`. Returns true once per
   * track when the answers reach CONFLICT_ANSWERS over CONFLICT_SPAN_MS: a peer whose stale
   * datagrams keep coming for seconds is not a restart's stragglers but a second process ([SW-12.4-6]).
   */
  answeredTo(peer: string, now: number): boolean {
    this.answered++;
    let t = this.tracks.get(peer);
    if (t === undefined) {
      if (this.tracks.size >= TRACKED_STARTS) this.tracks.delete(this.tracks.keys().next().value!);
      this.tracks.set(peer, (t = { count: 0, since: now, reported: false }));
    }
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
