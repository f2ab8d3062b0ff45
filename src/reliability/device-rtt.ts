/**
 * Round-trip time and the one backed-off retransmission timer of the device profile (spec 14.12),
 * in whole milliseconds and integer operations only: RFC 6298's estimator with its fractions 1/8
 * and 1/4 done as rounded integer divisions, and the timer kept at RTO for a few expiries, then
 * doubled up to a cap, spread by a random byte. A device without an FPU computes exactly these
 * numbers. (The full profile keeps RFC 6298's fractions, rtt.ts: see [SW-14.4-10].) Pure: no clock.
 * @module
 */
import { CLOCK_GRANULARITY_MS, INITIAL_RTO_MS, MAX_RTO_MS, MIN_RTO_MS } from './constants.js';
import { DEVICE_FAST_STEPS, DEVICE_JITTER_DIVISOR, DEVICE_MAX_BACKOFF_MS, DEVICE_MAX_BACKOFF_STEPS } from './device-constants.js';

export class DeviceRtt {
  /** Smoothed RTT and its variation, whole ms; undefined before the first sample. */
  srtt: number | undefined;
  rttvar: number | undefined;
  /** Retransmission timeout before backoff, whole ms. */
  rto = INITIAL_RTO_MS;

  constructor(private readonly maxBackoffMs = DEVICE_MAX_BACKOFF_MS) {}

  /**
   * One sample R (whole ms, >= 1) [SW-14.12-5]: first SRTT = R, RTTVAR = R div 2; then
   * RTTVAR = (3 RTTVAR + |SRTT - R| + 2) div 4 with the old SRTT, SRTT = (7 SRTT + R + 4) div 8
   * (RFC 6298's 1/4 and 1/8, rounded half up); RTO = SRTT + max(G, 4 RTTVAR) in [MIN_RTO, MAX_RTO].
   */
  sample(r: number): void {
    if (!(r >= 1)) return;
    r = Math.floor(r);
    if (this.srtt === undefined || this.rttvar === undefined) {
      this.srtt = r;
      this.rttvar = Math.floor(r / 2);
    } else {
      this.rttvar = Math.floor((3 * this.rttvar + Math.abs(this.srtt - r) + 2) / 4);
      this.srtt = Math.floor((7 * this.srtt + r + 4) / 8);
    }
    this.rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * this.rttvar)));
  }

  /** Takes an estimate kept while a link was set aside ([SW-14.13-2]); RTO follows as in sample(). */
  restore(srtt: number, rttvar: number): void {
    this.srtt = srtt;
    this.rttvar = rttvar;
    this.rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * rttvar)));
  }

  /**
   * The timer after `k` expiries without progress, with random byte `b` (0-255) [SW-14.12-6]:
   * T = min(cap, RTO x 2^max(0, k - DEVICE_FAST_STEPS)), then T + T x b div 1024 (up to +25%).
   * The first DEVICE_FAST_STEPS expiries keep it at RTO: at 30% loss half the steps of a live peer
   * go unanswered, and doubling on each stalled an ordered channel for a minute and more; a dead
   * peer stays silent past them, and from then on each expiry doubles the timer up to the cap.
   */
  timer(k: number, b: number): number {
    const e = Math.min(Math.max(0, k - DEVICE_FAST_STEPS), DEVICE_MAX_BACKOFF_STEPS);
    const t = Math.min(this.maxBackoffMs, this.rto * 2 ** e);
    return t + Math.floor((t * b) / DEVICE_JITTER_DIVISOR);
  }
}

/** The random byte of [SW-14.12-6] from a uniform draw in [0, 1) (the SDK's injected random). */
export function randomByte(random: () => number): number {
  return Math.min(255, Math.floor(random() * 256));
}
