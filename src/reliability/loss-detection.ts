/**
 * Which fragments in flight an acknowledgement shows lost (spec 14.4): the packet threshold of
 * [SW-14.4-4] and the time threshold of [SW-14.4-5], both counted on the sender's own send order
 * (a retransmission keeps its id, so ids cannot order transmissions). Pure: the caller passes the
 * fragments, the acknowledged transmissions and the time.
 * @module
 */
import { DUP_THRESH } from './constants.js';

/** What loss detection reads and writes of a fragment in flight. */
export interface InFlight {
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
 */
export function scanLosses<F extends InFlight>(inFlight: Iterable<F>, ackedSeqs: readonly number[], largestAckedSeq: number, now: number, lossDelay: number): LossScan<F> {
  const lost: F[] = [];
  let lossTimer = Infinity;
  for (const f of inFlight) {
    if (f.seq >= largestAckedSeq) continue; // nothing sent after it was acknowledged
    if (ackedSeqs.length > 0) f.sackedAbove += ackedSeqs.length - upperBound(ackedSeqs, f.seq);
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
