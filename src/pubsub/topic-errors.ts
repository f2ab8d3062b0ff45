/**
 * Errors of the topic layer (spec 15.1) and the subscription index. Both are caller errors: a topic
 * or filter that arrives from the network is never thrown about, it is rejected (spec 17.8).
 * @module
 */
import { SaltwireError } from '../errors.js';

/**
 * Why a topic name or filter is invalid (spec 15.1). Stable: callers and tests may branch on it.
 * - `not-a-string`: the value is not a string at all (a JavaScript caller passed something else);
 * - `empty`: the zero-length string [SW-15.1-2];
 * - `lone-surrogate`: a UTF-16 surrogate without its pair, so not encodable as UTF-8 [SW-15.1-3];
 * - `null-character`: contains U+0000 [SW-15.1-3];
 * - `too-long`: more than MAX_TOPIC_BYTES bytes of UTF-8 [SW-15.1-4];
 * - `too-many-levels`: more than MAX_TOPIC_LEVELS levels [SW-15.1-5];
 * - `wildcard-in-name`: a topic name contains '+' or '#' [SW-15.1-6];
 * - `misplaced-plus`: in a filter, '+' is not a whole level [SW-15.1-7];
 * - `misplaced-hash`: in a filter, '#' is not the whole last level [SW-15.1-8].
 * @group Errors
 */
export type TopicErrorReason =
  | 'not-a-string'
  | 'empty'
  | 'lone-surrogate'
  | 'null-character'
  | 'too-long'
  | 'too-many-levels'
  | 'wildcard-in-name'
  | 'misplaced-plus'
  | 'misplaced-hash';

/** Longest excerpt of the offending topic quoted in a message; the full value is in `topic`. */
const QUOTE_MAX = 80;

function quote(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const s = value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}...` : value;
  // JSON.stringify escapes control characters and lone surrogates, so the message stays printable.
  return JSON.stringify(s);
}

/**
 * A topic name or topic filter breaks a rule of spec 15.1. The message names the topic and the rule.
 * @group Errors
 */
export class InvalidTopicError extends SaltwireError {
  /** The rejected value, unabridged (not necessarily a string when `reason` is 'not-a-string'). */
  readonly topic: unknown;
  /** 'name' when validated for publishing, 'filter' when validated for subscribing. */
  readonly kind: 'name' | 'filter';
  readonly reason: TopicErrorReason;
  /** What is wrong, without the topic (e.g. "'+' must occupy a whole level"); used in config paths. */
  readonly detail: string;
  constructor(kind: 'name' | 'filter', topic: unknown, reason: TopicErrorReason, detail: string) {
    super('ERR_INVALID_TOPIC', `invalid topic ${kind} ${quote(topic)}: ${detail}`);
    this.topic = topic;
    this.kind = kind;
    this.reason = reason;
    this.detail = detail;
  }
}

/**
 * A TopicTree already holds its declared maximum of subscriptions (constructor option `maxFilters`).
 * Nothing was added.
 * @group Errors
 */
export class SubscriptionLimitError extends SaltwireError {
  readonly limit: number;
  constructor(limit: number) {
    super('ERR_SUBSCRIPTION_LIMIT', `subscription limit of ${limit} reached: the filter was not added`);
    this.limit = limit;
  }
}
