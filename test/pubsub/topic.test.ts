// Topic names, topic filters and matching: spec 15.1 and 15.2.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidTopicError,
  MAX_TOPIC_BYTES,
  MAX_TOPIC_LEVELS,
  isSystemTopic,
  isValidTopicFilter,
  isValidTopicName,
  topicBytes,
  topicLevels,
  topicMatches,
  validateTopicFilter,
  validateTopicName,
  type TopicErrorReason,
} from '../../src/pubsub/index.js';
import { SaltwireError } from '../../src/errors.js';

function reasonOf(fn: () => void): TopicErrorReason | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (e instanceof InvalidTopicError) return e.reason;
    throw e;
  }
}

const levels = (n: number): string => Array.from({ length: n }, () => 'a').join('/');

describe('topic validation [SW-15.1]', () => {
  const invalidBoth: Array<[string, string, TopicErrorReason]> = [
    ['[SW-15.1-2] empty', '', 'empty'],
    ['[SW-15.1-3] lone high surrogate', 'a/\ud800', 'lone-surrogate'],
    ['[SW-15.1-3] lone low surrogate', '\udc00/a', 'lone-surrogate'],
    ['[SW-15.1-3] reversed pair', 'a\udc00\ud800', 'lone-surrogate'],
    ['[SW-15.1-3] high surrogate at the end', 'abc\udbff', 'lone-surrogate'],
    ['[SW-15.1-3] U+0000', 'a/\u0000/b', 'null-character'],
    ['[SW-15.1-4] 257 ASCII bytes', 'a'.repeat(MAX_TOPIC_BYTES + 1), 'too-long'],
    ['[SW-15.1-4] 129 two-byte characters (258 bytes, 129 code units)', '\u00e9'.repeat(129), 'too-long'],
    ['[SW-15.1-4] 65 four-byte characters (260 bytes, 130 code units)', '\u{1f600}'.repeat(65), 'too-long'],
    ['[SW-15.1-5] 33 levels', levels(MAX_TOPIC_LEVELS + 1), 'too-many-levels'],
    ['[SW-15.1-5] 33 empty levels', '/'.repeat(MAX_TOPIC_LEVELS), 'too-many-levels'],
  ];
  for (const [name, topic, reason] of invalidBoth) {
    it(`rejects ${name} as name and as filter`, () => {
      expect(reasonOf(() => validateTopicName(topic))).toBe(reason);
      expect(reasonOf(() => validateTopicFilter(topic))).toBe(reason);
      expect(isValidTopicName(topic)).toBe(false);
      expect(isValidTopicFilter(topic)).toBe(false);
    });
  }

  const wildcardNames = ['+', '#', 'a/+', 'a/#', 'a+', 'a#b', '+/b', 'a/b#'];
  for (const topic of wildcardNames) {
    it(`[SW-15.1-6] rejects topic name ${JSON.stringify(topic)}: wildcard-in-name`, () => {
      expect(reasonOf(() => validateTopicName(topic))).toBe('wildcard-in-name');
    });
  }

  const badFilters: Array<[string, TopicErrorReason]> = [
    ['a+', 'misplaced-plus'],
    ['+a', 'misplaced-plus'],
    ['a/+b/c', 'misplaced-plus'],
    ['++', 'misplaced-plus'],
    ['a#', 'misplaced-hash'],
    ['#a', 'misplaced-hash'],
    ['#/', 'misplaced-hash'],
    ['a/#/b', 'misplaced-hash'],
    ['##', 'misplaced-hash'],
    ['#/#', 'misplaced-hash'],
  ];
  for (const [filter, reason] of badFilters) {
    it(`[SW-15.1-7] [SW-15.1-8] rejects filter ${JSON.stringify(filter)}: ${reason}`, () => {
      expect(reasonOf(() => validateTopicFilter(filter))).toBe(reason);
    });
  }

  const goodNames = ['a', '/', '//', 'a//b', '/a', 'a/', '$SYS/broker', 'caf\u00e9/\u{1f600}', ' ', 'a b/\t', 'x'.repeat(MAX_TOPIC_BYTES), levels(MAX_TOPIC_LEVELS), '\u00e9'.repeat(128), '{id}/x'];
  for (const topic of goodNames) {
    it(`[SW-15.1-1] accepts ${JSON.stringify(topic.length > 20 ? `${topic.slice(0, 20)}...` : topic)} as name and filter`, () => {
      expect(() => validateTopicName(topic)).not.toThrow();
      expect(() => validateTopicFilter(topic)).not.toThrow();
      expect(isValidTopicName(topic)).toBe(true);
    });
  }

  const goodFilters = ['+', '#', '+/+', '/+', '+/', 'a/+/b', 'a/#', '+/#', '/#', '$SYS/#', '$SYS/+/x', '//#'];
  for (const filter of goodFilters) {
    it(`[SW-15.1-7] [SW-15.1-8] accepts filter ${JSON.stringify(filter)}`, () => {
      expect(() => validateTopicFilter(filter)).not.toThrow();
      expect(isValidTopicFilter(filter)).toBe(true);
      expect(isValidTopicName(filter)).toBe(false);
    });
  }

  it('[SW-15.1-4] counts UTF-8 bytes, not code units: 64 four-byte characters are exactly 256 bytes', () => {
    const t = '\u{1f600}'.repeat(64);
    expect(topicBytes(t).length).toBe(256);
    expect(isValidTopicName(t)).toBe(true);
    expect(isValidTopicName(`${t}a`)).toBe(false);
  });

  it('the error carries code, kind, reason, the topic and a message naming both', () => {
    let err: unknown;
    try {
      validateTopicFilter('a/b+');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidTopicError);
    expect(err).toBeInstanceOf(SaltwireError);
    const e = err as InvalidTopicError;
    expect(e.code).toBe('ERR_INVALID_TOPIC');
    expect(e.name).toBe('InvalidTopicError');
    expect(e.kind).toBe('filter');
    expect(e.topic).toBe('a/b+');
    expect(e.detail).toBe("'+' must occupy a whole level");
    expect(e.message).toBe(`invalid topic filter "a/b+": '+' must occupy a whole level`);
  });

  it('rejects non-strings with InvalidTopicError (JavaScript callers)', () => {
    for (const v of [undefined, null, 42, {}, ['a']]) {
      expect(reasonOf(() => validateTopicName(v as unknown as string))).toBe('not-a-string');
      expect(isValidTopicFilter(v)).toBe(false);
    }
  });

  it('quotes at most 80 characters of a long topic in the message', () => {
    const t = 'x'.repeat(1000);
    try {
      validateTopicName(t);
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidTopicError).message.length).toBeLessThan(200);
      expect((e as InvalidTopicError).topic).toBe(t);
    }
  });

  it('never throws anything but InvalidTopicError, and agrees with isValid* and a reference model', () => {
    const surrogates = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00');
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('/', '+', '#', '$', '\u0000', 'a', ''),
      surrogates,
    );
    // 'binary' is every code point (what fc.fullUnicodeString was in fast-check 3); the code-unit
    // arbitrary adds arbitrary UTF-16, lone surrogates included.
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const topic = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: codeUnit, maxLength: 300 }),
      fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(topic, (t) => {
        for (const [validate, isValid] of [
          [validateTopicName, isValidTopicName],
          [validateTopicFilter, isValidTopicFilter],
        ] as const) {
          let threw = false;
          try {
            validate(t);
          } catch (e) {
            threw = true;
            expect(e).toBeInstanceOf(InvalidTopicError);
          }
          expect(isValid(t)).toBe(!threw);
        }
        // Reference model, written from the spec text with different means.
        const wellFormed = !/[\ud800-\udfff]/u.test(t);
        const bytes = wellFormed ? new TextEncoder().encode(t).length : Infinity;
        const ls = t.split('/');
        const base = t !== '' && wellFormed && !t.includes('\u0000') && bytes <= MAX_TOPIC_BYTES && ls.length <= MAX_TOPIC_LEVELS;
        expect(isValidTopicName(t)).toBe(base && !/[+#]/.test(t));
        const wildOk = ls.every((l, i) => (!l.includes('+') || l === '+') && (!l.includes('#') || (l === '#' && i === ls.length - 1)));
        expect(isValidTopicFilter(t)).toBe(base && wildOk);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('topic matching [SW-15.2]', () => {
  const table: Array<[string, string, boolean, string]> = [
    ['a/b', 'a/b', true, '[SW-15.2-1] literal'],
    ['a/b', 'a/c', false, '[SW-15.2-1] literal'],
    ['a/b', 'a/b/c', false, '[SW-15.2-1] level count'],
    ['a/b/c', 'a/b', false, '[SW-15.2-1] level count'],
    ['A/b', 'a/b', false, '[SW-15.2-4] case-sensitive'],
    ['caf\u00e9', 'cafe\u0301', false, '[SW-15.2-4] no Unicode normalization'],
    ['a/+', 'a/b', true, '[SW-15.2-1] +'],
    ['a/+', 'a/', true, '[SW-15.2-1] + matches an empty level'],
    ['+/+', '/', true, '[SW-15.2-1] + matches empty levels'],
    ['+', '/a', false, '[SW-15.2-1] + is one level'],
    ['a/+', 'a', false, '[SW-15.2-1] + needs a level'],
    ['a/+', 'a/b/c', false, '[SW-15.2-1] + is one level'],
    ['+/b', 'a/b', true, '[SW-15.2-1]'],
    ['a/#', 'a', true, '[SW-15.2-2] # matches the parent'],
    ['a/#', 'a/', true, '[SW-15.2-2]'],
    ['a/#', 'a/b/c/d', true, '[SW-15.2-2]'],
    ['a/#', 'b', false, '[SW-15.2-2]'],
    ['a/#', 'ab', false, '[SW-15.2-2]'],
    ['a/b/#', 'a', false, '[SW-15.2-2] only the direct parent'],
    ['#', 'a/b', true, '[SW-15.2-2]'],
    ['#', '/', true, '[SW-15.2-2]'],
    ['+/#', 'a', true, '[SW-15.2-2]'],
    ['/#', '/', true, '[SW-15.2-2]'],
    ['/#', 'a', false, '[SW-15.2-2]'],
    ['#', '$SYS/x', false, '[SW-15.2-3]'],
    ['+/x', '$SYS/x', false, '[SW-15.2-3]'],
    ['+/#', '$SYS', false, '[SW-15.2-3]'],
    ['+', '$', false, '[SW-15.2-3]'],
    ['$SYS/#', '$SYS/x', true, '[SW-15.2-3] literal $ level'],
    ['$SYS/+', '$SYS/x', true, '[SW-15.2-3]'],
    ['a/+', 'a/$x', true, '[SW-15.2-3] only the first level is special'],
    ['a/#', 'a/$x', true, '[SW-15.2-3]'],
  ];
  for (const [filter, topic, want, ref] of table) {
    it(`${ref} ${JSON.stringify(filter)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(topic)}`, () => {
      expect(isValidTopicFilter(filter) && isValidTopicName(topic)).toBe(true);
      expect(topicMatches(filter, topic)).toBe(want);
    });
  }

  it('[SW-15.2-1] a topic name used as a filter matches exactly itself', () => {
    const lvl = fc.constantFrom('', 'a', 'b', '$x');
    fc.assert(
      fc.property(fc.array(lvl, { minLength: 1, maxLength: 4 }), fc.array(lvl, { minLength: 1, maxLength: 4 }), (x, y) => {
        const a = x.join('/');
        const b = y.join('/');
        fc.pre(isValidTopicName(a) && isValidTopicName(b));
        expect(topicMatches(a, b)).toBe(a === b);
      }),
    );
  });

  it('isSystemTopic, topicLevels, topicBytes', () => {
    expect(isSystemTopic('$SYS/x')).toBe(true);
    expect(isSystemTopic('a/$SYS')).toBe(false);
    expect(topicLevels('a//b')).toEqual(['a', '', 'b']);
    expect([...topicBytes('\u00e9/')]).toEqual([0xc3, 0xa9, 0x2f]);
  });
});
