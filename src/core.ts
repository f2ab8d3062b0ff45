/**
 * The runtime-agnostic core: everything here uses Uint8Array, reads no clock and imports no node:*
 * module, so it runs in Node, Deno, browsers and workers. The Node entry (`saltwire`) re-exports it
 * and adds UDP, files and the native crypto backend.
 * @module
 */
export * from './constants.js';
export * from './errors.js';
export { toHex, fromHex } from './util/bytes.js';
export type { CryptoSuite } from './crypto/suite.js';
export { tweetnaclSuite } from './crypto/tweetnacl.js';
export { sodiumSuite, type SodiumNativeApi } from './crypto/sodium.js';
export { hmacSha512, hkdf, hkdfExtract, hkdfExpand } from './crypto/hkdf.js';
export {
  deriveDeviceKey,
  deriveTrafficKey,
  deviceKeyInfo,
  trafficKeyInfo,
  generateKey,
  assertKey,
  assertGeneration,
} from './crypto/keys.js';
export { isValidNodeId, assertNodeId } from './wire/node-id.js';
export { DROP_REASONS, type DropReason } from './wire/drop-reason.js';
export {
  parseHeader,
  encodeFullHeader,
  encodeShortHeader,
  nonceOf,
  type Header,
  type FullHeader,
  type ShortHeader,
  type HeaderParse,
} from './wire/header.js';
export { encodeFrames, decodeFrames, type Frame } from './wire/frames.js';
export { ReplayWindow, type WindowVerdict } from './session/replay.js';
export { DropCounters, type DropInfo } from './session/drop-counters.js';
export { Generations, type GenerationPolicy, type GenerationVerdict } from './session/generations.js';
export { SiteKeyring, PairKeyring, SitePairsKeyring, type Keyring, type KeyLookup } from './session/keyring.js';
export { sealDatagram } from './session/seal.js';
export { PeerSender, type PeerSenderOptions } from './session/sender.js';
export { beginEpoch, startEpoch, CorruptEpochError, MemoryEpochStore, type EpochStore, type EpochStart } from './session/epoch.js';
export { MemoryMaxEpochStore, type MaxEpochStore, type Freshness } from './session/context.js';
export {
  Receiver,
  type ReceiverOptions,
  type OpenResult,
  type Accepted,
  type Dropped,
  type ContextState,
  type IndexFrame,
  type StaleProof,
} from './session/receiver.js';
export { Prng, type Seed } from './util/prng.js';
export {
  FaultModel,
  planDeliveries,
  resolveFaultConfig,
  newFaultCounters,
  type FaultConfig,
  type ResolvedFaultConfig,
  type FaultModelOptions,
  type FaultCounters,
  type Delivery,
} from './transport/faults.js';
export {
  MemoryNetwork,
  MemoryTransport,
  MEMORY_DEFAULT_HOST,
  newTransportStats,
  type MemoryNetworkOptions,
  type MemoryNetworkStats,
  type TransportStats,
  type CapturedDatagram,
  type CaptureHook,
} from './transport/memory.js';
export { RealScheduler, VirtualScheduler, type Scheduler, type Timer, type Millis } from './time/scheduler.js';
export { addressKey, type Address, type Transport, type ReceiveHandler } from './transport/transport.js';
export { SaltwireNode, type NodeOptions, type PeerConfig, type NodeStats } from './peer/node.js';
export type { Message, NodeEvents, PeerInfo } from './peer/node-events.js';
export { LIVENESS_DEFAULTS, type LivenessConfig, type Reachability } from './peer/liveness.js';
export { MemoryStateStore, epochStoreOf, type StateStore } from './peer/state-store.js';
export {
  createInitiation,
  consumeInitiation,
  consumeResponse,
  parseHandshake,
  rekeyAction,
  retryDelay,
  handshakeGivesUp,
  directionalKeys,
  hedgedEphemeral,
  timestampAfter,
  TokenBucket,
  SESSION_DROP_REASONS,
  type Session,
  type SessionRole,
  type RekeyAction,
  type InitiationParams,
  type InitiatorState,
  type ResponderParams,
  type InitiationResult,
  type ResponseResult,
  type PskLookup,
  type Timestamp as HandshakeTimestamp,
  type HandshakeDropReason,
  type SessionDropReason,
  type RateLimiter,
} from './session/handshake/index.js';
export { SESSION_TIMERS, type SessionTimers } from './peer/session-state.js';
export type { SessionOptions, SessionStats } from './peer/session-types.js';
export { DropLog } from './util/drop-log.js';
// types reachable from the public API, exported so the API docs are complete
export type { Dropped as HandshakeDropped } from './session/handshake/handshake.js';
export type { SessionSlot, IndexHolder } from './session/session-receiver.js';
export type { TraceStep } from './session/handshake/symmetric.js';
export type { EphemeralKeyPair } from './session/handshake/ephemeral.js';
export type { SendCounters } from './peer/outbound.js';
export type { PackedKey, SenderSnapshot } from './session/sender.js';
export type { ParsedHandshake } from './session/handshake/messages.js';
export type { KeyFailure } from './session/keyring.js';
export type { IndexTable } from './session/context.js';
export type { RekeyInput } from './session/handshake/session.js';
export type { SodiumSuiteOptions } from './crypto/sodium.js';
export type { PendingInitiation } from './session/session-receiver.js';
export type { ParsedInitiation, ParsedResponse } from './session/handshake/messages.js';
export type { ReceiveContext } from './session/context.js';
// reliable delivery (spec 14): the pure core, and the node's options and events for it
export * from './reliability/index.js';
export { decodeWireFrames, isRelFrame, type WireFrame } from './wire/frames.js';
export type { ReliableSendOptions, ReliabilityOptions, UnreliableSendOptions } from './peer/node-options.js';
export type { AdmissionOptions, AdmissionStats } from './peer/admission.js';
export type { Pending as ReliablePending } from './reliability/send-state.js';
// the message layer (spec 15 to 18): topics and pub/sub engines, access control, RPC, Client and Hub
export * from './pubsub/index.js';
export * from './acl/index.js';
export * from './rpc/errors.js';
export { RpcEngine, type RpcCounters, type EngineCounters } from './rpc/engine.js';
export type { CallerCounters } from './rpc/caller.js';
export type { ResponderCounters } from './rpc/responder.js';
export type { ForwarderCounters } from './rpc/forwarder.js';
export type { HubForwarder, Forwarded, ForwardOutcome } from './pubsub/hub-forwarder.js';
export type { HubLedger } from './pubsub/hub-ledger.js';
export type { GroupCommit } from './pubsub/group-commit.js';
export type { StoredPublication, StoredWill } from './pubsub/hub-records.js';
// the bridge's opt-in envelope of MQTT 5 properties (an application-level convention, not wire)
export { encodeBridged, decodeBridged, InvalidEnvelopeError, MAX_BRIDGED_BYTES, MAX_BRIDGED_USER_PROPERTIES, type Bridged, type EnvelopeProblem } from './bridge/envelope.js';
export type { JournalStore, JournalingStore } from './peer/journal-store.js';
export type { ParsedAcl, CompiledRule, CompiledPatterns, CompiledPattern } from './acl/acl-config.js';
export type { Qos as RetainedQos } from './pubsub/retained-store.js';
export * from './messaging/index.js';
// secured multicast and authenticated discovery (spec 19): the pure core
export * from './multicast/index.js';
