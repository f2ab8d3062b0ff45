// The full profile's silence backoff, [SW-14.4-14] and [SW-14.4-15] (spec 14.4), and the FORWARD
// backoff, [SW-14.7-10] (spec 14.7), written from the spec text only.
//
// Silence backoff. s counts steps. A retransmission timeout ([SW-14.4-13]) counts a step when the
// transmission it declares lost was sent after the previous step (in the sender's send order: the
// step's own datagram, sent in the same ms just after the step, is after it) and at least the step's
// distance, min(SILENCE_MAX_STEP, RTO × 2^max(0, s − 1 − SILENCE_FAST_STEPS)), passed since the
// previous step; the first timeout (s = 0, no previous step) always counts. While s > 0 at most one
// datagram with reliable fragments goes per step. An ACK that acknowledges something new, or whose CUM
// is higher than any before, sets s to 0 (the scenarios have no ECHO, restart or CHALLENGE step; a
// `heard` keepalive does not end it). The readings below are now stated in the spec's text.
//
// Open points: the spec text admits more than one reading; the one taken here, and why:
// 1. s in the distance formula is the number of steps counted so far, before this one (so steps 1 to
//    10 are RTO apart: nine intervals, where the prose says "the first 8 steps"). Read as the new
//    step's number, reliability.json #52 would not send its tenth step's datagram at 3300, 1 RTO after
//    the ninth, as the vector does.
// 2. A probe ([SW-14.4-6]) that falls due while the backoff holds the datagram is not sent but counts
//    in k (the probe time backs off as if it had been sent). #52 needs k to grow (next probe 4500,
//    not 4200, after the step at 3900); "the held probe is owed and the step's datagram counts as
//    it" gives the same numbers there.
// 3. "at once when the step is counted": towards a sleeping peer (14.9) the step's datagram stays
//    owed until the peer listens; a timeout while the peer sleeps still counts a step (#47 needs one
//    of: the datagram owed until sent, or no step counted while the peer sleeps).
// 4. [SW-14.4-15]: an early timeout (a transmission sent after the previous step, timed out before the
//    distance passed) leaves a pending step at previous step + distance, counted at the first time at
//    or after it when no retransmission timer runs (not only at that instant: a timer still running
//    then may be one of a transmission sent before the previous step, whose timeout counts nothing).
//    "The peer was not heard meanwhile" is read as "s was not set to 0" (a `heard` keepalive does not
//    cancel it: cancelled while s > 0, nothing would ever send the lost fragments again). #52 does
//    not reach this rule.
// 5. Within one tick, timers expire before a probe is examined (a timer and a probe due in the same
//    ms leave nothing in flight, so no probe). #52 needs it: probe first, the held probe at 3600
//    would be spent and the next deadline be 3900, not 3800.

export const SILENCE_FAST_STEPS = 8; // 20.3
export const SILENCE_MAX_STEP = 4_000; // 20.3, as PROBE_MAX_INTERVAL

export class SilenceBackoff {
  /** s: steps counted since the peer last heard this node. */
  s = 0;
  /** Time and send-order mark of the previous step (null before the first). */
  private stepAt: number | null = null;
  private stepSeq = -1;
  /** Whether the current step's one datagram is still owed (not sent yet). */
  private owed = false;
  /** [SW-14.4-15]: when an early timeout's step comes, or null. */
  private pendingAt: number | null = null;

  /** The distance to the next step: s is the count of steps so far. */
  distance(rto: number): number {
    return Math.min(SILENCE_MAX_STEP, rto * 2 ** Math.max(0, this.s - 1 - SILENCE_FAST_STEPS));
  }

  private step(now: number, seqNow: number): void {
    this.s++;
    this.stepAt = now;
    this.stepSeq = seqNow;
    this.owed = true;
    this.pendingAt = null;
  }

  /**
   * A retransmission timer fired at `now` for a transmission whose send order is `sentSeq`; `seqNow`
   * is the sender's next send-order mark (every later transmission gets it or a larger one).
   */
  onTimeout(now: number, sentSeq: number, rto: number, seqNow: number): void {
    if (this.stepAt === null) { this.step(now, seqNow); return; }
    if (sentSeq < this.stepSeq) return; // sent before the previous step: counts nothing [SW-14.4-14]
    const at = this.stepAt + this.distance(rto);
    if (now >= at) this.step(now, seqNow);
    else if (this.pendingAt === null || at < this.pendingAt) this.pendingAt = at; // [SW-14.4-15]
  }

  /** After the timers of a tick: a pending step counts once due and no retransmission timer runs. */
  onTick(now: number, timerRunning: boolean, seqNow: number): void {
    if (this.s > 0 && this.pendingAt !== null && now >= this.pendingAt && !timerRunning) this.step(now, seqNow);
  }

  /** Whether a datagram with reliable fragments may go now. */
  maySend(): boolean { return this.s === 0 || this.owed; }

  /** A datagram with reliable fragments went: the step's datagram, if the backoff runs. */
  sent(): void { this.owed = false; }

  /** The peer hears this node ([SW-14.4-14]): an ACK that acknowledges something new or raises CUM. */
  reset(): void {
    this.s = 0;
    this.stepAt = null;
    this.stepSeq = -1;
    this.owed = false;
    this.pendingAt = null;
  }

  /** The time of the pending step of [SW-14.4-15], when no timer runs (a running timer is a deadline itself). */
  deadline(timerRunning: boolean): number | null {
    return this.s > 0 && this.pendingAt !== null && !timerRunning ? this.pendingAt : null;
  }
}

/**
 * [SW-14.7-10]: a stand-alone FORWARD goes again min(MAX_RTO, RTO × 2^(f − 1)) after the last FORWARD,
 * f the FORWARD frames sent since an ACK last raised CUM (which sets f to 0).
 */
export class ForwardBackoff {
  private f = 0;
  private lastAt: number | null = null;

  /** When the next stand-alone FORWARD is due: at once if none was sent yet. */
  dueAt(now: number, rto: number, maxRto: number): number {
    if (this.lastAt === null || this.f === 0) return now; // FLOOR first passing CUM: at once [SW-14.7-5]
    return this.lastAt + Math.min(maxRto, rto * 2 ** (this.f - 1));
  }

  sent(now: number): void { this.f++; this.lastAt = now; }

  cumRaised(): void { this.f = 0; }
}
