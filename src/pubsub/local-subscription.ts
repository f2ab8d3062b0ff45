/**
 * One application subscription (the `Subscription` of messaging/api.ts): an async iterable over a
 * bounded buffer, or a callback. Shared by the device engine and the hub's own application.
 *
 * Buffer contract: at most `bufferLimit` publications wait for the iterator; when a new one arrives
 * at the limit, the oldest waiting QoS 0 publication is dropped (counted in `dropped`), or the new
 * one if it is QoS 0 and none waiting is. QoS 1 and 2 publications are never dropped (they were
 * acknowledged to the sender), so the buffer may pass its limit with them only.
 *
 * `granted` contract [SW-15.5-6]: it resolves only with a QoS the hub granted (its SUBACK), rejects
 * with SubscriptionRefusedError when the hub refused, and with SubscriptionEndedError when the
 * subscription ends first (unsubscribe, abort, close): it never reports a grant nobody made, and
 * never stays pending once the subscription has ended. While the hub does not answer, it waits.
 * @module
 */
import type { Publication, Subscription } from '../messaging/api.js';
import type { QoS } from '../messaging/ops.js';
import { SubscriptionEndedError } from './errors.js';

export const DEFAULT_BUFFER_LIMIT = 1024;

const DONE: IteratorResult<Publication> = { done: true, value: undefined };

export class LocalSubscription implements Subscription {
  readonly granted: Promise<QoS>;
  private settleGranted!: { resolve: (q: QoS) => void; reject: (e: Error) => void };
  private isGranted = false;
  private droppedCount = 0;
  private readonly buffer: Publication[] = [];
  private readonly waiters: Array<(r: IteratorResult<Publication>) => void> = [];
  private ended = false;
  private unsubscribed: Promise<void> | undefined;

  /**
   * `qos` is the highest QoS wanted; `remove` takes the subscription out of its engine (and tells
   * the hub if it was the last local one for its filter); it is called at most once.
   */
  constructor(
    readonly filter: string,
    readonly qos: QoS,
    private readonly bufferLimit: number,
    private readonly callback: ((p: Publication) => void) | undefined,
    private readonly remove: (s: LocalSubscription) => Promise<void>,
  ) {
    this.granted = new Promise<QoS>((resolve, reject) => (this.settleGranted = { resolve, reject }));
    // A refusal the application never awaits must not become an unhandled rejection.
    this.granted.catch(() => undefined);
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get active(): boolean {
    return !this.ended;
  }

  /** The hub granted `qos` (idempotent: a later SYNC answer does not settle it again). */
  grant(qos: QoS): void {
    if (this.isGranted) return;
    this.isGranted = true;
    this.settleGranted.resolve(qos);
  }

  /** The hub refused it: `granted` rejects with `error` and the subscription ends. */
  refuse(error: Error): void {
    if (!this.isGranted) this.settleGranted.reject(error);
    this.isGranted = true;
    this.end();
  }

  /** Hands one publication to the callback or the buffer (see the module comment). */
  deliver(p: Publication): void {
    if (this.ended) return;
    if (this.callback !== undefined) {
      try {
        this.callback(p);
      } catch (e) {
        // an application error never reaches the network path; it surfaces as uncaught
        queueMicrotask(() => {
          throw e;
        });
      }
      return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) return w({ done: false, value: p });
    if (this.buffer.length >= this.bufferLimit) {
      const i = this.buffer.findIndex((b) => b.qos === 0);
      if (i >= 0) {
        this.buffer.splice(i, 1);
        this.droppedCount++;
      } else if (p.qos === 0) {
        this.droppedCount++;
        return;
      }
    }
    this.buffer.push(p);
  }

  /** Ends the iteration (publications already buffered are still yielded); `granted`, if unanswered, rejects. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.isGranted) {
      this.isGranted = true;
      this.settleGranted.reject(new SubscriptionEndedError(this.filter));
    }
    for (const w of this.waiters.splice(0)) w(DONE);
  }

  unsubscribe(): Promise<void> {
    this.end();
    return (this.unsubscribed ??= this.remove(this));
  }

  [Symbol.asyncIterator](): AsyncIterator<Publication> {
    return {
      next: () => {
        const p = this.buffer.shift();
        if (p !== undefined) return Promise.resolve({ done: false, value: p });
        if (this.ended) return Promise.resolve(DONE);
        return new Promise((resolve) => this.waiters.push(resolve));
      },
      return: async () => {
        await this.unsubscribe();
        return DONE;
      },
    };
  }
}
