/**
 * TopicTree: the subscription index of spec 15.2. A trie with one node per filter level, so the
 * cost of a match depends on the depth of the topic and on the filters that match its prefixes,
 * not on how many subscriptions exist.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { SubscriptionLimitError } from './topic-errors.js';
import { isSystemTopic, topicLevels, validateTopicFilter, validateTopicName } from './topic.js';

/** Default of `maxFilters`: the SDK's declared limit of subscriptions per tree. */
export const DEFAULT_MAX_FILTERS = 65_536;

export interface TopicTreeOptions {
  /**
   * Most (filter, value) entries the tree holds; `add` throws SubscriptionLimitError beyond it.
   * Re-adding an entry that is present does not count. Default DEFAULT_MAX_FILTERS.
   * Memory is bounded by it: each entry adds at most MAX_TOPIC_LEVELS nodes.
   */
  maxFilters?: number;
}

/** One level of the trie. `+` and `#` are stored as ordinary keys: topic names never contain them. */
interface TrieNode<V> {
  readonly parent: TrieNode<V> | undefined;
  /** The level this node stands for within its parent's children. */
  readonly key: string;
  readonly children: Map<string, TrieNode<V>>;
  /** Values whose filter ends at this node; undefined when none (saves a Set per inner node). */
  values: Set<V> | undefined;
}

function newNode<V>(parent: TrieNode<V> | undefined, key: string): TrieNode<V> {
  return { parent, key, children: new Map(), values: undefined };
}

/**
 * A set of (filter, value) entries, matched against topic names. A value may be stored under several
 * filters; `match` then returns it once per matching filter (MQTT allows one copy per matching
 * subscription; a caller that wants one copy per subscriber deduplicates, e.g. `new Set(...)`).
 * Values are compared with SameValueZero, as in a Set.
 */
export class TopicTree<V> {
  private readonly root: TrieNode<V> = newNode<V>(undefined, '');
  private count = 0;
  readonly maxFilters: number;
  /** The last topic forEachMatch checked, and its levels (never modified). */
  private lastTopic: string | undefined;
  private lastLevels: readonly string[] | undefined;

  constructor(options: TopicTreeOptions = {}) {
    const max = options.maxFilters ?? DEFAULT_MAX_FILTERS;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InvalidArgumentError(`maxFilters must be a positive integer, got ${String(max)}`);
    }
    this.maxFilters = max;
  }

  /** Number of (filter, value) entries. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds `value` under `filter`. Returns false if that entry was already present (nothing changes).
   * Throws InvalidTopicError for an invalid filter and SubscriptionLimitError at the limit; in both
   * cases the tree is unchanged.
   */
  add(filter: string, value: V): boolean {
    validateTopicFilter(filter);
    const existing = this.find(filter);
    if (existing?.values?.has(value)) return false;
    if (this.count >= this.maxFilters) throw new SubscriptionLimitError(this.maxFilters);
    let node = this.root;
    for (const level of topicLevels(filter)) {
      let next = node.children.get(level);
      if (!next) {
        next = newNode(node, level);
        node.children.set(level, next);
      }
      node = next;
    }
    (node.values ??= new Set()).add(value);
    this.count++;
    return true;
  }

  /**
   * Removes `value` from `filter`. Returns false if that entry was not present. Nodes left with no
   * values and no children are pruned, so the tree's memory follows its current entries, not its
   * history. Throws InvalidTopicError for an invalid filter (it could never have been added).
   */
  remove(filter: string, value: V): boolean {
    validateTopicFilter(filter);
    const node = this.find(filter);
    if (!node?.values?.delete(value)) return false;
    this.count--;
    if (node.values.size === 0) node.values = undefined;
    this.prune(node);
    return true;
  }

  /** True if `value` is stored under exactly `filter` (no matching involved). */
  has(filter: string, value: V): boolean {
    return this.find(filter)?.values?.has(value) ?? false;
  }

  /** Removes every entry. */
  clear(): void {
    this.root.children.clear();
    this.root.values = undefined;
    this.count = 0;
  }

  /**
   * Values of every filter that matches `topic` (spec 15.2), one per matching (filter, value) entry,
   * in no particular order. Throws InvalidTopicError if `topic` is not a valid topic name: a topic
   * with '+' or '#' in it would otherwise be matched as if it were a filter.
   */
  match(topic: string): V[] {
    const out: V[] = [];
    this.forEachMatch(topic, (v) => out.push(v));
    return out;
  }

  /** Like `match`, calling `visit` for each value instead of building an array. */
  forEachMatch(topic: string, visit: (value: V) => void): void {
    // A stream of publications mostly repeats its topic: the last one's check and split are kept.
    let levels = this.lastLevels;
    if (topic !== this.lastTopic || levels === undefined) {
      validateTopicName(topic);
      levels = topicLevels(topic);
      this.lastTopic = topic;
      this.lastLevels = levels;
    }
    // [SW-15.2-3]: at the first level, a '$' topic is matched only by literal children.
    const system = isSystemTopic(topic);
    this.walk(this.root, levels, 0, system, visit);
  }

  /** Every (filter, value) entry, in no particular order. */
  *entries(): IterableIterator<[string, V]> {
    const stack: Array<[TrieNode<V>, string]> = [];
    for (const child of this.root.children.values()) stack.push([child, child.key]);
    for (let item = stack.pop(); item; item = stack.pop()) {
      const [node, path] = item;
      if (node.values) for (const v of node.values) yield [path, v];
      for (const child of node.children.values()) stack.push([child, `${path}/${child.key}`]);
    }
  }

  private walk(node: TrieNode<V>, levels: readonly string[], i: number, system: boolean, visit: (value: V) => void): void {
    const wild = !(system && i === 0);
    // '#' matches the rest of the topic, and at i === levels.length its parent too [SW-15.2-2].
    if (wild) {
      const hash = node.children.get('#')?.values;
      if (hash !== undefined) for (const v of hash) visit(v);
    }
    if (i === levels.length) {
      if (node.values !== undefined) for (const v of node.values) visit(v);
      return;
    }
    const plus = wild ? node.children.get('+') : undefined;
    if (plus) this.walk(plus, levels, i + 1, system, visit);
    const literal = node.children.get(levels[i]!);
    if (literal) this.walk(literal, levels, i + 1, system, visit);
  }

  private find(filter: string): TrieNode<V> | undefined {
    let node: TrieNode<V> | undefined = this.root;
    for (const level of topicLevels(filter)) {
      node = node.children.get(level);
      if (!node) return undefined;
    }
    return node;
  }

  /** Detaches `node` and its ancestors for as long as they hold nothing. */
  private prune(node: TrieNode<V>): void {
    let n: TrieNode<V> = node;
    while (n.parent && n.values === undefined && n.children.size === 0) {
      n.parent.children.delete(n.key);
      n = n.parent;
    }
  }
}
