/**
 * Hub: the message layer of a node serving others (spec 18): routing of publications with retained
 * messages, wills and presence (PubSubHub), forwarding of calls (the RPC engine in role 'hub'), both
 * under one access policy. Its own application publishes, subscribes, calls and serves like a
 * Client does.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { AccessControl } from '../acl/acl.js';
import type { SaltwireNode } from '../peer/node.js';
import type { StateStore } from '../peer/state-store.js';
import { isJournalingStore } from '../peer/journal-store.js';
import { DRAIN_TIMEOUT_MS } from '../pubsub/hub-forwarder.js';
import { PubSubHub, type PubSubHubOptions, type PubSubHubStats } from '../pubsub/hub-pubsub.js';
import { RpcEngine, type RpcCounters } from '../rpc/engine.js';
import type { CallOptions, Handler, Messaging, Publication, PublishOptions, RpcEngineOptions, SubscribeOptions, Subscription } from './api.js';
import { NodePort } from './port.js';

/** The name of the hub's journal in its StateStore (the file `hub.journal` in a state directory). */
export const HUB_JOURNAL = 'hub';

/** How often a stopping hub looks whether its node still holds acknowledged messages back. */
const UNDELIVERED_POLL_MS = 10;

/** @group Client and hub options */
export interface HubOptions extends Omit<PubSubHubOptions, 'state' | 'acl'> {
  /** Access control for publications, subscriptions and calls (spec 17); default open. */
  readonly acl?: AccessControl;
  /**
   * Persist subscriptions, wills, retained store, QoS 2 window and the publications owed to
   * subscribers, and acknowledge only what is durable [SW-18.3-3]; default true.
   */
  readonly persist?: boolean;
  /** Where to persist; default the node's own StateStore (NodeOptions.state). */
  readonly state?: StateStore;
  /** How long close() waits for forwarded publications, default DRAIN_TIMEOUT_MS (2 s). */
  readonly drainTimeoutMs?: number;
  readonly maxPending?: RpcEngineOptions['maxPending'];
  readonly resultCache?: RpcEngineOptions['resultCache'];
  /** close() closes the node too, once the hub stopped (startHub sets it). Default false. */
  readonly closeNode?: boolean;
}

/**
 * A hub's message layer: routes publications (retained messages, wills, presence) and forwards
 * calls between devices under one access policy, and publishes, subscribes, calls and serves
 * itself. `startHub` starts a node and a Hub in one call.
 *
 * @example
 * ```ts
 * import { AccessControl, Hub, SiteKeyring, defaultCryptoSuite, startNode } from 'saltwire';
 *
 * const node = await startNode({ id: 'hub', keyring: new SiteKeyring(defaultCryptoSuite(), siteKey), listen: { port: 4000 }, stateDir });
 * const hub = await Hub.start(node, { acl: AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: ['sensors/{id}/#'], subscribe: ['#'] }] }) });
 * hub.subscribe('sensors/#', {}, (p) => console.log(p.from, p.topic, p.text()));
 * ```
 * @group Start here
 */
export class Hub implements Messaging {
  private closed = false;

  private constructor(
    readonly port: NodePort,
    /** The publish/subscribe engine, for its counters and stores. */
    readonly pubsub: PubSubHub,
    private readonly rpc: RpcEngine,
    private readonly drainTimeoutMs: number,
    private readonly closeNode: boolean,
  ) {}

  /** Loads the persisted state (before anything is routed), then serves. */
  static async start(node: SaltwireNode, options: HubOptions = {}): Promise<Hub> {
    const port = new NodePort(node);
    const state = options.persist === false ? undefined : (options.state ?? node.state);
    if (options.persist !== false && state === undefined) throw new InvalidArgumentError('persist needs a StateStore: pass options.state');
    const { persist: _p, state: _s, drainTimeoutMs, maxPending, resultCache, closeNode, ...rest } = options;
    // a store that keeps journals (files, memory) gives the hub its journal: durable before acknowledged
    const journal = options.journal ?? (state !== undefined && isJournalingStore(state) ? await state.journal(HUB_JOURNAL) : undefined);
    const pubsub = await PubSubHub.create(port, { ...rest, ...(state !== undefined && { state }), ...(journal !== undefined && { journal }) });
    const rpc = new RpcEngine(port, {
      role: 'hub',
      ...(options.acl !== undefined && { acl: options.acl }),
      ...(maxPending !== undefined && { maxPending }),
      ...(resultCache !== undefined && { resultCache }),
    });
    return new Hub(port, pubsub, rpc, drainTimeoutMs ?? DRAIN_TIMEOUT_MS, closeNode === true);
  }

  /** The node this Hub runs on: its events (`reachable`, `restart`, `drop`...), stats and address (`node.local`). */
  get node(): SaltwireNode {
    return this.port.node;
  }

  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void> {
    return this.pubsub.publish(topic, payload, options);
  }

  subscribe(filter: string, options?: SubscribeOptions, callback?: (p: Publication) => void): Subscription {
    return this.pubsub.subscribe(filter, options, callback);
  }

  /**
   * The counters of the hub's limits and refusals: publications refused (access control, retained
   * quota and store, storage) and whether their publishers were told [SW-15.4-4], the delivery
   * queues and what their bounds dropped [SW-18.2-3], the journal's retries [SW-18.3-8]. Events:
   * `hub.pubsub.on('refused' | 'delivery-drop', ...)`.
   */
  stats(): PubSubHubStats {
    return this.pubsub.stats();
  }

  /**
   * The hub's forwarding of calls between nodes, for edge code that joins hubs (`saltwire/cluster`).
   * @internal
   */
  get forwarding(): NonNullable<RpcEngine['forwarding']> {
    return this.rpc.forwarding!;
  }

  /** The RPC engine's counters: calls made, served and (on a hub) forwarded, by outcome. */
  get rpcCounters(): RpcCounters {
    return this.rpc.counters;
  }

  /**
   * Calls `method` on `peer` (through the hub when it is not a known peer) and resolves with its
   * result, typed as `T`; rejects with a typed RpcError (rpc/errors.ts).
   *
   * @example
   * ```ts
   * const r = await client.call<{ celsius: number }>('sensor-2', 'reading', { unit: 'C' }, { timeoutMs: 2000 });
   * console.log(r.celsius);
   * ```
   */
  call<T = unknown>(peer: string, method: string, params?: unknown, options?: CallOptions): Promise<T> {
    return this.rpc.call(peer, method, params, options) as Promise<T>;
  }

  serve(method: string, handler: Handler): () => void {
    return this.rpc.serve(method, handler);
  }

  /**
   * Replaces the access-control policy at run time (e.g. a configuration reloaded) [SW-17.5-6]:
   * subscriptions and wills the new policy no longer allows are removed at once, before any further
   * publication is routed, and every later publication and call is decided by it.
   */
  setAcl(acl: AccessControl): void {
    if (!(acl instanceof AccessControl)) throw new InvalidArgumentError('setAcl needs an AccessControl');
    this.pubsub.setAcl(acl);
    this.rpc.setAcl(acl);
  }

  /** A hub has no hub to leave a will with: always rejects with InvalidArgumentError. */
  async setWill(): Promise<void> {
    throw new InvalidArgumentError('a hub has no will: setWill() is for devices (Client)');
  }

  /**
   * Stops gracefully [SW-18.3-2]: the node first stops taking data (refuseData(): what devices send
   * meanwhile stays in their outboxes for the hub's next process), then this waits, within the drain
   * timeout, for what the node acknowledged but held back to be delivered and routed [SW-14.7-8]
   * and for forwarded publications to be acknowledged, and stops the engines (saves finished)
   * and the port [SW-18.3-1]. The node stays open but takes nothing more: close it next (or set
   * `closeNode`, as startHub does, and this closes it).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const node = this.port.node;
    node.refuseData();
    const s = this.port.scheduler;
    const until = s.now() + this.drainTimeoutMs;
    // what the node acknowledged but holds back (or reassembles) is delivered, and routed, first [SW-18.3-2]
    while (node.undelivered() > 0 && s.now() < until) await new Promise<void>((r) => s.at(Math.min(until, s.now() + UNDELIVERED_POLL_MS), r));
    await this.pubsub.drain(Math.max(0, until - s.now()));
    await this.pubsub.close();
    this.rpc.close();
    this.port.close();
    if (this.closeNode) await node.close();
  }
}
