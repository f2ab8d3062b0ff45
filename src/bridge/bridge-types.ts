/**
 * The bridge's public vocabulary: its options, events, receipts, refusals and statistics, and the
 * user properties it marks MQTT publications with. MqttBridge (bridge.ts) re-exports all of it.
 * @module
 */
import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../messaging/ops.js';
import type { ClusterOptions } from '../cluster/options.js';
import type { JournalStore } from '../peer/journal-store.js';
import type { BrokerOptions, LinkFailure } from './link.js';
import type { OutboxOptions } from './outbox.js';
import type { RpcBridge, RpcBridgeOptions } from './rpc.js';
import type { MappingRule, RefusalReason } from './topic-map.js';

/** @group Bridge */
export const ORIGIN_PROPERTY = 'sw-origin';
/** @group Bridge */
export const MSG_PROPERTY = 'sw-msg';
/** @group Bridge */
export const FROM_PROPERTY = 'sw-from';
/**
 * The bridge's journal in the hub's StateStore (`bridge.journal` in a state directory).
 * @group Bridge
 */
export const BRIDGE_JOURNAL = 'bridge';

/** @group Bridge */
export interface BridgeOptions extends BrokerOptions {
  /** Topic mapping; default every topic both ways under its own name, minus `$` topics (DEFAULT_RULES). */
  readonly rules?: readonly MappingRule[];
  readonly outbox?: OutboxOptions;
  /** Where the outbox is journaled; default the hub node's StateStore (journal 'bridge'); false: memory only. */
  readonly journal?: JournalStore | false;
  /** This bridge's origin id (`sw-origin`); default the client id, else `saltwire-<hub id>`. */
  readonly origin?: string;
  /** Subscribe inbound as `$share/<group>/<filter>` (several hubs on one broker share the traffic). */
  readonly shareGroup?: string;
  /** Size of the (origin, message id) cache (default 10,000). */
  readonly dedupeSize?: number;
  /** Publications sent and not yet settled by the broker (default 64). */
  readonly inflight?: number;
  /** Retained status topic of each device (`{id}`); default 'saltwire/status/{id}'; false: none. */
  readonly presenceTopic?: string | false;
  /** The bridge's own retained status (and last will) topic; default 'saltwire/bridge/<origin>/status'. */
  readonly statusTopic?: string;
  /** A local topic (`{id}` the device) where each QoS 1/2 receipt of a device is published at QoS 0; default none. */
  readonly receiptTopic?: string;
  /** RPC across the bridge (rpc.ts); default on with its default topics; false: off. */
  readonly rpc?: RpcBridgeOptions | false;
  /** A line for the log (metrics every `logEveryMs`, reconnects); default none. */
  readonly log?: (line: string) => void;
  readonly logEveryMs?: number;
  /** Join the hubs bridged to this broker in a cluster (`saltwire/cluster`: routes, calls across hubs, take-over); default none. */
  readonly cluster?: ClusterOptions;
}

/**
 * A part that shares the bridge's broker connection (the cluster of `saltwire/cluster`): it
 * subscribes to its own filters on every connection, takes the broker's publications on the topics
 * it owns (never injected into the hub) and sees those it watches (injected as usual too). Devices'
 * publications that map to a topic it owns or watches are refused ('reserved'): a device cannot
 * speak for the bridge or its hubs.
 * @group Bridge
 */
export interface BridgeExtension {
  /** Broker filters to subscribe to on every connection (never shared). */
  subscriptions(): Array<{ filter: string; qos: QoS }>;
  /** Whether the broker topic is this extension's alone. */
  owns(topic: string): boolean;
  /** Whether the extension sees publications on this broker topic too. */
  watches(topic: string): boolean;
  /** A publication on a topic it owns or watches. */
  onMessage(p: IPublishPacket): void;
  /** The broker connection is up (after the subscriptions were asked for). */
  up(): void;
}

/** @group Bridge */
export type ReceiptOutcome = 'acked' | 'refused' | 'expired' | 'dropped';

/** @group Bridge */
export interface Receipt {
  readonly msgId: string;
  readonly from: string;
  /** The broker topic. */
  readonly topic: string;
  readonly qos: QoS;
  readonly outcome: ReceiptOutcome;
  /** The broker's reason code (MQTT 5), when it answered. */
  readonly reasonCode?: number;
  /** ms from queued to settled. */
  readonly ms: number;
}

/** @group Bridge */
export interface BridgeRefusal {
  readonly direction: 'out' | 'in';
  readonly topic: string;
  /** 'envelope': on a rule with `properties: "envelope"`, a device's payload that is not an envelope (out) or properties an envelope cannot carry (in). */
  readonly reason: RefusalReason | 'outbox-full' | 'loop' | 'duplicate' | 'expired' | 'hub-refused' | 'reserved' | 'envelope';
}

/** @group Bridge */
export interface BridgeEvents {
  receipt: Receipt;
  refused: BridgeRefusal;
  connected: { readonly reconnects: number };
  disconnected: Record<string, never>;
}

/** @group Bridge */
export interface BridgeStats {
  readonly connected: boolean;
  readonly connects: number;
  readonly reconnects: number;
  /** Connection errors by kind (TLS trust, TLS refused by the broker, credentials, ...) and the last one, described. */
  readonly link: { readonly failures: Partial<Record<LinkFailure, number>>; readonly lastError?: string };
  readonly outbox: { depth: number; bytes: number; inflight: number; refusedFull: number; droppedQos0: number; droppedQos12: number };
  /** Publications forwarded by QoS: devices' out, the broker's in, and the hub's own (presence, publish()). */
  readonly forwarded: { out: [number, number, number]; in: [number, number, number]; hub: number };
  readonly refused: { out: Record<string, number>; in: Record<string, number> };
  readonly receipts: Record<ReceiptOutcome, number>;
  /** Broker round trip (publish to PUBACK/PUBCOMP), ms: the last and a moving average. */
  readonly brokerRttMs: { last: number; avg: number };
  readonly rpc?: RpcBridge['stats'];
}
