// The seeded PRNG and the pure fault model shared by MemoryNetwork and ChaosProxy [SW-8.1-3].
import { describe, expect, it } from 'vitest';
import { FaultModel, InvalidArgumentError, newFaultCounters, planDeliveries, Prng, resolveFaultConfig } from '../../src/core.js';

const hamming = (a: Uint8Array, b: Uint8Array): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      d += x & 1;
      x >>>= 1;
    }
  }
  return d;
};

describe('Prng', () => {
  it('is deterministic per seed, numeric or string, and differs between seeds', () => {
    const seq = (s: number | string) => {
      const p = new Prng(s);
      return Array.from({ length: 8 }, () => p.uint32());
    };
    expect(seq(42)).toEqual(seq(42));
    expect(seq('alpha')).toEqual(seq('alpha'));
    expect(seq(42)).not.toEqual(seq(43));
    expect(seq('alpha')).not.toEqual(seq('alphb'));
    // a fixed output pins the algorithm: changing it silently would change every seeded test
    expect(seq(1).slice(0, 2)).toEqual([1130556604, 2591592147]);
    expect(seq('saltwire')[0]).toBe(1626376328);
  });

  it('next() is in [0,1) with mean near 1/2; int(n) stays in range and hits every value; bool(p) near p', () => {
    const p = new Prng(7);
    let sum = 0;
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const x = p.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
    const hits = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) hits[p.int(6)]!++;
    for (const h of hits) expect(h).toBeGreaterThan(850);
    let t = 0;
    for (let i = 0; i < N; i++) if (p.bool(0.3)) t++;
    expect(Math.abs(t / N - 0.3)).toBeLessThan(0.015);
    expect(p.bool(0)).toBe(false);
    expect(p.bool(1)).toBe(true);
    expect(() => p.int(0)).toThrow(InvalidArgumentError);
    expect(() => p.int(1.5)).toThrow(InvalidArgumentError);
  });

  it('fork gives a reproducible stream that does not move the parent when used', () => {
    const a = new Prng(5);
    const b = new Prng(5);
    const fa = a.fork('link');
    const fb = b.fork('link');
    for (let i = 0; i < 100; i++) fa.uint32();
    expect(a.uint32()).toBe(b.uint32());
    expect(fb.uint32()).not.toBe(b.fork('other').uint32());
  });
});

describe('fault model', () => {
  it('rejects out-of-range configs with InvalidArgumentError', () => {
    expect(() => resolveFaultConfig({ loss: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => resolveFaultConfig({ delayMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => resolveFaultConfig({ corruptMaxBits: 0 })).toThrow(InvalidArgumentError);
    expect(() => resolveFaultConfig({ jitterMs: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => resolveFaultConfig({ bogus: 1 } as never)).toThrow(InvalidArgumentError);
    expect(resolveFaultConfig({}).loss).toBe(0);
  });

  it('never modifies or returns the input; duplicates are distinct copies', () => {
    const cfg = resolveFaultConfig({ duplicate: 1, corrupt: 0.5 });
    const prng = new Prng(1);
    const counters = newFaultCounters();
    const data = new Uint8Array(64).map((_, i) => i);
    const before = data.slice();
    for (let i = 0; i < 200; i++) {
      const ds = planDeliveries(cfg, prng, data, counters);
      expect(ds).toHaveLength(2);
      expect(ds[0]!.bytes).not.toBe(data);
      expect(ds[0]!.bytes.buffer).not.toBe(ds[1]!.bytes.buffer);
    }
    expect(data).toEqual(before);
    expect(counters.duplicated).toBe(200);
    expect(counters.deliveries).toBe(400);
  });

  it('corruption flips 1..corruptMaxBits distinct bits, or resizes by 1..corruptMaxResize bytes', () => {
    const prng = new Prng(3);
    const counters = newFaultCounters();
    const data = new Uint8Array(100).fill(0xa5);
    const flips = resolveFaultConfig({ corrupt: 1, corruptMaxBits: 4 });
    const seenBits = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const [d] = planDeliveries(flips, prng, data, counters);
      expect(d!.bytes.length).toBe(100);
      const h = hamming(d!.bytes, data);
      expect(h).toBeGreaterThanOrEqual(1);
      expect(h).toBeLessThanOrEqual(4);
      seenBits.add(h);
    }
    expect([...seenBits].sort()).toEqual([1, 2, 3, 4]);
    const resize = resolveFaultConfig({ corrupt: 1, corruptResize: 1, corruptMaxResize: 8 });
    let shorter = 0;
    let longer = 0;
    for (let i = 0; i < 1000; i++) {
      const [d] = planDeliveries(resize, prng, data, counters);
      const delta = d!.bytes.length - data.length;
      expect(Math.abs(delta)).toBeGreaterThanOrEqual(1);
      expect(Math.abs(delta)).toBeLessThanOrEqual(8);
      expect(d!.bytes.subarray(0, Math.min(100, d!.bytes.length))).toEqual(data.subarray(0, Math.min(100, d!.bytes.length)));
      if (delta < 0) shorter++;
      else longer++;
    }
    expect(shorter).toBeGreaterThan(400);
    expect(longer).toBeGreaterThan(400);
    expect(counters.truncated + counters.extended).toBe(1000);
    expect(counters.corrupted).toBe(1500);
    // an empty datagram can only be extended
    const [e] = planDeliveries(flips, prng, new Uint8Array(0), counters);
    expect(e!.bytes.length).toBeGreaterThan(0);
  });

  it('delays are delayMs plus jitter in [0, jitterMs), plus reordering in [0, reorderDelayMs)', () => {
    const cfg = resolveFaultConfig({ delayMs: 10, jitterMs: 5, reorder: 0.25, reorderDelayMs: 100 });
    const prng = new Prng(9);
    const counters = newFaultCounters();
    let late = 0;
    const N = 4000;
    for (let i = 0; i < N; i++) {
      const [d] = planDeliveries(cfg, prng, new Uint8Array(1), counters);
      expect(d!.delayMs).toBeGreaterThanOrEqual(10);
      expect(d!.delayMs).toBeLessThan(115);
      if (d!.delayMs >= 15) late++;
    }
    // reordered deliveries whose extra delay is under 5 ms may still fall below 15 ms
    expect(Math.abs(counters.reordered / N - 0.25)).toBeLessThan(0.03);
    expect(late).toBeLessThanOrEqual(counters.reordered);
    expect(late).toBeGreaterThan(counters.reordered * 0.85);
  });

  it('partitions, isolation and blackout block paths and heal restores them', () => {
    const m = new FaultModel({ seed: 1 });
    const one = (from: string, to: string) => m.decide(new Uint8Array([1]), from, to).length;
    expect(one('a', 'b')).toBe(1);
    m.partition('a', 'b');
    expect([one('a', 'b'), one('b', 'a'), one('a', 'c')]).toEqual([0, 0, 1]);
    m.heal('a', 'b');
    m.partition('a', 'b', { oneWay: true });
    expect([one('a', 'b'), one('b', 'a')]).toEqual([0, 1]);
    m.heal('a');
    expect(one('a', 'b')).toBe(1);
    m.isolate('c');
    expect([one('c', 'a'), one('a', 'c'), one('a', 'b')]).toEqual([0, 0, 1]);
    m.blackout = true;
    expect(one('a', 'b')).toBe(0);
    m.heal();
    expect([one('a', 'b'), one('c', 'a')]).toEqual([1, 1]);
    expect(m.counters.blocked).toBe(6);
  });
});
