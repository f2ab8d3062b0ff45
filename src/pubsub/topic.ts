/**
 * Topic names and topic filters (spec 15.1) and matching (spec 15.2). The syntax and the matching
 * are MQTT's (3.1.1 section 4.7, 5.0 section 4.7), so an MQTT bridge maps topics one to one, minus
 * two declared limits (MAX_TOPIC_BYTES, MAX_TOPIC_LEVELS) that MQTT does not have.
 * @module
 */
import { InvalidTopicError, type TopicErrorReason } from './topic-errors.js';

/**
 * Longest topic name or filter, in UTF-8 bytes [SW-15.1-4]. 256 bytes plus a message's other
 * fields still fits one datagram of MIN_MAX_DATAGRAM (512) bytes, so a topic alone never forces
 * fragmentation; real device topics ("devices/<id>/telemetry/temp") are a tenth of it. MQTT allows
 * 65535, so a bridge refuses longer MQTT topics instead of truncating them.
 */
export const MAX_TOPIC_BYTES = 256;

/**
 * Most levels in a topic name or filter [SW-15.1-5]. Bounds the depth of the subscription trie and
 * the work of one match; 32 levels is far beyond any real hierarchy.
 */
export const MAX_TOPIC_LEVELS = 32;

/** The level separator, the single-level and the multi-level wildcard. */
export const LEVEL_SEPARATOR = '/';
export const SINGLE_LEVEL_WILDCARD = '+';
export const MULTI_LEVEL_WILDCARD = '#';

type Problem = readonly [TopicErrorReason, string];

/**
 * What is wrong with `value` as a topic name (`kind` 'name') or filter ('filter'), or undefined.
 * One pass over the UTF-16 code units; stops at the first problem. When several rules are broken,
 * which one is reported is not part of the contract.
 */
function problem(kind: 'name' | 'filter', value: unknown): Problem | undefined {
  if (typeof value !== 'string') return ['not-a-string', `expected a string, got ${value === null ? 'null' : typeof value}`];
  const n = value.length;
  if (n === 0) return ['empty', 'must not be empty'];
  // Every code unit is at least one UTF-8 byte (a surrogate pair is two units and four bytes), so
  // this cheap test rejects a huge string before scanning it.
  if (n > MAX_TOPIC_BYTES) return ['too-long', `is longer than ${MAX_TOPIC_BYTES} bytes of UTF-8`];
  let bytes = 0;
  let levels = 1;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return ['null-character', `contains U+0000 at index ${i}`];
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < n ? value.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return ['lone-surrogate', `is not valid UTF-8: lone surrogate at index ${i}`];
      bytes += 4;
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return ['lone-surrogate', `is not valid UTF-8: lone surrogate at index ${i}`];
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    if (c === 0x2f /* '/' */) {
      levels++;
    } else if (c === 0x2b /* '+' */ || c === 0x23 /* '#' */) {
      const ch = c === 0x2b ? '+' : '#';
      if (kind === 'name') return ['wildcard-in-name', `a topic name must not contain '${ch}'`];
      const startsLevel = i === 0 || value.charCodeAt(i - 1) === 0x2f;
      const endsLevel = i === n - 1 || value.charCodeAt(i + 1) === 0x2f;
      if (c === 0x2b) {
        if (!startsLevel || !endsLevel) return ['misplaced-plus', `'+' must occupy a whole level`];
      } else if (!startsLevel || i !== n - 1) {
        return ['misplaced-hash', `'#' must be the whole last level`];
      }
    }
  }
  if (bytes > MAX_TOPIC_BYTES) return ['too-long', `is ${bytes} bytes of UTF-8, over the limit of ${MAX_TOPIC_BYTES}`];
  if (levels > MAX_TOPIC_LEVELS) return ['too-many-levels', `has ${levels} levels, over the limit of ${MAX_TOPIC_LEVELS}`];
  return undefined;
}

/**
 * Throws InvalidTopicError unless `topic` is a valid topic name, the kind one publishes to [SW-15.1-1..6].
 * @group Pub/sub
 */
export function validateTopicName(topic: string): void {
  const p = problem('name', topic);
  if (p) throw new InvalidTopicError('name', topic, p[0], p[1]);
}

/**
 * Throws InvalidTopicError unless `filter` is a valid topic filter, the kind one subscribes to [SW-15.1-1..8].
 * @group Pub/sub
 */
export function validateTopicFilter(filter: string): void {
  const p = problem('filter', filter);
  if (p) throw new InvalidTopicError('filter', filter, p[0], p[1]);
}

/**
 * True if `topic` is a valid topic name. Never throws, for any value.
 * @group Pub/sub
 */
export function isValidTopicName(topic: unknown): topic is string {
  return problem('name', topic) === undefined;
}

/**
 * True if `filter` is a valid topic filter. Never throws, for any value.
 * @group Pub/sub
 */
export function isValidTopicFilter(filter: unknown): filter is string {
  return problem('filter', filter) === undefined;
}

/**
 * True if `topic` is a system topic: its first character is '$' [SW-15.1-10]. Filters whose first
 * level is a wildcard never match it [SW-15.2-3].
 */
export function isSystemTopic(topic: string): boolean {
  return topic.charCodeAt(0) === 0x24;
}

/** The levels of a topic name or filter: 'a//b' has three, the middle one empty. */
export function topicLevels(topic: string): string[] {
  return topic.split(LEVEL_SEPARATOR);
}

const encoder = new TextEncoder();

/**
 * The UTF-8 encoding of a topic, as carried on the wire. The topic must be valid: TextEncoder would
 * silently turn a lone surrogate into U+FFFD, which is why validation rejects them [SW-15.1-3].
 */
export function topicBytes(topic: string): Uint8Array {
  return encoder.encode(topic);
}

/**
 * True if `filter` matches `topic` (spec 15.2, MQTT semantics):
 * - a literal level matches the same level, compared code unit by code unit (so byte by byte in
 *   UTF-8; case-sensitive, no normalization) [SW-15.2-1];
 * - '+' matches exactly one level, including an empty one [SW-15.2-1];
 * - '#' matches its parent level and any number of levels below: 'a/#' matches 'a', 'a/' and
 *   'a/b/c' [SW-15.2-2];
 * - a topic starting with '$' is never matched by a filter whose first level is '+' or '#' [SW-15.2-3].
 *
 * Both arguments must be valid (this is the hot path, so it does not validate); on invalid input
 * the result is meaningless but it never throws.
 * @group Pub/sub
 */
export function topicMatches(filter: string, topic: string): boolean {
  return matchLevels(topicLevels(filter), topicLevels(topic), true);
}

/**
 * Level-wise matching, shared with the access-control layer. `dollarRule` false drops the '$'
 * exception of [SW-15.2-3]; deny rules use that (spec 17.2: a deny '#' denies '$' topics too).
 */
export function matchLevels(filter: readonly string[], topic: readonly string[], dollarRule: boolean): boolean {
  const f0 = filter[0];
  if (dollarRule && (f0 === '+' || f0 === '#') && isSystemTopic(topic[0] ?? '')) return false;
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i]!;
    // Reached only while i <= topic.length, so '#' here also covers the parent level.
    if (f === '#') return true;
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}
