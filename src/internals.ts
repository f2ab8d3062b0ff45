/**
 * `saltwire/internals`: everything, for tools, tests, conformance targets and the curious. The wire
 * codec, the protocol engines (envelope, replay window, handshake, reliability, pub/sub and RPC
 * engines), their constants and counters, fault injection (ChaosProxy, FaultModel), beside what the
 * main entry (`saltwire`) exports. Applications want `saltwire`: what is only here may change in
 * any release.
 * @module
 */
export * from './core.js';
export { startClient, startHub, DEFAULT_HUB_ID, type StartClientOptions, type StartHubOptions } from './node/quick-start.js';
export { stateRoot, clientStateDir, hubStateDir } from './node/state-dir.js';
export { defaultCryptoSuite, loadSodiumSuite } from './node/crypto.js';
export { FileEpochStore } from './node/file-epoch-store.js';
export { FileStateStore } from './node/file-state-store.js';
export { FileMaxEpochStore } from './node/file-max-epoch-store.js';
export { startNode, type StartNodeOptions } from './node/start.js';
export { discoverHub, startDiscoveryResponder, type DiscoverHubOptions, type DiscoveredHub, type DiscoveryResponderOptions, type RunningResponder } from './node/discovery.js';
export { GroupEndpoint, type GroupEndpointOptions, type GroupListener } from './node/group-endpoint.js';
export { GroupController, joinGroup, GRANT_METHOD, JOIN_METHOD, type RotationReport } from './node/group-controller.js';
export { MulticastSocket, isScopedGroup, type MulticastSocketOptions, type MulticastSocketStats, type MulticastHandler } from './node/multicast-socket.js';
export type { InterfaceLister } from './node/interface-watch.js';
export {
  UdpTransport,
  UDP_MTU_IPV4,
  UDP_MTU_IPV6,
  UDP_RECV_BUFFER,
  type UdpBindOptions,
  type UdpTransportStats,
} from './transport/udp.js';
export {
  ChaosProxy,
  type ChaosProxyOptions,
  type ChaosProxyStats,
  type ProxyCapture,
  type ProxyDirection,
  type ProxyDirectionStats,
} from './transport/chaos-proxy.js';
export type { HubSink, SinkPublication } from './pubsub/hub-sinks.js';
