/**
 * The options, counters, events and statistics of PubSubHub (hub-pubsub.ts): what an operator
 * configures and reads of the hub's limits and refusals ([SW-15.8-2], [SW-18.2-3], [SW-15.4-4],
 * [SW-18.3-8]).
 * @module
 */
import type { AccessControl } from '../acl/acl.js';
import type { StateStore } from '../peer/state-store.js';
import type { JournalStore } from '../peer/journal-store.js';
import type { DedupeWindowOptions } from './dedupe-window.js';
import type { DeliveryDrop, DeliveryQueueOptions, DeliveryStats } from './delivery-queue.js';
import type { GroupCommit } from './group-commit.js';
import type { RefusalStats } from './hub-refusal.js';
import type { HubSessionsOptions } from './hub-sessions.js';
import type { RetainedOptions } from './retained-store.js';

export interface PubSubHubOptions extends HubSessionsOptions {
  /** Access control; default open (17.2). */
  readonly acl?: AccessControl;
  /** Where subscriptions, retained store and window persist; none: memory only. */
  readonly state?: StateStore;
  /**
   * The hub's journal: with it, every acknowledgement waits until its effect is durable
   * [SW-18.3-3] and `state` is read only to migrate a hub that persisted the old way.
   */
  readonly journal?: JournalStore;
  /** Wall-clock ms for the journal's record times (default Date.now). */
  readonly wallClock?: () => number;
  /** Topic aliases this hub defines towards each device and accepts from it; default 64. */
  readonly aliases?: number;
  readonly bufferLimit?: number;
  readonly retained?: RetainedOptions;
  readonly dedupe?: DedupeWindowOptions;
  /** Default FORWARD_DEADLINE_MS (10 min). */
  readonly forwardDeadlineMs?: number;
  /** Publish `$presence/<id>` (default true). */
  readonly presence?: boolean;
  /** Bounds of the copies owed to subscribers and what happens past them [SW-18.2-3]. */
  readonly delivery?: DeliveryQueueOptions;
  /** Delays (ms) before each retry of a failed journal commit [SW-18.3-8]; default JOURNAL_RETRY_DELAYS_MS. */
  readonly journalRetryMs?: readonly number[];
}

/**
 * What the hub tells about the limits it applies (PubSubHub.on).
 * @group Pub/sub
 */
export interface PubSubHubEvents {
  /** A publication was not taken [SW-15.4-4]: `told` whether its publisher got a PUBNACK. */
  refused: { readonly peer: string; readonly topic: string; readonly reason: 'denied' | 'retained-limit' | 'retained-quota' | 'not-durable'; readonly told: boolean };
  /** A copy owed to a subscriber was dropped by a delivery queue bound [SW-18.2-3]. */
  'delivery-drop': DeliveryDrop;
}

/**
 * Everything the hub counts ([SW-18.2-3], [SW-15.4-4], [SW-18.3-8]): a snapshot.
 * @group Pub/sub
 */
export interface PubSubHubStats {
  readonly drops: Readonly<PubSubHubDrops>;
  /** PUBNACKs sent, and refusals that could not be sent. */
  readonly refusals: Readonly<RefusalStats>;
  readonly deliveries: Readonly<DeliveryStats>;
  /** overLimit: not sent, longer than the device declared it reassembles [SW-15.5-8] (also in dropped). */
  readonly forwarded: { readonly sent: number; readonly dropped: number; readonly pending: number; readonly overLimit: number };
  /** The journal's group commit (absent without a journal). */
  readonly journal?: Readonly<GroupCommit['stats']>;
}

export interface PubSubHubDrops {
  /** Operations of revoked devices [SW-18.1-1]. */
  revoked: number;
  /** Publications (and wills) access control refused [SW-18.2-1]. */
  denied: number;
  /** Unknown or out-of-range aliases [SW-15.7-2]. */
  alias: number;
  /** QoS 2 publications already taken [SW-15.6-2]. */
  duplicate: number;
  /** Retained publications over the store's limits: refused whole [SW-15.8-2]. */
  retainedLimit: number;
  /** Retained publications over their publisher's quota: refused whole [SW-15.8-2]. */
  retainedQuota: number;
  /** Operations a hub does not expect (SUBACK, UNSUBACK). */
  unexpected: number;
  /** Persisted records that could not be read at start (started empty for that key). */
  corruptRecord: number;
  /** Operations whose effect could not be made durable, after the journal's retries [SW-18.3-8]. */
  notDurable: number;
}
