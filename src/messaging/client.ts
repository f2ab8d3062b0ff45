/**
 * Client: the message layer of a device (spec 15, 16), talking to its hub by id. It composes a
 * NodePort over the node, the publish/subscribe engine (PubSubClient) and the RPC engine. There is
 * no connect(): the node recovers from restarts and outages by itself, and the engines re-establish
 * subscriptions, will and aliases when the hub restarts, with no application code [SW-15.5-2].
 * What there is to wait for is the hub's first answer: `ready()` [SW-15.5-7].
 * @module
 */
import { assertNodeId } from '../wire/node-id.js';
import type { SaltwireNode } from '../peer/node.js';
import { PubSubClient, type PubSubClientDrops } from '../pubsub/client-pubsub.js';
import type { DedupeWindow, DedupeWindowOptions } from '../pubsub/dedupe-window.js';
import { RpcEngine } from '../rpc/engine.js';
import { addressKey } from '../transport/transport.js';
import type { CallOptions, Handler, Messaging, Publication, PublishOptions, RpcEngineOptions, SubscribeOptions, Subscription, WillOptions } from './api.js';
import { HubReadiness, type ReadyOptions } from './hub-readiness.js';
import { NodePort } from './port.js';
import type { PeerLimits } from './ops.js';

/** @group Client and hub options */
export interface ClientOptions {
  /** The hub's node id. */
  readonly hub: string;
  /** Topic aliases (spec 15.7) this node defines and keeps, default 64 (MAX_TOPIC_ALIASES); 0: none. Declared to the hub in SYNC. */
  readonly aliases?: number;
  /** What this node declares it takes from the hub in every SYNC [SW-15.5-8]; default its node's receive limits. */
  readonly limits?: Partial<PeerLimits>;
  /** Buffer of each subscription's iterator, default 1024 (api.ts). */
  readonly bufferLimit?: number;
  /**
   * The bounds of the QoS 2 window (15.6), or a window shared with another message layer of this
   * node: a RoamingClient (saltwire/cluster) keeps one across its hubs, so a QoS 2 copy that a hub
   * which died had delivered, and that the next hub owes again [SW-18.3-9], is dropped.
   */
  readonly dedupe?: DedupeWindowOptions | DedupeWindow;
  readonly maxPending?: RpcEngineOptions['maxPending'];
  readonly resultCache?: RpcEngineOptions['resultCache'];
  /** close() closes the node too, after the message layer (startClient sets it). Default false. */
  readonly closeNode?: boolean;
}

/**
 * A device's message layer: publish, subscribe, call and serve through its hub, by topic and by id.
 * `startClient` starts a node and a Client in one call; `Client.start(node, { hub })` puts one on
 * a node of your own.
 *
 * @example
 * ```ts
 * import { Client, startNode } from 'saltwire';
 *
 * const node = await startNode({ id: 'sensor-1', keyring, stateDir, peers: [{ id: 'hub', address }] });
 * const client = await Client.start(node, { hub: 'hub' });
 * await client.ready(); // the hub answered
 * await client.publish('sensors/sensor-1/temp', '21.5', { qos: 1 });
 * await client.close();
 * await node.close();
 * ```
 * @group Start here
 */
export class Client implements Messaging {
  private closed = false;
  private readonly readiness: HubReadiness;

  private constructor(
    readonly port: NodePort,
    /** The publish/subscribe engine, for its counters (`pubsub.drops`). */
    readonly pubsub: PubSubClient,
    private readonly rpc: RpcEngine,
    /** The hub's node id. */
    private readonly hubId: string,
    private readonly closeNode: boolean,
  ) {
    // after the engines: they are the listeners the node takes data for [SW-14.7-9]
    this.readiness = new HubReadiness(port, hubId, () => this.hubAddress);
  }

  /**
   * Starts the message layer on `node` and sends the hub its SYNC [SW-15.5-2]. It resolves at once,
   * without waiting for the hub: `await client.ready()` to know the hub answered.
   */
  static async start(node: SaltwireNode, options: ClientOptions): Promise<Client> {
    assertNodeId(options.hub);
    const port = new NodePort(node);
    const pubsub = new PubSubClient(port, {
      hub: options.hub,
      ...(options.aliases !== undefined && { aliases: options.aliases }),
      ...(options.limits !== undefined && { limits: options.limits }),
      ...(options.bufferLimit !== undefined && { bufferLimit: options.bufferLimit }),
      ...(options.dedupe !== undefined && { dedupe: options.dedupe }),
    });
    const rpc = new RpcEngine(port, {
      role: 'client',
      hub: options.hub,
      ...(options.maxPending !== undefined && { maxPending: options.maxPending }),
      ...(options.resultCache !== undefined && { resultCache: options.resultCache }),
    });
    pubsub.start();
    return new Client(port, pubsub, rpc, options.hub, options.closeNode === true);
  }

  /**
   * Resolves once the hub has answered [SW-15.5-7]: an authenticated datagram from it arrived (its
   * acknowledgement of this Client's SYNC, normally one round trip after start), so the node reports
   * it reachable. At once if it has answered already and was not declared unreachable since (after
   * an outage, ready() waits for its next answer). Rejects after `timeoutMs` (default 5000) with
   * HubUnreachableError, whose message names the hub's address: nothing came back, so the hub is not
   * running there, or this device's key (or id, or the hub's id) is wrong. Rejects with
   * NodeClosedError if the Client closes first. Nothing else needs it (reliable operations wait in
   * the outbox for the hub, subscriptions come back by SYNC): it is how an application or a command
   * line fails fast, and says why, when the hub is not there.
   */
  ready(options?: ReadyOptions): Promise<void> {
    return this.readiness.ready(options);
  }

  /** The node this Client runs on: its events (`reachable`, `restart`, `drop`...), stats and id. */
  get node(): SaltwireNode {
    return this.port.node;
  }

  /** Whether the hub has answered and was not declared unreachable since (see ready()). */
  get hubReady(): boolean {
    return this.readiness.isReady;
  }

  /** `HOST:PORT` the node sends the hub to (its configured or validated address), if known. */
  get hubAddress(): string | undefined {
    const a = this.port.node.peer(this.hubId)?.address;
    return a === undefined ? undefined : addressKey(a);
  }

  get drops(): Readonly<PubSubClientDrops> {
    return this.pubsub.drops;
  }

  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void> {
    return this.pubsub.publish(topic, payload, options);
  }

  subscribe(filter: string, options?: SubscribeOptions, callback?: (p: Publication) => void): Subscription {
    return this.pubsub.subscribe(filter, options, callback);
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

  setWill(topic: string | null, payload?: Uint8Array | string, options?: WillOptions): Promise<void> {
    return this.pubsub.setWill(topic, payload, options);
  }

  /** Stops the engines and the port; the node stays open unless `closeNode` was set. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.readiness.close();
    this.pubsub.close();
    this.rpc.close();
    this.port.close();
    if (this.closeNode) await this.port.node.close();
  }
}
