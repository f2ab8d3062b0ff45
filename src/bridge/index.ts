/**
 * `saltwire/bridge`: the MQTT 5 bridge of a hub (needs the optional peer dependency `mqtt`).
 *
 * @example
 * ```ts
 * import { MqttBridge } from 'saltwire/bridge';
 * const bridge = await MqttBridge.start(hub, { url: 'mqtt://127.0.0.1:1883', rules: [
 *   { local: 'sensors/#', remote: 'site1/devices/{id}/sensors/#', direction: 'out' },
 *   { local: 'cmd/{id}/#', remote: 'site1/commands/{id}/#', direction: 'in' } ] });
 * bridge.on('receipt', (r) => console.log(r.from, r.topic, r.outcome));
 * ```
 * @module
 */
export { MqttBridge, type BridgeExtension, BRIDGE_JOURNAL, ORIGIN_PROPERTY, MSG_PROPERTY, FROM_PROPERTY, type BridgeOptions, type BridgeEvents, type BridgeStats, type BridgeRefusal, type Receipt, type ReceiptOutcome } from './bridge.js';
export { TopicMap, DEFAULT_RULES, type MappingRule, type Direction, type RefusalReason, type Mapped } from './topic-map.js';
export { Outbox, type OutboxOptions, type OutboxEntry, type NewEntry, type OverflowPolicy, type OutboxStats } from './outbox.js';
export { DecorrelatedJitter, type BackoffOptions } from './backoff.js';
export { DedupeCache } from './dedupe.js';
export { RpcBridge, OUTCOME_PROPERTY, REASON_PROPERTY, type RpcBridgeOptions, type RpcSend } from './rpc.js';
export { bridgeOptionsFromConfig } from './config.js';
export { encodeBridged, decodeBridged, InvalidEnvelopeError, MAX_BRIDGED_BYTES, MAX_BRIDGED_USER_PROPERTIES, type Bridged, type EnvelopeProblem } from './envelope.js';
export { describeLinkError, type BrokerOptions, type LinkFailure } from './link.js';
