/**
 * PubSubClient: the device side of publish/subscribe (spec 15) over a MessagePort, talking to one
 * hub. It publishes (QoS 0/1/2, retain, aliases), keeps the application's subscriptions and tells
 * the hub about them (SUBSCRIBE, UNSUBSCRIBE, and SYNC at start and after every hub restart, so they
 * come back with no application code [SW-15.5-2]), keeps the will at the hub [SW-15.9-3], and
 * delivers incoming publications to every matching local subscription, once each [SW-15.4-3], with
 * QoS 2 deduplication [SW-15.6-2]. Bad operations from the network are counted in `drops`.
 * @module
 */
import type { Publication, PublishOptions, SubscribeOptions, Subscription, WillOptions } from '../messaging/api.js';
import type { MessagePort } from '../messaging/port.js';
import type { Op, PeerLimits, PublishOp, QoS, SubackOp } from '../messaging/ops.js';
import { InvalidArgumentError, NodeClosedError } from '../errors.js';
import { AliasSender, PubIdCounter } from './alias-sender.js';
import { IncomingAliases, MAX_TOPIC_ALIASES } from './alias-table.js';
import { MAX_DATAGRAM } from '../constants.js';
import { MAX_MESSAGE, RECEIVE_WINDOW } from '../reliability/constants.js';
import { DEDUPE_WINDOW_MS, DedupeWindow, type DedupeWindowOptions } from './dedupe-window.js';
import { SubscriptionRefusedError } from './errors.js';
import { DEFAULT_BUFFER_LIMIT, type LocalSubscription } from './local-subscription.js';
import { LocalSubscriptions } from './local-subscriptions.js';
import { payloadBytes } from './publication.js';
import { PublishRefs } from './publish-refs.js';
import { SubscriptionLimitError } from './topic-errors.js';
import { validateTopicName } from './topic.js';

/** Most distinct filters a client holds: a SYNC is answered by one SUBACK of at most 255 codes. */
export const CLIENT_MAX_FILTERS = 255;

/** The send options of a publication without a deadline, one per QoS, shared. */
const SEND_QOS = [{ qos: 0 }, { qos: 1 }, { qos: 2 }] as const;

export interface PubSubClientOptions {
  /** The hub's node id. */
  readonly hub: string;
  /** Topic aliases this node defines towards the hub and accepts from peers; default 64, 0: none. */
  readonly aliases?: number;
  /** Default bufferLimit of subscriptions (api.ts), default 1024. */
  readonly bufferLimit?: number;
  /** The QoS 2 window's bounds, or a window to share with this node's other message layers (RoamingClient's, across hubs). */
  readonly dedupe?: DedupeWindowOptions | DedupeWindow;
  /**
   * What this node takes from the hub, declared in every SYNC [SW-15.5-8]; default its node's receive
   * limits (the port's), else MAX_DATAGRAM, MAX_MESSAGE and RECEIVE_WINDOW, and `aliases`.
   */
  readonly limits?: Partial<PeerLimits>;
}

export interface PubSubClientDrops {
  /** PUBLISH with an unknown or out-of-range alias, or ALIAS above our limit [SW-15.7-2]. */
  alias: number;
  /** QoS 2 publications already taken within the window [SW-15.6-2]. */
  duplicate: number;
  /** Operations a device does not expect (SUBSCRIBE, SYNC, WILL...) or an answer matching no request. */
  unexpected: number;
  /** Control operations that could not be sent (outbox full, deadline). */
  sendFailed: number;
  /** PUBLISH carrying FROM from a peer other than the hub [SW-15.4-2]. */
  untrustedFrom: number;
  /** PUBNACK from a peer other than the hub, or naming no publication waiting for its answer [SW-15.4-4]. */
  pubnack: number;
}

interface PendingReq {
  readonly kind: 'subscribe' | 'sync' | 'unsubscribe';
  readonly filters: readonly string[];
  readonly done?: () => void;
}

export class PubSubClient {
  readonly drops: PubSubClientDrops = { alias: 0, duplicate: 0, unexpected: 0, sendFailed: 0, untrustedFrom: 0, pubnack: 0 };
  /** Publications of QoS 1 and 2 waiting for their acknowledgement, by REF [SW-15.4-4]. */
  private readonly refs = new PublishRefs();
  private readonly hub: string;
  private readonly local: LocalSubscriptions;
  private readonly out: AliasSender;
  private readonly incoming = new Map<string, IncomingAliases>();
  /** A SYNC, SUBSCRIBE or UNSUBSCRIBE was never acknowledged: SYNC when the hub is back [SW-15.5-5]. */
  private resync = false;
  private readonly maxAliases: number | undefined;
  private readonly dedupe: DedupeWindow;
  private readonly pubIds = new PubIdCounter();
  private readonly pending = new Map<number, PendingReq>();
  /** filter -> QoS the hub granted. */
  private readonly grantedQos = new Map<string, QoS>();
  private nextReq = 0;
  private will: Op | undefined;
  private readonly off: Array<() => void> = [];
  private closed = false;
  /** The first SYNC went: from then on, subscriptions are sent as SUBSCRIBE. */
  private synced = false;

  /** Declared in every SYNC [SW-15.5-8]. */
  private readonly limits: PeerLimits;

  constructor(private readonly port: MessagePort, options: PubSubClientOptions) {
    this.hub = options.hub;
    this.maxAliases = options.aliases;
    const own = port.receiveLimits?.();
    this.limits = {
      maxDatagram: own?.maxDatagram ?? MAX_DATAGRAM,
      maxMessage: own?.maxMessage ?? MAX_MESSAGE,
      maxAliases: options.aliases ?? MAX_TOPIC_ALIASES,
      window: own?.window ?? RECEIVE_WINDOW,
      ...options.limits,
    };
    this.local = new LocalSubscriptions(options.bufferLimit ?? DEFAULT_BUFFER_LIMIT);
    this.out = new AliasSender(port, this.hub, options.aliases);
    this.dedupe = options.dedupe instanceof DedupeWindow ? options.dedupe : new DedupeWindow(options.dedupe);
    this.off.push(
      port.on('op', (e) => this.onOp(e.peer, e.op)),
      port.on('restart', (e) => this.onRestart(e.peer)),
      port.on('reachable', (e) => e.peer === this.hub && this.onHubReachable()),
    );
    if (port.onRenewedOp !== undefined) this.off.push(port.onRenewedOp((_peer, op) => this.restamp(op)));
  }

  /**
   * A QoS 2 publication of ours moved to a new epoch of this node, never taken: its PUB_ID, stamped
   * under the old (perhaps stale, 12.4) epoch, may repeat one the hub still holds from this node's
   * earlier life, so it gets one of the new epoch [SW-15.6-4].
   */
  private restamp(op: Op): Op | undefined {
    if (op.op !== 'PUBLISH' || op.pubId === undefined || op.from !== undefined) return undefined;
    const epoch = this.port.epoch();
    if (op.pubId >> 32n === BigInt(epoch)) return undefined;
    return { ...op, pubId: this.pubIds.next(epoch) };
  }

  /**
   * Starts the session with the hub: one SYNC of what is held [SW-15.5-2], sent once the current
   * task ends (Scheduler.soon, else a microtask), so the subscriptions the application makes right
   * after start() are in it. That matters for a device that restarted: its SYNC replaces the
   * subscriptions the hub kept for it [SW-15.5-3], and a SYNC without them followed by SUBSCRIBEs
   * would leave a gap in which publications for it are not routed.
   */
  start(): void {
    const go = (): void => {
      if (this.closed || this.synced) return;
      this.synced = true;
      this.sync();
    };
    if (this.port.scheduler.soon !== undefined) this.port.scheduler.soon(go);
    else queueMicrotask(go);
  }

  // Not an async function: a QoS 0 publication gets the port's promise as is (settled once queued)
  // instead of two more promises and microtasks per message; errors still come back as a rejection.
  publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    try {
      if (this.closed) throw new NodeClosedError();
      const op = this.buildPublish(topic, payload, options);
      if (op.qos === 2 && options.deadlineMs !== undefined && options.deadlineMs > DEDUPE_WINDOW_MS) {
        // a retransmission after the hub's dedupe window would be taken as new: a duplicate [SW-15.6-3]
        throw new InvalidArgumentError(`a QoS 2 publication's deadlineMs is at most DEDUPE_WINDOW (${DEDUPE_WINDOW_MS} ms), got ${options.deadlineMs}`);
      }
      const sent = this.port.send(this.hub, op, options.deadlineMs === undefined ? SEND_QOS[op.qos] : { qos: op.qos, deadlineMs: options.deadlineMs });
      // QoS 1 and 2: a PUBNACK for its REF turns the acknowledgement into a refusal [SW-15.4-4]
      return op.ref === undefined ? sent : this.refs.settle(op.ref, sent);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  subscribe(filter: string, options: SubscribeOptions = {}, callback?: (p: Publication) => void): Subscription {
    if (this.closed) throw new NodeClosedError();
    const before = this.local.qosOf(filter);
    if (before === undefined && this.grantedQosCount() >= CLIENT_MAX_FILTERS) throw new SubscriptionLimitError(CLIENT_MAX_FILTERS);
    const sub = this.local.add(filter, options, callback, (s) => this.removed(s));
    const want = this.local.qosOf(filter)!;
    const granted = this.grantedQos.get(filter);
    if (!this.synced) {
      // the first SYNC, still to be sent, carries it
    } else if (before === undefined || want > before) {
      this.request({ op: 'SUBSCRIBE', req: 0, filters: [{ filter, qos: want }] }, { kind: 'subscribe', filters: [filter] });
    } else if (granted !== undefined) {
      sub.grant(granted); // the filter is held already at this QoS or more
    }
    return sub;
  }

  /** Sets (topic non-null) or clears the will; resolves when the hub acknowledged the WILL. */
  async setWill(topic: string | null, payload?: Uint8Array | string, options: WillOptions = {}): Promise<void> {
    if (this.closed) throw new NodeClosedError();
    if (topic !== null) validateTopicName(topic);
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${String(qos)}`);
    const op: Op = { op: 'WILL', qos, retain: options.retain ?? false, topic: topic ?? '', payload: topic === null ? new Uint8Array(0) : checkedPayload(payload) };
    this.will = topic === null ? undefined : op;
    await this.port.send(this.hub, op, { qos: 1 });
  }

  /** Stops listening; every subscription ends. The node stays open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.off.splice(0)) f();
    this.local.endAll();
    for (const p of this.pending.values()) p.done?.();
    this.pending.clear();
  }

  private buildPublish(topic: string, payload: Uint8Array | string, options: PublishOptions): PublishOp {
    validateTopicName(topic);
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${String(qos)}`);
    const bytes = checkedPayload(payload);
    const names = this.out.fields(topic, qos);
    // field by field, no spreads: this runs once per publication
    const op: { -readonly [K in keyof PublishOp]: PublishOp[K] } = { op: 'PUBLISH', qos, retain: options.retain === true, payload: bytes };
    if (names.alias !== undefined) op.alias = names.alias;
    if (names.topic !== undefined) op.topic = names.topic;
    if (qos === 2) op.pubId = this.pubIds.next(this.port.epoch());
    if (qos > 0) {
      const ref = this.refs.take(topic);
      if (ref !== undefined) op.ref = ref;
    }
    return op;
  }

  private grantedQosCount(): number {
    return this.local.filters().length; // distinct filters held
  }

  /** The last local subscription of a filter went: the hub is told; resolves on UNSUBACK. */
  private removed(s: LocalSubscription): Promise<void> {
    if (this.closed || !this.synced || this.local.qosOf(s.filter) !== undefined) return Promise.resolve();
    this.grantedQos.delete(s.filter);
    return new Promise((done) => this.request({ op: 'UNSUBSCRIBE', req: 0, filters: [s.filter] }, { kind: 'unsubscribe', filters: [s.filter], done }));
  }

  /** SYNC: the complete list of this node's subscriptions [SW-15.5-2]. */
  private sync(): void {
    const filters = this.local.filters();
    this.request({ op: 'SYNC', req: 0, limits: this.limits, filters }, { kind: 'sync', filters: filters.map((f) => f.filter) });
  }

  private request(op: Extract<Op, { req: number }>, p: PendingReq): void {
    const req = (this.nextReq = (this.nextReq + 1) & 0xffff);
    this.pending.set(req, p);
    this.control({ ...op, req } as Op, () => {
      // never answered: an unsubscribe must not wait forever
      this.pending.delete(req);
      p.done?.();
    });
  }

  private control(op: Op, failed?: () => void): void {
    const fail = (): void => {
      this.drops.sendFailed++;
      if (op.op === 'SYNC' || op.op === 'SUBSCRIBE' || op.op === 'UNSUBSCRIBE') this.resync = true;
      failed?.();
    };
    try {
      this.port.send(this.hub, op, { qos: 1 }).catch(fail);
    } catch {
      fail();
    }
  }

  /**
   * The hub is reachable again: a control operation that gave up meanwhile (its deadline passed while
   * the hub was away) is made good by a SYNC of everything held [SW-15.5-5]; the will goes again too.
   */
  private onHubReachable(): void {
    if (this.resync && !this.closed) {
      this.resync = false;
      this.sync();
    }
    this.sendWill();
  }

  private sendWill(): void {
    if (this.will !== undefined && !this.closed) this.control(this.will);
  }

  private onRestart(peer: string): void {
    this.incoming.get(peer)?.reset();
    if (peer !== this.hub) return;
    this.out.reset();
    if (!this.synced) return; // the first SYNC is still to come
    // The SYNC below replaces whatever was pending at the old hub process.
    for (const p of this.pending.values()) p.done?.();
    this.pending.clear();
    this.sync();
    this.sendWill();
  }

  private onOp(peer: string, op: Op): void {
    switch (op.op) {
      case 'PUBLISH':
        return this.onPublish(peer, op);
      case 'ALIAS':
        if (!this.aliasesOf(peer).define(op.alias, op.topic)) this.drops.alias++;
        return;
      case 'SUBACK':
        return peer === this.hub ? this.onSuback(op) : void this.drops.unexpected++;
      case 'PUBNACK':
        // only the hub answers a publication; a refusal nobody waits for is counted [SW-15.4-4]
        if (peer !== this.hub || !this.refs.refused(op.ref, op.reason)) this.drops.pubnack++;
        return;
      case 'UNSUBACK': {
        const p = this.pending.get(op.req);
        if (peer !== this.hub || p?.kind !== 'unsubscribe') return void this.drops.unexpected++;
        this.pending.delete(op.req);
        return p.done?.();
      }
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
      case 'SYNC':
      case 'WILL':
        this.drops.unexpected++;
        return;
      default:
        return; // RPC operations belong to the RPC engine
    }
  }

  private onPublish(peer: string, op: PublishOp): void {
    // FROM names the publisher the application sees and keys dedupe: believed only from the hub [SW-15.4-2]
    if (op.from !== undefined && peer !== this.hub) return void this.drops.untrustedFrom++;
    const topic = this.aliasesOf(peer).accept(op.alias, op.topic);
    if (topic === undefined) return void this.drops.alias++;
    const publisher = op.from ?? peer;
    if (op.qos === 2 && op.pubId !== undefined && this.dedupe.seen(publisher, op.pubId, this.port.scheduler.now())) {
      this.drops.duplicate++;
      return;
    }
    this.local.deliver(topic, op.payload, op.qos, op.retain, publisher);
  }

  private onSuback(op: SubackOp): void {
    const p = this.pending.get(op.req);
    if (p === undefined || p.kind === 'unsubscribe' || p.filters.length !== op.codes.length) return void this.drops.unexpected++;
    this.pending.delete(op.req);
    op.codes.forEach((code, i) => this.answer(p.filters[i]!, code));
  }

  private answer(filter: string, code: number): void {
    const subs = this.local.of(filter);
    if (code <= 2) {
      if (subs.length > 0) this.grantedQos.set(filter, code as QoS);
      for (const s of subs) s.grant(code as QoS);
      return;
    }
    this.grantedQos.delete(filter);
    const err = new SubscriptionRefusedError(filter, code);
    for (const s of subs) {
      this.local.delete(s);
      s.refuse(err);
    }
  }

  private aliasesOf(peer: string): IncomingAliases {
    let a = this.incoming.get(peer);
    if (a === undefined) this.incoming.set(peer, (a = new IncomingAliases({ ...(this.maxAliases !== undefined && { maxAliases: this.maxAliases }) })));
    return a;
  }
}

function checkedPayload(p: Uint8Array | string | undefined): Uint8Array {
  if (p !== undefined && typeof p !== 'string' && !(p instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array or a string');
  return payloadBytes(p);
}
