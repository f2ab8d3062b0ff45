/**
 * Which fragments in flight an acknowledgement shows lost (spec 14.4): the packet threshold of
 * [SW-14.4-4] and the time threshold of [SW-14.4-5], both counted on the sender's own send order
 * (a retransmission keeps its id, so ids cannot order transmissions), and no more of them than the
 * peer can be missing when its WINDOW says it holds some unacknowledged ([SW-14.4-12]). Pure: the
 * caller passes the fragments, the acknowledged transmissions and the time.
 * @module
 */
import { DUP_THRESH } from './constants.js';
import type { AckFrame } from './frames.js';

/**
 * H of [SW-14.4-12]: how many messages the peer holds and leaves out of `a`, as its WINDOW shows:
 * max(0, Wmax - WINDOW - the ids a's ranges cover), `windowMax` being the largest WINDOW seen (a included).
 */
export function heldByPeer(windowMax: number, a: AckFrame): number {
  let covered = 0;
  for (const r of a.ranges) covered += r.end - r.start;
  return Math.max(0, windowMax - a.window - covered);
}

/**
 * The highest id the thresholds may declare lost when the peer holds `held` of `candidates`
 * ([SW-14.4-12]): the n-th lowest id, n = |candidates| - held; 0 (none) when n <= 0; Infinity (any)
 * when nothing is held. Each held message waits for a lower id, so the lowest are the missing ones.
 */
export function lossCeiling(candidates: ReadonlyArray<{ readonly id: number }>, held: number): number {
  if (held <= 0) return Infinity;
  const n = candidates.length - held;
  if (n <= 0) return 0;
  const ids = candidates.map((f) => f.id).sort((x, y) => x - y);
  return ids[n - 1]!;
}

/** What loss detection reads and writes of a fragment in flight. */
export interface InFlight {
  readonly id: number;
  /** Local order of its latest transmission (larger = sent later). */
  readonly seq: number;
  readonly sentAt: number;
  /** Acknowledged transmissions sent after its latest one. */
  sackedAbove: number;
}

export interface LossScan<F> {
  /** Fragments to declare lost, in the order given. */
  readonly lost: F[];
  /** Earliest time at which a fragment left in flight crosses the time threshold, or Infinity. */
  readonly lossTimer: number;
}

/**
 * Scans `inFlight` (transmitted, not lost, not acknowledged) after an ACK that acknowledged the
 * transmissions `ackedSeqs` (sorted ascending, possibly empty). `largestAckedSeq` is the latest
 * transmission ever acknowledged; `lossDelay` the time threshold (9/8 max(SRTT, latest RTT)).
 * Fragments above `ceiling` (lossCeiling) are counted but neither declared lost nor given a
 * time-threshold check: the peer may hold them [SW-14.4-12].
 */
export function scanLosses<F extends InFlight>(inFlight: Iterable<F>, ackedSeqs: readonly number[], largestAckedSeq: number, now: number, lossDelay: number, ceiling = Infinity): LossScan<F> {
  const lost: F[] = [];
  let lossTimer = Infinity;
  for (const f of inFlight) {
    if (f.seq >= largestAckedSeq) continue; // nothing sent after it was acknowledged
    if (ackedSeqs.length > 0) f.sackedAbove += ackedSeqs.length - upperBound(ackedSeqs, f.seq);
    if (f.id > ceiling) continue;
    if (f.sackedAbove >= DUP_THRESH || now - f.sentAt >= lossDelay) lost.push(f);
    else lossTimer = Math.min(lossTimer, f.sentAt + lossDelay);
  }
  return { lost, lossTimer };
}

/** Number of elements of sorted `a` that are <= x. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
