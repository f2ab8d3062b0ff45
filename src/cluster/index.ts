/**
 * `saltwire/cluster`: several hubs, each with its own devices, joined through the MQTT broker their
 * bridges connect to (needs the optional peer dependency `mqtt`). A hub joins by its bridge's
 * `cluster` option; a device that should move to a surviving hub runs a RoamingClient.
 *
 * @example
 * ```ts
 * import { MqttBridge } from 'saltwire/bridge';
 * import { RoamingClient } from 'saltwire/cluster';
 * // on each hub (node id hub-a, hub-b...): publications everywhere, calls across hubs, take-over
 * const bridge = await MqttBridge.start(hub, { url: 'mqtt://broker:1883', clientId: 'hub-a', cluster: { stateDir } });
 * // on a device whose node knows hub-a and hub-b (peers, keys)
 * const client = await RoamingClient.start(node, { hubs: ['hub-a', 'hub-b'] });
 * const answer = await client.call('device-on-hub-b', 'read', {});
 * ```
 * @module
 */
export { HubCluster } from './cluster.js';
export type { ClusterOptions, ClusterStats } from './options.js';
export { OwedHandover, type OwedParts } from './owed.js';
export type { OwedCopy } from '../pubsub/hub-durable.js';
export { RouteTable } from './routes.js';
export { RoamingClient, type RoamingClientOptions, type RoamingEvents } from './roaming.js';
export { adoptOutbox, Adopter, fenceRefusal, FENCE_FILE, type AdopterParts } from './adopt.js';
export type { RemoteForwarding } from '../rpc/forwarder.js';
export { encodeRelay, decodeRelay, type RelayMessage, type RelayCall, type RelayAck, type RelayResult } from './relay.js';
