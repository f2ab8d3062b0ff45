/**
 * Publish/subscribe, the pure core: topic syntax and matching (spec 15.1, 15.2) and the
 * subscription index.
 * @module
 */
export {
  MAX_TOPIC_BYTES,
  MAX_TOPIC_LEVELS,
  LEVEL_SEPARATOR,
  SINGLE_LEVEL_WILDCARD,
  MULTI_LEVEL_WILDCARD,
  validateTopicName,
  validateTopicFilter,
  isValidTopicName,
  isValidTopicFilter,
  isSystemTopic,
  topicLevels,
  topicBytes,
  topicMatches,
} from './topic.js';
export { InvalidTopicError, SubscriptionLimitError, type TopicErrorReason } from './topic-errors.js';
export { TopicTree, DEFAULT_MAX_FILTERS, type TopicTreeOptions } from './topic-tree.js';
export { OutgoingAliases, IncomingAliases, MAX_TOPIC_ALIASES, ALIAS_LIMIT, type AliasAssignment, type AliasDrops } from './alias-table.js';
export { DedupeWindow, DEDUPE_WINDOW_MS, DEDUPE_MAX_PER_PUBLISHER, DEDUPE_MAX_TOTAL, DEDUPE_KEY, type DedupeWindowOptions } from './dedupe-window.js';
export { RetainedStore, RetainedLimitError, RETAINED_MAX_TOPICS, RETAINED_MAX_BYTES, RETAINED_KEY, type Retained, type RetainedOptions, type RetainedLimit } from './retained-store.js';
export type { RefusalStats } from './hub-refusal.js';
export { SubscriptionRefusedError, SubscriptionEndedError, PublicationRefusedError, AccessDeniedError, type PublicationRefusal } from './errors.js';
export { PubSubClient, CLIENT_MAX_FILTERS, type PubSubClientOptions, type PubSubClientDrops } from './client-pubsub.js';
export { PubSubHub, PRESENCE_PREFIX, type PubSubHubOptions, type PubSubHubDrops, type PubSubHubEvents, type PubSubHubStats } from './hub-pubsub.js';
export { DeliveryQueues, type DeliveryQueueOptions, type DeliveryDrop, type DeliveryStats } from './delivery-queue.js';
export * from './limits.js';
export { HubSessions, SUBSCRIPTIONS_KEY, DEFAULT_MAX_FILTERS_PER_DEVICE, type HubSessionsOptions } from './hub-sessions.js';
export { FORWARD_DEADLINE_MS, DRAIN_TIMEOUT_MS } from './hub-forwarder.js';
export { DEFAULT_BUFFER_LIMIT } from './local-subscription.js';
