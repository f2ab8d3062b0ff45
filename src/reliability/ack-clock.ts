/**
 * The ACK clock of one link's unreliable messages [SW-14.8-7]: how many of them the peer has shown
 * it handled. Nothing acknowledges an unreliable message, but every reliable fragment does: an ACK
 * that reports a fragment received shows that the peer handled the datagram that carried its first
 * transmission, and with it (datagrams queue in order in the peer's socket buffer) every unreliable
 * message transmitted before or beside it. So each fragment is stamped, at its first transmission,
 * with the count of unreliable messages transmitted so far, and an ACK covers the largest stamp it
 * reports. Any reliable traffic clocks the unreliable stream, markers only where there is none
 * (the node's waiting line, ReliableMode, makes them).
 *
 * A retransmitted fragment keeps its first stamp: the ACK may answer either copy (Karn), and the
 * first is the conservative reading. Pure: no clock, no I/O.
 * @module
 */
import type { AckFrame, MsgFrame } from './frames.js';

export class AckClock {
  /** Unreliable messages handed to the link (queued or transmitted). */
  handed = 0;
  /** Unreliable messages transmitted (taken into datagrams). */
  sent = 0;
  /** Of those, how many an ACK showed the peer handled: the largest stamp it reported received. */
  covered = 0;
  /** Reliable ids transmitted and not yet reported received, each with `sent` at its first transmission. */
  private readonly stamps = new Map<number, number>();

  /** Unreliable messages handed over that no ACK covers yet (queued ones included). */
  get uncovered(): number {
    return this.handed - this.covered;
  }

  /** The MSG frames of one datagram, in the order they were put in it (unreliable ones first, [SW-14.10-1]). */
  transmitted(frames: readonly MsgFrame[]): void {
    for (const f of frames) {
      if (f.id === undefined) this.sent++;
      else if (!this.stamps.has(f.id)) this.stamps.set(f.id, this.sent);
    }
  }

  /** An ACK from the peer: every stamped id it reports received (below CUM or in a range) is covered. */
  acked(a: AckFrame): void {
    if (this.stamps.size === 0) return;
    for (const [id, stamp] of this.stamps) {
      if (id >= a.cum && !a.ranges.some((r) => id >= r.start && id < r.end)) continue;
      if (stamp > this.covered) this.covered = stamp;
      this.stamps.delete(id);
    }
  }

  /**
   * Counts everything handed over before `position` and transmitted as covered: a marker given up
   * (the peer did not answer in the marker's wait) must not close the clock for good; the peer's
   * silence is liveness's business, not the clock's. What is still queued waits for a later cover.
   */
  cover(position: number): void {
    this.covered = Math.max(this.covered, Math.min(position, this.sent));
  }

  /** The peer restarted, or this link's ids started again: its buffer starts empty and old ids mean nothing. */
  reset(): void {
    this.covered = this.handed;
    this.stamps.clear();
  }
}
