/**
 * Drop counters by reason [SW-6.2-1]: the operator's view of traffic the protocol stays silent to.
 * @module
 */
import { DROP_REASONS, type DropReason } from '../wire/drop-reason.js';

/**
 * What the receive path knows about a dropped datagram, for a debug log.
 * @group Events
 */
export interface DropInfo {
  readonly reason: DropReason;
  /** Sender id and generation when the header carried them (FULL) or the index resolved them. */
  readonly senderId?: string;
  readonly gen?: number;
}

export class DropCounters {
  private readonly counts = new Map<DropReason, number>(DROP_REASONS.map((r) => [r, 0]));
  total = 0;

  add(reason: DropReason): void {
    this.counts.set(reason, this.counts.get(reason)! + 1);
    this.total++;
  }

  get(reason: DropReason): number {
    return this.counts.get(reason)!;
  }

  /** Non-zero counts, keyed by reason. */
  snapshot(): Partial<Record<DropReason, number>> {
    const out: Partial<Record<DropReason, number>> = {};
    for (const [r, n] of this.counts) if (n > 0) out[r] = n;
    return out;
  }
}
