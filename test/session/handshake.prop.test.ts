// Properties of the handshake messages (spec 13.4 to 13.7): any single bit flip of either message,
// anywhere, makes it dropped, and arbitrary bytes never throw out of the receive functions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumeInitiation, consumeResponse, createInitiation, type ResponderParams } from '../../src/session/handshake/index.js';
import { suites } from '../suites.js';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/).filter((s) => s !== 'hub');
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });

for (const suite of suites) {
  describe(`handshake properties (${suite.name})`, () => {
    // The lookup gives the same psk for any id and generation, so a flipped GEN or id byte is
    // caught by the transcript, not by the key lookup.
    const responder = (psk: Uint8Array): ResponderParams => ({
      suite,
      selfId: 'hub',
      lookup: () => ({ ok: true, psk }),
      lastTimestamp: () => undefined,
      localIndex: 99,
      now: 0,
      hedge: { epoch: 1, counter: 0 },
    });

    it('any single bit flip of the initiation or of the response makes it dropped', () => {
      fc.assert(
        fc.property(
          key,
          id,
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 1, max: 0xffffffff }),
          fc.integer({ min: 1, max: 0xffffffff }),
          fc.nat(),
          fc.nat(),
          (psk, initiator, gen, epoch, index, pickI, pickR) => {
            const { bytes, state } = createInitiation({ suite, selfId: initiator, peerId: 'hub', gen, psk, timestamp: { epoch, counter: 0 }, localIndex: index });
            const bitI = pickI % (bytes.length * 8);
            const badI = bytes.slice();
            badI[bitI >> 3]! ^= 1 << (bitI & 7);
            expect(consumeInitiation(badI, responder(psk)).ok).toBe(false);
            const r = consumeInitiation(bytes, responder(psk));
            if (!r.ok) throw new Error(`genuine initiation dropped: ${r.reason}`);
            const bitR = pickR % (r.response.length * 8);
            const badR = r.response.slice();
            badR[bitR >> 3]! ^= 1 << (bitR & 7);
            expect(consumeResponse(state, badR, { suite, now: 0 }).ok).toBe(false);
            expect(consumeResponse(state, r.response, { suite, now: 0 }).ok).toBe(true); // the flip left the state usable
          },
        ),
        { numRuns: suite.name === 'tweetnacl' ? 60 : 200 },
      );
    });

    it('every bit of one initiation and one response, exhaustively', () => {
      const psk = new Uint8Array(32).fill(3);
      const { bytes, state } = createInitiation({ suite, selfId: 'sensor-1', peerId: 'hub', gen: 0, psk, timestamp: { epoch: 4, counter: 2 }, localIndex: 5 });
      const r = consumeInitiation(bytes, responder(psk));
      if (!r.ok) throw new Error(r.reason);
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const bad = bytes.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(consumeInitiation(bad, responder(psk)).ok, `initiation bit ${bit}`).toBe(false);
      }
      for (let bit = 0; bit < r.response.length * 8; bit++) {
        const bad = r.response.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(consumeResponse(state, bad, { suite, now: 0 }).ok, `response bit ${bit}`).toBe(false);
      }
    });

    it('arbitrary bytes never throw and are never accepted', () => {
      const psk = new Uint8Array(32).fill(5);
      const { state } = createInitiation({ suite, selfId: 'dev', peerId: 'hub', gen: 0, psk, timestamp: { epoch: 1, counter: 0 }, localIndex: 0x01020304 });
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc.tuple(fc.integer({ min: 1, max: 32 }), fc.uint8Array({ minLength: 96, maxLength: 96 })).map(([n, rest]) =>
              Uint8Array.of(0x60, 0x01, 0, n, ...rest.subarray(0, 60 + n).map((b) => 0x61 + (b % 26))),
            ),
            fc.uint8Array({ minLength: 52, maxLength: 52 }).map((rest) => Uint8Array.of(0x60, 0x02, 1, 2, 3, 4, ...rest)),
          ),
          (bytes) => {
            expect(consumeInitiation(bytes, responder(psk)).ok).toBe(false);
            expect(consumeResponse(state, bytes, { suite, now: 0 }).ok).toBe(false);
          },
        ),
        { numRuns: suite.name === 'tweetnacl' ? 300 : 1000 },
      );
    });
  });
}
