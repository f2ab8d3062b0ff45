/**
 * Stale datagrams and their answers (spec 12.4). A peer that lost its state, was restored from an
 * old copy, or runs twice under one id, sends under an epoch (or BOOT) this node has already seen
 * superseded; the receive path drops it as STALE_EPOCH. Answering tells the peer the floor its next
 * epoch must exceed, so it heals within a round trip instead of being locked out in silence. The
 * answer costs a datagram, so it is bounded here: one answer per start of a peer and token per
 * STALE_ANSWER_INTERVAL and STALE_ANSWER_RATE per second in all, spent only by a datagram that
 * authenticated [SW-12.4-10] (its decryption is bounded by admission, spec 6.5). And the same counts
 * reveal two processes under one id: their stale datagrams keep coming ([SW-12.4-12]).
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
/** Stale datagrams of one start decrypted per STALE_ANSWER_INTERVAL at most ([SW-12.4-10]). */
export const STALE_ATTEMPTS = 8;
/** Stale answers to one peer, over at least CONFLICT_SPAN_MS, that make it a conflict ([SW-12.4-12]). */
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

const hex = (b: Uint8Array): string => {
  let s = '';
  for (const x of b) s += (x < 16 ? '0' : '') + x.toString(16);
  return s;
};

/** The key of one start of a peer (its id and BOOT) and the CHALLENGE token its datagram carried. */
function answerKey(peer: string, boot: Uint8Array, token: Uint8Array | undefined): string {
  return `${peer}/${hex(boot)}/${token === undefined ? '' : hex(token)}`;
}

/**
 * The limits of [SW-12.4-10]: at most one answer per interval per start of a peer (its id and BOOT)
 * and CHALLENGE token (or none), and at most `perSecond` answers in all. `may` is asked before a
 * stale datagram is decrypted and spends nothing; `take` spends, once the datagram authenticated. So
 * a forgery (which fails) never uses up a peer's answer; a replayed datagram of an earlier life
 * (which authenticates) uses up only that life's; and a datagram carrying a new token (the peer
 * asks again, because the last answer echoed none of its tokens, [SW-12.4-11]) is answered at once.
 * The tokens are the peer's own, made at most one per CHALLENGE_RETRY or epoch, so they bound it.
 */
export class StaleAnswers {
  private readonly answers = new Map<string, number>();
  private readonly tracks = new Map<string, Track>();
  /** Decryptions per start in the current interval (may), bounded like the rest. */
  private readonly attempts = new Map<string, { count: number; since: number }>();
  private windowStart = -Infinity;
  private inWindow = 0;
  /** Stale datagrams answered, and refused an answer by the limits (counted, [SW-12.4-9]). */
  answered = 0;
  limited = 0;

  constructor(
    private readonly intervalMs = STALE_ANSWER_INTERVAL_MS,
    private readonly perSecond = STALE_ANSWER_RATE,
  ) {}

  /**
   * Whether a stale datagram of this start of `peer` may be decrypted now (asked before decryption):
   * the node-wide rate leaves an answer, and the start has had fewer than STALE_ATTEMPTS decryptions
   * in this interval. Spends an attempt, never an answer: a node that streams stale datagrams (every
   * datagram of a superseded epoch is one) costs a few decryptions a second, not one each, and the
   * one carrying a new CHALLENGE still gets through within the interval. Blind forgers do not know
   * the start's BOOT, so theirs are other starts' attempts.
   */
  may(peer: string, boot: Uint8Array, now: number): boolean {
    if (!this.open(undefined, now)) return this.refuse();
    const key = `${peer}/${hex(boot)}`;
    let a = this.attempts.get(key);
    if (a === undefined || now - a.since >= this.intervalMs) {
      this.attempts.delete(key);
      if (this.attempts.size >= TRACKED_STARTS) this.attempts.delete(this.attempts.keys().next().value!);
      this.attempts.set(key, (a = { count: 0, since: now }));
    }
    if (a.count >= STALE_ATTEMPTS) return this.refuse();
    a.count++;
    return true;
  }

  /** Spends an answer to this start of `peer`, for a datagram carrying `token`, if the limits allow one now. */
  take(peer: string, boot: Uint8Array, token: Uint8Array | undefined, now: number): boolean {
    const key = answerKey(peer, boot, token);
    if (!this.open(key, now)) return this.refuse();
    this.inWindow++;
    this.answers.delete(key); // re-inserted last: the map's order is the order of last answers
    if (this.answers.size >= TRACKED_STARTS) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, now);
    return true;
  }

  private open(key: string | undefined, now: number): boolean {
    const last = key === undefined ? undefined : this.answers.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return this.inWindow < this.perSecond;
  }

  /**
   * Records an answer sent to an authenticated stale datagram of `peer`'s start `boot` at `epoch`.
   * Returns true once per track when the answers to that very (start, epoch) reach CONFLICT_ANSWERS
   * over CONFLICT_SPAN_MS: a start that keeps sending one stale epoch for seconds is not healing (a
   * node told STALE leaves that epoch within a round trip and a store write) but a second process,
   * which stops renewing at the conflict ([SW-12.4-5]) ([SW-12.4-12]).
   */
  answeredTo(peer: string, boot: Uint8Array, epoch: number, now: number): boolean {
    this.answered++;
    const key = `${peer}/${hex(boot)}/${epoch}`;
    let t = this.tracks.get(key);
    if (t === undefined) {
      if (this.tracks.size >= TRACKED_STARTS) this.tracks.delete(this.tracks.keys().next().value!);
      this.tracks.set(key, (t = { count: 0, since: now, reported: false }));
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
