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
