/**
 * The hub's routing of one publication [SW-18.2-1]: the retained store (a retained publication the
 * store cannot keep is refused whole [SW-15.8-2]), then each subscribed device once, then the local
 * application; and the retained copies a new subscription gets [SW-15.8-1]. With a journal, the
 * publication and the copies owed at QoS 1 and 2 are recorded before anything is acknowledged
 * [SW-18.3-3]; owed copies go through the bounded delivery queues [SW-18.2-3].
 * @module
 */
import type { QoS } from '../messaging/ops.js';
import type { DeliveryQueues } from './delivery-queue.js';
import type { HubForwarder } from './hub-forwarder.js';
import type { HubLedger } from './hub-ledger.js';
import type { HubSessions } from './hub-sessions.js';
import type { HubSinks } from './hub-sinks.js';
import type { LocalSubscriptions } from './local-subscriptions.js';
import { minQos } from './publication.js';
import { RetainedLimitError, type RetainedStore } from './retained-store.js';
import { topicMatches } from './topic.js';

export interface RouterParts {
  readonly self: string;
  readonly now: () => number;
  readonly sessions: HubSessions;
  readonly retained: RetainedStore;
  readonly local: LocalSubscriptions;
  readonly forwarder: HubForwarder;
  readonly queues: DeliveryQueues;
  readonly ledger: HubLedger | undefined;
  /** The retained store changed (a hub without journal saves it). */
  readonly retainedChanged: () => void;
  /** Consumers in the hub's process (the MQTT bridge) that may hold the acknowledgement. */
  readonly sinks?: HubSinks;
}

/** What routing did: refused whole (the retained store could not keep it), or routed (durable once `durable` resolves). */
export type Routed = { readonly refused: RetainedLimitError } | { readonly refused?: undefined; readonly durable: Promise<void> | undefined };

export class HubRouter {
  constructor(private readonly p: RouterParts) {}

  /** `expiresAt` (scheduler time): copies owed to subscribers are given up after it (journaled: a restarted hub gives them up too). */
  route(publisher: string, topic: string, payload: Uint8Array, qos: QoS, retain: boolean, pubId: bigint | undefined, expiresAt?: number): Routed {
    const { self, sessions, ledger } = this.p;
    if (retain) {
      try {
        this.p.retained.set(topic, payload, qos, publisher, this.p.now());
        this.p.retainedChanged();
      } catch (e) {
        if (!(e instanceof RetainedLimitError)) throw e;
        return { refused: e }; // not kept, so not forwarded nor acknowledged as taken [SW-15.8-2]
      }
    }
    const matched = sessions.match(topic);
    matched.delete(self);
    let rec: { seq: number; durable: Promise<void> } | undefined;
    let unowed: (() => void) | undefined;
    if (ledger !== undefined && (qos > 0 || retain)) {
      const targets = new Map<string, QoS>();
      for (const [device, subQos] of matched) if (subQos > 0 && qos > 0) targets.set(device, minQos(qos, subQos));
      const record = (): void => void (rec = ledger.publication({ from: publisher, topic, payload, qos, retain, copy: false, targets, ...(pubId !== undefined && { pubId }), ...(expiresAt !== undefined && targets.size > 0 && { expiresAt }) }));
      // owed to no one, not retained, no QoS 2 window entry: only the publication itself must be
      // durable [SW-18.3-3], and a sink that holds it durably (the MQTT bridge's journaled outbox)
      // is where it is; recorded here only if no sink does (below)
      if (targets.size > 0 || retain || pubId !== undefined) record();
      else unowed = record;
    }
    for (const [device, subQos] of matched) {
      const q = minQos(qos, subQos);
      const f = { topic, payload, qos: q, retain: false, from: publisher, ...(pubId !== undefined && { pubId }), ...(expiresAt !== undefined && { expiresAt }) };
      if (q === 0) this.p.forwarder.forward(device, f);
      else this.p.queues.owe(device, f, rec?.seq);
    }
    this.p.local.deliver(topic, payload, qos, false, publisher);
    const sunk = this.p.sinks?.deliver({ publisher, topic, payload, qos, retain });
    if (sunk === undefined) {
      unowed?.();
      return { durable: rec?.durable };
    }
    return { durable: rec === undefined ? sunk : Promise.all([rec.durable, sunk]).then(() => undefined) };
  }

  /** The retained publications a new subscription of `peer` to `filter` granted at `granted` gets [SW-15.8-1]. */
  retainedFor(peer: string, filter: string, granted: QoS): void {
    const { ledger } = this.p;
    for (const r of this.p.retained.match((t) => topicMatches(filter, t))) {
      // QoS 2 needs the publisher's PUB_ID, which the retained store does not keep: at most QoS 1.
      const q = minQos(minQos(r.qos, granted), 1);
      const from = r.from === '' ? this.p.self : r.from;
      const f = { topic: r.topic, payload: r.payload, qos: q, retain: true, from };
      if (q === 0) {
        this.p.forwarder.forward(peer, { ...f, reliable: true }); // [SW-15.8-5]
        continue;
      }
      // the copy is owed like a publication: it survives a crash before the subscriber has it
      const seq = ledger?.publication({ from, topic: r.topic, payload: r.payload, qos: q, retain: false, copy: true, targets: new Map([[peer, q]]) }).seq;
      this.p.queues.owe(peer, f, seq);
    }
  }
}
