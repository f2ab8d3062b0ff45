// The subscription index: TopicTree agrees with topicMatches (spec 15.2) and prunes after churn.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  InvalidTopicError,
  SubscriptionLimitError,
  TopicTree,
  isValidTopicFilter,
  isValidTopicName,
  topicMatches,
} from '../../src/pubsub/index.js';

/** Nodes reachable from the root, read through the private field: the leak check needs it. */
function nodeCount(tree: TopicTree<unknown>): number {
  type N = { children: Map<string, N> };
  const root = (tree as unknown as { root: N }).root;
  let n = 0;
  const stack: N[] = [root];
  for (let x = stack.pop(); x; x = stack.pop()) {
    n++;
    stack.push(...x.children.values());
  }
  return n - 1;
}

const sorted = <T>(xs: T[]): T[] => [...xs].sort();

const LEVELS = ['', 'a', 'b', '$sys', '+', '#'];
const level = fc.constantFrom(...LEVELS);
const filterArb = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/')).filter(isValidTopicFilter);
const topicArb = fc
  .array(fc.constantFrom('', 'a', 'b', '$sys', 'c'), { minLength: 1, maxLength: 5 })
  .map((l) => l.join('/'))
  .filter(isValidTopicName);

describe('TopicTree [SW-15.2]', () => {
  it('match equals a naive scan with topicMatches, through adds and removes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ add: fc.boolean(), filter: filterArb, value: fc.integer({ min: 0, max: 3 }) }), { maxLength: 60 }),
        fc.array(topicArb, { minLength: 1, maxLength: 10 }),
        (ops, topics) => {
          const tree = new TopicTree<number>();
          const model = new Set<string>(); // `${value} ${filter}`
          for (const op of ops) {
            const key = `${op.value} ${op.filter}`;
            if (op.add) {
              expect(tree.add(op.filter, op.value)).toBe(!model.has(key));
              model.add(key);
            } else {
              expect(tree.remove(op.filter, op.value)).toBe(model.has(key));
              model.delete(key);
            }
            expect(tree.size).toBe(model.size);
          }
          for (const t of topics) {
            const naive = [...model]
              .map((k) => [Number(k.slice(0, k.indexOf(' '))), k.slice(k.indexOf(' ') + 1)] as const)
              .filter(([, f]) => topicMatches(f, t))
              .map(([v]) => v);
            expect(sorted(tree.match(t))).toEqual(sorted(naive));
          }
          expect(sorted([...tree.entries()].map(([f, v]) => `${v} ${f}`))).toEqual(sorted([...model]));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('[SW-15.2-2] [SW-15.2-3] examples: parent match, empty levels, $ topics', () => {
    const tree = new TopicTree<string>();
    for (const f of ['a/#', '#', '+', '+/#', '$SYS/#', 'a/+', '+/+', 'a', '$SYS/+', '/#']) tree.add(f, f);
    expect(sorted(tree.match('a'))).toEqual(sorted(['a/#', '#', '+', '+/#', 'a']));
    expect(sorted(tree.match('a/'))).toEqual(sorted(['a/#', '#', '+/#', 'a/+', '+/+']));
    expect(sorted(tree.match('/'))).toEqual(sorted(['#', '+/#', '+/+', '/#']));
    expect(sorted(tree.match('$SYS'))).toEqual(['$SYS/#']);
    expect(sorted(tree.match('$SYS/x'))).toEqual(sorted(['$SYS/#', '$SYS/+']));
    expect(tree.match('$OTHER/x')).toEqual([]);
  });

  it('returns a value once per matching filter', () => {
    const tree = new TopicTree<string>();
    tree.add('a/+', 'dev1');
    tree.add('a/#', 'dev1');
    tree.add('a/b', 'dev2');
    expect(sorted(tree.match('a/b'))).toEqual(['dev1', 'dev1', 'dev2']);
    const seen: string[] = [];
    tree.forEachMatch('a/b', (v) => seen.push(v));
    expect(sorted(seen)).toEqual(['dev1', 'dev1', 'dev2']);
  });

  it('validates filters and topics with InvalidTopicError, leaving the tree unchanged', () => {
    const tree = new TopicTree<number>();
    expect(() => tree.add('a/b+', 1)).toThrow(InvalidTopicError);
    expect(() => tree.remove('a/#/b', 1)).toThrow(InvalidTopicError);
    expect(() => tree.match('a/+')).toThrow(InvalidTopicError);
    expect(() => tree.match('')).toThrow(InvalidTopicError);
    expect(tree.size).toBe(0);
    expect(nodeCount(tree)).toBe(0);
  });

  it('maxFilters: throws SubscriptionLimitError at the limit; re-adding a present entry does not count', () => {
    const tree = new TopicTree<number>({ maxFilters: 2 });
    expect(tree.add('a', 1)).toBe(true);
    expect(tree.add('a', 2)).toBe(true);
    expect(tree.add('a', 2)).toBe(false);
    let err: unknown;
    try {
      tree.add('b/c', 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SubscriptionLimitError);
    expect((err as SubscriptionLimitError).code).toBe('ERR_SUBSCRIPTION_LIMIT');
    expect((err as SubscriptionLimitError).limit).toBe(2);
    expect(tree.size).toBe(2);
    expect(tree.has('b/c', 1)).toBe(false);
    expect(nodeCount(tree)).toBe(1); // nothing was created for 'b/c'
    tree.remove('a', 1);
    expect(tree.add('b/c', 1)).toBe(true);
  });

  it('rejects a bad maxFilters with InvalidArgumentError', () => {
    for (const m of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new TopicTree({ maxFilters: m })).toThrow(InvalidArgumentError);
    }
  });

  it('prunes: after any churn that removes every entry, no node is left', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filterArb, fc.integer({ min: 0, max: 2 })), { maxLength: 40 }), (entries) => {
        const tree = new TopicTree<number>();
        for (const [f, v] of entries) tree.add(f, v);
        const distinctPrefixes = new Set<string>();
        for (const [f] of entries) {
          const l = f.split('/');
          for (let i = 1; i <= l.length; i++) distinctPrefixes.add(l.slice(0, i).join('/'));
        }
        expect(nodeCount(tree)).toBe(distinctPrefixes.size);
        for (const [f, v] of entries) tree.remove(f, v);
        expect(tree.size).toBe(0);
        expect(nodeCount(tree)).toBe(0);
      }),
    );
  });

  it('prunes only the branch that became empty', () => {
    const tree = new TopicTree<number>();
    tree.add('a/b/c', 1);
    tree.add('a/b', 2);
    tree.add('a/x/y/z', 3);
    expect(nodeCount(tree)).toBe(6);
    tree.remove('a/x/y/z', 3);
    expect(nodeCount(tree)).toBe(3);
    tree.remove('a/b', 2);
    expect(nodeCount(tree)).toBe(3); // a/b still leads to a/b/c
    expect(tree.match('a/b/c')).toEqual([1]);
    tree.clear();
    expect(tree.size).toBe(0);
    expect(nodeCount(tree)).toBe(0);
    expect(tree.match('a/b/c')).toEqual([]);
  });

  it('match visits nodes along the topic, not every subscription', () => {
    const tree = new TopicTree<number>({ maxFilters: 100_000 });
    for (let i = 0; i < 20_000; i++) tree.add(`devices/d${i}/telemetry`, i);
    tree.add('devices/+/telemetry', -1);
    tree.add('#', -2);
    const walk = vi.spyOn(tree as unknown as { walk: () => void }, 'walk');
    expect(sorted(tree.match('devices/d777/telemetry'))).toEqual(sorted([777, -1, -2]));
    // root, devices, d777, telemetry, plus the '+' branch (+, telemetry): 6 nodes of 20k+ entries.
    expect(walk).toHaveBeenCalledTimes(6);
  });
});
