/**
 * The op codec's UTF-8 cache of repeated strings (src/messaging/op-codec.ts) stays correct past its
 * bound: a hub forwarding more distinct topics than it caches (10,000 devices) encodes every one
 * exactly as TextEncoder does, before, while and after the cache is full and starts over [SW-15.3-5].
 */
import { describe, expect, it } from 'vitest';
import { decodeOp, encodeOp } from '../../src/messaging/op-codec.js';

describe('STR fields past the UTF-8 cache bound', () => {
  it('6,000 distinct topics, then the first ones again, round-trip byte for byte', () => {
    const topics = Array.from({ length: 6_000 }, (_, i) => `d/dev-${i}/température`);
    for (const t of [...topics, ...topics.slice(0, 600), ...topics.slice(3_000, 3_600)]) {
      const bytes = encodeOp({ op: 'PUBLISH', qos: 0, retain: false, topic: t, payload: new Uint8Array([1]) });
      const back = decodeOp(bytes);
      expect(back?.op === 'PUBLISH' && back.topic).toBe(t);
    }
  });
});
