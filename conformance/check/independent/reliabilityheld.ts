// The sender's rule "Held, not missing", [SW-14.4-12] (spec 14.4), written from the spec text only.
// Wmax is the largest WINDOW of the peer's ACKs (0 before any ACK; the scenarios never restart the
// peer, [SW-14.7-4]); every ACK processed sets H = max(0, Wmax − WINDOW − L), L the ids its ranges
// cover. While H > 0:
// - of the fragments F the thresholds of [SW-14.4-4] and [SW-14.4-5] examine (in flight, latest
//   transmission sent before the latest acknowledged one), only the |F| − H with the lowest ids may be
//   declared lost by them; the others get no time-threshold check either;
// - a probe with nothing declared lost resends the max(1, I − H) lowest fragments in flight, as many
//   as fit, lowest first, and never the newest ones ([SW-14.4-6]); new fragments follow.

export interface HeldFrag { id: number; frameLen: number }
/** What the thresholds need of a fragment: its latest transmission's place in send order, and its state. */
export interface ScannedFrag extends HeldFrag { seq: number; tx: number; inflight: boolean; acked: boolean; givenUp: boolean }

export class HeldEstimate {
  private wmax = 0;
  /** H of the latest ACK processed. */
  h = 0;

  /** Takes Wmax and H from an ACK (Wmax first, so an ACK with the largest WINDOW yet gives H = 0). */
  onAck(window: number, ranges: readonly { start: number; end: number }[]): void {
    this.wmax = Math.max(this.wmax, window);
    const covered = ranges.reduce((n, r) => n + (r.end - r.start), 0);
    this.h = Math.max(0, this.wmax - window - covered);
  }

  /**
   * Of F, the fragments the thresholds examine (in flight, latest transmission sent before the latest
   * acknowledged one; `all` is every fragment), those the thresholds may declare lost.
   */
  eligible<T extends ScannedFrag>(all: readonly T[]): Set<T> {
    const latest = Math.max(-1, ...all.filter((g) => g.acked && !g.givenUp && g.tx > 0).map((g) => g.seq));
    const examined = all.filter((f) => f.inflight && f.seq < latest);
    if (this.h === 0) return new Set(examined);
    const n = Math.max(0, examined.length - this.h);
    return new Set([...examined].sort((a, b) => a.id - b.id).slice(0, n));
  }

  /**
   * A probe's fragments in flight while H > 0 (null when H = 0: the rules of [SW-14.4-6] alone): the
   * max(1, I − H) lowest of the I in flight, as many as fit in `room`, lowest first.
   */
  probePick<T extends HeldFrag>(inflight: readonly T[], room: number): T[] | null {
    if (this.h === 0) return null;
    const lowest = [...inflight].sort((a, b) => a.id - b.id).slice(0, Math.max(1, inflight.length - this.h));
    const pick: T[] = [];
    let left = room;
    for (const f of lowest) { if (f.frameLen > left) break; pick.push(f); left -= f.frameLen; }
    return pick;
  }
}
