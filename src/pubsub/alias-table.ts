/**
 * Topic aliases for one direction of one peer: the sender replaces a topic it publishes often by a
 * small number (1..maxAliases, a u16 on the wire; 0 means "no alias"), saving the topic's bytes in
 * each datagram. Aliases belong to one sender epoch and one receiver epoch: both sides `reset()`
 * when either peer restarts (spec 12), and the sender never reassigns an alias within an epoch
 * (no LRU), so an alias, once defined, means one topic until the next reset.
 *
 * The rule on the wire (the receiver applies it in `accept`):
 * - a publication carrying both an alias and a topic defines the alias as that topic (a later
 *   definition replaces an earlier one), and is delivered on that topic;
 * - a publication carrying only an alias uses it;
 * - a publication carrying only a topic is delivered on it and defines nothing;
 * - an alias that is 0, above the receiver's maxAliases, or not defined is a counted drop, never an
 *   exception (bad network input, spec 6).
 *
 * The sender keeps carrying the topic with the alias (`sendTopic`) until it calls `confirm(alias)`,
 * which it does when a reliable publication carrying the definition was acknowledged: a definition
 * sent unreliably (QoS 0) may be lost, and the alias-only publications after it would be dropped.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

export const MAX_TOPIC_ALIASES = 64;
/** The largest maxAliases: aliases are u16 on the wire, 0 reserved. */
export const ALIAS_LIMIT = 0xffff;

function checkMax(max: number | undefined): number {
  const v = max ?? MAX_TOPIC_ALIASES;
  if (!Number.isInteger(v) || v < 0 || v > ALIAS_LIMIT) throw new InvalidArgumentError(`maxAliases must be an integer from 0 to ${ALIAS_LIMIT}`);
  return v;
}

export interface AliasAssignment {
  readonly alias: number;
  /** True on the call that assigned it. */
  readonly isNew: boolean;
  /** Carry the topic too: the receiver is not yet known to have the definition (see `confirm`). */
  readonly sendTopic: boolean;
}

/** The sending side: topic -> alias, assigned on first use while aliases remain. */
export class OutgoingAliases {
  readonly maxAliases: number;
  private readonly byTopic = new Map<string, { alias: number; confirmed: boolean }>();
  private readonly topics: string[] = [];

  /** `maxAliases` (default 64, 0 disables aliases) must not exceed the receiver's. */
  constructor(options: { readonly maxAliases?: number } = {}) {
    this.maxAliases = checkMax(options.maxAliases);
  }

  get size(): number {
    return this.byTopic.size;
  }

  /**
   * The topic's alias, assigning the next free one on first use; undefined once all maxAliases are
   * taken by other topics (the publication then carries the topic alone).
   */
  aliasFor(topic: string): AliasAssignment | undefined {
    if (typeof topic !== 'string' || topic.length === 0) throw new InvalidArgumentError('topic must be a non-empty string');
    const have = this.byTopic.get(topic);
    if (have !== undefined) return { alias: have.alias, isNew: false, sendTopic: !have.confirmed };
    if (this.byTopic.size >= this.maxAliases) return undefined;
    const alias = this.byTopic.size + 1;
    this.byTopic.set(topic, { alias, confirmed: false });
    this.topics.push(topic);
    return { alias, isNew: true, sendTopic: true };
  }

  /** The receiver has the definition of `alias` (a reliable publication carrying it was acknowledged). */
  confirm(alias: number): boolean {
    const topic = this.topics[alias - 1];
    const e = topic === undefined ? undefined : this.byTopic.get(topic);
    if (e === undefined) return false;
    e.confirmed = true;
    return true;
  }

  /** Forgets every alias: either peer restarted. */
  reset(): void {
    this.byTopic.clear();
    this.topics.length = 0;
  }
}

/** Publications the receiver dropped because of their alias. */
export interface AliasDrops {
  /** Alias 0 or above maxAliases. */
  outOfRange: number;
  /** Alias-only publication with an alias not defined in this epoch. */
  unknown: number;
}

/** The receiving side: alias -> topic, as the sender defined them. */
export class IncomingAliases {
  readonly maxAliases: number;
  private readonly byAlias = new Map<number, string>();
  readonly drops: AliasDrops = { outOfRange: 0, unknown: 0 };

  /** `maxAliases` (default 64) is what this node accepts; at most maxAliases topics are held. */
  constructor(options: { readonly maxAliases?: number } = {}) {
    this.maxAliases = checkMax(options.maxAliases);
  }

  get size(): number {
    return this.byAlias.size;
  }

  /** Defines `alias` as `topic`. False (counted in drops.outOfRange) if the alias is out of range. */
  define(alias: number, topic: string): boolean {
    if (!this.inRange(alias)) {
      this.drops.outOfRange++;
      return false;
    }
    if (topic.length === 0) throw new InvalidArgumentError('topic must be a non-empty string');
    this.byAlias.set(alias, topic);
    return true;
  }

  /** The topic of `alias`, or undefined (counted in drops) if it is out of range or undefined. */
  resolve(alias: number): string | undefined {
    if (!this.inRange(alias)) {
      this.drops.outOfRange++;
      return undefined;
    }
    const topic = this.byAlias.get(alias);
    if (topic === undefined) this.drops.unknown++;
    return topic;
  }

  /**
   * The topic a publication is for, applying the rule of the module comment to its optional alias
   * (0 or undefined: none) and optional topic. Undefined means drop it (counted, unless it carried
   * neither, which the frame decoder rejects before).
   */
  accept(alias: number | undefined, topic: string | undefined): string | undefined {
    const hasAlias = alias !== undefined && alias !== 0;
    const hasTopic = topic !== undefined && topic.length > 0;
    if (hasAlias && hasTopic) return this.define(alias, topic) ? topic : undefined;
    if (hasTopic) return topic;
    if (hasAlias) return this.resolve(alias);
    return undefined;
  }

  /** Forgets every alias: either peer restarted. */
  reset(): void {
    this.byAlias.clear();
  }

  private inRange(alias: number): boolean {
    return Number.isInteger(alias) && alias >= 1 && alias <= this.maxAliases;
  }
}
