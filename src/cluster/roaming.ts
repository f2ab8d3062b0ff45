/**
 * RoamingClient: a device's message layer over several hubs of a cluster, one at a time. The node
 * knows every hub (its peers, each with the device's key: hubs of one site derive the same key from
 * the site key); the RoamingClient runs a Client on the first, and when that hub becomes unreachable
 * (the node's liveness, spec 11.3) or does not answer a new Client in `readyTimeoutMs`, moves to the
 * next in the list, taking its subscriptions, served methods and will along (the new hub claims the
 * device, so calls and routes follow it). A QoS 1/2 publish() the old hub had not acknowledged is
 * sent again to the new one (at least once; what a hub acknowledged is its bridge's and journal's
 * to deliver, even if it dies: adopt.ts, owed.ts). One QoS 2 window serves every hub, so a QoS 2
 * copy a dead hub delivered and the next one owes again is dropped. Calls in flight when it moves
 * fail as they would (typed errors).
 * @module
 */
import { Client, type ClientOptions } from '../messaging/client.js';
import type { CallOptions, Handler, Publication, PublishOptions, SubscribeOptions, Subscription, WillOptions } from '../messaging/api.js';
import { InvalidArgumentError, NodeClosedError } from '../errors.js';
import { DedupeWindow } from '../pubsub/dedupe-window.js';
import type { SaltwireNode } from '../peer/node.js';
import { Emitter } from '../util/emitter.js';

/** @group Cluster */
export interface RoamingClientOptions extends Omit<ClientOptions, 'hub' | 'closeNode'> {
  /** The hubs' node ids, in order of preference: the node must know each (peers with addresses, keys). */
  readonly hubs: readonly string[];
  /** How long a new hub may take to answer before the next is tried, ms (default 5000). */
  readonly readyTimeoutMs?: number;
}

/** @group Cluster */
export interface RoamingEvents {
  /** The client moved from one hub to another. */
  roamed: { readonly from: string; readonly to: string };
}

const OK = 1 as const;
const MOVED = 2 as const;

interface Sub {
  readonly filter: string;
  readonly options: SubscribeOptions;
  readonly callback: (p: Publication) => void;
  current: Subscription | undefined;
}

/** @group Cluster */
export class RoamingClient {
  private readonly events = new Emitter<RoamingEvents>();
  private readonly subs = new Set<Sub>();
  private readonly served = new Map<string, { readonly handler: Handler; stop: () => void }>();
  private will: { topic: string; payload: Uint8Array | string; options: WillOptions } | undefined;
  private index = 0;
  private client!: Client;
  private moved!: Promise<void>;
  private signalMoved!: () => void;
  private closed = false;
  private roaming: Promise<void> | undefined;
  private readonly off: () => void;
  /** One QoS 2 window for every hub: a copy a dead hub delivered and the next one owes again is dropped [SW-18.3-9]. */
  private readonly window: DedupeWindow;

  private constructor(readonly node: SaltwireNode, private readonly o: RoamingClientOptions) {
    this.window = o.dedupe instanceof DedupeWindow ? o.dedupe : new DedupeWindow(o.dedupe);
    this.off = node.on('unreachable', (e) => {
      if (e.peer === this.hub) void this.roam();
    });
  }

  /** Starts on the first hub of `options.hubs`; resolves at once (see Client.start). */
  static async start(node: SaltwireNode, options: RoamingClientOptions): Promise<RoamingClient> {
    if (!Array.isArray(options.hubs) || options.hubs.length === 0) throw new InvalidArgumentError('RoamingClient needs options.hubs: one hub id or more');
    const r = new RoamingClient(node, options);
    await r.attach();
    return r;
  }

  /** The hub in use now. */
  get hub(): string {
    return this.o.hubs[this.index]!;
  }

  on<K extends keyof RoamingEvents>(name: K, fn: (e: RoamingEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }

  /** Resolves once the hub in use answered (Client.ready). */
  ready(timeoutMs?: number): Promise<void> {
    return this.client.ready(timeoutMs === undefined ? undefined : { timeoutMs });
  }

  /** Publishes through the hub in use; a QoS 1/2 publication not acknowledged when the client moves is sent again to the next hub. */
  async publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    for (let tries = 0; ; tries++) {
      if (this.closed) throw new NodeClosedError();
      const moved = this.moved;
      const sent = this.client.publish(topic, payload, options);
      if ((options.qos ?? 0) === 0 || tries > 2 * this.o.hubs.length) return sent;
      const r = await Promise.race([sent.then(() => OK, (e: unknown) => ({ e })), moved.then(() => MOVED)]);
      if (r === OK) return;
      if (typeof r === 'object' && this.moved === moved) throw r.e; // refused, deadline: not the move's doing
      sent.catch(() => undefined); // what the old hub may still take; sent again to the new one
    }
  }

  /** Subscribes with `callback` on every hub the client uses; returns the unsubscribe. */
  subscribe(filter: string, options: SubscribeOptions, callback: (p: Publication) => void): () => void {
    const s: Sub = { filter, options, callback, current: undefined };
    this.subs.add(s);
    s.current = this.client.subscribe(filter, options, callback);
    return () => {
      this.subs.delete(s);
      void s.current?.unsubscribe().catch(() => undefined);
    };
  }

  /** Calls `method` on `peer` through the hub in use (any hub of the cluster reaches it). */
  call<T = unknown>(peer: string, method: string, params?: unknown, options?: CallOptions): Promise<T> {
    return this.client.call<T>(peer, method, params, options);
  }

  /** Serves `method` on every hub the client uses. */
  serve(method: string, handler: Handler): () => void {
    this.served.set(method, { handler, stop: this.client.serve(method, handler) });
    return () => {
      this.served.get(method)?.stop();
      this.served.delete(method);
    };
  }

  /** Sets (or clears, topic null) the will, at the hub in use and every next one. */
  async setWill(topic: string | null, payload: Uint8Array | string = new Uint8Array(0), options: WillOptions = {}): Promise<void> {
    this.will = topic === null ? undefined : { topic, payload, options };
    await this.client.setWill(topic, payload, options);
  }

  /**
   * Moves to the next hub of the list now (what an unreachable hub does by itself). While a move is
   * under way another call joins it: a hub that is both unreachable and silent past readyTimeoutMs
   * (a device waking to a dead hub) moves the client once, not twice with two Clients attached.
   */
  roam(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.roaming ??= this.move().finally(() => (this.roaming = undefined));
    return this.roaming;
  }

  private async move(): Promise<void> {
    const from = this.hub;
    this.index = (this.index + 1) % this.o.hubs.length;
    await this.client.close();
    await this.attach();
    this.events.emit('roamed', { from, to: this.hub });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.off();
    this.signalMoved();
    await this.client.close();
  }

  private async attach(): Promise<void> {
    const { hubs: _h, readyTimeoutMs: _r, ...rest } = this.o;
    const c = await Client.start(this.node, { ...rest, hub: this.hub, dedupe: this.window });
    this.client = c;
    for (const s of this.subs) s.current = c.subscribe(s.filter, s.options, s.callback);
    for (const [m, s] of this.served) s.stop = c.serve(m, s.handler);
    if (this.will !== undefined) c.setWill(this.will.topic, this.will.payload, this.will.options).catch(() => undefined);
    this.signalMoved?.();
    this.moved = new Promise((r) => (this.signalMoved = r));
    // a hub that does not answer at all (never reachable, so never 'unreachable' either): the next
    c.ready({ timeoutMs: this.o.readyTimeoutMs ?? 5000 }).catch(() => {
      if (this.client === c && !this.closed) void this.roam();
    });
  }
}
