// [SW-5.4-1] [SW-5.4-2] [SW-5.4-3]: the ring window agrees with a literal set model of the spec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../src/core.js';
import { InvalidArgumentError } from '../../src/errors.js';

/** The spec's definition, with no cleverness: a set and a top. */
class SetModel {
  top = -1;
  seen = new Set<number>();
  constructor(readonly w: number) {}
  check(c: number): string {
    if (this.top < 0 || c > this.top) return 'accept';
    if (this.top - c >= this.w) return 'TOO_OLD';
    return this.seen.has(c) ? 'REPLAY' : 'accept';
  }
  update(c: number): void {
    if (c > this.top) this.top = c;
    this.seen.add(c);
    for (const s of this.seen) if (this.top - s >= this.w) this.seen.delete(s);
  }
}

describe('ReplayWindow', () => {
  it('agrees with the set model on any sequence, including forged steps', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(64, 65, 100, 1024),
        fc.nat(0xfffffff0),
        fc.array(fc.record({ delta: fc.integer({ min: -1200, max: 1200 }), authentic: fc.boolean() }), { maxLength: 300 }),
        (w, start, steps) => {
          const real = new ReplayWindow(w);
          const model = new SetModel(w);
          let c = start;
          for (const s of steps) {
            c = Math.min(0xfffffffe, Math.max(0, c + s.delta));
            const want = model.check(c);
            expect(real.check(c)).toBe(want);
            if (want === 'accept' && s.authentic) {
              real.update(c);
              model.update(c);
            }
          }
          expect(real.top ?? -1).toBe(model.top);
          expect(real.seen()).toEqual([...model.seen].sort((a, b) => a - b));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('forgets everything on reset (new epoch, [SW-5.5-2])', () => {
    const w = new ReplayWindow(64);
    w.update(10);
    w.reset();
    expect(w.top).toBeUndefined();
    expect(w.check(10)).toBe('accept');
  });

  it('refuses a window below the spec minimum of 64 [SW-5.4-4]', () => {
    expect(() => new ReplayWindow(63)).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindow(1.5)).toThrow(InvalidArgumentError);
  });
});
