/**
 * Round-trip time and retransmission timeout, as RFC 6298 (spec 14.4): SRTT and RTTVAR from samples,
 * RTO = SRTT + max(G, 4 RTTVAR) clamped to [min, max], and Karn's rule (the caller takes samples
 * only from messages transmitted once). Pure: no clock; the caller passes measured samples.
 * @module
 */
import { CLOCK_GRANULARITY_MS, INITIAL_RTO_MS, MAX_RTO_MS, MIN_RTO_MS, RTO_FAST_RETRANSMISSIONS } from './constants.js';

export interface RttConfig {
  readonly initialRtoMs: number;
  readonly minRtoMs: number;
  readonly maxRtoMs: number;
  readonly granularityMs: number;
}

export const RTT_DEFAULTS: RttConfig = {
  initialRtoMs: INITIAL_RTO_MS,
  minRtoMs: MIN_RTO_MS,
  maxRtoMs: MAX_RTO_MS,
  granularityMs: CLOCK_GRANULARITY_MS,
};

export class RttEstimator {
  /** Smoothed RTT and its variation (ms), undefined before the first sample. */
  srtt: number | undefined;
  rttvar: number | undefined;
  /** The latest sample (ms), undefined before the first. */
  latest: number | undefined;
  /** Current retransmission timeout (ms), before backoff. */
  rto: number;

  constructor(readonly config: RttConfig = RTT_DEFAULTS) {
    this.rto = config.initialRtoMs; // RFC 6298 (2.1)
  }

  /** Adds one sample R (ms, > 0) and recomputes RTO (RFC 6298 2.2 and 2.3). */
  sample(r: number): void {
    if (!(r > 0)) return;
    this.latest = r;
    if (this.srtt === undefined || this.rttvar === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r); // beta = 1/4, with the old SRTT
      this.srtt = 0.875 * this.srtt + 0.125 * r; // alpha = 1/8
    }
    const c = this.config;
    this.rto = Math.min(c.maxRtoMs, Math.max(c.minRtoMs, this.srtt + Math.max(c.granularityMs, 4 * this.rttvar)));
  }

  /** Takes an estimate kept while a link was set aside ([SW-14.13-2]); RTO follows from it as in sample(). */
  restore(srtt: number, rttvar: number): void {
    this.srtt = srtt;
    this.rttvar = rttvar;
    const c = this.config;
    this.rto = Math.min(c.maxRtoMs, Math.max(c.minRtoMs, srtt + Math.max(c.granularityMs, 4 * rttvar)));
  }

  /**
   * The probe timeout [SW-14.4-6] before backoff: SRTT + max(G, 4 RTTVAR), plus MAX_ACK_DELAY when a
   * lone fragment is in flight (its receiver may hold the ACK that long), or undefined before any
   * sample (the retransmission timers alone act until then).
   */
  pto(loneFragment: boolean, maxAckDelay: number): number | undefined {
    if (this.srtt === undefined || this.rttvar === undefined) return undefined;
    return this.srtt + Math.max(this.config.granularityMs, 4 * this.rttvar) + (loneFragment ? maxAckDelay : 0);
  }

  /** Time after which a fragment sent before an acknowledged one is lost [SW-14.4-5]; Infinity before any sample. */
  lossDelay(threshold: number): number {
    if (this.srtt === undefined) return Infinity; // no time threshold before the first sample
    const base = Math.max(this.srtt, this.latest ?? 0);
    return Math.max(this.config.granularityMs, threshold * base);
  }

  /**
   * RTO doubled per earlier step `n` (n >= 1: RTO itself; RFC 6298 5.5), capped at the maximum, then
   * spread by `jitter` * `random` (random in [0, 1)): the silence backoff's steps and FORWARD's.
   */
  backedOff(n: number, jitter: number, random: number): number {
    const base = Math.min(this.config.maxRtoMs, this.rto * 2 ** Math.min(Math.max(n - 1, 0), 30));
    return base * (1 + jitter * random);
  }

  /**
   * The timer of a fragment's `n`-th transmission (n >= 1) [SW-14.4-13]: RTO for its first
   * RTO_FAST_RETRANSMISSIONS retransmissions, then doubled per transmission, capped and spread as
   * backedOff. A peer that answers while a fragment keeps being lost (a lossy radio) is not left
   * waiting 2^n RTO; one that does not answer is held by the silence backoff ([SW-14.4-14]).
   */
  fragmentTimeout(n: number, jitter: number, random: number): number {
    return this.backedOff(Math.max(1, n - RTO_FAST_RETRANSMISSIONS), jitter, random);
  }
}
