/**
 * The message layer (spec 15, 16, 18): Client for devices, Hub for nodes serving them, the API they
 * share, and the operations and port they run on.
 * @module
 */
export { Client, type ClientOptions } from './client.js';
export { Hub, type HubOptions } from './hub.js';
export { DEFAULT_READY_TIMEOUT_MS, type ReadyOptions } from './hub-readiness.js';
export type {
  Publication,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  CallOptions,
  CallContext,
  Handler,
  WillOptions,
  Messaging,
  RpcEngineOptions,
  RpcEngineLike,
} from './api.js';
export { NodePort, type MessagePort, type PortEvents, type SendOpOptions } from './port.js';
export { encodeOp, decodeOp, isValidMethod } from './op-codec.js';
export * from './ops.js';
