/**
 * The two backoffs that keep a sender quiet towards a silent peer (spec 14.4, 14.7): the silence
 * backoff of [SW-14.4-9] (one datagram of reliable fragments per step while retransmission timeouts
 * go unanswered) and the FORWARD backoff of [SW-14.7-10]. Per-fragment timers alone let each new
 * message bring its own short timer, and a FORWARD went every RTO: a peer frozen or cut off for 30 s
 * was sent several datagrams a second for as long as it was silent. Pure: times are passed in.
 * @module
 */
import { SILENCE_MAX_STEP_MS } from './constants.js';
import type { RttEstimator } from './rtt.js';

/** The silence backoff [SW-14.4-9]: steps of unanswered timeouts, min(SILENCE_MAX_STEP, RTO x 2^(s-1)) apart at least, one datagram per step. */
export class SilenceBackoff {
  /** Steps since an ACK last acknowledged something new (0: the peer answers). */
  steps = 0;
  private since = -Infinity;
  private lastTxAt = -Infinity;

  /** A retransmission timeout of a transmission sent at `sentAt` fired at `now`. */
  timedOut(sentAt: number, now: number, rtt: RttEstimator): void {
    // a timeout counts only for a transmission sent after the last step, and steps keep their distance
    if (sentAt < this.since) return;
    if (this.steps > 0 && now < this.since + Math.min(SILENCE_MAX_STEP_MS, rtt.backedOff(this.steps, 0, 0))) return;
    this.steps++;
    this.since = now;
  }

  /** The peer hears us: an ACK acknowledged something new, its restart, a new CHALLENGE of its. */
  heard(): void {
    this.steps = 0;
  }

  /** A datagram with reliable fragments went out. */
  sent(now: number): void {
    this.lastTxAt = now;
  }

  /** Whether a datagram with reliable fragments may go: always while heard, else once per step. */
  get open(): boolean {
    return this.steps === 0 || this.lastTxAt < this.since;
  }
}

/** The FORWARD backoff [SW-14.7-10]: a FORWARD on its own RTO after the last, doubled per FORWARD since CUM last rose. */
export class ForwardBackoff {
  private sentAt = -Infinity;
  private sends = 0;

  /** When a FORWARD goes on its own again. */
  retryAt(rtt: RttEstimator): number {
    return this.sentAt + rtt.backedOff(this.sends, 0, 0);
  }

  sent(now: number): void {
    this.sentAt = now;
    this.sends++;
  }

  /** CUM rose: the backoff starts over. */
  progress(): void {
    this.sends = 0;
  }

  /** Owed again at once (the peer restarted or challenged); `restart` also resets the backoff. */
  due(restart: boolean): void {
    this.sentAt = -Infinity;
    if (restart) this.sends = 0;
  }
}
