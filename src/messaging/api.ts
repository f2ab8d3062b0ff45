/**
 * The application's view of the message layer (spec 15, 16, 18): what `Client` (a device, talking
 * to its hub) and `Hub` (any node serving others) offer alike. Payloads are bytes; helpers turn them
 * into text and JSON. Nothing here names a connection: peers are ids, and the layers below recover
 * from restarts, roaming and outages by themselves.
 * @module
 */
import type { QoS } from './ops.js';

/**
 * A publication delivered to a subscription [SW-15.4-3].
 * @group Pub/sub
 */
export interface Publication {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** The lower of the publication's QoS and the subscription's. */
  readonly qos: QoS;
  /** Set when it comes from the retained store, not live [SW-15.8-1]. */
  readonly retained: boolean;
  /** The node that published it. */
  readonly from: string;
  /** The payload as UTF-8 text (ill-formed bytes become U+FFFD). */
  text(): string;
  /** The payload parsed as JSON; throws SyntaxError if it is not JSON. */
  json<T = unknown>(): T;
}

/** @group Pub/sub */
export interface PublishOptions {
  /** 0 (default), 1 or 2 [SW-15.4-1]. */
  readonly qos?: QoS;
  readonly retain?: boolean;
  /**
   * QoS 1 and 2: ms until the promise rejects with DeadlineExceededError (default 60 s). At QoS 2 at
   * most DEDUPE_WINDOW (5 min; more throws InvalidArgumentError): a retransmission after the hub's
   * dedupe window would be taken twice [SW-15.6-3].
   */
  readonly deadlineMs?: number;
}

/** @group Pub/sub */
export interface SubscribeOptions {
  /** The highest QoS wanted, default 0. */
  readonly qos?: QoS;
  /** Ends the subscription (unsubscribes) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * A subscription: an async iterable of the publications that match its filter, from the moment it
 * was made until unsubscribe(). Publications wait in a bounded buffer for the iterator
 * (`bufferLimit`, default 1024; over it the oldest QoS 0 publication is dropped and counted, QoS 1
 * and 2 ones are kept). With a callback given to subscribe(), publications go to it instead.
 * @group Pub/sub
 */
export interface Subscription extends AsyncIterable<Publication> {
  readonly filter: string;
  /**
   * Resolves with the QoS the hub granted (0-2) once its SUBACK arrives, and only then [SW-15.5-6];
   * rejects with SubscriptionRefusedError if the hub refused it, or with SubscriptionEndedError if the
   * subscription ended (unsubscribe, abort, close) before the hub answered. While the hub does not
   * answer it stays pending (the SYNC sent when the hub is back answers it): bound the wait with
   * Client.ready or a timer of your own.
   */
  readonly granted: Promise<QoS>;
  /** Publications dropped because the buffer was full. */
  readonly dropped: number;
  unsubscribe(): Promise<void>;
}

/** @group RPC */
export interface CallOptions {
  /** How long to wait for the result, ms, default 5000 [SW-16.1-3]. */
  readonly timeoutMs?: number;
  /** @deprecated The old name of `timeoutMs` (ms as well); `timeoutMs` wins when both are given. */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/** @group RPC */
export interface CallContext {
  /** The caller's id. */
  readonly from: string;
  readonly method: string;
}

/**
 * Serves a method: returns (or resolves) a MessagePack-encodable value, or throws [SW-16.2-2].
 * @group RPC
 */
export type Handler = (params: unknown, ctx: CallContext) => unknown;

/** @group Pub/sub */
export interface WillOptions {
  readonly qos?: QoS;
  readonly retain?: boolean;
}

/** @group Client and hub options */
export interface Messaging {
  /**
   * Publishes. QoS 0 resolves once sent; QoS 1 and 2 once the hub (or the peer) acknowledged it.
   * Throws InvalidTopicError for an invalid topic name, InvalidArgumentError for bad options.
   */
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void>;
  /** Subscribes; throws InvalidTopicError for an invalid filter. */
  subscribe(filter: string, options?: SubscribeOptions, callback?: (p: Publication) => void): Subscription;
  /**
   * Calls `method` on `peer` with `params` (any MessagePack-encodable value); resolves with its
   * result or rejects with one of RpcUnreachableError, RpcNoResponderError, RpcTimeoutError,
   * RpcRejectedError, RpcRemoteError, RpcCancelledError (rpc/errors.ts). `T` is the result type the
   * caller expects: a claim about the responder, not checked at run time.
   */
  call<T = unknown>(peer: string, method: string, params?: unknown, options?: CallOptions): Promise<T>;
  /** Serves `method`; returns a function that stops serving it. Throws if it is served already. */
  serve(method: string, handler: Handler): () => void;
  /** Sets (or with topic null clears) this node's will at its hub [SW-15.9-3]. */
  setWill(topic: string | null, payload?: Uint8Array | string, options?: WillOptions): Promise<void>;
  /** Stops the message layer (the node stays open); outstanding calls fail with NodeClosedError. */
  close(): Promise<void>;
}

/**
 * The RPC half of a Client or Hub (rpc/engine.ts): callers, responders and, on a hub, the forwarding
 * of calls between devices (18.4). Constructed as `new RpcEngine(port, options)`.
 */
export interface RpcEngineOptions {
  /** 'client': calls to peers it does not know go through `hub`; 'hub': forwards calls with TO set. */
  readonly role: 'client' | 'hub';
  /** The hub's id (role 'client'). */
  readonly hub?: string;
  /** Access control for forwarded calls and calls to this node (role 'hub'); default open. */
  readonly acl?: import('../acl/acl.js').AccessControl;
  readonly maxPending?: number;
  readonly resultCache?: { readonly lifetimeMs?: number; readonly maxEntries?: number; readonly maxBytes?: number };
}

export interface RpcEngineLike {
  call(peer: string, method: string, params?: unknown, options?: CallOptions): Promise<unknown>;
  serve(method: string, handler: Handler): () => void;
  close(): void;
}
