// The responder's at-most-once result cache: states, lifetime, limits, eviction order, properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { RESULT_CACHE_LIFETIME_MS, RESULT_CACHE_MAX_BYTES, RESULT_CACHE_MAX_ENTRIES, ResultCache } from '../../src/rpc/result-cache.js';

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

describe('ResultCache', () => {
  it('has the documented defaults', () => {
    const c = new ResultCache();
    expect([c.lifetimeMs, c.maxEntries, c.maxBytes]).toEqual([60_000, 4096, 1024 * 1024]);
    expect([RESULT_CACHE_LIFETIME_MS, RESULT_CACHE_MAX_ENTRIES, RESULT_CACHE_MAX_BYTES]).toEqual([60_000, 4096, 1_048_576]);
  });

  it('new, then running for a retry, then the cached outcome after completion', () => {
    const c = new ResultCache();
    expect(c.begin('a#1', 7, 0)).toBe('new');
    expect(c.begin('a#1', 7, 10)).toBe('running');
    expect(c.complete('a#1', 7, Uint8Array.of(0, 42), 20)).toBe(true);
    expect(c.begin('a#1', 7, 30)).toEqual({ outcome: Uint8Array.of(0, 42) });
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(2);
  });

  it('keys by caller and call id separately', () => {
    const c = new ResultCache();
    expect(c.begin('a', 1, 0)).toBe('new');
    expect(c.begin('b', 1, 0)).toBe('new');
    expect(c.begin('a', 2, 0)).toBe('new');
    // A caller id containing the separator cannot collide with another (caller, id) pair.
    expect(c.begin('1:a', 3, 0)).toBe('new');
    expect(c.begin('a', 31, 0)).toBe('new');
    expect(c.size).toBe(5);
  });

  it('copies the outcome, so later mutation by the caller does not change the cache', () => {
    const c = new ResultCache();
    c.begin('a', 1, 0);
    const out = Uint8Array.of(1, 2, 3);
    c.complete('a', 1, out, 0);
    out[0] = 99;
    expect(c.begin('a', 1, 1)).toEqual({ outcome: Uint8Array.of(1, 2, 3) });
  });

  it('expires a completed entry lifetimeMs after completion, not after begin', () => {
    const c = new ResultCache({ lifetimeMs: 1000 });
    c.begin('a', 1, 0);
    c.complete('a', 1, bytes(4), 500);
    expect(c.nextDeadline()).toBe(1500);
    c.tick(1499);
    expect(c.begin('a', 1, 1499)).toEqual({ outcome: bytes(4) });
    c.tick(1500);
    expect(c.size).toBe(0);
    expect(c.bytes).toBe(0);
    expect(c.nextDeadline()).toBe(Infinity);
    expect(c.begin('a', 1, 1500)).toBe('new');
  });

  it('begin expires on its own, without an explicit tick', () => {
    const c = new ResultCache({ lifetimeMs: 100 });
    c.begin('a', 1, 0);
    c.complete('a', 1, bytes(1), 0);
    expect(c.begin('a', 1, 100)).toBe('new');
  });

  it('running entries have no deadline and never expire', () => {
    const c = new ResultCache({ lifetimeMs: 10 });
    c.begin('a', 1, 0);
    expect(c.nextDeadline()).toBe(Infinity);
    c.tick(1e12);
    expect(c.begin('a', 1, 1e12)).toBe('running');
  });

  it('nextDeadline is the earliest completion plus the lifetime', () => {
    const c = new ResultCache({ lifetimeMs: 100 });
    c.begin('a', 1, 0);
    c.begin('a', 2, 0);
    c.complete('a', 2, bytes(1), 5);
    c.complete('a', 1, bytes(1), 9);
    expect(c.nextDeadline()).toBe(105);
    c.tick(105);
    expect(c.begin('a', 2, 105)).toBe('new');
    expect(c.begin('a', 1, 105)).toEqual({ outcome: bytes(1) });
  });

  it('at maxEntries evicts the oldest completed entry (by completion), never a running one', () => {
    const c = new ResultCache({ maxEntries: 3 });
    c.begin('a', 1, 0);
    c.begin('a', 2, 0);
    c.begin('a', 3, 0);
    c.complete('a', 2, bytes(1), 1); // completed first: the oldest
    c.complete('a', 3, bytes(1), 2);
    expect(c.begin('a', 4, 3)).toBe('new');
    expect(c.size).toBe(3);
    expect(c.evictions).toBe(1);
    expect(c.begin('a', 1, 4)).toBe('running');
    expect(c.begin('a', 3, 4)).toEqual({ outcome: bytes(1) });
    // Call 2 was evicted, so it runs again (the documented cost of eviction), evicting call 3.
    expect(c.begin('a', 2, 4)).toBe('new');
    expect(c.evictions).toBe(2);
    expect(c.begin('a', 3, 5)).toBe('busy'); // now 1, 2 and 4 all run: nothing can be evicted
  });

  it('when full of running entries, begin answers busy and does not record the call', () => {
    const c = new ResultCache({ maxEntries: 2 });
    expect(c.begin('a', 1, 0)).toBe('new');
    expect(c.begin('a', 2, 0)).toBe('new');
    expect(c.begin('a', 3, 0)).toBe('busy');
    expect(c.begin('a', 3, 0)).toBe('busy');
    expect(c.size).toBe(2);
    expect(c.runningCount).toBe(2);
    // Retries of running calls are still recognised at the limit.
    expect(c.begin('a', 1, 0)).toBe('running');
    c.complete('a', 1, bytes(1), 1);
    expect(c.begin('a', 3, 2)).toBe('new'); // evicts the completed call 1
    expect(c.begin('a', 1, 2)).toBe('busy');
  });

  it('at maxBytes evicts the oldest completed entries until the new outcome fits', () => {
    const c = new ResultCache({ maxBytes: 10 });
    for (const id of [1, 2, 3]) c.begin('a', id, 0);
    c.complete('a', 1, bytes(4), 1);
    c.complete('a', 2, bytes(4), 2);
    expect(c.bytes).toBe(8);
    expect(c.complete('a', 3, bytes(6), 3)).toBe(true); // 8 + 6 > 10: evicts 1 (4 + 6 = 10 fits)
    expect(c.bytes).toBe(10);
    expect(c.evictions).toBe(1);
    expect(c.begin('a', 1, 4)).toBe('new');
    expect(c.begin('a', 2, 4)).toEqual({ outcome: bytes(4) });
  });

  it('an outcome exactly maxBytes long is cached; one byte more leaves a tombstone that answers busy', () => {
    const c = new ResultCache({ maxBytes: 8, lifetimeMs: 100 });
    c.begin('a', 1, 0);
    expect(c.complete('a', 1, bytes(8), 0)).toBe(true);
    expect(c.bytes).toBe(8);
    c.begin('a', 2, 0);
    expect(c.complete('a', 2, bytes(9), 0)).toBe(false);
    expect(c.begin('a', 2, 1)).toBe('busy'); // must not run again, cannot answer: busy
    expect(c.begin('a', 1, 1)).toEqual({ outcome: bytes(8) }); // the tombstone took no bytes
    expect(c.begin('a', 2, 100)).toBe('new'); // the tombstone expires like an entry
  });

  it('complete of a call that is not running changes nothing', () => {
    const c = new ResultCache();
    expect(c.complete('a', 1, bytes(1), 0)).toBe(false);
    expect(c.size).toBe(0);
    c.begin('a', 1, 0);
    c.complete('a', 1, bytes(1), 0);
    expect(c.complete('a', 1, bytes(5), 0)).toBe(false);
    expect(c.begin('a', 1, 0)).toEqual({ outcome: bytes(1) });
  });

  it('abandon forgets a running call; forgetCaller drops that caller\'s completed entries only', () => {
    const c = new ResultCache();
    c.begin('a', 1, 0);
    expect(c.abandon('a', 1)).toBe(true);
    expect(c.abandon('a', 1)).toBe(false);
    expect(c.begin('a', 1, 0)).toBe('new');
    c.complete('a', 1, bytes(2), 0);
    c.begin('a', 2, 0);
    c.begin('ba', 1, 0);
    c.complete('ba', 1, bytes(3), 0);
    expect(c.forgetCaller('a')).toBe(1);
    expect(c.bytes).toBe(3);
    expect(c.begin('a', 1, 0)).toBe('new');
    expect(c.begin('a', 2, 0)).toBe('running');
    expect(c.begin('ba', 1, 0)).toEqual({ outcome: bytes(3) });
  });

  it('rejects bad arguments with InvalidArgumentError', () => {
    const c = new ResultCache();
    expect(() => c.begin('', 1, 0)).toThrow(InvalidArgumentError);
    expect(() => c.begin('a', -1, 0)).toThrow(InvalidArgumentError);
    expect(() => c.begin('a', 2 ** 32, 0)).toThrow(InvalidArgumentError);
    expect(() => c.begin('a', 1.5, 0)).toThrow(InvalidArgumentError);
    expect(c.begin('a', 2 ** 32 - 1, 0)).toBe('new');
    expect(() => new ResultCache({ maxEntries: 0 })).toThrow(InvalidArgumentError);
    expect(() => new ResultCache({ maxBytes: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new ResultCache({ lifetimeMs: -1 })).toThrow(InvalidArgumentError);
  });

  it('property: never "new" twice for a key while its entry lives, and the limits always hold', () => {
    type Op = { kind: 'begin' | 'complete'; caller: number; id: number; size: number; dt: number };
    const op = fc.record({
      kind: fc.constantFrom<'begin' | 'complete'>('begin', 'complete'),
      caller: fc.integer({ min: 0, max: 2 }),
      id: fc.integer({ min: 0, max: 5 }),
      size: fc.integer({ min: 0, max: 12 }),
      dt: fc.integer({ min: 0, max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 6 }), (ops: Op[], maxEntries) => {
        const c = new ResultCache({ lifetimeMs: 100, maxEntries, maxBytes: 20 });
        // Model: key -> 'running' or the completion time of an entry that may still live.
        const model = new Map<string, 'running' | { at: number; evictable: true }>();
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          const key = `${o.caller}/${o.id}`;
          if (o.kind === 'begin') {
            const r = c.begin(`c${o.caller}`, o.id, now);
            const m = model.get(key);
            if (r === 'new') {
              // Never new while running, nor while completed and unexpired unless evicted.
              expect(m).not.toBe('running');
              if (m !== undefined && m !== 'running' && now < m.at + 100) expect(c.evictions).toBeGreaterThan(0);
              model.set(key, 'running');
            } else if (r === 'running') {
              expect(m).toBe('running');
            } else if (typeof r === 'object') {
              expect(m).not.toBe('running');
              expect(m).toBeDefined();
            }
          } else if (c.complete(`c${o.caller}`, o.id, new Uint8Array(o.size), now) || model.get(key) === 'running') {
            model.set(key, { at: now, evictable: true });
          }
          expect(c.size).toBeLessThanOrEqual(maxEntries);
          expect(c.bytes).toBeLessThanOrEqual(20);
          expect(c.bytes).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('property: with room to spare, a running or unexpired key is never "new"', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.integer({ min: 0, max: 30 })), { maxLength: 300 }), (ops) => {
        const c = new ResultCache({ lifetimeMs: 100 });
        const lives = new Map<number, number>(); // id -> expiry (Infinity while running)
        let now = 0;
        for (const [id, complete, dt] of ops) {
          now += dt;
          if (complete) {
            if (c.complete('x', id, Uint8Array.of(id), now)) lives.set(id, now + 100);
          } else {
            const r = c.begin('x', id, now);
            const alive = (lives.get(id) ?? -1) > now;
            expect(r === 'new').toBe(!alive);
            if (r === 'new') lives.set(id, Infinity);
            if (typeof r === 'object') expect(r.outcome).toEqual(Uint8Array.of(id));
          }
        }
        expect(c.evictions).toBe(0);
      }),
    );
  });
});
