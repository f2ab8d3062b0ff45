/**
 * PubSubHub: the hub side of publish/subscribe (spec 15, 18) over a MessagePort. It keeps the
 * subscriptions of the devices it serves (kept across a device's restart until its SYNC
 * [SW-15.5-3]), checks access control (17.4, 17.5; revoked devices' operations are dropped
 * [SW-18.1-1]), routes publications [SW-18.2-1] through HubForwarder [SW-18.2-2], keeps retained
 * messages [SW-15.8-1], wills [SW-15.9-3], presence [SW-15.9-2] and the QoS 2 window [SW-15.6-2],
 * and persists subscriptions, retained store and window, loaded before it routes [SW-18.3-1]. With a
 * journal it acknowledges a SUBSCRIBE, SYNC, UNSUBSCRIBE, WILL or QoS 1/2 PUBLISH only once its
 * effect is durable (HubLedger, [SW-18.3-3]), and sends again after a crash what it still owed
 * [SW-18.3-5]. Fair limits: per-device retained quotas [SW-15.8-2] and bounded delivery queues
 * [SW-18.2-3]; a publication it does not take is refused to its publisher (PUBNACK [SW-15.4-4]).
 * Routing itself is HubRouter's.
 * The hub's own application publishes and subscribes through the same routing.
 * @module
 */
import type { Publication, PublishOptions, SubscribeOptions, Subscription } from '../messaging/api.js';
import type { MessagePort } from '../messaging/port.js';
import { CONTROL_CHANNEL, PUBLISH_CHANNEL, PUBNACK_LIMIT, PUBNACK_NOT_DURABLE, PUBNACK_REFUSED, SUBACK_REFUSED, SUBACK_LIMIT, type Op, type PublishOp, type QoS, type SubscribeOp, type SyncOp, type WillOp } from '../messaging/ops.js';
import { InvalidArgumentError, NodeClosedError } from '../errors.js';
import { AccessControl } from '../acl/acl.js';
import { PubIdCounter } from './alias-sender.js';
import { IncomingAliases } from './alias-table.js';
import { DEDUPE_KEY, type DedupeWindow } from './dedupe-window.js';
import { DRAIN_TIMEOUT_MS, FORWARD_DEADLINE_MS, HubForwarder } from './hub-forwarder.js';
import { HubPersistence, loadHubState } from './hub-persist.js';
import { HubLedger, loadLedger } from './hub-ledger.js';
import type { StoredWill } from './hub-records.js';
import { durably, oweCopy, resendOwed, type OwedCopy } from './hub-durable.js';
import { DeliveryQueues } from './delivery-queue.js';
import { HubRouter } from './hub-router.js';
import { HubSinks, type HubSink } from './hub-sinks.js';
import { refuse, type RefusalStats } from './hub-refusal.js';
import { Emitter } from '../util/emitter.js';
import type { PubSubHubDrops, PubSubHubEvents, PubSubHubOptions, PubSubHubStats } from './hub-types.js';
import { SUBSCRIPTIONS_KEY, type HubSessions } from './hub-sessions.js';
import { DEFAULT_BUFFER_LIMIT } from './local-subscription.js';
import { LocalSubscriptions } from './local-subscriptions.js';
import { minQos, payloadBytes, publication } from './publication.js';
import { RETAINED_KEY, type RetainedStore, type RetainedOptions } from './retained-store.js';
import { topicMatches, validateTopicName } from './topic.js';

export const PRESENCE_PREFIX = '$presence/';
export type { PubSubHubOptions, PubSubHubEvents, PubSubHubStats, PubSubHubDrops } from './hub-types.js';
export type { OwedCopy } from './hub-durable.js';

export class PubSubHub {
  readonly drops: PubSubHubDrops = { revoked: 0, denied: 0, alias: 0, duplicate: 0, retainedLimit: 0, retainedQuota: 0, unexpected: 0, corruptRecord: 0, notDurable: 0 };
  readonly refusals: RefusalStats = { told: 0, untold: 0 };
  readonly forwarder: HubForwarder;
  /** The copies owed to subscribers, bounded [SW-18.2-3]. */
  readonly queues: DeliveryQueues;
  private readonly router: HubRouter;
  private readonly sinks = new HubSinks();
  private readonly events = new Emitter<PubSubHubEvents>();
  private acl: AccessControl;
  private readonly local: LocalSubscriptions;
  private readonly incoming = new Map<string, IncomingAliases>();
  private readonly wills: Map<string, StoredWill>;
  private readonly online = new Set<string>();
  /** Devices that restarted since their last SYNC: every filter of their next SYNC gets retained. */
  private readonly restarted = new Set<string>();
  private readonly pubIds = new PubIdCounter();
  private readonly persist: HubPersistence | undefined;
  private readonly off: Array<() => void> = [];
  private closed = false;

  /** Loads what was persisted, then starts listening (nothing is routed before the load [SW-18.3-1]). */
  static async create(port: MessagePort, options: PubSubHubOptions = {}): Promise<PubSubHub> {
    const now = port.scheduler.now();
    const journal = options.journal;
    // the hub's own retained messages (presence) are charged to no device's quota [SW-15.8-2]
    const retained: RetainedOptions = { ...options.retained, exempt: port.self };
    if (journal === undefined) {
      const loaded = await loadHubState(options.state, now, options, retained, options.dedupe);
      // a refused publication's acknowledgement waits for its PUBNACK [SW-15.4-4]
      port.deferAcks?.([PUBLISH_CHANNEL]);
      const hub = new PubSubHub(port, options, loaded.sessions, loaded.retained, loaded.dedupe, new Map(), undefined);
      hub.drops.corruptRecord = loaded.corrupt;
      return hub;
    }
    // an empty journal: a new hub, or one that persisted the old way (its keys are read once)
    const old = journal.records().length === 0 ? await loadHubState(options.state, now, options, retained, options.dedupe) : undefined;
    const clock = { now: () => port.scheduler.now(), wall: options.wallClock ?? Date.now };
    const sleep = (ms: number): Promise<void> => new Promise((r) => void port.scheduler.at(port.scheduler.now() + ms, r));
    const retry = { sleep, ...(options.journalRetryMs !== undefined && { delaysMs: options.journalRetryMs }) };
    const l = await loadLedger(journal, clock, { sessions: options, retained, retry, ...(options.dedupe !== undefined && { dedupe: options.dedupe }) }, old);
    port.deferAcks?.([CONTROL_CHANNEL, PUBLISH_CHANNEL]);
    const hub = new PubSubHub(port, options, l.state.sessions, l.state.retained, l.state.dedupe, l.state.wills, l.ledger);
    hub.drops.corruptRecord = l.corrupt + (old?.corrupt ?? 0);
    resendOwed(l.ledger, hub.queues); // what it owed before it stopped goes first [SW-18.3-5]
    return hub;
  }

  private constructor(
    private readonly port: MessagePort,
    private readonly options: PubSubHubOptions,
    readonly sessions: HubSessions,
    readonly retained: RetainedStore,
    private readonly dedupe: DedupeWindow,
    wills: Map<string, StoredWill>,
    /** The journal, when the hub acknowledges only what is durable [SW-18.3-3]. */
    readonly ledger: HubLedger | undefined,
  ) {
    this.wills = wills;
    this.acl = options.acl ?? AccessControl.open();
    this.local = new LocalSubscriptions(options.bufferLimit ?? DEFAULT_BUFFER_LIMIT);
    const deadline = options.forwardDeadlineMs ?? FORWARD_DEADLINE_MS;
    this.forwarder = new HubForwarder(port, options.aliases, deadline);
    const done = ledger === undefined ? undefined : (seq: number, device: string): void => ledger.delivered(seq, device);
    this.queues = new DeliveryQueues(this.forwarder, () => this.now(), deadline, options.delivery, done, (d) => this.events.emit('delivery-drop', d));
    this.router = new HubRouter({
      self: port.self,
      now: () => this.now(),
      sessions,
      retained,
      local: this.local,
      forwarder: this.forwarder,
      queues: this.queues,
      ledger,
      retainedChanged: () => this.persist?.dirty(RETAINED_KEY),
      sinks: this.sinks,
    });
    const state = ledger === undefined ? options.state : undefined;
    this.persist = state === undefined ? undefined : new HubPersistence(state, {
      [SUBSCRIPTIONS_KEY]: () => this.sessions.encode(),
      [RETAINED_KEY]: () => this.retained.encode(this.now()),
      [DEDUPE_KEY]: () => this.dedupe.export(this.now()),
    });
    this.off.push(
      port.on('op', (e) => this.onOp(e.peer, e.op, e.hold)),
      port.on('restart', (e) => this.onRestart(e.peer)),
      port.on('reachable', (e) => this.onReachable(e.peer)),
      port.on('unreachable', (e) => this.onUnreachable(e.peer)),
    );
    if (port.onRenewedOp !== undefined) this.off.push(port.onRenewedOp((_peer, op) => this.restamp(op)));
  }

  /**
   * A QoS 2 publication of the hub's own, moved to a new epoch of this node before the device took
   * it: its PUB_ID, stamped under the old (perhaps stale, 12.4: a restored epoch record) epoch, may
   * repeat one of the hub's earlier life that the device's dedupe window still holds, so it gets one
   * of the new epoch [SW-15.6-4]. Devices' publications keep theirs (FROM another node, [SW-15.6-1]).
   */
  private restamp(op: Op): Op | undefined {
    if (op.op !== 'PUBLISH' || op.pubId === undefined || op.from !== this.port.self) return undefined;
    const epoch = this.port.epoch();
    if (op.pubId >> 32n === BigInt(epoch)) return undefined;
    return { ...op, pubId: this.pubIds.next(epoch) };
  }

  /**
   * The hub's own application publishes: routed like a device's publication, FROM this hub.
   * `expiryMs` (the MQTT bridge's message expiry): copies still owed to subscribers after it are
   * given up, counted in deliveries.givenUp.
   */
  async publish(topic: string, payload: Uint8Array | string, options: PublishOptions & { readonly expiryMs?: number } = {}): Promise<void> {
    if (this.closed) throw new NodeClosedError();
    validateTopicName(topic);
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${String(qos)}`);
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
    const pubId = qos === 2 ? this.pubIds.next(this.port.epoch()) : undefined;
    const expiresAt = options.expiryMs === undefined ? undefined : this.now() + options.expiryMs;
    const r = this.router.route(this.port.self, topic, payloadBytes(payload), qos, options.retain === true, pubId, expiresAt);
    if (r.refused !== undefined) throw r.refused; // RetainedLimitError: the store is full [SW-15.8-2]
    await r.durable;
  }

  /**
   * Owes `device` a copy another hub owed it (a dead cluster member's journal, taken over:
   * saltwire/cluster), journaled and queued as this hub's own would be; resolves once durable.
   */
  oweCopy(device: string, c: OwedCopy): Promise<void> {
    if (this.closed) return Promise.reject(new NodeClosedError());
    return oweCopy(this.ledger, this.queues, device, c, this.now(), (this.options.wallClock ?? Date.now)());
  }

  /**
   * Adds a sink (the MQTT bridge): every publication routed from now on is handed to it, and a
   * promise it returns holds the publisher's acknowledgement until it resolves (hub-sinks.ts).
   * Returns the function that removes it.
   */
  addSink(sink: HubSink): () => void {
    return this.sinks.add(sink);
  }

  /** Listens to the hub's refusals and delivery drops; returns the function that stops listening. */
  on<K extends keyof PubSubHubEvents>(name: K, fn: (e: PubSubHubEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }

  /** Every counter of the hub's limits and refusals, as a snapshot. */
  stats(): PubSubHubStats {
    return {
      drops: { ...this.drops },
      refusals: { ...this.refusals },
      deliveries: { ...this.queues.stats },
      forwarded: { sent: this.forwarder.sent, dropped: this.forwarder.dropped, pending: this.forwarder.pending, overLimit: this.forwarder.overLimit },
      ...(this.ledger !== undefined && { journal: { ...this.ledger.commits.stats } }),
    };
  }

  /** The hub's own application subscribes: granted at once; matching retained messages follow. */
  subscribe(filter: string, options: SubscribeOptions = {}, callback?: (p: Publication) => void): Subscription {
    if (this.closed) throw new NodeClosedError();
    const sub = this.local.add(filter, options, callback, async () => undefined);
    sub.grant(sub.qos);
    const stored = this.retained.match((t) => topicMatches(filter, t));
    queueMicrotask(() => {
      for (const r of stored) sub.deliver(publication(r.topic, r.payload, minQos(r.qos, sub.qos), true, r.from));
    });
    return sub;
  }

  /**
   * Replaces the access policy and re-evaluates every subscription and will against it, removing
   * those no longer allowed before any further delivery [SW-17.5-6] [SW-17.7-2].
   */
  setAcl(acl: AccessControl): void {
    this.acl = acl;
    for (const device of this.sessions.devices()) {
      let changed = false;
      for (const filter of this.sessions.filtersOf(device).keys()) {
        if (!acl.canSubscribe(device, filter)) changed = this.sessions.remove(device, filter) || changed;
      }
      if (changed) void this.ledger?.subscriptions(device).catch(() => undefined);
    }
    for (const [device, will] of this.wills) {
      if (acl.canPublish(device, will.topic)) continue;
      this.wills.delete(device);
      void this.ledger?.will(device, undefined).catch(() => undefined);
    }
    this.persist?.dirty(SUBSCRIPTIONS_KEY);
  }

  /** Waits up to `timeoutMs` for forwarded publications to be acknowledged [SW-18.3-1]. */
  drain(timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
    return this.forwarder.drain(timeoutMs);
  }

  /** Stops listening, ends local subscriptions and finishes the pending saves. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.off.splice(0)) f();
    this.local.endAll();
    await this.persist?.flush();
    await this.ledger?.close();
  }

  private now(): number {
    return this.port.scheduler.now();
  }

  private onOp(peer: string, op: Op, hold: (() => () => void) | undefined): void {
    if (op.op === 'CALL' || op.op === 'CALLACK' || op.op === 'RESULT') return; // the RPC engine's
    if (this.acl.revoked(peer)) return void this.drops.revoked++;
    switch (op.op) {
      case 'PUBLISH':
        return this.onPublish(peer, op, hold);
      case 'ALIAS':
        if (!this.aliasesOf(peer).define(op.alias, op.topic)) this.drops.alias++;
        return;
      case 'SUBSCRIBE':
      case 'SYNC':
        return this.onSubscribe(peer, op, hold);
      case 'UNSUBSCRIBE':
        for (const f of op.filters) this.sessions.remove(peer, f);
        this.persist?.dirty(SUBSCRIPTIONS_KEY);
        return durably(this.ledger?.subscriptions(peer), hold, this.drops, () => this.reply(peer, { op: 'UNSUBACK', req: op.req }));
      case 'WILL':
        return this.onWill(peer, op, hold);
      default:
        this.drops.unexpected++;
    }
  }

  private onPublish(peer: string, op: PublishOp, hold: (() => () => void) | undefined): void {
    const topic = this.aliasesOf(peer).accept(op.alias, op.topic);
    if (topic === undefined) return void this.drops.alias++;
    // The publisher is the authenticated sender, never a field of the operation [SW-18.1-1].
    if (!this.acl.canPublish(peer, topic)) {
      this.drops.denied++;
      return this.refuse(peer, topic, op, 'denied', PUBNACK_REFUSED, hold); // [SW-17.8-4]
    }
    const notDurable = (h: (() => () => void) | undefined): void => this.refuse(peer, topic, op, 'not-durable', PUBNACK_NOT_DURABLE, h);
    if (op.qos === 2 && op.pubId !== undefined) {
      if (this.dedupe.seen(peer, op.pubId, this.now())) {
        this.drops.duplicate++;
        return durably(this.ledger?.barrier(), hold, this.drops, undefined, notDurable); // acknowledged once the first copy is durable
      }
      this.persist?.dirty(DEDUPE_KEY);
    }
    const r = this.router.route(peer, topic, op.payload, op.qos, op.retain, op.pubId);
    if (r.refused !== undefined) {
      const quota = r.refused.limit === 'device-topics' || r.refused.limit === 'device-bytes';
      if (quota) this.drops.retainedQuota++;
      else this.drops.retainedLimit++;
      return this.refuse(peer, topic, op, quota ? 'retained-quota' : 'retained-limit', PUBNACK_LIMIT, hold);
    }
    durably(r.durable, hold, this.drops, undefined, notDurable);
  }

  /** A publication not taken: its publisher is told where it can be (PUBNACK [SW-15.4-4]), and listeners hear of it. */
  private refuse(peer: string, topic: string, op: PublishOp, why: PubSubHubEvents['refused']['reason'], reason: number, hold: (() => () => void) | undefined): void {
    const told = op.ref !== undefined && op.qos > 0;
    refuse(this.port, peer, op, reason, hold, this.refusals);
    this.events.emit('refused', { peer, topic, reason: why, told });
  }

  /** SUBSCRIBE adds; SYNC replaces the device's list [SW-15.5-2]. SUBACK first, then retained [SW-15.8-1]. */
  private onSubscribe(peer: string, op: SubscribeOp | SyncOp, hold: (() => () => void) | undefined): void {
    const before = this.sessions.filtersOf(peer);
    const fresh = op.op === 'SUBSCRIBE' || this.restarted.has(peer);
    if (op.op === 'SYNC') {
      this.sessions.clear(peer);
      this.restarted.delete(peer);
      // what the device takes from us, honoured in everything sent to it from now on [SW-15.5-8]
      this.forwarder.declare(peer, op.limits);
      this.port.limitPeer?.(peer, op.limits);
    }
    const codes = op.filters.map(({ filter, qos }) => {
      if (!this.acl.canSubscribe(peer, filter)) return SUBACK_REFUSED;
      return this.sessions.set(peer, filter, qos) ? qos : SUBACK_LIMIT;
    });
    this.persist?.dirty(SUBSCRIPTIONS_KEY);
    // answered once the subscriptions are durable [SW-18.3-3]
    durably(this.ledger?.subscriptions(peer), hold, this.drops, () => this.granted(peer, op, codes, before, fresh));
  }

  /** The SUBACK, then the retained publications for the new filters [SW-15.8-1]. */
  private granted(peer: string, op: SubscribeOp | SyncOp, codes: number[], before: Map<string, QoS>, fresh: boolean): void {
    // A SUBACK carries at most 255 codes (u8 N); a longer SYNC is answered for its first 255 filters.
    this.reply(peer, { op: 'SUBACK', req: op.req, codes: codes.slice(0, 255) });
    op.filters.forEach(({ filter }, i) => {
      const code = codes[i]!;
      // A SYNC re-stating a filter the hub already held (after a hub restart) gets no retained copies.
      if (code > 2 || (!fresh && before.has(filter))) return;
      this.router.retainedFor(peer, filter, code as QoS);
    });
  }

  private onWill(peer: string, op: WillOp, hold: (() => () => void) | undefined): void {
    if (op.topic !== '' && !this.acl.canPublish(peer, op.topic)) return void this.drops.denied++;
    const will = op.topic === '' ? undefined : { topic: op.topic, payload: op.payload, qos: op.qos, retain: op.retain };
    if (will === undefined) this.wills.delete(peer);
    else this.wills.set(peer, will);
    durably(this.ledger?.will(peer, will), hold, this.drops);
  }

  private onRestart(peer: string): void {
    this.incoming.get(peer)?.reset();
    this.forwarder.reset(peer);
    this.restarted.add(peer);
    this.queues.pump(peer); // copies its node did not take wait no longer
  }

  private onReachable(peer: string): void {
    this.queues.pump(peer);
    if (this.online.has(peer) || this.acl.revoked(peer)) return;
    this.online.add(peer);
    this.presence(peer, 'online');
  }

  /**
   * [SW-15.9-3] the will is published as if the device had published it, and kept for the next time
   * (the device cannot tell that this hub declared it unreachable, so it would not send it again).
   */
  private onUnreachable(peer: string): void {
    const will = this.wills.get(peer);
    if (will !== undefined) {
      // QoS 2 would need a PUB_ID of the device's own sequence: a will goes at most QoS 1.
      if (this.router.route(peer, will.topic, will.payload, minQos(will.qos, 1), will.retain, undefined).refused !== undefined) this.drops.retainedQuota++;
    }
    if (this.online.delete(peer)) this.presence(peer, 'offline');
  }

  /** `$presence/<id>`, retained, QoS 1 [SW-15.9-2]. */
  private presence(peer: string, state: 'online' | 'offline'): void {
    if (this.options.presence === false || this.closed) return;
    if (this.router.route(this.port.self, PRESENCE_PREFIX + peer, new TextEncoder().encode(state), 1, true, undefined).refused !== undefined) this.drops.retainedLimit++;
  }

  private reply(peer: string, op: Op): void {
    try {
      this.port.send(peer, op, { qos: 1 }).catch(() => void this.forwarder.dropped++);
    } catch {
      this.forwarder.dropped++;
    }
  }

  private aliasesOf(peer: string): IncomingAliases {
    let a = this.incoming.get(peer);
    if (a === undefined) this.incoming.set(peer, (a = new IncomingAliases({ ...(this.options.aliases !== undefined && { maxAliases: this.options.aliases }) })));
    return a;
  }
}
