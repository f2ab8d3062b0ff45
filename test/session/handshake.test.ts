// The session handshake of spec 13 on every crypto backend: round trip and session datagrams,
// replay and low-order rejection, sizes for every id length, ephemeral hygiene, and the timers.
import { describe, expect, it } from 'vitest';
import { encodeShortHeader, fromHex, nonceOf, sealDatagram, toHex, tweetnaclSuite, type CryptoSuite } from '../../src/core.js';
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  directionalKeys,
  handshakeGivesUp,
  HANDSHAKE_RETRY_JITTER_MS,
  HANDSHAKE_RETRY_MS,
  INITIATION_FIXED_LEN,
  rekeyAction,
  REJECT_AFTER_TIME_MS,
  RESPONSE_LEN,
  retryDelay,
  TokenBucket,
  type ResponderParams,
  type Timestamp,
} from '../../src/session/handshake/index.js';
import { buildInitiation } from '../../src/session/handshake/handshake.js';
import { suites } from '../suites.js';

const PSK = new Uint8Array(32).fill(0x42);
const LOW_ORDER = ['00'.repeat(32), '01' + '00'.repeat(31), 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'];

function responder(suite: CryptoSuite, over: Partial<ResponderParams> = {}): ResponderParams {
  return {
    suite,
    selfId: 'hub',
    lookup: () => ({ ok: true, psk: PSK }),
    lastTimestamp: () => undefined,
    localIndex: 0x0badcafe,
    now: 5000,
    hedge: { epoch: 2, counter: 0 },
    ...over,
  };
}

function initiate(suite: CryptoSuite, timestamp: Timestamp = { epoch: 9, counter: 1 }, selfId = 'sensor-1') {
  return createInitiation({ suite, selfId, peerId: 'hub', gen: 0, psk: PSK, timestamp, localIndex: 0x01020304 });
}

for (const suite of suites) {
  describe(`session handshake (${suite.name})`, () => {
    it('both sides derive the same directional keys and exchange SHORT datagrams', () => {
      const { bytes, state } = initiate(suite);
      const r = consumeInitiation(bytes, responder(suite));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect([r.initiatorId, r.gen, r.timestamp]).toEqual(['sensor-1', 0, { epoch: 9, counter: 1 }]);
      const c = consumeResponse(state, r.response, { suite, now: 5001 });
      expect(c.ok).toBe(true);
      if (!c.ok) return;
      const [i, s] = [c.session, r.session];
      expect(toHex(i.sendKey)).toBe(toHex(s.receiveKey));
      expect(toHex(i.receiveKey)).toBe(toHex(s.sendKey));
      expect(toHex(i.sendKey)).not.toBe(toHex(i.receiveKey)); // reflection fails [SW-13.8-1]
      expect(toHex(i.handshakeHash)).toBe(toHex(s.handshakeHash));
      expect([i.localIndex, i.remoteIndex, s.localIndex, s.remoteIndex]).toEqual([0x01020304, 0x0badcafe, 0x0badcafe, 0x01020304]);
      expect([i.role, s.role, i.createdAt, s.createdAt]).toEqual(['initiator', 'responder', 5001, 5000]);
      expect(toHex(directionalKeys(i).initiatorToResponder)).toBe(toHex(directionalKeys(s).initiatorToResponder));
      // [SW-13.8-2]: a session datagram is SHORT with the receiver's index, counter from 0, nonce of 4.5
      const header = encodeShortHeader(i.remoteIndex, 0);
      const d = sealDatagram(suite, i.sendKey, header, 'SHORT', Uint8Array.of(2, 7));
      expect([...suite.open(s.receiveKey, nonceOf(d.subarray(0, 9), 'SHORT'), d.subarray(9))!]).toEqual([2, 7]);
      expect(suite.open(s.sendKey, nonceOf(d.subarray(0, 9), 'SHORT'), d.subarray(9))).toBeNull();
    });

    it('hedged ephemerals: two initiations with the same timestamp still differ', () => {
      const a = initiate(suite).bytes;
      const b = initiate(suite).bytes;
      expect(toHex(a.subarray(12, 44))).not.toBe(toHex(b.subarray(12, 44)));
    });

    it('rejects a replayed or older initiation, and accepts a newer one [SW-13.6-2]', () => {
      const first = initiate(suite, { epoch: 9, counter: 5 }).bytes;
      const r = consumeInitiation(first, responder(suite));
      if (!r.ok) throw new Error(r.reason);
      const stored = (): Timestamp => r.timestamp;
      expect(consumeInitiation(first, responder(suite, { lastTimestamp: stored }))).toEqual({ ok: false, reason: 'HANDSHAKE_REPLAY' });
      const older = initiate(suite, { epoch: 9, counter: 4 }).bytes;
      expect(consumeInitiation(older, responder(suite, { lastTimestamp: stored }))).toEqual({ ok: false, reason: 'HANDSHAKE_REPLAY' });
      const olderEpoch = initiate(suite, { epoch: 8, counter: 100 }).bytes;
      expect(consumeInitiation(olderEpoch, responder(suite, { lastTimestamp: stored })).ok).toBe(false);
      expect(consumeInitiation(initiate(suite, { epoch: 9, counter: 6 }).bytes, responder(suite, { lastTimestamp: stored })).ok).toBe(true);
      expect(consumeInitiation(initiate(suite, { epoch: 10, counter: 0 }).bytes, responder(suite, { lastTimestamp: stored })).ok).toBe(true);
    });

    it('response ≤ initiation for every id length 1..32 [SW-13.5-2]', () => {
      for (let n = 1; n <= 32; n++) {
        const id = 'x'.repeat(n);
        const { bytes } = initiate(suite, { epoch: 1, counter: n }, id);
        const r = consumeInitiation(bytes, responder(suite));
        if (!r.ok) throw new Error(r.reason);
        expect(bytes.length).toBe(INITIATION_FIXED_LEN + n);
        expect(r.response.length).toBe(RESPONSE_LEN);
        expect(r.response.length).toBeLessThanOrEqual(bytes.length);
      }
    });

    it('drops a low-order ephemeral on either side as BAD_DH [SW-13.2-1]', () => {
      for (const u of LOW_ORDER) {
        const p = fromHex(u);
        expect(suite.scalarMult(new Uint8Array(32).fill(9), p)).toEqual(new Uint8Array(32));
        // responder: an authentic initiation whose e_i.pub is of small order
        const params = { suite, selfId: 'sensor-1', peerId: 'hub', gen: 0, psk: PSK, timestamp: { epoch: 1, counter: 0 }, localIndex: 7 };
        const forged = buildInitiation(params, { ephemeralPublic: p }).bytes;
        expect(consumeInitiation(forged, responder(suite))).toEqual({ ok: false, reason: 'BAD_DH' });
        // initiator: a response whose e_r.pub is of small order
        const { bytes, state } = initiate(suite);
        const r = consumeInitiation(bytes, responder(suite));
        if (!r.ok) throw new Error(r.reason);
        const resp = r.response.slice();
        resp.set(p, 6);
        expect(consumeResponse(state, resp, { suite, now: 0 })).toEqual({ ok: false, reason: 'BAD_DH' });
      }
    });

    it('a completed initiation cannot complete twice: its ephemeral is wiped [SW-13.3-3]', () => {
      const { bytes, state } = initiate(suite);
      const r = consumeInitiation(bytes, responder(suite));
      if (!r.ok) throw new Error(r.reason);
      expect(consumeResponse(state, r.response, { suite, now: 1 }).ok).toBe(true);
      expect(state.ephemeral.privateKey).toEqual(new Uint8Array(32));
      expect(consumeResponse(state, r.response, { suite, now: 2 }).ok).toBe(false);
    });

    it('a failed response leaves the pending state usable (up to HANDSHAKE_RESPONSE_ATTEMPTS)', () => {
      const { bytes, state } = initiate(suite);
      const r = consumeInitiation(bytes, responder(suite));
      if (!r.ok) throw new Error(r.reason);
      const bad = r.response.slice();
      bad[57]! ^= 1;
      expect(consumeResponse(state, bad, { suite, now: 1 })).toEqual({ ok: false, reason: 'AUTH' });
      expect(consumeResponse(state, r.response, { suite, now: 2 }).ok).toBe(true);
    });
  });
}

describe('X25519 in the suites', () => {
  it('every backend agrees with tweetnacl, zero outputs included', () => {
    for (const suite of suites) {
      for (let i = 0; i < 8; i++) {
        const n = tweetnaclSuite.randomBytes(32);
        const p = tweetnaclSuite.scalarMultBase(tweetnaclSuite.randomBytes(32));
        expect(toHex(suite.scalarMult(n, p))).toBe(toHex(tweetnaclSuite.scalarMult(n, p)));
        expect(toHex(suite.scalarMultBase(n))).toBe(toHex(tweetnaclSuite.scalarMultBase(n)));
      }
      expect(suite.scalarMult(new Uint8Array(32).fill(1), new Uint8Array(32))).toEqual(new Uint8Array(32));
    }
  });
});

describe('timers and limits (spec 13.9)', () => {
  it('rekeyAction follows role, age and message count', () => {
    expect(rekeyAction(0, { role: 'initiator', createdAt: 0, messagesSent: 0 })).toBe('keep');
    expect(rekeyAction(3_600_000, { role: 'initiator', createdAt: 0, messagesSent: 0 })).toBe('rekey');
    expect(rekeyAction(3_600_000, { role: 'responder', createdAt: 0, messagesSent: 0 })).toBe('keep');
    expect(rekeyAction(3_630_000, { role: 'responder', createdAt: 0, messagesSent: 0 })).toBe('rekey');
    expect(rekeyAction(REJECT_AFTER_TIME_MS, { role: 'responder', createdAt: 0, messagesSent: 0 })).toBe('expire');
    expect(rekeyAction(1, { role: 'responder', createdAt: 0, messagesSent: 2 ** 31 })).toBe('rekey');
    expect(rekeyAction(1, { role: 'initiator', createdAt: 0, messagesSent: 0xffffffff })).toBe('expire');
  });

  it('retry waits HANDSHAKE_RETRY plus a bounded jitter, and gives up after HANDSHAKE_GIVE_UP', () => {
    expect(retryDelay(0)).toBe(HANDSHAKE_RETRY_MS);
    expect(retryDelay(0.999999)).toBe(HANDSHAKE_RETRY_MS + HANDSHAKE_RETRY_JITTER_MS);
    expect(retryDelay(Number.NaN)).toBe(HANDSHAKE_RETRY_MS);
    expect(handshakeGivesUp(89_999, 0)).toBe(false);
    expect(handshakeGivesUp(90_000, 0)).toBe(true);
  });

  it('the token bucket allows a burst, then the rate; consumeInitiation reports HANDSHAKE_RATE', () => {
    const b = new TokenBucket(2, 2);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false]);
    expect([b.take(499), b.take(500), b.take(500)]).toEqual([false, true, false]);
    const suite = tweetnaclSuite;
    const empty = { take: () => false };
    expect(consumeInitiation(initiate(suite).bytes, responder(suite, { rateLimiter: empty }))).toEqual({ ok: false, reason: 'HANDSHAKE_RATE' });
    const bad = initiate(suite).bytes;
    bad[50]! ^= 1;
    let taken = 0;
    const counting = { take: () => (taken++, true) };
    expect(consumeInitiation(bad, responder(suite, { rateLimiter: counting })).ok).toBe(false);
    expect(taken).toBe(0); // a forgery consumes no budget [SW-13.6-4]
  });
});
