/**
 * The hub's fair limits (spec 15.8, 18.2, 18.3; spec 20.4): per-device quotas below the hub-wide
 * limits, so one device (or many, each within its quota) cannot deny the others what they share,
 * and the bounds of the queues of copies owed to subscribers. SDK defaults; every one configurable.
 * @module
 */

/** Retained topics one publisher may hold at a hub [SW-15.8-2] (hub-wide: RETAINED_MAX_TOPICS, 10,000). */
export const RETAINED_MAX_TOPICS_PER_DEVICE = 1_000;
/** Retained bytes (topic + payload) one publisher may hold [SW-15.8-2] (hub-wide: RETAINED_MAX_BYTES, 16 MiB). */
export const RETAINED_MAX_BYTES_PER_DEVICE = 1024 * 1024;

/**
 * QoS 1 and 2 copies a hub owes one subscriber (queued in the hub, in its node's outbox or in
 * flight) [SW-18.2-3]: no smaller than mosquitto's max_queued_messages (1,000).
 */
export const DELIVERY_QUEUE = 1_000;
/** Payload bytes of the copies owed to one subscriber [SW-18.2-3]. */
export const DELIVERY_QUEUE_BYTES = 16 * 1024 * 1024;
/** Copies owed to all subscribers together [SW-18.2-3]: a never-returning subscriber cannot grow the hub without bound. */
export const DELIVERY_QUEUE_TOTAL = 100_000;
/** Payload bytes of the copies owed to all subscribers together [SW-18.2-3]. */
export const DELIVERY_QUEUE_TOTAL_BYTES = 256 * 1024 * 1024;
/**
 * Copies of one subscriber handed to the node at a time (its outbox and in flight); the rest wait in
 * the hub's queue, in order. Half the node's default OUTBOX (64), so its answers and aliases fit too.
 */
export const DELIVERY_IN_NODE = 32;

/**
 * What a hub does with a copy owed to a subscriber whose queue (or the hub's total) is full
 * ([SW-18.2-3]): 'refuse' the new copy (mosquitto's behaviour past max_queued_messages), or
 * 'drop-oldest': drop the oldest copy waiting in that subscriber's queue to make room.
 */
export type DeliveryQueuePolicy = 'refuse' | 'drop-oldest';
export const DELIVERY_QUEUE_POLICY: DeliveryQueuePolicy = 'refuse';

/**
 * Delays (ms) before each retry of a failed journal commit [SW-18.3-8]; after the last one fails,
 * the acknowledgements waiting for it are refused. Doubling from 50 ms: 1.55 s in all.
 */
export const JOURNAL_RETRY_DELAYS_MS: readonly number[] = [50, 100, 200, 400, 800];
