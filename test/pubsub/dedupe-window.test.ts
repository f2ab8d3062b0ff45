// The QoS 2 dedupe window: duplicates, expiry, limits, the persisted byte format, corrupt records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { CorruptRecordError } from '../../src/rpc/errors.js';
import { DEDUPE_MAX_PER_PUBLISHER, DEDUPE_MAX_TOTAL, DEDUPE_WINDOW_MS, DedupeWindow } from '../../src/pubsub/dedupe-window.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';

const U64_MAX = (1n << 64n) - 1n;

/** An independent reader of the format, for comparing records: sorted "publisher/id/age" strings. */
function decodeForTest(b: Uint8Array): string[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: string[] = [];
  let o = 5;
  for (let p = dv.getUint32(1); p > 0; p--) {
    const len = b[o]!;
    const name = new TextDecoder().decode(b.subarray(o + 1, o + 1 + len));
    o += 1 + len;
    const n = dv.getUint32(o);
    o += 4;
    for (let i = 0; i < n; i++, o += 12) out.push(`${name}/${dv.getBigUint64(o)}/${dv.getUint32(o + 8)}`);
  }
  expect(o).toBe(b.length);
  return out.sort();
}

describe('DedupeWindow', () => {
  it('has the documented defaults', () => {
    const w = new DedupeWindow();
    expect([w.windowMs, w.maxPerPublisher, w.maxTotal]).toEqual([300_000, 1024, 65_536]);
    expect([DEDUPE_WINDOW_MS, DEDUPE_MAX_PER_PUBLISHER, DEDUPE_MAX_TOTAL]).toEqual([300_000, 1024, 65_536]);
  });

  it('reports a repeat as seen, per publisher, over the whole u64 range', () => {
    const w = new DedupeWindow();
    expect(w.seen('a', 1n, 0)).toBe(false);
    expect(w.seen('a', 1n, 1)).toBe(true);
    expect(w.seen('b', 1n, 1)).toBe(false);
    expect(w.seen('a', U64_MAX, 1)).toBe(false);
    expect(w.seen('a', U64_MAX, 2)).toBe(true);
    expect(w.seen('a', (5n << 32n) | 1n, 2)).toBe(false); // epoch 5, counter 1: not id 1
    expect(w.size).toBe(4);
    expect(w.publishers).toBe(2);
  });

  it('an id expires windowMs after it was first seen; a duplicate does not extend it', () => {
    const w = new DedupeWindow({ windowMs: 1000 });
    w.seen('a', 7n, 100);
    expect(w.nextDeadline()).toBe(1100);
    expect(w.seen('a', 7n, 900)).toBe(true);
    expect(w.nextDeadline()).toBe(1100);
    expect(w.seen('a', 7n, 1099)).toBe(true);
    w.tick(1100);
    expect(w.size).toBe(0);
    expect(w.nextDeadline()).toBe(Infinity);
    expect(w.seen('a', 7n, 1100)).toBe(false);
  });

  it('seen expires on its own without tick', () => {
    const w = new DedupeWindow({ windowMs: 10 });
    w.seen('a', 1n, 0);
    expect(w.seen('a', 1n, 10)).toBe(false);
  });

  it('at maxPerPublisher evicts that publisher\'s oldest id only', () => {
    const w = new DedupeWindow({ maxPerPublisher: 3 });
    for (const id of [1n, 2n, 3n]) w.seen('a', id, Number(id));
    w.seen('b', 1n, 4);
    expect(w.seen('a', 4n, 5)).toBe(false);
    expect(w.evictions).toBe(1);
    expect(w.size).toBe(4);
    expect(w.seen('a', 2n, 6)).toBe(true);
    expect(w.seen('b', 1n, 6)).toBe(true);
    expect(w.seen('a', 1n, 6)).toBe(false); // evicted: the documented cost (would deliver twice)
  });

  it('at maxTotal evicts the oldest id of any publisher', () => {
    const w = new DedupeWindow({ maxTotal: 3 });
    w.seen('a', 1n, 0);
    w.seen('b', 1n, 1);
    w.seen('a', 2n, 2);
    expect(w.seen('c', 1n, 3)).toBe(false);
    expect(w.size).toBe(3);
    expect(w.evictions).toBe(1);
    expect(w.seen('b', 1n, 4)).toBe(true);
    expect(w.seen('a', 2n, 4)).toBe(true);
    expect(w.seen('c', 1n, 4)).toBe(true);
    expect(w.seen('a', 1n, 4)).toBe(false);
  });

  it('the default limits hold: 1024 per publisher, 65 536 in all', () => {
    const w = new DedupeWindow();
    for (let i = 0; i < 1025; i++) w.seen('one', BigInt(i), 0);
    expect([w.size, w.evictions]).toEqual([1024, 1]);
    expect(w.seen('one', 0n, 0)).toBe(false);
    const t = new DedupeWindow();
    for (let p = 0; p < 65; p++) for (let i = 0; i < 1024; i++) t.seen(`p${p}`, BigInt(i), 0);
    expect(t.size).toBe(65_536);
    expect(t.evictions).toBe(1024); // 65 * 1024 - 65 536
    expect(t.seen('p64', 1023n, 0)).toBe(true);
  });

  it('maxPerPublisher 1 keeps exactly the last id', () => {
    const w = new DedupeWindow({ maxPerPublisher: 1 });
    w.seen('a', 1n, 0);
    expect(w.seen('a', 2n, 0)).toBe(false);
    expect(w.seen('a', 2n, 0)).toBe(true);
    expect(w.size).toBe(1);
    expect(w.publishers).toBe(1);
  });

  it('rejects bad arguments', () => {
    const w = new DedupeWindow();
    expect(() => w.seen('', 1n, 0)).toThrow(InvalidArgumentError);
    expect(() => w.seen('x'.repeat(256), 1n, 0)).toThrow(InvalidArgumentError);
    expect(() => w.seen('a', -1n, 0)).toThrow(InvalidArgumentError);
    expect(() => w.seen('a', U64_MAX + 1n, 0)).toThrow(InvalidArgumentError);
    expect(() => w.seen('a', 1 as unknown as bigint, 0)).toThrow(InvalidArgumentError);
    expect(() => new DedupeWindow({ windowMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new DedupeWindow({ maxTotal: 2.5 })).toThrow(InvalidArgumentError);
  });

  it('property: within the limits it behaves as a model set with expiry', () => {
    const op = fc.record({ pub: fc.constantFrom('a', 'b', 'c'), id: fc.bigInt({ min: 0n, max: 20n }), dt: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const w = new DedupeWindow({ windowMs: 200, maxPerPublisher: 100, maxTotal: 1000 });
        const model = new Map<string, number>(); // key -> first seen
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          const key = `${o.pub}/${o.id}`;
          const at = model.get(key);
          const expected = at !== undefined && at + 200 > now;
          if (!expected) model.set(key, now);
          expect(w.seen(o.pub, o.id, now)).toBe(expected);
        }
        expect(w.evictions).toBe(0);
      }),
    );
  });

  it('property: the limits always hold and the newest id is always kept', () => {
    const op = fc.record({ pub: fc.constantFrom('a', 'b', 'c', 'd'), id: fc.bigInt({ min: 0n, max: 40n }), dt: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }), (ops, per, total) => {
        const w = new DedupeWindow({ windowMs: 1000, maxPerPublisher: per, maxTotal: total });
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          w.seen(o.pub, o.id, now);
          expect(w.seen(o.pub, o.id, now)).toBe(true);
          expect(w.size).toBeLessThanOrEqual(total);
        }
        const bytes = w.export(now);
        const copy = new DedupeWindow({ windowMs: 1000, maxPerPublisher: per, maxTotal: total });
        copy.import(bytes, now);
        expect(copy.size).toBe(w.size);
        // Same (publisher, id, age) set; the order among equal ages may differ.
        expect(decodeForTest(copy.export(now))).toEqual(decodeForTest(bytes));
      }),
    );
  });
});

describe('DedupeWindow persistence', () => {
  it('writes the documented byte format', () => {
    const w = new DedupeWindow();
    w.seen('ab', 0x0102030405060708n, 1000);
    w.seen('ab', 2n, 1500);
    w.seen('c', U64_MAX, 2000);
    const hex = Buffer.from(w.export(2500)).toString('hex');
    expect(hex).toBe(
      '01' + '00000002' +
        '02' + '6162' + '00000002' + '0102030405060708' + '000005dc' + '0000000000000002' + '000003e8' +
        '01' + '63' + '00000001' + 'ffffffffffffffff' + '000001f4',
    );
  });

  it('an empty window is one version byte and a zero count', () => {
    expect(Array.from(new DedupeWindow().export(0))).toEqual([1, 0, 0, 0, 0]);
  });

  it('round-trips through a StateStore across a restart, keeping remaining lifetimes', async () => {
    const store = new MemoryStateStore();
    const w = new DedupeWindow({ windowMs: 1000 });
    w.seen('a', 1n, 0);
    w.seen('a', 2n, 600);
    w.seen('b', 9n, 700);
    await store.save('dedupe', w.export(800));
    // The restarted node's clock starts elsewhere: ages, not clock values, carry over.
    const r = new DedupeWindow({ windowMs: 1000 });
    r.import((await store.load('dedupe'))!, 50_000);
    expect(r.size).toBe(3);
    expect(r.nextDeadline()).toBe(50_000 + 200); // id 1 had 200 ms left
    expect(r.seen('a', 1n, 50_000)).toBe(true);
    expect(r.seen('b', 9n, 50_000)).toBe(true);
    expect(r.seen('a', 3n, 50_000)).toBe(false);
    r.tick(50_200);
    expect(r.seen('a', 1n, 50_200)).toBe(false);
    expect(r.seen('a', 2n, 50_200)).toBe(true);
  });

  it('import drops ids older than its window and applies its own limits, oldest first', () => {
    const w = new DedupeWindow({ windowMs: 10_000 });
    for (let i = 0; i < 5; i++) w.seen('a', BigInt(i), i * 100);
    const bytes = w.export(1000); // ages 1000, 900, 800, 700, 600
    const shortWindow = new DedupeWindow({ windowMs: 800 });
    shortWindow.import(bytes, 0);
    expect(shortWindow.size).toBe(2); // ages 700 and 600; 800 and over have expired (age >= window)
    expect(shortWindow.seen('a', 2n, 0)).toBe(false);
    expect(shortWindow.seen('a', 3n, 0)).toBe(true);
    const small = new DedupeWindow({ windowMs: 10_000, maxPerPublisher: 2 });
    small.import(bytes, 0);
    expect(small.size).toBe(2);
    expect(small.seen('a', 4n, 0)).toBe(true);
    expect(small.seen('a', 3n, 0)).toBe(true);
  });

  it('import keeps the youngest ids across publishers when its maxTotal is smaller', () => {
    const w = new DedupeWindow({ windowMs: 10_000 });
    w.seen('a', 1n, 0);
    w.seen('b', 1n, 100);
    w.seen('b', 2n, 150);
    w.seen('a', 2n, 200); // the record groups by publisher: a1, a2, b1, b2
    const r = new DedupeWindow({ windowMs: 10_000, maxTotal: 2 });
    r.import(w.export(1000), 0);
    expect(r.evictions).toBe(2);
    expect([r.seen('a', 2n, 0), r.seen('b', 2n, 0)]).toEqual([true, true]);
    expect(r.nextDeadline()).toBe(10_000 - 850); // b2, age 850, is now the oldest
  });

  it('import replaces the current content', () => {
    const w = new DedupeWindow();
    w.seen('x', 1n, 0);
    w.import(new DedupeWindow().export(0), 0);
    expect(w.size).toBe(0);
    expect(w.seen('x', 1n, 0)).toBe(false);
  });

  const valid = (): Uint8Array => {
    const w = new DedupeWindow();
    w.seen('pub-1', 10n, 0);
    w.seen('pub-1', 11n, 1);
    w.seen('p2', 3n, 2);
    return w.export(5);
  };

  it('rejects every truncation of a valid record with CorruptRecordError, leaving the window unchanged', () => {
    const bytes = valid();
    for (let n = 0; n < bytes.length; n++) {
      const w = new DedupeWindow();
      w.seen('keep', 1n, 0);
      expect(() => w.import(bytes.slice(0, n), 0)).toThrow(CorruptRecordError);
      expect(w.seen('keep', 1n, 0)).toBe(true);
    }
  });

  it('rejects malformed records with a CorruptRecordError naming the record and offset', () => {
    const bytes = valid();
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['version', Uint8Array.of(2, ...bytes.slice(1)), /unknown version 2/],
      ['trailing', Uint8Array.of(...bytes, 0), /after the end/],
      ['empty publisher', Uint8Array.of(1, 0, 0, 0, 1, 0), /empty publisher/],
      ['no ids', Uint8Array.of(1, 0, 0, 0, 1, 1, 0x61, 0, 0, 0, 0), /no ids/],
      ['huge count', Uint8Array.of(1, 0, 0, 0, 1, 1, 0x61, 0xff, 0xff, 0xff, 0xff), /truncated/],
      ['bad utf-8', Uint8Array.of(1, 0, 0, 0, 1, 1, 0xff, 0, 0, 0, 1, ...new Uint8Array(12)), /not UTF-8/],
      ['duplicate id', Uint8Array.of(1, 0, 0, 0, 1, 1, 0x61, 0, 0, 0, 2, ...new Uint8Array(24)), /appears twice/],
      ['duplicate publisher', Uint8Array.of(1, 0, 0, 0, 2, 1, 0x61, 0, 0, 0, 1, ...new Uint8Array(12), 1, 0x61, 0, 0, 0, 1, ...new Uint8Array(12)), /appears twice/],
    ];
    for (const [, b, re] of cases) {
      let err: unknown;
      try {
        new DedupeWindow().import(b, 0);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CorruptRecordError);
      expect((err as CorruptRecordError).message).toMatch(re);
      expect(err).toMatchObject({ code: 'ERR_CORRUPT_RECORD', record: 'dedupe' });
    }
  });

  it('property: arbitrary bytes either import or throw CorruptRecordError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const b = raw.length > 0 && raw[0]! % 2 === 0 ? Uint8Array.of(1, ...raw) : raw; // often a valid version
        try {
          new DedupeWindow().import(b, 0);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptRecordError);
        }
      }),
    );
  });
});
