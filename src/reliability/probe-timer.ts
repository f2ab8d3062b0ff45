/**
 * The probe timeout of spec 14.4 ([SW-14.4-6], RFC 9002 6.2 and RFC 8985's tail loss probe): when
 * fragments are in flight and nothing new was acknowledged for a PTO after the latest transmission,
 * one probe datagram goes out to draw an ACK, so that a lost tail (the last datagrams of a burst, or
 * their ACK) is found by the thresholds of [SW-14.4-5] within a few round trips instead of at the
 * retransmission timer, and without collapsing the window. Pure: times are passed in.
 * @module
 */
import { MAX_ACK_DELAY_MS, MAX_RTO_MS } from './constants.js';
import type { RttEstimator } from './rtt.js';

export class ProbeTimer {
  /** Probes sent since the last ACK that acknowledged something new. */
  count = 0;
  /** Latest transmission of a reliable fragment (the timer runs from it). */
  lastSentAt = -Infinity;
  /** Probes fired in all (diagnostics). */
  fired = 0;
  /** A probe is owed: the next datagram carries fragments whatever cwnd and pacing say. */
  owed = false;

  /** When the probe timer fires, or Infinity (nothing in flight, or no RTT sample yet). */
  at(rtt: RttEstimator, inFlight: number): number {
    if (inFlight === 0) return Infinity;
    const pto = rtt.pto(inFlight === 1, MAX_ACK_DELAY_MS);
    // doubling per probe without progress, up to MAX_RTO [SW-14.4-6]: a capped exponent (it was 2^6)
    // let a LAN sender, whose PTO is a few ms, probe a silent peer every ~100 ms for as long as it
    // was silent, each new transmission moving T
    return pto === undefined ? Infinity : this.lastSentAt + Math.min(MAX_RTO_MS, pto * 2 ** Math.min(this.count, 30));
  }

  sent(now: number): void {
    this.lastSentAt = now;
    this.owed = false;
  }

  /** An ACK acknowledged something new: the backoff starts over. */
  progress(): void {
    this.count = 0;
  }

  fire(): void {
    this.count++;
    this.fired++;
    this.owed = true;
  }
}
