/**
 * The publisher's side of refusals [SW-15.4-4]: each QoS 1 or 2 publication to the hub carries a REF
 * unique among those not yet acknowledged; a PUBNACK naming it arrives before its acknowledgement
 * (the hub releases the acknowledgement only once the PUBNACK was acknowledged), so when the
 * acknowledgement comes the publication's promise rejects with the refusal instead of resolving.
 * @module
 */
import { refusalError } from './errors.js';

const REF_SPACE = 0x10000;

export class PublishRefs {
  private readonly waiting = new Map<number, { readonly topic: string; reason?: number }>();
  private next = 0;

  /** A REF for a publication to `topic`, or undefined when 65,536 are waiting (it is sent without one). */
  take(topic: string): number | undefined {
    if (this.waiting.size >= REF_SPACE) return undefined;
    while (this.waiting.has(this.next)) this.next = (this.next + 1) % REF_SPACE;
    const ref = this.next;
    this.next = (this.next + 1) % REF_SPACE;
    this.waiting.set(ref, { topic });
    return ref;
  }

  /** A PUBNACK from the hub: whether a publication waited for it (if not, the caller counts it). */
  refused(ref: number, reason: number): boolean {
    const w = this.waiting.get(ref);
    if (w === undefined || w.reason !== undefined) return false;
    w.reason = reason;
    return true;
  }

  /** The publication's promise, settled by its acknowledgement and any PUBNACK that came before it. */
  settle(ref: number, sent: Promise<void>): Promise<void> {
    return sent.then(
      () => {
        const w = this.waiting.get(ref);
        this.waiting.delete(ref);
        if (w?.reason !== undefined) throw refusalError(w.topic, w.reason);
      },
      (e: unknown) => {
        this.waiting.delete(ref);
        throw e;
      },
    );
  }
}
