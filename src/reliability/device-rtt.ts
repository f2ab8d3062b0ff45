/**
 * Round-trip time and the one backed-off retransmission timer of the device profile (spec 14.12),
 * in whole milliseconds and integer operations only: the RFC 6298 estimator of rtt.ts (its gains
 * 1/8 and 1/4 as rounded integer divisions), and the timer kept at RTO for a few expiries, then
 * doubled up to a cap, spread by a random byte. A device without an FPU computes exactly these
 * numbers. Pure: no clock.
 * @module
 */
import { RTT_DEFAULTS, RttEstimator } from './rtt.js';
import { DEVICE_FAST_STEPS, DEVICE_JITTER_DIVISOR, DEVICE_MAX_BACKOFF_MS, DEVICE_MAX_BACKOFF_STEPS } from './device-constants.js';

export class DeviceRtt extends RttEstimator {
  constructor(private readonly maxBackoffMs = DEVICE_MAX_BACKOFF_MS) {
    super(RTT_DEFAULTS); // the estimator of [SW-14.12-5] is the full profile's, in whole ms [SW-14.4-10]
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
