/**
 * Fuzz properties of a hub's receive path (issue 14): arbitrary bytes and mutated genuine datagrams
 * (bench/fuzz-mutate.ts: bit flips, truncation, extension, splicing, header fields, FULL/SHORT
 * re-framing, cookie messages) fed to a SaltwireNode on a MemoryNetwork in virtual time, from a
 * fuzzer's addresses and from the device's own. The worlds are deterministic (fuzz-world.ts), so a
 * counterexample replays. The long run over real UDP is bench/fuzz.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANSWER_RATE, SOURCE_TABLE } from '../../src/constants.js';
import type { Address } from '../../src/transport/transport.js';
import { addressKey } from '../../src/transport/transport.js';
import { EDGES, FIELDS, SMALL_STEPS, mutate, type Mutation } from '../../bench/fuzz-mutate.js';
import { DEV, FuzzWorld, fuzzAddress } from './fuzz-world.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const src = fc.nat(1000);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), src, bits: fc.array(u32, { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), src, keep: u32 }),
  fc.record({ kind: fc.constant('extend' as const), src, tail: fc.uint8Array({ minLength: 1, maxLength: 700 }) }),
  fc.record({ kind: fc.constant('splice' as const), src, other: src, cut: u32, from: u32 }),
  fc.record({
    kind: fc.constant('field' as const),
    src,
    field: fc.constantFrom(...FIELDS),
    value: fc.oneof(fc.constantFrom(...EDGES), fc.constantFrom(...SMALL_STEPS), u32),
    delta: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('reform' as const), src, value: u32 }),
  fc.record({ kind: fc.constant('cookie' as const), src, echo: fc.boolean(), cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('junk' as const), bytes: fc.uint8Array({ maxLength: 1600 }) }),
);

/** A source: one of the fuzzer's addresses, or (spoofed) the device's own. */
const source = fc.oneof({ weight: 4, arbitrary: fc.nat(100_000).map((i) => ({ fuzzer: i })) }, { weight: 1, arbitrary: fc.constant({ device: true as const }) });
type Source = { fuzzer: number } | { device: true };

function addressOf(w: FuzzWorld, s: Source): Address {
  return 'device' in s ? w.hub.peer(DEV)!.address! : fuzzAddress(s.fuzzer);
}

const seeds = fc.integer({ min: 1, max: 6 });
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

describe('fuzz properties of the receive path', () => {
  it('arbitrary bytes and mutated genuine datagrams: no throw, no answer, no state, each counted once [SW-6.3-1] [SW-6.2-1] [SW-6.4-2] [SW-4.5-2]', async () => {
    await fc.assert(
      fc.asyncProperty(seeds, fc.array(fc.record({ m: mutation, from: source }), { minLength: 1, maxLength: 40 }), async (seed, batch) => {
        const w = await FuzzWorld.build(seed);
        const v0 = w.view();
        let n = 0;
        for (const { m, from } of batch) {
          const d = mutate(w.corpus, m);
          if (w.genuine.has(d)) continue; // a field set to the value it had: genuine, not this property's input
          w.inject(d, addressOf(w, from));
          n++;
        }
        await w.settle();
        const v1 = w.view();
        expect(w.toFuzzer).toEqual([]); // silence [SW-6.3-1]
        // to the device's address, only the COOKIE_ECHO of [SW-6.6-3]: one of the hub's own FULL datagrams, sent again once
        const echoes = w.fromHub.map((d) => d.bytes);
        for (const e of echoes) expect([e[0], e[1]]).toEqual([0x60, 0x04]);
        expect(new Set(echoes.map((e) => hex(e.subarray(18)))).size).toBe(echoes.length);
        expect(v1.transportReceived - v0.transportReceived).toBe(n);
        expect(v1.drops - v0.drops).toBe(n - echoes.length); // every datagram under exactly one reason, but a matched COOKIE
        expect(w.hub.stats.admission.cookieEchoes).toBe(echoes.length);
        expect(v1.received).toBe(v0.received); // nothing authenticated
        expect(w.delivered).toEqual([]);
        expect(v1.sent - v0.sent).toBe(echoes.length);
        const same = (v: typeof v0) => ({ ...v, drops: 0, transportReceived: 0, sources: 0, sent: 0 });
        expect(same(v1)).toEqual(same(v0)); // peers, contexts, cached keys
      }),
      { numRuns: 150 },
    );
  });

  it('replays, reorderings and mutations together deliver only what was sent, each at most once, and answer within 3x [SW-5.4-1] [SW-10.2-6] [SW-12.4-2]', async () => {
    const HELD = ['held-0', 'held-1', 'held-2', 'held-3'];
    const step = fc.oneof(
      fc.record({ genuine: fc.nat(1000), from: source }),
      fc.record({ m: mutation, from: source }),
    );
    await fc.assert(
      fc.asyncProperty(seeds, fc.array(step, { minLength: 1, maxLength: 60 }), async (seed, steps) => {
        const w = await FuzzWorld.build(seed, HELD);
        const genuine = [...w.corpus, ...w.heldBack];
        const v0 = w.view();
        const inBytes = new Map<string, number>();
        for (const s of steps) {
          const d = 'genuine' in s ? genuine[s.genuine % genuine.length]! : mutate(w.corpus, s.m);
          const from = addressOf(w, s.from);
          w.inject(d, from);
          if (!('device' in s.from)) inBytes.set(addressKey(from), (inBytes.get(addressKey(from)) ?? 0) + d.length);
        }
        await w.settle(5);
        const v1 = w.view();
        // delivered: only the held-back texts, each at most once; nothing of the corpus a second time
        for (const t of w.delivered) expect(HELD).toContain(t);
        expect(new Set(w.delivered).size).toBe(w.delivered.length);
        // every datagram is either accepted or dropped under one reason (a matched COOKIE aside); the
        // device's own answers (to a STALE answer, say) arrive too
        const echoes = w.fromHub.filter((d) => d.bytes[0] === 0x60 && d.bytes[1] === 0x04).length;
        expect(v1.transportReceived - v0.transportReceived).toBeGreaterThanOrEqual(steps.length);
        expect(v1.drops - v0.drops + (v1.received - v0.received) + echoes).toBe(v1.transportReceived - v0.transportReceived);
        // answers to the fuzzer's addresses: a candidate's CHALLENGE, a STALE answer; within 3x what each address sent
        const outBytes = new Map<string, number>();
        for (const d of w.toFuzzer) outBytes.set(addressKey(d.to), (outBytes.get(addressKey(d.to)) ?? 0) + d.bytes.length);
        for (const [a, b] of outBytes) expect(b).toBeLessThanOrEqual(3 * (inBytes.get(a) ?? 0));
        expect(v1.peers).toBe(1);
        expect(v1.contexts).toBe(v0.contexts);
      }),
      { numRuns: 120 },
    );
  });

  it('a long run from thousands of sources keeps every table bounded; its only answers are COOKIEs, shorter than what they answer [SW-6.4-2] [SW-6.3-3] [SW-6.5-2] [SW-2.2-1]', async () => {
    await fc.assert(
      fc.asyncProperty(seeds, fc.integer({ min: 0, max: 0xffffffff }), async (seed, rndSeed) => {
        const w = await FuzzWorld.build(seed);
        const v0 = w.view();
        const N = SOURCE_TABLE + 1000;
        let x = rndSeed >>> 0 || 1;
        const rnd = (): number => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
        const fulls = w.corpus.filter((d) => d[0] === 0x50);
        const sentTo = new Map<string, Uint8Array[]>();
        for (let i = 0; i < N; i++) {
          // a FULL datagram under a random valid id, or the device's own with a later epoch and a random BOOT: a derivation each, if admitted
          const d =
            rnd() % 2 === 0
              ? mutate(fulls, { kind: 'field', src: rnd(), field: 'sid', value: (rnd() | 0x80000000) >>> 0, delta: false })
              : mutate([mutate(fulls, { kind: 'field', src: rnd(), field: 'epoch', value: 1 + (rnd() % 1000), delta: true })], { kind: 'field', src: 0, field: 'boot', value: rnd(), delta: false });
          const from = { host: `flood-${i}`, port: 1 + (rnd() % 65535) }; // a source each: more than the admission table holds
          const k = addressKey(from);
          sentTo.set(k, [...(sentTo.get(k) ?? []), d]);
          w.inject(d, from);
          if (i % 500 === 499) await w.settle();
        }
        await w.settle(5);
        const v1 = w.view();
        expect(v1.peers).toBe(v0.peers);
        expect(v1.contexts).toBe(v0.contexts);
        expect(v1.cachedKeys).toBe(v0.cachedKeys); // no key derived for a datagram that failed enters the cache [SW-6.4-4]
        expect(v1.sources).toBeLessThanOrEqual(SOURCE_TABLE);
        expect(v1.received).toBe(v0.received);
        expect(v1.drops - v0.drops).toBe(N);
        for (const c of w.toFuzzer) {
          expect(c.to.host.startsWith('flood-')).toBe(true);
          expect([c.bytes[0], c.bytes[1], c.bytes.length]).toEqual([0x60, 0x03, 34]); // a COOKIE, nothing else
          const answered = sentTo.get(addressKey(c.to))!.filter((d) => hex(d.subarray(d.length - 16)) === hex(c.bytes.subarray(2, 18)));
          expect(answered.length).toBeGreaterThan(0);
          expect(Math.max(...answered.map((d) => d.length))).toBeGreaterThanOrEqual(34);
        }
        expect(w.toFuzzer.length).toBeLessThanOrEqual(2 * ANSWER_RATE); // the burst and at most a second of refill
        expect(w.fromHub.length).toBe(w.toFuzzer.length); // nothing to anyone else either
        expect(w.toFuzzer.length).toBeGreaterThan(0); // the flood put the hub under load: COOKIEs were tried
      }),
      { numRuns: 4 },
    );
  });
});
