// Properties of the envelope: round trip, any single bit flip is dropped [SW-4.5-2], and random
// bytes never throw out of the receive path and never create state [SW-6.3-1] [SW-5.3-2].
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveTrafficKey,
  encodeFullHeader,
  encodeShortHeader,
  PairKeyring,
  Receiver,
  sealDatagram,
} from '../../src/core.js';
import { suites } from '../suites.js';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** A fixed BOOT value (spec 4.3): any 8 bytes. */
const BOOT = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

for (const suite of suites) {
  describe(`envelope (${suite.name})`, () => {
    it('open(seal(m)) = m for any key, header and payload', () => {
      fc.assert(
        fc.property(
          key,
          id,
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 1, max: 0xffffffff }),
          fc.integer({ min: 0, max: 0xfffffffe }),
          fc.uint8Array({ maxLength: 600 }),
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          (pk, sender, gen, epoch, counter, data, boot) => {
            const pt = Uint8Array.of(0x02, ...data);
            const tk = deriveTrafficKey(suite, pk, sender === 'rx' ? 'rx2' : sender, 'rx', epoch, boot);
            const s = sender === 'rx' ? 'rx2' : sender;
            const d = sealDatagram(suite, tk, encodeFullHeader(gen, epoch, counter, boot, s), 'FULL', pt);
            const ring = new PairKeyring().add(s, gen, pk);
            const r = new Receiver({ suite, selfId: 'rx', keyring: ring, maxDatagram: 4096 });
            const res = r.open(d, 0);
            expect(res.ok).toBe(true);
            if (res.ok) {
              expect([...res.plaintext]).toEqual([...pt]);
              expect([res.senderId, res.gen, res.epoch, res.counter]).toEqual([s, gen, epoch, counter]);
            }
          },
        ),
        { numRuns: 150 },
      );
    });

    it('any single bit flip anywhere in a datagram makes it dropped', () => {
      fc.assert(
        fc.property(key, fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.nat(), (pk, data, short, pick) => {
          const ring = new PairKeyring().add('dev', 0, pk);
          const r = new Receiver({ suite, selfId: 'hub', keyring: ring });
          const tk = deriveTrafficKey(suite, pk, 'dev', 'hub', 1, BOOT);
          const full = sealDatagram(suite, tk, encodeFullHeader(0, 1, 0, BOOT, 'dev'), 'FULL', Uint8Array.of(2, ...data));
          const first = r.open(full, 0);
          if (!first.ok) throw new Error('baseline not accepted');
          const index = r.context('dev', 0)!.index!;
          const d = short
            ? sealDatagram(suite, tk, encodeShortHeader(index, 1), 'SHORT', Uint8Array.of(2, ...data))
            : sealDatagram(suite, tk, encodeFullHeader(0, 1, 1, BOOT, 'dev'), 'FULL', Uint8Array.of(2, ...data));
          const bit = pick % (d.length * 8);
          const bad = d.slice();
          bad[bit >> 3]! ^= 1 << (bit & 7);
          expect(r.open(bad, 1).ok).toBe(false);
          expect(r.open(d, 2).ok).toBe(true); // the genuine one still passes: the flip changed no state
        }),
        { numRuns: 300 },
      );
    });

    it('random bytes never throw, never get accepted, never create a context', () => {
      const r = new Receiver({ suite, selfId: 'hub', keyring: new PairKeyring().add('dev', 0, new Uint8Array(32).fill(1)) });
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 1600 }),
            // biased towards parseable headers so the deeper checks are reached
            fc.tuple(fc.constantFrom(0x40, 0x50), fc.uint8Array({ maxLength: 80 })).map(([b, rest]) => Uint8Array.of(b, ...rest)),
            fc.uint8Array({ maxLength: 60 }).map((rest) => Uint8Array.of(0x50, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 0x64, 0x65, 0x76, ...rest)),
          ),
          (bytes) => {
            const res = r.open(bytes, 0);
            expect(res.ok).toBe(false);
          },
        ),
        { numRuns: 3000 },
      );
      expect(r.contextCount).toBe(0);
      expect(r.drops.total).toBeGreaterThanOrEqual(3000);
    });
  });
}
