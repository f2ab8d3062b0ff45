/**
 * The local subscriptions of one node's application, indexed by filter: delivery of one publication
 * to every matching local subscription, once each [SW-15.4-3].
 * @module
 */
import type { Publication, SubscribeOptions } from '../messaging/api.js';
import type { QoS } from '../messaging/ops.js';
import { InvalidArgumentError } from '../errors.js';
import { LocalSubscription } from './local-subscription.js';
import { minQos, publication } from './publication.js';
import { TopicTree } from './topic-tree.js';
import { validateTopicFilter } from './topic.js';

export class LocalSubscriptions {
  private readonly tree: TopicTree<LocalSubscription>;
  /** filter -> its local subscriptions, for the QoS a hub is asked for. */
  private readonly byFilter = new Map<string, Set<LocalSubscription>>();

  constructor(private readonly bufferLimit: number, maxFilters?: number) {
    if (!Number.isInteger(bufferLimit) || bufferLimit < 1) throw new InvalidArgumentError('bufferLimit must be an integer >= 1');
    this.tree = new TopicTree({ ...(maxFilters !== undefined && { maxFilters }) });
  }

  /**
   * Makes a subscription (throws InvalidTopicError for an invalid filter, InvalidArgumentError for a
   * bad QoS, SubscriptionLimitError at the index's limit; nothing changes then). `remove` runs when
   * the application ends it, after it was taken out of this index.
   */
  add(filter: string, options: SubscribeOptions, callback: ((p: Publication) => void) | undefined, remove: (s: LocalSubscription) => Promise<void>): LocalSubscription {
    validateTopicFilter(filter);
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${String(qos)}`);
    if (callback !== undefined && typeof callback !== 'function') throw new InvalidArgumentError('callback must be a function');
    const sub = new LocalSubscription(filter, qos, this.bufferLimit, callback, (s) => {
      this.delete(s);
      return remove(s);
    });
    this.tree.add(filter, sub);
    let set = this.byFilter.get(filter);
    if (set === undefined) this.byFilter.set(filter, (set = new Set()));
    set.add(sub);
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) queueMicrotask(() => void sub.unsubscribe());
      else signal.addEventListener('abort', () => void sub.unsubscribe(), { once: true });
    }
    return sub;
  }

  /** Takes `s` out of the index (idempotent). */
  delete(s: LocalSubscription): void {
    if (!this.tree.remove(s.filter, s)) return;
    const set = this.byFilter.get(s.filter);
    set?.delete(s);
    if (set?.size === 0) this.byFilter.delete(s.filter);
  }

  /** The highest QoS wanted for `filter`, or undefined if no local subscription holds it. */
  qosOf(filter: string): QoS | undefined {
    const set = this.byFilter.get(filter);
    if (set === undefined) return undefined;
    let q: QoS = 0;
    for (const s of set) if (s.qos > q) q = s.qos;
    return q;
  }

  /** Every filter held, with its highest QoS (the content of a SYNC). */
  filters(): Array<{ filter: string; qos: QoS }> {
    return [...this.byFilter.keys()].map((filter) => ({ filter, qos: this.qosOf(filter)! }));
  }

  /** The subscriptions of `filter`. */
  of(filter: string): LocalSubscription[] {
    return [...(this.byFilter.get(filter) ?? [])];
  }

  /** Delivers one publication to every matching subscription, once each; returns how many. */
  deliver(topic: string, payload: Uint8Array, qos: QoS, retained: boolean, from: string): number {
    let n = 0;
    this.tree.forEachMatch(topic, (s) => {
      n++;
      s.deliver(publication(topic, payload, minQos(qos, s.qos), retained, from));
    });
    return n;
  }

  /** Ends every subscription (close). */
  endAll(): void {
    for (const set of this.byFilter.values()) for (const s of set) s.end();
  }
}
