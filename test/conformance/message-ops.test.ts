// Message-layer operations (spec 15.3): the SDK codec against conformance/vectors/message_ops.json
// (decode, encode, round trip, drops), and properties of encodeOp/decodeOp over arbitrary operations
// and arbitrary bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMessageOpVector } from '../../conformance/check/message-ops.js';
import { decodeOp, encodeOp } from '../../src/messaging/op-codec.js';
import type { Op, QoS } from '../../src/messaging/ops.js';

/** Records with an ordinary prototype, as decodeOp builds them (toStrictEqual compares prototypes). */
function record<T>(m: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(m, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const file = join(import.meta.dirname, '..', '..', 'conformance', 'vectors', 'message_ops.json');
const vectors = JSON.parse(readFileSync(file, 'utf8')) as {
  testGroups: Array<{ type: string; tests: Array<Record<string, any> & { tcId: number; comment: string; result: 'valid' | 'invalid' }> }>;
};
const tests = vectors.testGroups.flatMap((g) => g.tests.map((t) => ({ g, t })));

describe('message_ops.json through the SDK codec', () => {
  it('covers every operation, valid and invalid', () => {
    const ops = new Set(tests.filter(({ t }) => t.result === 'valid').map(({ t }) => t.operation.op));
    expect([...ops].sort()).toEqual(['ALIAS', 'CALL', 'CALLACK', 'PUBLISH', 'PUBNACK', 'RESULT', 'SUBACK', 'SUBSCRIBE', 'SYNC', 'UNSUBACK', 'UNSUBSCRIBE', 'WILL']);
    expect(tests.filter(({ t }) => t.result === 'invalid').length).toBeGreaterThan(50);
  });
  it.each(tests.map(({ g, t }) => [t.tcId, t.comment, g, t] as const))('tcId %i: %s', (_id, _c, g, t) => {
    expect(checkMessageOpVector(g, t)).toBeUndefined();
  });
});

// ---- arbitraries of valid operations ----

const enc = new TextEncoder();
const utf8Len = (s: string): number => enc.encode(s).length;
const qos = fc.constantFrom<QoS>(0, 1, 2);
const u16 = fc.integer({ min: 0, max: 0xffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const bytes = fc.uint8Array({ maxLength: 64 });
const nodeId = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
const idOrNone = fc.oneof(fc.constant(''), nodeId);
/** Characters that matter to the rules of 15.1 besides any code point: '$', space, controls, U+FEFF. */
const special = fc.constantFrom('$', ' ', '\u0001', '\u007f', '\uFEFF', 'é', '😀', '\uFFFF');
/** One level of a topic name: any code points except '/', '+', '#' and U+0000 (lone surrogates never). */
const nameLevel = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 1 }), special), { maxLength: 6 })
  .map((cs) => cs.join('').replace(/[/+#\u0000]/g, ''));
const fits = (s: string): boolean => s.length > 0 && utf8Len(s) <= 256 && s.split('/').length <= 32;
const topicName = fc.array(nameLevel, { minLength: 1, maxLength: 32 }).map((l) => l.join('/')).filter(fits);
const topicFilter = fc
  .tuple(fc.array(fc.oneof(nameLevel, fc.constant('+')), { minLength: 1, maxLength: 32 }), fc.boolean())
  .map(([l, hash]) => (hash ? [...l.slice(0, 31), '#'] : l).join('/'))
  .filter(fits);
const method = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 1 }), special), { minLength: 1, maxLength: 16 })
  .map((cs) => cs.join('').replace(/\u0000/g, ''))
  .filter((m) => m.length > 0 && utf8Len(m) <= 64);
const subFilters = (min: number, max: number) => fc.array(record({ filter: topicFilter, qos }), { minLength: min, maxLength: max });

const publish: fc.Arbitrary<Op> = fc
  .record({
    qos,
    retain: fc.boolean(),
    naming: fc.constantFrom('alias', 'topic', 'both'),
    alias: fc.integer({ min: 1, max: 0xffff }),
    topic: topicName,
    from: fc.option(nodeId, { nil: undefined }),
    pubId: u64,
    ref: fc.option(u16, { nil: undefined }),
    payload: bytes,
  })
  .map(({ qos, retain, naming, alias, topic, from, pubId, ref, payload }) => ({
    op: 'PUBLISH' as const,
    qos,
    retain,
    ...(naming !== 'topic' && { alias }),
    ...(naming !== 'alias' && { topic }),
    ...(from !== undefined && { from }),
    ...(qos === 2 && { pubId }),
    ...(qos > 0 && ref !== undefined && { ref }),
    payload,
  }));

const operation: fc.Arbitrary<Op> = fc.oneof(
  publish,
  record({ op: fc.constant('SUBSCRIBE' as const), req: u16, filters: subFilters(1, 5) }),
  record({ op: fc.constant('SUBACK' as const), req: u16, codes: fc.array(fc.constantFrom(0, 1, 2, 0x80, 0x81, 0x82), { maxLength: 10 }) }),
  record({ op: fc.constant('UNSUBSCRIBE' as const), req: u16, filters: fc.array(topicFilter, { minLength: 1, maxLength: 5 }) }),
  record({ op: fc.constant('UNSUBACK' as const), req: u16 }),
  record({ op: fc.constant('PUBNACK' as const), ref: u16, reason: fc.constantFrom(0x80, 0x82, 0x83) }),
  record({
    op: fc.constant('SYNC' as const),
    req: u16,
    limits: record({ maxDatagram: fc.integer({ min: 512, max: 65507 }), maxMessage: fc.integer({ min: 1, max: 0xffffffff }), maxAliases: u16, window: fc.integer({ min: 1, max: 0xffff }) }),
    filters: subFilters(0, 5),
  }),
  record({ op: fc.constant('WILL' as const), qos, retain: fc.boolean(), topic: fc.oneof(fc.constant(''), topicName), payload: bytes }),
  record({ op: fc.constant('ALIAS' as const), alias: fc.integer({ min: 1, max: 0xffff }), topic: topicName }),
  record({ op: fc.constant('CALL' as const), callId: u64, timeoutMs: fc.integer({ min: 0, max: 0xffffffff }), to: idOrNone, from: idOrNone, method, params: bytes }),
  record({ op: fc.constant('CALLACK' as const), callId: u64, to: idOrNone }),
  record({ op: fc.constant('RESULT' as const), callId: u64, to: idOrNone, outcome: fc.integer({ min: 0, max: 5 }), body: bytes }),
);

describe('op-codec properties', () => {
  it('decodeOp(encodeOp(x)) deep-equals x', () => {
    fc.assert(
      fc.property(operation, (x) => {
        expect(decodeOp(encodeOp(x))).toStrictEqual(x);
      }),
      { numRuns: 2000 },
    );
  });

  it('encode ∘ decode is the identity on encoded operations', () => {
    fc.assert(
      fc.property(operation, (x) => {
        const b = encodeOp(x);
        const d = decodeOp(b);
        expect(d).toBeDefined();
        expect(encodeOp(d!)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeOp never throws, on arbitrary bytes and on mutated operations', () => {
    const opByte = fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10, 0x11, 0x12, 0x80, 0x88, 0x9a, 0xff);
    const arbitrary = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(opByte, fc.uint8Array({ maxLength: 300 })).map(([o, r]) => Uint8Array.from([o, ...r])),
      fc.tuple(operation, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat()).map(([x, pos, v, cut]) => {
        const b = Uint8Array.from(encodeOp(x));
        if (b.length > 1) b[1 + (pos % (b.length - 1))] = v;
        return b.subarray(0, b.length - (cut % 3));
      }),
    );
    fc.assert(
      fc.property(arbitrary, (b) => {
        const d = decodeOp(b);
        // Whatever it accepts, it can write again byte for byte.
        if (d !== undefined) expect(encodeOp(d)).toEqual(b);
      }),
      { numRuns: 5000 },
    );
  });
});
