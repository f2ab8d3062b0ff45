/**
 * PubSubHub: the hub side of publish/subscribe (spec 15, 18) over a MessagePort. It keeps the
 * subscriptions of the devices it serves (kept across a device's restart until its SYNC
 * [SW-15.5-3]), checks access control (17.4, 17.5; revoked devices' operations are dropped
 * [SW-18.1-1]), routes publications [SW-18.2-1] through HubForwarder [SW-18.2-2], keeps retained
 * messages [SW-15.8-1], wills [SW-15.9-3], presence [SW-15.9-2] and the QoS 2 window [SW-15.6-2],
 * and persists subscriptions, retained store and window, loaded before it routes [SW-18.3-1].
 * The hub's own application publishes and subscribes through the same routing.
 * @module
 */
import type { Publication, PublishOptions, SubscribeOptions, Subscription } from '../messaging/api.js';
import type { MessagePort } from '../messaging/port.js';
import { SUBACK_REFUSED, SUBACK_LIMIT, type Op, type PublishOp, type QoS, type SubscribeOp, type SyncOp, type WillOp } from '../messaging/ops.js';
import { InvalidArgumentError, NodeClosedError } from '../errors.js';
import type { StateStore } from '../peer/state-store.js';
import { AccessControl } from '../acl/acl.js';
import { PubIdCounter } from './alias-sender.js';
import { IncomingAliases } from './alias-table.js';
import { DEDUPE_KEY, type DedupeWindow, type DedupeWindowOptions } from './dedupe-window.js';
import { DRAIN_TIMEOUT_MS, FORWARD_DEADLINE_MS, HubForwarder } from './hub-forwarder.js';
import { HubPersistence, loadHubState } from './hub-persist.js';
import { SUBSCRIPTIONS_KEY, type HubSessions, type HubSessionsOptions } from './hub-sessions.js';
import { DEFAULT_BUFFER_LIMIT } from './local-subscription.js';
import { LocalSubscriptions } from './local-subscriptions.js';
import { minQos, payloadBytes, publication } from './publication.js';
import { RETAINED_KEY, RetainedLimitError, type RetainedStore, type RetainedOptions } from './retained-store.js';
import { topicMatches, validateTopicName } from './topic.js';

export const PRESENCE_PREFIX = '$presence/';

export interface PubSubHubOptions extends HubSessionsOptions {
  /** Access control; default open (17.2). */
  readonly acl?: AccessControl;
  /** Where subscriptions, retained store and window persist; none: memory only. */
  readonly state?: StateStore;
  /** Topic aliases this hub defines towards each device and accepts from it; default 64. */
  readonly aliases?: number;
  readonly bufferLimit?: number;
  readonly retained?: RetainedOptions;
  readonly dedupe?: DedupeWindowOptions;
  /** Default FORWARD_DEADLINE_MS (10 min). */
  readonly forwardDeadlineMs?: number;
  /** Publish `$presence/<id>` (default true). */
  readonly presence?: boolean;
}

export interface PubSubHubDrops {
  /** Operations of revoked devices [SW-18.1-1]. */
  revoked: number;
  /** Publications (and wills) access control refused [SW-18.2-1]. */
  denied: number;
  /** Unknown or out-of-range aliases [SW-15.7-2]. */
  alias: number;
  /** QoS 2 publications already taken [SW-15.6-2]. */
  duplicate: number;
  /** Retained publications over the store's limits (still forwarded) [SW-15.8-1]. */
  retainedLimit: number;
  /** Operations a hub does not expect (SUBACK, UNSUBACK). */
  unexpected: number;
  /** Persisted records that could not be read at start (started empty for that key). */
  corruptRecord: number;
}

export class PubSubHub {
  readonly drops: PubSubHubDrops = { revoked: 0, denied: 0, alias: 0, duplicate: 0, retainedLimit: 0, unexpected: 0, corruptRecord: 0 };
  readonly forwarder: HubForwarder;
  private acl: AccessControl;
  private readonly local: LocalSubscriptions;
  private readonly incoming = new Map<string, IncomingAliases>();
  private readonly wills = new Map<string, WillOp>();
  private readonly online = new Set<string>();
  /** Devices that restarted since their last SYNC: every filter of their next SYNC gets retained. */
  private readonly restarted = new Set<string>();
  private readonly pubIds = new PubIdCounter();
  private readonly persist: HubPersistence | undefined;
  private readonly off: Array<() => void> = [];
  private closed = false;

  /** Loads what was persisted, then starts listening (nothing is routed before the load [SW-18.3-1]). */
  static async create(port: MessagePort, options: PubSubHubOptions = {}): Promise<PubSubHub> {
    const loaded = await loadHubState(options.state, port.scheduler.now(), options, options.retained, options.dedupe);
    const hub = new PubSubHub(port, options, loaded.sessions, loaded.retained, loaded.dedupe);
    hub.drops.corruptRecord = loaded.corrupt;
    return hub;
  }

  private constructor(
    private readonly port: MessagePort,
    private readonly options: PubSubHubOptions,
    readonly sessions: HubSessions,
    readonly retained: RetainedStore,
    private readonly dedupe: DedupeWindow,
  ) {
    this.acl = options.acl ?? AccessControl.open();
    this.local = new LocalSubscriptions(options.bufferLimit ?? DEFAULT_BUFFER_LIMIT);
    this.forwarder = new HubForwarder(port, options.aliases, options.forwardDeadlineMs ?? FORWARD_DEADLINE_MS);
    const state = options.state;
    this.persist = state === undefined ? undefined : new HubPersistence(state, {
      [SUBSCRIPTIONS_KEY]: () => this.sessions.encode(),
      [RETAINED_KEY]: () => this.retained.encode(this.now()),
      [DEDUPE_KEY]: () => this.dedupe.export(this.now()),
    });
    this.off.push(
      port.on('op', (e) => this.onOp(e.peer, e.op)),
      port.on('restart', (e) => this.onRestart(e.peer)),
      port.on('reachable', (e) => this.onReachable(e.peer)),
      port.on('unreachable', (e) => this.onUnreachable(e.peer)),
    );
  }

  /** The hub's own application publishes: routed like a device's publication, FROM this hub. */
  async publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new NodeClosedError();
    validateTopicName(topic);
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${String(qos)}`);
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
    const pubId = qos === 2 ? this.pubIds.next(this.port.epoch()) : undefined;
    this.route(this.port.self, topic, payloadBytes(payload), qos, options.retain === true, pubId);
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
      for (const filter of this.sessions.filtersOf(device).keys()) {
        if (!acl.canSubscribe(device, filter)) this.sessions.remove(device, filter);
      }
    }
    for (const [device, will] of this.wills) if (!acl.canPublish(device, will.topic)) this.wills.delete(device);
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
  }

  private now(): number {
    return this.port.scheduler.now();
  }

  private onOp(peer: string, op: Op): void {
    if (op.op === 'CALL' || op.op === 'CALLACK' || op.op === 'RESULT') return; // the RPC engine's
    if (this.acl.revoked(peer)) return void this.drops.revoked++;
    switch (op.op) {
      case 'PUBLISH':
        return this.onPublish(peer, op);
      case 'ALIAS':
        if (!this.aliasesOf(peer).define(op.alias, op.topic)) this.drops.alias++;
        return;
      case 'SUBSCRIBE':
      case 'SYNC':
        return this.onSubscribe(peer, op);
      case 'UNSUBSCRIBE':
        for (const f of op.filters) this.sessions.remove(peer, f);
        this.persist?.dirty(SUBSCRIPTIONS_KEY);
        return this.reply(peer, { op: 'UNSUBACK', req: op.req });
      case 'WILL':
        return this.onWill(peer, op);
      default:
        this.drops.unexpected++;
    }
  }

  private onPublish(peer: string, op: PublishOp): void {
    const topic = this.aliasesOf(peer).accept(op.alias, op.topic);
    if (topic === undefined) return void this.drops.alias++;
    // The publisher is the authenticated sender, never a field of the operation [SW-18.1-1].
    if (!this.acl.canPublish(peer, topic)) return void this.drops.denied++;
    if (op.qos === 2 && op.pubId !== undefined) {
      if (this.dedupe.seen(peer, op.pubId, this.now())) return void this.drops.duplicate++;
      this.persist?.dirty(DEDUPE_KEY);
    }
    this.route(peer, topic, op.payload, op.qos, op.retain, op.pubId);
  }

  /** Routing ([SW-18.2-1]): retained store, then each subscribed device once, then the local application. */
  private route(publisher: string, topic: string, payload: Uint8Array, qos: QoS, retain: boolean, pubId: bigint | undefined): void {
    if (retain) {
      try {
        this.retained.set(topic, payload, qos, publisher, this.now());
        this.persist?.dirty(RETAINED_KEY);
      } catch (e) {
        if (!(e instanceof RetainedLimitError)) throw e;
        this.drops.retainedLimit++;
      }
    }
    for (const [device, subQos] of this.sessions.match(topic)) {
      if (device === this.port.self) continue;
      this.forwarder.forward(device, { topic, payload, qos: minQos(qos, subQos), retain: false, from: publisher, ...(pubId !== undefined && { pubId }) });
    }
    this.local.deliver(topic, payload, qos, false, publisher);
  }

  /** SUBSCRIBE adds; SYNC replaces the device's list [SW-15.5-2]. SUBACK first, then retained [SW-15.8-1]. */
  private onSubscribe(peer: string, op: SubscribeOp | SyncOp): void {
    const before = this.sessions.filtersOf(peer);
    const fresh = op.op === 'SUBSCRIBE' || this.restarted.has(peer);
    if (op.op === 'SYNC') {
      this.sessions.clear(peer);
      this.restarted.delete(peer);
    }
    const codes = op.filters.map(({ filter, qos }) => {
      if (!this.acl.canSubscribe(peer, filter)) return SUBACK_REFUSED;
      return this.sessions.set(peer, filter, qos) ? qos : SUBACK_LIMIT;
    });
    this.persist?.dirty(SUBSCRIPTIONS_KEY);
    // A SUBACK carries at most 255 codes (u8 N); a longer SYNC is answered for its first 255 filters.
    this.reply(peer, { op: 'SUBACK', req: op.req, codes: codes.slice(0, 255) });
    op.filters.forEach(({ filter }, i) => {
      const code = codes[i]!;
      // A SYNC re-stating a filter the hub already held (after a hub restart) gets no retained copies.
      if (code > 2 || (!fresh && before.has(filter))) return;
      for (const r of this.retained.match((t) => topicMatches(filter, t))) {
        // QoS 2 needs the publisher's PUB_ID, which the retained store does not keep: at most QoS 1.
        const q = minQos(minQos(r.qos, code as QoS), 1);
        this.forwarder.forward(peer, { topic: r.topic, payload: r.payload, qos: q, retain: true, from: r.from === '' ? this.port.self : r.from });
      }
    });
  }

  private onWill(peer: string, op: WillOp): void {
    if (op.topic === '') return void this.wills.delete(peer);
    if (!this.acl.canPublish(peer, op.topic)) return void this.drops.denied++;
    this.wills.set(peer, op);
  }

  private onRestart(peer: string): void {
    this.incoming.get(peer)?.reset();
    this.forwarder.reset(peer);
    this.restarted.add(peer);
  }

  private onReachable(peer: string): void {
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
      this.route(peer, will.topic, will.payload, minQos(will.qos, 1), will.retain, undefined);
    }
    if (this.online.delete(peer)) this.presence(peer, 'offline');
  }

  /** `$presence/<id>`, retained, QoS 1 [SW-15.9-2]. */
  private presence(peer: string, state: 'online' | 'offline'): void {
    if (this.options.presence === false || this.closed) return;
    this.route(this.port.self, PRESENCE_PREFIX + peer, new TextEncoder().encode(state), 1, true, undefined);
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
