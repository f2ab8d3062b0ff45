/**
 * MqttBridge: a hub's publications to an MQTT broker and the broker's back, with MQTT.js.
 *
 * Delivery contract, two levels. (1) A device's QoS 1/2 publication that maps outbound is
 * acknowledged to the device only once it is durably queued in the bridge's outbox (journaled in the
 * hub's state directory; it survives kill -9 of the hub), through the hub's sink hook. (2) Once the
 * broker settled it, a receipt says how: 'acked' (PUBACK/PUBCOMP with a success code), 'refused'
 * (a reason code >= 0x80), 'expired' (its MQTT 5 expiry passed while queued), 'dropped' (the outbox
 * overflowed with policy drop-oldest). Receipts are the `receipt` event, the promise of
 * bridge.publish(), and (opt-in, `receiptTopic`) a QoS 0 publication at the hub to the device.
 * Inbound, a broker's QoS 1/2 publication is acknowledged to the broker only once the hub has made it
 * durable (hub.publish resolved).
 *
 * Loops: the bridge subscribes with No Local and Retain As Published, marks what it sends with the
 * user properties `sw-origin` (its origin id) and `sw-msg` (a message id unique across restarts),
 * drops what comes back with its own origin, and drops a (origin, message id) seen before (a bounded
 * cache): enough for many bridges on one broker, with shared subscriptions (`shareGroup`) for
 * scale-out. What it injects into the hub never reaches its own sink.
 * @module
 */
import type { IClientPublishOptions, IPublishPacket, MqttClient } from 'mqtt';
import { InvalidArgumentError, NodeClosedError } from '../errors.js';
import type { Hub } from '../messaging/hub.js';
import type { QoS } from '../messaging/ops.js';
import { isJournalingStore, type JournalStore } from '../peer/journal-store.js';
import type { SinkPublication } from '../pubsub/hub-sinks.js';
import { Emitter } from '../util/emitter.js';
import type { HubCluster } from '../cluster/cluster.js';
import { BRIDGE_JOURNAL, FROM_PROPERTY, MSG_PROPERTY, ORIGIN_PROPERTY, type BridgeEvents, type BridgeExtension, type BridgeOptions, type BridgeRefusal, type BridgeStats, type Receipt, type ReceiptOutcome } from './bridge-types.js';
import { carried, envelopeOf, type CarriedProperties } from './carry.js';
import { filterCovers } from './covers.js';
import { DedupeCache } from './dedupe.js';
import { decodeBridged, InvalidEnvelopeError, type Bridged } from './envelope.js';
import { BrokerLink } from './link.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { Presence } from './presence.js';
import { RpcBridge } from './rpc.js';
import { DEFAULT_RULES, TopicMap, type MappingRule } from './topic-map.js';

export { BRIDGE_JOURNAL, FROM_PROPERTY, MSG_PROPERTY, ORIGIN_PROPERTY } from './bridge-types.js';
export type { BridgeEvents, BridgeExtension, BridgeOptions, BridgeRefusal, BridgeStats, Receipt, ReceiptOutcome } from './bridge-types.js';

/**
 * QoS 0 copies waiting for room at the hub beyond which the bridge stops reading its broker until
 * they are half as many: under the hub's per-device bound (UNRELIABLE_WAITING, 1,000), so that a
 * burst from the broker waits in TCP instead of being dropped at the hub ([SW-15.4-5]).
 */
const BRIDGE_QOS0_WAITING = 500;

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.length);
}

/** The MQTT.js form of an entry's carried properties other than user properties. */
function mqttProperties(e: CarriedProperties): NonNullable<IClientPublishOptions['properties']> {
  return {
    ...(e.contentType !== undefined && { contentType: e.contentType }),
    ...(e.payloadFormat !== undefined && { payloadFormatIndicator: e.payloadFormat === 1 }),
    ...(e.responseTopic !== undefined && { responseTopic: e.responseTopic }),
    ...(e.correlationData !== undefined && { correlationData: toBuffer(e.correlationData) }),
  };
}

/** @group Bridge */
export class MqttBridge {
  readonly map: TopicMap;
  readonly origin: string;
  private readonly events = new Emitter<BridgeEvents>();
  private readonly outbox: Outbox;
  private readonly link: BrokerLink;
  private readonly dedupe: DedupeCache;
  private readonly inflight = new Set<number>();
  /** Ids of the entries not sent on this connection, in order (settled ones are skipped when met). */
  private unsent: number[] = [];
  private unsentHead = 0;
  private readonly waiting = new Map<string, (r: Receipt) => void>();
  private readonly maxInflight: number;
  private readonly v5: boolean;
  private readonly presence: Presence | undefined;
  readonly rpc: RpcBridge | undefined;
  /** The cluster this hub is a member of (`options.cluster`), if any. */
  cluster: HubCluster | undefined;
  private readonly off: Array<() => void> = [];
  private readonly extensions = new Set<BridgeExtension>();
  private injecting = false;
  private closed = false;
  private logTimer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private readonly counts = {
    out: [0, 0, 0] as [number, number, number],
    in: [0, 0, 0] as [number, number, number],
    hub: 0,
    refusedOut: {} as Record<string, number>,
    refusedIn: {} as Record<string, number>,
    receipts: { acked: 0, refused: 0, expired: 0, dropped: 0 } as Record<ReceiptOutcome, number>,
    rtt: { last: 0, avg: 0 },
  };

  private constructor(readonly hub: Hub, private readonly o: BridgeOptions, journal: JournalStore | undefined) {
    this.map = new TopicMap(o.rules ?? DEFAULT_RULES);
    this.v5 = (o.protocolVersion ?? 5) === 5;
    const self = hub.port.self;
    this.origin = o.origin ?? o.clientId ?? `saltwire-${self}`;
    this.dedupe = new DedupeCache(o.dedupeSize ?? 10_000);
    this.maxInflight = o.inflight ?? 64;
    if (!Number.isInteger(this.maxInflight) || this.maxInflight < 1) throw new InvalidArgumentError('inflight must be an integer >= 1');
    this.outbox = Outbox.open(o.outbox ?? {}, journal, (e) => this.settle(e, 'dropped'));
    const status = o.statusTopic ?? `saltwire/bridge/${this.origin}/status`;
    this.link = new BrokerLink({ clientId: this.origin, ...o }, { topic: status, payload: JSON.stringify({ state: 'offline', reason: 'lost' }) }, {
      up: (c) => this.onUp(c, status),
      down: () => this.onDown(),
      message: (p) => this.onMessage(p),
      room: () => this.hub.pubsub.forwarder.qos0Room(BRIDGE_QOS0_WAITING),
      error: (e) => o.log?.(`bridge: broker ${o.url}: ${e.message}`),
    });
    this.presence = o.presenceTopic === false ? undefined : new Presence(hub.port.node, o.presenceTopic ?? 'saltwire/status/{id}', (topic, payload) => void this.enqueue(self, topic, payload, 1, true)?.catch(() => undefined));
    this.rpc = o.rpc === false || !this.v5 ? undefined : new RpcBridge(hub, this.origin, o.rpc ?? {}, (topic, payload, opts) => this.sendDirect(topic, payload, opts));
    this.off.push(hub.pubsub.addSink((p) => this.sink(p)));
  }

  /**
   * Starts bridging `hub` to the broker at `options.url`: loads what a previous process left in the
   * outbox (sent first), then connects (and reconnects) in the background. Resolves at once; the
   * `connected` event says when the broker answered.
   */
  static async start(hub: Hub, options: BridgeOptions): Promise<MqttBridge> {
    if (typeof options?.url !== 'string' || options.url === '') throw new InvalidArgumentError('the bridge needs options.url (mqtt://HOST:PORT)');
    let journal: JournalStore | undefined;
    if (options.journal !== false) {
      const state = hub.port.node.state;
      journal = options.journal ?? (isJournalingStore(state) ? await state.journal(BRIDGE_JOURNAL) : undefined);
    }
    const b = new MqttBridge(hub, options, journal);
    if (options.cluster !== undefined) {
      const { HubCluster } = await import('../cluster/cluster.js'); // loaded only by cluster members
      b.cluster = HubCluster.start(hub, b, options.cluster, options);
    }
    b.link.start();
    if (options.log !== undefined && options.logEveryMs !== 0) {
      b.logTimer = setInterval(() => options.log!(b.statusLine()), options.logEveryMs ?? 10_000);
      b.logTimer.unref();
    }
    return b;
  }

  on<K extends keyof BridgeEvents>(name: K, fn: (e: BridgeEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }

  get connected(): boolean {
    return this.link.connected;
  }

  /**
   * The hub's application publishes to the broker directly (`topic` is a broker topic, not mapped):
   * `queued` resolves once durably queued (QoS 1/2), `receipt` once the broker settled it.
   */
  publish(topic: string, payload: Uint8Array | string, options: { qos?: QoS; retain?: boolean; expirySeconds?: number } = {}): { queued: Promise<void>; receipt: Promise<Receipt> } {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const qos = options.qos ?? 0;
    const r = this.outbox.add({ topic, payload: bytes, qos, retain: options.retain === true, from: this.hub.port.self, queuedAt: Date.now(), ...(options.expirySeconds !== undefined && { expiresAt: Date.now() + options.expirySeconds * 1000 }) });
    if (r === 'full') {
      const e = new InvalidArgumentError('bridge outbox full');
      return { queued: Promise.reject(e), receipt: Promise.reject(e) };
    }
    const receipt = new Promise<Receipt>((res) => this.waiting.set(r.entry.msgId, res));
    this.unsent.push(r.entry.id);
    this.schedulePump();
    return { queued: r.durable ?? Promise.resolve(), receipt };
  }

  stats(): BridgeStats {
    const ob = this.outbox.stats;
    return {
      connected: this.link.connected,
      connects: this.link.connects,
      reconnects: Math.max(0, this.link.connects - 1),
      link: { failures: { ...this.link.failures }, ...(this.link.lastError !== undefined && { lastError: this.link.lastError }) },
      outbox: { ...ob, inflight: this.inflight.size },
      forwarded: { out: [...this.counts.out], in: [...this.counts.in], hub: this.counts.hub },
      refused: { out: { ...this.counts.refusedOut }, in: { ...this.counts.refusedIn } },
      receipts: { ...this.counts.receipts },
      brokerRttMs: { ...this.counts.rtt },
      ...(this.rpc !== undefined && { rpc: { ...this.rpc.stats } }),
    };
  }

  /**
   * Shares this bridge's broker connection with `ext` (see BridgeExtension); returns its detach.
   * Subscribes at once when connected, and on every later connection.
   */
  attach(ext: BridgeExtension): () => void {
    this.extensions.add(ext);
    const c = this.link.client;
    if (this.link.connected && c !== undefined) this.subscribeExtension(c, ext);
    return () => void this.extensions.delete(ext);
  }

  /**
   * Publishes on the broker now, not queued (lost if the connection is): false when not connected.
   * Marked with this bridge's origin (and `msgId` as `sw-msg` if given, so a copy that comes back
   * through overlapping subscriptions is dropped as a duplicate).
   */
  publishDirect(topic: string, payload: Uint8Array | string, options: { qos?: QoS; retain?: boolean; msgId?: string } = {}): boolean {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    return this.sendDirect(topic, bytes, {
      qos: options.qos ?? 0,
      retain: options.retain === true,
      ...(options.msgId !== undefined && this.v5 && { properties: { userProperties: { [MSG_PROPERTY]: options.msgId } } }),
    });
  }

  /** One readable line of the metrics (the hub's log). */
  statusLine(): string {
    const s = this.stats();
    // the hub's other traffic (no rule maps it, $ topics) is not bridged, not refused
    const refused = (r: Record<string, number>): string => Object.entries(r).filter(([k]) => k !== 'unmapped' && k !== 'dollar').map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    return `bridge ${this.o.url} ${s.connected ? 'up' : 'DOWN'}, reconnects ${s.reconnects}, queue ${s.outbox.depth} (${s.outbox.bytes} B, ${s.outbox.inflight} in flight), out ${s.forwarded.out.join('/')} in ${s.forwarded.in.join('/')} (QoS 0/1/2), receipts acked ${s.receipts.acked} refused ${s.receipts.refused} expired ${s.receipts.expired} dropped ${s.receipts.dropped}, refused out: ${refused(s.refused.out)}; in: ${refused(s.refused.in)}; broker RTT ${s.brokerRttMs.avg.toFixed(1)} ms`;
  }

  /** Stops: publishes its status 'offline', disconnects cleanly and closes the journal. What is queued stays for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.logTimer);
    for (const f of this.off.splice(0)) f();
    this.cluster?.close();
    this.presence?.close();
    this.rpc?.close();
    const c = this.link.client;
    if (this.link.connected && c !== undefined) {
      const status = this.o.statusTopic ?? `saltwire/bridge/${this.origin}/status`;
      await c.publishAsync(status, JSON.stringify({ state: 'offline', reason: 'stopped' }), { qos: 1, retain: true }).catch(() => undefined);
    }
    await this.link.close();
    await this.outbox.close();
  }

  // ---- outbound: hub -> broker ----

  private sink(p: SinkPublication): Promise<void> | undefined {
    if (this.injecting || this.closed) return undefined; // what this bridge itself put into the hub
    const m = this.map.outbound(p.topic, p.publisher);
    if ('refused' in m) {
      // a topic no rule maps is the normal case for a hub's other traffic: counted, not an event
      this.refuse('out', p.topic, m.refused, m.refused !== 'unmapped' && m.refused !== 'dollar');
      return undefined;
    }
    for (const x of this.extensions) {
      if (x.owns(m.topic) || x.watches(m.topic)) return void this.refuse('out', p.topic, 'reserved', true);
    }
    const qos = Math.min(p.qos, m.rule.maxQos ?? 2) as QoS;
    if (m.rule.properties !== 'envelope') return this.enqueue(p.publisher, m.topic, p.payload.slice(), qos, p.retain, m.rule);
    let env: Bridged;
    try {
      env = decodeBridged(p.payload); // copies: nothing shares the hub's buffer
    } catch (e) {
      // never forwarded garbled: refused, counted, and a QoS 1/2 publisher gets its PUBNACK
      this.refuse('out', p.topic, 'envelope', true);
      return p.qos === 0 ? undefined : Promise.reject(e as InvalidEnvelopeError);
    }
    return this.enqueue(p.publisher, m.topic, env.payload, qos, p.retain, m.rule, env);
  }

  private enqueue(from: string, topic: string, payload: Uint8Array, qos: QoS, retain: boolean, rule?: MappingRule, env?: Bridged): Promise<void> | undefined {
    const now = Date.now();
    const r = this.outbox.add({
      topic, payload, qos, retain, from, queuedAt: now,
      ...(rule?.expirySeconds !== undefined && { expiresAt: now + rule.expirySeconds * 1000 }),
      ...(rule !== undefined && carried(rule, env)),
    });
    if (r === 'full') {
      this.refuse('out', topic, 'outbox-full', true);
      return qos === 0 ? undefined : Promise.reject(new InvalidArgumentError('bridge outbox full'));
    }
    this.unsent.push(r.entry.id);
    this.schedulePump();
    return r.durable;
  }

  /**
   * Pumps once the I/O events of this turn are handled: what they queued goes out together, in one
   * socket write (MQTT.js corks a publication until the next tick, so a pump per datagram or per
   * PUBACK made a write system call per message).
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends pending entries, oldest first, up to `inflight` unsettled. */
  private pump(): void {
    const c = this.link.client;
    if (!this.link.connected || c === undefined || this.closed) return;
    const gen = this.link.generation;
    while (this.inflight.size < this.maxInflight && this.unsentHead < this.unsent.length) {
      const e = this.outbox.get(this.unsent[this.unsentHead++]!);
      if (this.unsentHead > 4096 && this.unsentHead * 2 > this.unsent.length) (this.unsent = this.unsent.slice(this.unsentHead)), (this.unsentHead = 0);
      if (e === undefined || this.inflight.has(e.id)) continue; // settled (dropped, expired) meanwhile
      const now = Date.now();
      if (e.expiresAt !== undefined && e.expiresAt <= now) {
        this.outbox.done(e.id);
        this.settle(e, 'expired');
        continue;
      }
      this.inflight.add(e.id);
      const sentAt = performance.now();
      c.publish(e.topic, toBuffer(e.payload), this.publishOptions(e, now), (err, packet) => {
        if (gen !== this.link.generation) return; // a dead connection's: sent again on the next
        this.inflight.delete(e.id);
        const code = (err as { code?: unknown } | undefined)?.code;
        if (err !== undefined && err !== null && !(typeof code === 'number' && code >= 0x80)) return; // link trouble: stays queued
        const rtt = performance.now() - sentAt;
        this.counts.rtt.last = rtt;
        this.counts.rtt.avg = this.counts.rtt.avg === 0 ? rtt : this.counts.rtt.avg * 0.9 + rtt * 0.1;
        this.outbox.done(e.id);
        if (err !== undefined && err !== null) this.settle(e, 'refused', code as number);
        else {
          if (e.from === this.hub.port.self) this.counts.hub++;
          else this.counts.out[e.qos]++;
          this.settle(e, 'acked', (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
        }
        this.schedulePump();
      });
    }
  }

  private publishOptions(e: OutboxEntry, now: number): IClientPublishOptions {
    const o: IClientPublishOptions = { qos: e.qos, retain: e.retain };
    if (!this.v5) return o;
    o.properties = {
      userProperties: { ...e.userProperties, [ORIGIN_PROPERTY]: this.origin, [MSG_PROPERTY]: e.msgId, [FROM_PROPERTY]: e.from },
      ...mqttProperties(e),
      // what is left of its expiry (MQTT 5 3.3.2.3.3: the time it waited is taken off)
      ...(e.expiresAt !== undefined && { messageExpiryInterval: Math.max(1, Math.ceil((e.expiresAt - now) / 1000)) }),
    };
    return o;
  }

  private settle(e: OutboxEntry, outcome: ReceiptOutcome, reasonCode?: number): void {
    if (e.qos === 0 && outcome === 'acked') return;
    this.counts.receipts[outcome]++;
    const r: Receipt = { msgId: e.msgId, from: e.from, topic: e.topic, qos: e.qos, outcome, ...(reasonCode !== undefined && { reasonCode }), ms: Date.now() - e.queuedAt };
    this.waiting.get(e.msgId)?.(r);
    this.waiting.delete(e.msgId);
    this.events.emit('receipt', r);
    const rt = this.o.receiptTopic;
    if (rt !== undefined && e.from !== this.hub.port.self) {
      this.inject(rt.replace('{id}', e.from), new TextEncoder().encode(JSON.stringify(r)), 0, false).catch(() => undefined);
    }
  }

  // ---- the connection ----

  private onUp(c: MqttClient, status: string): void {
    const subs = this.map.remoteSubscriptions();
    // the RPC's filters that a rule's subscription covers come through it (one copy, not two)
    if (this.rpc !== undefined) subs.push(...this.rpc.subscriptions().filter((f) => !this.covered(f)));
    const share = this.o.shareGroup;
    for (const { filter, qos } of subs) {
      const shared = share !== undefined && !filter.startsWith('$');
      // No Local is a protocol error on a shared subscription (MQTT 5 3.8.3.1): the origin property covers it
      c.subscribe(shared ? `$share/${share}/${filter}` : filter, { qos, ...(this.v5 && { nl: !shared, rap: true }) }, (err) => {
        if (err) this.o.log?.(`bridge: subscribing to ${filter}: ${err.message}`);
      });
    }
    for (const x of this.extensions) this.subscribeExtension(c, x);
    c.publish(status, JSON.stringify({ state: 'online', at: new Date().toISOString() }), { qos: 1, retain: true });
    // everything still queued goes again, oldest first: what was in flight on the old connection too
    this.unsent = [...this.outbox.values()].map((e) => e.id);
    this.unsentHead = 0;
    this.events.emit('connected', { reconnects: Math.max(0, this.link.connects - 1) });
    this.o.log?.(`bridge: connected to ${this.o.url} (${this.link.connects - 1} reconnects)`);
    this.pump();
  }

  /** Whether a rule's subscription covers `f` (at its QoS or more); a shared one only for what may be shared. */
  private covered(f: { filter: string; qos: QoS }, needsAll = false): boolean {
    if (needsAll && this.o.shareGroup !== undefined) return false;
    return this.map.remoteSubscriptions().some((r) => r.qos >= f.qos && filterCovers(r.filter, f.filter));
  }

  private subscribeExtension(c: MqttClient, x: BridgeExtension): void {
    for (const { filter, qos } of x.subscriptions()) {
      if (this.covered({ filter, qos }, true)) continue; // its messages come through the rules' subscription
      c.subscribe(filter, { qos, ...(this.v5 && { nl: true, rap: true }) }, (err) => {
        if (err) this.o.log?.(`bridge: subscribing to ${filter}: ${err.message}`);
      });
    }
    x.up();
  }

  private onDown(): void {
    this.inflight.clear(); // sent again, in order, on the next connection (onUp)
    this.events.emit('disconnected', {});
    this.o.log?.(`bridge: lost ${this.o.url}; ${this.outbox.stats.depth} queued`);
  }

  // ---- inbound: broker -> hub ----

  /** Undefined: acknowledge at once; a promise: once it resolves (never if it rejects: sent again). */
  private onMessage(p: IPublishPacket): Promise<void> | undefined {
    if (this.closed) return Promise.reject(new NodeClosedError());
    const topic = p.topic;
    const up = p.properties?.userProperties;
    const prop = (k: string): string | undefined => {
      const v = up?.[k];
      return Array.isArray(v) ? v[0] : v;
    };
    const origin = prop(ORIGIN_PROPERTY);
    if (origin === this.origin) return void this.refuse('in', topic, 'loop', false);
    const msg = prop(MSG_PROPERTY);
    if (origin !== undefined && msg !== undefined && this.dedupe.seen(`${origin}\u0000${msg}`)) return void this.refuse('in', topic, 'duplicate', false);
    for (const x of this.extensions) {
      if (x.owns(topic)) return void x.onMessage(p);
      if (x.watches(topic)) x.onMessage(p);
    }
    if (this.rpc?.handles(topic)) return void this.rpc.onMessage(p);
    const m = this.map.inbound(topic);
    if ('refused' in m) return void this.refuse('in', topic, m.refused, true);
    const qos = Math.min(p.qos, m.rule.maxQos ?? 2) as QoS;
    let payload: Uint8Array;
    try {
      payload = m.rule.properties === 'envelope' ? envelopeOf(p) : new Uint8Array(p.payload as Buffer);
    } catch (e) {
      if (!(e instanceof InvalidEnvelopeError)) throw e;
      return void this.refuse('in', topic, 'envelope', true); // too large with its properties, say
    }
    const expiry = p.properties?.messageExpiryInterval;
    return this.inject(m.topic, payload, qos, p.retain, expiry === undefined ? undefined : expiry * 1000).then(
      () => void this.counts.in[qos]++,
      (e: Error) => {
        if (e instanceof NodeClosedError) throw e; // not acknowledged: the broker sends it again
        this.refuse('in', topic, 'hub-refused', true);
      },
    );
  }

  /** Publishes into the hub, kept from this bridge's own sink. */
  private inject(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, expiryMs?: number): Promise<void> {
    this.injecting = true;
    try {
      // through the engine: the message expiry bounds how long copies wait for a (sleeping) device
      return this.hub.pubsub.publish(topic, payload, { qos, retain, ...(expiryMs !== undefined && { expiryMs }) });
    } finally {
      this.injecting = false;
    }
  }

  private sendDirect(topic: string, payload: Uint8Array, opts: IClientPublishOptions): boolean {
    const c = this.link.client;
    if (!this.link.connected || c === undefined) return false;
    c.publish(topic, toBuffer(payload), { ...opts, properties: { ...opts.properties, userProperties: { ...opts.properties?.userProperties, [ORIGIN_PROPERTY]: this.origin } } });
    return true;
  }

  private refuse(direction: 'out' | 'in', topic: string, reason: BridgeRefusal['reason'], emit: boolean): void {
    const t = direction === 'out' ? this.counts.refusedOut : this.counts.refusedIn;
    t[reason] = (t[reason] ?? 0) + 1;
    if (emit) this.events.emit('refused', { direction, topic, reason });
  }
}
