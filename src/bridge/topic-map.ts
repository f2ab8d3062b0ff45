/**
 * Topic mapping between a hub's Saltwire topics and a broker's MQTT topics, both ways. A rule pairs a
 * local pattern with a remote one; patterns are MQTT filters whose wildcards correspond in order
 * (`+` to `+`, `#` to `#`) plus `{id}`, one level naming a device:
 *
 *   { local: 'sensors/#', remote: 'site1/devices/{id}/sensors/#', direction: 'out' }
 *     device D publishes sensors/temp  ->  site1/devices/D/sensors/temp on the broker
 *   { local: 'cmd/{id}/#', remote: 'site1/commands/{id}/#', direction: 'in' }
 *     site1/commands/D/led on the broker  ->  cmd/D/led at the hub (which D subscribes to)
 *
 * `{id}` in the target is taken from the source pattern's `{id}` level, or, outbound when the local
 * pattern has none, is the publisher. Outbound, a local `{id}` level must be the publisher itself: a
 * device never publishes into another's namespace ('foreign-namespace'). A topic that cannot be
 * mapped is refused with a reason and counted by the caller, never rewritten: no rule matches, a
 * `$` topic (MQTT and Saltwire wildcards never match them; a rule must name them), an `{id}` that is
 * not a valid node id, or a result that is not a valid topic on the other side (wildcards, U+0000,
 * over MAX_TOPIC_BYTES or MAX_TOPIC_LEVELS). The broker is only ever subscribed to the configured
 * remote patterns (`{id}` as `+`), never to anything a device wrote.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { QoS } from '../messaging/ops.js';
import { InvalidTopicError, type TopicErrorReason } from '../pubsub/topic-errors.js';
import { topicMatches, validateTopicFilter, validateTopicName } from '../pubsub/topic.js';
import { isValidNodeId } from '../wire/node-id.js';

/** @group Topic mapping */
export type Direction = 'out' | 'in' | 'both';

/** @group Topic mapping */
export interface MappingRule {
  /** The Saltwire side's pattern. */
  readonly local: string;
  /** The broker side's pattern. */
  readonly remote: string;
  /** 'out' (hub to broker), 'in' (broker to hub) or 'both' (default). */
  readonly direction?: Direction;
  /** Highest QoS used on the other side (default 2: the publication's own). */
  readonly maxQos?: QoS;
  /** Outbound: the MQTT 5 Content Type given to what this rule maps. */
  readonly contentType?: string;
  /** Outbound: MQTT 5 user properties added to what this rule maps. */
  readonly userProperties?: Readonly<Record<string, string>>;
  /** Outbound: MQTT 5 Message Expiry (s) of what this rule maps; also how long it may wait queued. */
  readonly expirySeconds?: number;
  /**
   * The MQTT 5 properties a Saltwire PUBLISH has no field for (content type, user properties,
   * payload format indicator, response topic, correlation data). 'drop' (default): payloads pass
   * untouched, those properties are not carried. 'envelope': inbound the device receives
   * encodeBridged() of the MQTT payload and its properties; outbound the device's payload must be
   * such an envelope, published as its payload with its properties (one that is not is refused,
   * 'envelope'). See envelope.ts for the bytes.
   */
  readonly properties?: 'drop' | 'envelope';
}

/**
 * Why a topic was not mapped.
 * @group Topic mapping
 */
export type RefusalReason = 'unmapped' | 'dollar' | 'foreign-namespace' | 'bad-id' | TopicErrorReason;

/** @group Topic mapping */
export type Mapped = { readonly topic: string; readonly rule: MappingRule; readonly device?: string } | { readonly refused: RefusalReason };

/**
 * Every topic both ways under its own name, minus `$` topics (mosquitto's `topic # both`).
 * @group Topic mapping
 */
export const DEFAULT_RULES: readonly MappingRule[] = [{ local: '#', remote: '#', direction: 'both' }];

type Level = { kind: 'lit'; text: string } | { kind: '+' | '#' | 'id' };

interface Compiled {
  readonly rule: MappingRule;
  readonly local: Level[];
  readonly remote: Level[];
  /** The patterns with `{id}` as `+`: what is matched (and, remotely, subscribed to). */
  readonly localFilter: string;
  readonly remoteFilter: string;
}

function parse(pattern: string, side: string): Level[] {
  const levels = pattern.split('/').map((t): Level => (t === '{id}' ? { kind: 'id' } : t === '+' || t === '#' ? { kind: t } : { kind: 'lit', text: t }));
  if (levels.filter((l) => l.kind === 'id').length > 1) throw new InvalidArgumentError(`${side} pattern '${pattern}': at most one {id} level`);
  const filter = asFilter(levels);
  try {
    validateTopicFilter(filter);
  } catch (e) {
    throw new InvalidArgumentError(`${side} pattern '${pattern}': ${(e as Error).message}`);
  }
  return levels;
}

function asFilter(levels: readonly Level[]): string {
  return levels.map((l) => (l.kind === 'lit' ? l.text : l.kind === 'id' ? '+' : l.kind)).join('/');
}

function wildcards(levels: readonly Level[]): string {
  return levels.filter((l) => l.kind === '+' || l.kind === '#').map((l) => l.kind).join('');
}

function compile(rule: MappingRule): Compiled {
  const dir = rule.direction ?? 'both';
  if (dir !== 'in' && dir !== 'out' && dir !== 'both') throw new InvalidArgumentError(`direction must be in, out or both, got ${String(dir)}`);
  const local = parse(rule.local, 'local');
  const remote = parse(rule.remote, 'remote');
  if (wildcards(local) !== wildcards(remote)) {
    throw new InvalidArgumentError(`rule ${rule.local} <-> ${rule.remote}: the wildcards must correspond in order`);
  }
  const hasId = (ls: Level[]): boolean => ls.some((l) => l.kind === 'id');
  // inbound, a local {id} can only come from the remote topic
  if (dir !== 'out' && hasId(local) && !hasId(remote)) throw new InvalidArgumentError(`rule ${rule.local} <-> ${rule.remote}: inbound, {id} must be in the remote pattern`);
  if (rule.properties !== undefined && rule.properties !== 'drop' && rule.properties !== 'envelope') throw new InvalidArgumentError(`properties must be drop or envelope, got ${String(rule.properties)}`);
  if (rule.maxQos !== undefined && rule.maxQos !== 0 && rule.maxQos !== 1 && rule.maxQos !== 2) throw new InvalidArgumentError('maxQos must be 0, 1 or 2');
  if (rule.expirySeconds !== undefined && (!Number.isInteger(rule.expirySeconds) || rule.expirySeconds < 1 || rule.expirySeconds > 0xffffffff)) {
    throw new InvalidArgumentError('expirySeconds must be an integer from 1 to 4294967295');
  }
  return { rule, local, remote, localFilter: asFilter(local), remoteFilter: asFilter(remote) };
}

/** Matches `topic` against `pattern`: the wildcard captures in order and the `{id}` level, or undefined. */
function capture(pattern: readonly Level[], topic: string): { caps: string[]; id?: string } | undefined {
  const t = topic.split('/');
  const caps: string[] = [];
  let id: string | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const l = pattern[i]!;
    if (l.kind === '#') {
      caps.push(t.slice(i).join('/'));
      return { caps, ...(id !== undefined && { id }) };
    }
    if (i >= t.length) return undefined;
    if (l.kind === 'lit' && l.text !== t[i]) return undefined;
    if (l.kind === '+') caps.push(t[i]!);
    if (l.kind === 'id') id = t[i]!;
  }
  return t.length === pattern.length ? { caps, ...(id !== undefined && { id }) } : undefined;
}

function build(pattern: readonly Level[], caps: string[], id: string | undefined): string {
  const out: string[] = [];
  let c = 0;
  for (const l of pattern) {
    if (l.kind === 'lit') out.push(l.text);
    else if (l.kind === 'id') out.push(id!);
    else if (l.kind === '+') out.push(caps[c++]!);
    else {
      const rest = caps[c++]!;
      if (rest !== '') out.push(rest); // '#' matched its parent level alone: a/# of 'a' is 'a'
      else if (out.length === 0) out.push('');
    }
  }
  return out.join('/');
}

/** What MQTT refuses in a topic name (MQTT 5 4.7.3: wildcards, U+0000, over 65535 bytes), or undefined. */
function mqttTopicProblem(t: string): RefusalReason | undefined {
  if (t.length === 0) return 'empty';
  if (t.includes('\u0000')) return 'null-character';
  if (t.includes('+') || t.includes('#')) return 'wildcard-in-name';
  if (Buffer.byteLength(t) > 65535) return 'too-long';
  return undefined;
}

function saltwireTopicProblem(t: string): RefusalReason | undefined {
  try {
    validateTopicName(t);
    return undefined;
  } catch (e) {
    if (e instanceof InvalidTopicError) return e.reason;
    throw e;
  }
}

/** Topics whose mapping a TopicMap remembers (each direction and publisher counted apart). */
const MAPPED_CACHE = 4096;

/** @group Topic mapping */
export class TopicMap {
  private readonly rules: Compiled[];
  private readonly cache = new Map<string, Mapped>();

  /** Throws InvalidArgumentError for a rule that cannot map (bad pattern, wildcards that do not correspond). */
  constructor(rules: readonly MappingRule[] = DEFAULT_RULES) {
    this.rules = rules.map(compile);
  }

  /** The broker filters to subscribe to (inbound rules), each with the highest QoS wanted. */
  remoteSubscriptions(): Array<{ filter: string; qos: QoS }> {
    const m = new Map<string, QoS>();
    for (const c of this.rules) {
      if ((c.rule.direction ?? 'both') === 'out') continue;
      const q = c.rule.maxQos ?? 2;
      m.set(c.remoteFilter, Math.max(m.get(c.remoteFilter) ?? 0, q) as QoS);
    }
    return [...m].map(([filter, qos]) => ({ filter, qos }));
  }

  /** A local publication by `publisher` to `topic`: its broker topic (first matching outbound rule), or why not. */
  outbound(topic: string, publisher: string): Mapped {
    return this.cached(`o${publisher}\u0000${topic}`, topic, 'out', publisher);
  }

  /** A broker publication on `topic`: its local topic (first matching inbound rule), or why not. */
  inbound(topic: string): Mapped {
    return this.cached(`i${topic}`, topic, 'in', undefined);
  }

  /**
   * The result for a topic seen recently: a device publishes to the same few topics again and again,
   * and matching, capturing and validating them each time was work on every message. Results are
   * immutable and depend only on the key; the cache is emptied when it reaches MAPPED_CACHE entries.
   */
  private cached(key: string, topic: string, dir: 'in' | 'out', publisher: string | undefined): Mapped {
    let m = this.cache.get(key);
    if (m === undefined) {
      if (this.cache.size >= MAPPED_CACHE) this.cache.clear();
      m = this.map(topic, dir, publisher);
      this.cache.set(key, m);
    }
    return m;
  }

  private map(topic: string, dir: 'in' | 'out', publisher: string | undefined): Mapped {
    let reason: RefusalReason = topic.startsWith('$') ? 'dollar' : 'unmapped';
    for (const c of this.rules) {
      const d = c.rule.direction ?? 'both';
      if (d !== 'both' && d !== dir) continue;
      const [from, to, filter] = dir === 'out' ? [c.local, c.remote, c.localFilter] : [c.remote, c.local, c.remoteFilter];
      if (!topicMatches(filter, topic)) continue;
      const got = capture(from, topic);
      if (got === undefined) continue;
      let id = got.id;
      if (dir === 'out') {
        if (id !== undefined && id !== publisher) {
          reason = 'foreign-namespace';
          continue;
        }
        id ??= publisher;
      }
      const needsId = to.some((l) => l.kind === 'id');
      if (needsId && (id === undefined || !isValidNodeId(id))) {
        reason = 'bad-id';
        continue;
      }
      const out = build(to, got.caps, id);
      const bad = dir === 'out' ? mqttTopicProblem(out) : saltwireTopicProblem(out);
      if (bad !== undefined) return { refused: bad };
      return { topic: out, rule: c.rule, ...(id !== undefined && { device: id }) };
    }
    return { refused: reason };
  }
}
