// Retained messages: last value per topic, delete by empty payload, limits, matching, persistence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { CorruptRecordError } from '../../src/rpc/errors.js';
import { RETAINED_KEY, RETAINED_MAX_BYTES, RETAINED_MAX_TOPICS, RetainedLimitError, RetainedStore, type Qos } from '../../src/pubsub/retained-store.js';

const b = (...v: number[]): Uint8Array => Uint8Array.from(v);
const n = (len: number): Uint8Array => new Uint8Array(len).fill(7);

function limitError(f: () => unknown): RetainedLimitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RetainedLimitError);
    return e as RetainedLimitError;
  }
  throw new Error('expected RetainedLimitError');
}

describe('RetainedStore', () => {
  it('has the documented defaults', () => {
    const s = new RetainedStore();
    expect([s.maxTopics, s.maxBytes]).toEqual([10_000, 16 * 1024 * 1024]);
    expect([RETAINED_MAX_TOPICS, RETAINED_MAX_BYTES, RETAINED_KEY]).toEqual([10_000, 16_777_216, 'retained']);
  });

  it('keeps the last value per topic, with its qos, publisher and time', () => {
    const s = new RetainedStore();
    expect(s.set('a/b', b(1), 1, 'n1', 10)).toBe('stored');
    expect(s.set('a/b', b(2, 3), 2, 'n2', 20)).toBe('stored');
    expect(s.get('a/b')).toMatchObject({ payload: b(2, 3), qos: 2, from: 'n2', storedAt: 20 });
    expect(s.size).toBe(1);
    expect(s.bytes).toBe(2 + 3); // payload + topic bytes
    expect(s.get('a/c')).toBeUndefined();
  });

  it('copies the payload', () => {
    const s = new RetainedStore();
    const p = b(1, 2);
    s.set('t', p, 0, 'x', 0);
    p[0] = 9;
    expect(s.get('t')?.payload).toEqual(b(1, 2));
  });

  it('an empty payload deletes the topic (MQTT), and is harmless for an unknown topic', () => {
    const s = new RetainedStore();
    s.set('t', b(1), 0, 'x', 0);
    expect(s.set('t', b(), 0, 'x', 1)).toBe('deleted');
    expect(s.get('t')).toBeUndefined();
    expect([s.size, s.bytes]).toEqual([0, 0]);
    expect(s.set('u', b(), 0, 'x', 1)).toBe('deleted');
    expect(s.size).toBe(0);
    expect(s.delete('u')).toBe(false);
  });

  it('counts topic bytes as UTF-8', () => {
    const s = new RetainedStore();
    s.set('é', b(1), 0, 'x', 0);
    expect(s.bytes).toBe(1 + 2);
  });

  it('match returns the messages whose topic satisfies the predicate, in storage order', () => {
    const s = new RetainedStore();
    s.set('s/1/temp', b(1), 0, 'x', 0);
    s.set('s/2/temp', b(2), 1, 'y', 1);
    s.set('s/1/hum', b(3), 0, 'x', 2);
    const got = s.match((t) => t.endsWith('/temp'));
    expect(got.map((m) => [m.topic, m.payload[0], m.qos, m.from])).toEqual([
      ['s/1/temp', 1, 0, 'x'],
      ['s/2/temp', 2, 1, 'y'],
    ]);
    expect(s.match(() => false)).toEqual([]);
    s.set('s/1/temp', b(4), 0, 'x', 3); // an update moves it to the end
    expect(s.match(() => true).map((m) => m.topic)).toEqual(['s/2/temp', 's/1/hum', 's/1/temp']);
  });

  it('at maxTopics a new topic throws RetainedLimitError and changes nothing; existing topics still update', () => {
    const s = new RetainedStore({ maxTopics: 2 });
    s.set('a', b(1), 0, 'x', 0);
    s.set('b', b(1), 0, 'x', 0);
    const e = limitError(() => s.set('c', b(1), 0, 'x', 0));
    expect(e).toMatchObject({ code: 'ERR_RETAINED_LIMIT', topic: 'c', limit: 'topics' });
    expect(s.size).toBe(2);
    expect(s.get('c')).toBeUndefined();
    expect(s.set('a', n(50), 0, 'x', 1)).toBe('stored'); // bigger is fine within maxBytes
    s.set('b', b(), 0, 'x', 2); // a delete frees a topic
    expect(s.set('c', b(1), 0, 'x', 3)).toBe('stored');
  });

  it('at maxBytes: exactly full is allowed, one byte more throws, a same-or-smaller replacement always succeeds', () => {
    const s = new RetainedStore({ maxBytes: 20 });
    s.set('a', n(9), 0, 'x', 0); // 10 bytes
    s.set('b', n(9), 0, 'x', 0); // 20 bytes: exactly full
    expect(s.bytes).toBe(20);
    expect(limitError(() => s.set('c', n(1), 0, 'x', 0))).toMatchObject({ limit: 'bytes', topic: 'c' });
    expect(limitError(() => s.set('a', n(10), 0, 'x', 0))).toMatchObject({ limit: 'bytes', topic: 'a' });
    expect(s.get('a')?.payload.length).toBe(9); // unchanged after the failure
    expect(s.set('a', n(9), 1, 'y', 1)).toBe('stored');
    expect(s.set('a', n(4), 1, 'y', 1)).toBe('stored');
    expect(s.bytes).toBe(15);
    expect(s.set('b', n(14), 0, 'x', 2)).toBe('stored'); // grows into the freed room
    expect(s.bytes).toBe(20);
  });

  it('a same-size replacement succeeds in a store loaded exactly full', () => {
    const big = new RetainedStore();
    big.set('a', n(9), 0, 'x', 0);
    const s = RetainedStore.decode(big.encode(0), 0, { maxBytes: 10 });
    expect(s.bytes).toBe(10);
    expect(s.set('a', n(9), 2, 'z', 5)).toBe('stored');
  });

  it('rejects bad arguments', () => {
    const s = new RetainedStore();
    expect(() => s.set('', b(1), 0, 'x', 0)).toThrow(InvalidArgumentError);
    expect(() => s.set('t', b(1), 3 as Qos, 'x', 0)).toThrow(InvalidArgumentError);
    expect(() => s.set('t', [1] as unknown as Uint8Array, 0, 'x', 0)).toThrow(InvalidArgumentError);
    expect(() => s.set('t', b(1), 0, 'x'.repeat(256), 0)).toThrow(InvalidArgumentError);
    expect(() => s.set('t'.repeat(65_536), b(1), 0, 'x', 0)).toThrow(InvalidArgumentError);
    expect(() => new RetainedStore({ maxTopics: 0 })).toThrow(InvalidArgumentError);
    expect(s.size).toBe(0);
  });

  it('property: bytes is always the sum of entry sizes and never over maxBytes; topics never over maxTopics', () => {
    const op = fc.record({ topic: fc.constantFrom('a', 'b', 'cc', 'ddd', 'e/f'), len: fc.integer({ min: 0, max: 12 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), (ops, maxTopics, maxBytes) => {
        const s = new RetainedStore({ maxTopics, maxBytes });
        const model = new Map<string, number>();
        for (const o of ops) {
          try {
            s.set(o.topic, n(o.len), 0, 'x', 0);
            if (o.len === 0) model.delete(o.topic);
            else model.set(o.topic, o.len + o.topic.length);
          } catch (e) {
            expect(e).toBeInstanceOf(RetainedLimitError);
            const old = model.get(o.topic);
            // Never refused: a same-or-smaller replacement.
            expect(old !== undefined && o.len + o.topic.length <= old).toBe(false);
          }
          const sum = [...model.values()].reduce((x, y) => x + y, 0);
          expect(s.bytes).toBe(sum);
          expect(s.bytes).toBeLessThanOrEqual(maxBytes);
          expect(s.size).toBe(model.size);
          expect(s.size).toBeLessThanOrEqual(maxTopics);
        }
      }),
    );
  });
});

describe('RetainedStore persistence', () => {
  it('writes the documented byte format', () => {
    const s = new RetainedStore();
    s.set('a/b', b(0xaa, 0xbb), 1, 'n1', 100);
    s.set('c', b(0xcc), 2, '', 250);
    const hex = Buffer.from(s.encode(300)).toString('hex');
    expect(hex).toBe(
      '01' + '00000002' +
        '0003' + '612f62' + '01' + '02' + '6e31' + '000000c8' + '00000002' + 'aabb' +
        '0001' + '63' + '02' + '00' + '00000032' + '00000001' + 'cc',
    );
    expect(Array.from(new RetainedStore().encode(0))).toEqual([1, 0, 0, 0, 0]);
  });

  it('round-trips through a StateStore under "retained", ages carried across a clock change', async () => {
    const store = new MemoryStateStore();
    const s = new RetainedStore();
    s.set('x/1', b(1, 2, 3), 1, 'dev-1', 1000);
    s.set('x/2', n(300), 0, 'dev-2', 1500);
    await s.save(store, 2000);
    expect(await store.load('retained')).toEqual(s.encode(2000));
    const r = await RetainedStore.load(store, 10);
    expect(r.size).toBe(2);
    expect(r.bytes).toBe(s.bytes);
    expect(r.get('x/1')).toMatchObject({ payload: b(1, 2, 3), qos: 1, from: 'dev-1', storedAt: 10 - 1000 });
    expect(r.get('x/2')).toMatchObject({ payload: n(300), qos: 0, from: 'dev-2', storedAt: 10 - 500 });
    expect(r.droppedOnLoad).toBe(0);
  });

  it('load of a missing record gives an empty store with the given limits', async () => {
    const r = await RetainedStore.load(new MemoryStateStore(), 0, { maxTopics: 5 });
    expect([r.size, r.maxTopics]).toEqual([0, 5]);
  });

  it('load keeps what fits lowered limits and counts the rest', () => {
    const s = new RetainedStore();
    for (let i = 0; i < 5; i++) s.set(`t${i}`, n(8), 0, 'x', 0); // 10 bytes each
    expect(RetainedStore.decode(s.encode(0), 0, { maxTopics: 3 })).toMatchObject({ size: 3, droppedOnLoad: 2 });
    const byBytes = RetainedStore.decode(s.encode(0), 0, { maxBytes: 25 });
    expect([byBytes.size, byBytes.droppedOnLoad]).toEqual([2, 3]);
    expect(byBytes.match(() => true).map((m) => m.topic)).toEqual(['t0', 't1']);
  });

  const valid = (): Uint8Array => {
    const s = new RetainedStore();
    s.set('a', b(1, 2), 1, 'p', 0);
    s.set('bb', b(3), 0, '', 0);
    return s.encode(0);
  };

  it('rejects every truncation of a valid record with CorruptRecordError', () => {
    const bytes = valid();
    for (let k = 0; k < bytes.length; k++) {
      expect(() => RetainedStore.decode(bytes.slice(0, k), 0)).toThrow(CorruptRecordError);
    }
  });

  it('rejects malformed records with a CorruptRecordError naming the record and the problem', async () => {
    const entry = (topic: number[], qos: number, from: number[], len: number[], payload: number[]): number[] => [
      0, topic.length, ...topic, qos, from.length, ...from, 0, 0, 0, 0, ...len, ...payload,
    ];
    const rec = (...entries: number[][]): Uint8Array => Uint8Array.of(1, 0, 0, 0, entries.length, ...entries.flat());
    const cases: Array<[Uint8Array, RegExp]> = [
      [Uint8Array.of(0, ...valid().slice(1)), /unknown version 0/],
      [Uint8Array.of(...valid(), 1), /after the end/],
      [rec(entry([], 0, [], [0, 0, 0, 1], [1])), /empty topic/],
      [rec(entry([0x61], 3, [], [0, 0, 0, 1], [1])), /qos 3/],
      [rec(entry([0x61], 0, [], [0, 0, 0, 0], [])), /empty payload/],
      [rec(entry([0xc3], 0, [], [0, 0, 0, 1], [1])), /topic is not UTF-8/],
      [rec(entry([0x61], 0, [0xff], [0, 0, 0, 1], [1])), /publisher id is not UTF-8/],
      [rec(entry([0x61], 0, [], [0xff, 0xff, 0xff, 0xff], [1])), /truncated/],
      [rec(entry([0x61], 0, [], [0, 0, 0, 1], [1]), entry([0x61], 0, [], [0, 0, 0, 1], [2])), /appears twice/],
    ];
    for (const [bytes, re] of cases) {
      const store = new MemoryStateStore();
      await store.save('retained', bytes);
      const err = await RetainedStore.load(store, 0).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CorruptRecordError);
      expect(err).toMatchObject({ code: 'ERR_CORRUPT_RECORD', record: 'retained' });
      expect((err as Error).message).toMatch(re);
    }
  });

  it('property: arbitrary bytes either decode or throw CorruptRecordError; valid stores round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const bytes = raw.length > 0 && raw[0]! % 2 === 0 ? Uint8Array.of(1, 0, 0, 0, 1, ...raw) : raw;
        try {
          RetainedStore.decode(bytes, 0);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptRecordError);
        }
      }),
    );
    const entry = fc.record({
      topic: fc.string({ minLength: 1, maxLength: 10 }),
      payload: fc.uint8Array({ minLength: 0, maxLength: 20 }),
      qos: fc.constantFrom<Qos>(0, 1, 2),
      from: fc.string({ maxLength: 8 }),
      at: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (entries) => {
        const s = new RetainedStore();
        for (const e of entries) s.set(e.topic, e.payload, e.qos, e.from, e.at);
        const r = RetainedStore.decode(s.encode(1000), 1000);
        expect(r.match(() => true)).toEqual(s.match(() => true));
        expect(r.bytes).toBe(s.bytes);
      }),
    );
  });
});
