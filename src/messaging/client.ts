/**
 * Client: the message layer of a device (spec 15, 16), talking to its hub by id. It composes a
 * NodePort over the node, the publish/subscribe engine (PubSubClient) and the RPC engine. There is
 * no connect(): the node recovers from restarts and outages by itself, and the engines re-establish
 * subscriptions, will and aliases when the hub restarts, with no application code [SW-15.5-2].
 * @module
 */
import { assertNodeId } from '../wire/node-id.js';
import type { SaltwireNode } from '../peer/node.js';
import { PubSubClient, type PubSubClientDrops } from '../pubsub/client-pubsub.js';
import type { DedupeWindowOptions } from '../pubsub/dedupe-window.js';
import { RpcEngine } from '../rpc/engine.js';
import type { CallOptions, Handler, Messaging, Publication, PublishOptions, RpcEngineOptions, SubscribeOptions, Subscription, WillOptions } from './api.js';
import { NodePort } from './port.js';

export interface ClientOptions {
  /** The hub's node id. */
  readonly hub: string;
  /** Topic aliases (spec 15.7), default 64 (MAX_TOPIC_ALIASES); 0: none. Configure the hub alike. */
  readonly aliases?: number;
  /** Buffer of each subscription's iterator, default 1024 (api.ts). */
  readonly bufferLimit?: number;
  readonly dedupe?: DedupeWindowOptions;
  readonly maxPending?: RpcEngineOptions['maxPending'];
  readonly resultCache?: RpcEngineOptions['resultCache'];
}

export class Client implements Messaging {
  private closed = false;

  private constructor(
    readonly port: NodePort,
    /** The publish/subscribe engine, for its counters (`pubsub.drops`). */
    readonly pubsub: PubSubClient,
    private readonly rpc: RpcEngine,
  ) {}

  /** Starts the message layer on `node` and sends the hub its SYNC [SW-15.5-2]. */
  static async start(node: SaltwireNode, options: ClientOptions): Promise<Client> {
    assertNodeId(options.hub);
    const port = new NodePort(node);
    const pubsub = new PubSubClient(port, {
      hub: options.hub,
      ...(options.aliases !== undefined && { aliases: options.aliases }),
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
    return new Client(port, pubsub, rpc);
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

  call(peer: string, method: string, params?: unknown, options?: CallOptions): Promise<unknown> {
    return this.rpc.call(peer, method, params, options);
  }

  serve(method: string, handler: Handler): () => void {
    return this.rpc.serve(method, handler);
  }

  setWill(topic: string | null, payload?: Uint8Array | string, options?: WillOptions): Promise<void> {
    return this.pubsub.setWill(topic, payload, options);
  }

  /** Stops the engines and the port; the node stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pubsub.close();
    this.rpc.close();
    this.port.close();
  }
}
