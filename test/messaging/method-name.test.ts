// isValidMethod [SW-15.3-2]: 1 to 64 bytes of UTF-8, no U+0000, no lone surrogate; answers the same
// before and after its memo of valid names fills and is cleared.
import { describe, expect, it } from 'vitest';
import { isValidMethod } from '../../src/messaging/op-codec.js';

const invalid: unknown[] = ['', 'a\u0000b', '\uD800x', 'x\uDC00', 'é'.repeat(33), 'm'.repeat(65), 42, undefined, null];
const valid = ['echo', 'm'.repeat(64), 'é'.repeat(32), 'sensor.read', '\uFEFFx', '😀'];

describe('isValidMethod', () => {
  it('accepts names of 1 to 64 UTF-8 bytes and refuses the rest, on first sight and from memory', () => {
    for (let round = 0; round < 2; round++) {
      for (const m of valid) expect(isValidMethod(m), JSON.stringify(m)).toBe(true);
      for (const m of invalid) expect(isValidMethod(m), JSON.stringify(m)).toBe(false);
    }
  });

  it('stays right after many distinct names fill and clear the memo', () => {
    for (let i = 0; i < 1000; i++) expect(isValidMethod(`method-${i}`)).toBe(true);
    for (const m of invalid) expect(isValidMethod(m)).toBe(false);
    for (const m of valid) expect(isValidMethod(m)).toBe(true);
  });
});
