/**
 * The two backoffs that keep a sender quiet towards a silent peer (spec 14.4, 14.7): the silence
 * backoff of [SW-14.4-14] (one datagram of reliable fragments per step while retransmission timeouts
 * go unanswered) and the FORWARD backoff of [SW-14.7-10]. Per-fragment timers alone let each new
 * message bring its own short timer, and a FORWARD went every RTO: a peer frozen or cut off for 30 s
 * was sent several datagrams a second for as long as it was silent. Pure: times are passed in.
 * @module
 */
import { SILENCE_FAST_STEPS, SILENCE_MAX_STEP_MS } from './constants.js';
import type { RttEstimator } from './rtt.js';

/** The silence backoff [SW-14.4-14]: steps of unanswered timeouts, min(SILENCE_MAX_STEP, RTO x 2^max(0, s-1-SILENCE_FAST_STEPS)) apart at least, one datagram per step. */
export class SilenceBackoff {
  /** Steps since an ACK last acknowledged something new (0: the peer answers). */
  steps = 0;
  private since = -Infinity;
  private lastTxAt = -Infinity;
  /**
   * When a step that a timeout came too early for is due [SW-14.4-15], or Infinity; the sender counts
   * it then (tick) if no retransmission timer is left to count it. Without it, a sender whose last
   * step's fragments all timed out before the step's distance had passed kept no timer at all, and
   * never sent again (a window of 8 at 30% loss found it).
   */
  pendingAt = Infinity;

  /** A retransmission timeout of a transmission sent at `sentAt` fired at `now`. */
  timedOut(sentAt: number, now: number, rtt: RttEstimator): void {
    // a timeout counts only for a transmission sent after the last step, and steps keep their distance
    if (sentAt < this.since) return;
    if (this.steps > 0) {
      // RTO apart for the first SILENCE_FAST_STEPS steps, then doubling up to SILENCE_MAX_STEP [SW-14.4-14]
      const at = this.since + Math.min(SILENCE_MAX_STEP_MS, rtt.backedOff(Math.max(1, this.steps - SILENCE_FAST_STEPS), 0, 0));
      if (now < at) return void (this.pendingAt = Math.min(this.pendingAt, at)); // counted then [SW-14.4-15]
    }
    this.step(now);
  }

  /** Counts a deferred step whose time has come [SW-14.4-15] (the sender calls it when no timer is left). */
  tick(now: number): void {
    if (this.pendingAt <= now) this.step(now);
  }

  private step(now: number): void {
    this.steps++;
    this.since = now;
    this.pendingAt = Infinity;
  }

  /** The peer hears us: an ACK acknowledged something new, its restart, a new CHALLENGE of its. */
  heard(): void {
    this.steps = 0;
    this.pendingAt = Infinity;
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
