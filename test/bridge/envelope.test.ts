// The bridged envelope (src/bridge/envelope.ts): MQTT 5 properties in a MessagePack map, opt-in per
// bridge rule. The exact bytes the docs state; round trips (fast-check); malformed input refused
// with a typed error naming the problem, never decoded into something else.
import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBridged, encodeBridged, InvalidArgumentError, InvalidEnvelopeError, MAX_BRIDGED_USER_PROPERTIES, type Bridged, type EnvelopeProblem } from '../../src/index.js';
import * as bridgeEntry from '../../src/bridge/index.js';
import * as core from '../../src/core.js';

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
const te = new TextEncoder();

function problemOf(f: () => unknown): EnvelopeProblem | string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidEnvelopeError);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidEnvelopeError).code).toBe('ERR_INVALID_ARGUMENT');
    return (e as InvalidEnvelopeError).problem;
  }
  return 'accepted';
}

describe('bridged envelope', () => {
  it('is exported from saltwire, saltwire/core and saltwire/bridge', () => {
    expect(bridgeEntry.encodeBridged).toBe(encodeBridged);
    expect(core.decodeBridged).toBe(decodeBridged);
  });

  it('writes the bytes the docs state: a map, keys d, ct, pf, up, rt, cd in that order', () => {
    expect(hex(encodeBridged({ payload: Uint8Array.of(1, 2), contentType: 'a/b' }))).toBe('82 a1 64 c4 02 01 02 a2 63 74 a3 61 2f 62');
    expect(hex(encodeBridged({ payload: new Uint8Array(0) }))).toBe('81 a1 64 c4 00');
    const full = encodeBridged({ payload: te.encode('x'), payloadFormat: 1, userProperties: [['k', 'v'], ['k', 'w']], responseTopic: 'r', correlationData: Uint8Array.of(9), contentType: 't' });
    // map(6) "d" bin(1) 'x', "ct" "t", "pf" 1, "up" [["k","v"],["k","w"]], "rt" "r", "cd" bin(1) 09
    expect(hex(full)).toBe('86 a1 64 c4 01 78 a2 63 74 a1 74 a2 70 66 01 a2 75 70 92 92 a1 6b a1 76 92 a1 6b a1 77 a2 72 74 a1 72 a2 63 64 c4 01 09');
    // any msgpack library reads it as the docs say
    expect(decode(full)).toEqual({ d: te.encode('x'), ct: 't', pf: 1, up: [['k', 'v'], ['k', 'w']], rt: 'r', cd: Uint8Array.of(9) });
  });

  it('round trips payload and properties: order and duplicate keys kept, binary payload intact (property)', () => {
    const text = fc.string({ maxLength: 40 }).filter((s) => !s.includes('\u0000'));
    const bridged = fc.record(
      {
        payload: fc.uint8Array({ maxLength: 300 }),
        contentType: text,
        userProperties: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'tag'), text), { maxLength: MAX_BRIDGED_USER_PROPERTIES }),
        responseTopic: text.filter((s) => s !== '' && !s.includes('+') && !s.includes('#')),
        correlationData: fc.uint8Array({ maxLength: 40 }),
      },
      { requiredKeys: ['payload'] },
    );
    fc.assert(fc.property(bridged, (m) => {
      expect(decodeBridged(encodeBridged(m as Bridged))).toEqual(m);
    }), { numRuns: 300 });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeBridged(encodeBridged({ payload: all, userProperties: [['b', '1'], ['a', '2'], ['b', '3']] }))).toEqual({ payload: all, userProperties: [['b', '1'], ['a', '2'], ['b', '3']] });
  });

  it('reads what other msgpack writers produce: keys in any order, map16, str for d, bin for text', () => {
    expect(decodeBridged(encode({ ct: 'c', d: Uint8Array.of(5) }))).toEqual({ payload: Uint8Array.of(5), contentType: 'c' });
    // map16 header (de 00 01) instead of fixmap
    expect(decodeBridged(Uint8Array.of(0xde, 0x00, 0x01, 0xa1, 0x64, 0xc4, 0x01, 0x07))).toEqual({ payload: Uint8Array.of(7) });
    // old "raw" writers: d as str, a user property as bin holding UTF-8
    expect(decodeBridged(Uint8Array.of(0x82, 0xa1, 0x64, 0xa2, 0x68, 0x69, 0xa2, 0x75, 0x70, 0x91, 0x92, 0xc4, 0x01, 0x6b, 0xa1, 0x76))).toEqual({ payload: te.encode('hi'), userProperties: [['k', 'v']] });
  });

  it('refuses malformed envelopes with a typed error naming the problem', () => {
    const cases: Array<[string, Uint8Array, EnvelopeProblem]> = [
      ['empty', new Uint8Array(0), 'not-map'],
      ['raw bytes', Uint8Array.of(1, 2, 3), 'not-map'],
      ['an array', encode([1, 2]), 'not-map'],
      ['truncated', encodeBridged({ payload: Uint8Array.of(1, 2, 3) }).subarray(0, 5), 'not-msgpack'],
      ['trailing bytes', Uint8Array.of(...encodeBridged({ payload: Uint8Array.of(1) }), 0), 'not-msgpack'],
      ['no d', encode({ ct: 'x' }), 'no-payload'],
      ['unknown key', encode({ d: Uint8Array.of(1), zz: 1 }), 'unknown-key'],
      ['repeated key', Uint8Array.of(0x82, 0xa1, 0x64, 0xc4, 0x00, 0xa1, 0x64, 0xc4, 0x00), 'duplicate-key'],
      ['d a number', encode({ d: 5 }), 'bad-type'],
      ['ct a number', encode({ d: Uint8Array.of(), ct: 3 }), 'bad-type'],
      ['pf 2', encode({ d: Uint8Array.of(), pf: 2 }), 'bad-type'],
      ['pf 1, d not UTF-8', encode({ d: Uint8Array.of(0xff), pf: 1 }), 'bad-utf8'],
      ['up not an array', encode({ d: Uint8Array.of(), up: { a: 'b' } }), 'bad-type'],
      ['up entry of 3', encode({ d: Uint8Array.of(), up: [['a', 'b', 'c']] }), 'bad-type'],
      ['up value a number', encode({ d: Uint8Array.of(), up: [['a', 1]] }), 'bad-type'],
      ['ct not UTF-8', Uint8Array.of(0x82, 0xa1, 0x64, 0xc4, 0x00, 0xa2, 0x63, 0x74, 0xa1, 0xff), 'bad-utf8'],
      ['ct with U+0000', encode({ d: Uint8Array.of(), ct: 'a\u0000' }), 'null-character'],
      ['rt a filter', encode({ d: Uint8Array.of(), rt: 'a/#' }), 'bad-topic'],
      ['too many user properties', encode({ d: Uint8Array.of(), up: Array.from({ length: MAX_BRIDGED_USER_PROPERTIES + 1 }, () => ['a', 'b']) }), 'too-many-properties'],
      ['a string over 65,535 bytes', encode({ d: Uint8Array.of(), ct: 'x'.repeat(65_536) }), 'too-large'],
      ['at the bound', encode({ d: Uint8Array.of(), cd: new Uint8Array(65_500) }), 'accepted' as EnvelopeProblem],
      ['over MAX_BRIDGED_BYTES', encode({ d: new Uint8Array(70_000) }), 'too-large'],
    ];
    for (const [what, bytes, problem] of cases) expect(problemOf(() => decodeBridged(bytes)), what).toBe(problem);
  });

  it('refuses to write what it cannot carry', () => {
    expect(problemOf(() => encodeBridged({ payload: 'x' as unknown as Uint8Array }))).toBe('bad-type');
    expect(problemOf(() => encodeBridged({ payload: Uint8Array.of(0xc3), payloadFormat: 1 }))).toBe('bad-utf8');
    expect(problemOf(() => encodeBridged({ payload: Uint8Array.of(), userProperties: Array.from({ length: 65 }, () => ['a', 'b'] as const) }))).toBe('too-many-properties');
    expect(problemOf(() => encodeBridged({ payload: Uint8Array.of(), userProperties: [['a\u0000', 'b']] }))).toBe('null-character');
    expect(problemOf(() => encodeBridged({ payload: Uint8Array.of(), contentType: 'é'.repeat(40_000) }))).toBe('too-long');
    expect(problemOf(() => encodeBridged({ payload: Uint8Array.of(), responseTopic: 'a/+' }))).toBe('bad-topic');
    expect(problemOf(() => encodeBridged({ payload: Uint8Array.of(), correlationData: new Uint8Array(65_536) }))).toBe('too-long');
    expect(problemOf(() => encodeBridged({ payload: new Uint8Array(65_530), contentType: 'abcdefghij' }))).toBe('too-large');
  });
});
