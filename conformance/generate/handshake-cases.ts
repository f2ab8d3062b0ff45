/**
 * handshake.json, InitiationTest and ResponseTest groups: messages a responder or initiator must
 * accept, or drop for the stated reason (spec 13.6, 13.7). Every expectation is computed by the SDK
 * and asserted here against the reason the case was built for, so a generator run also checks it.
 */
import { deriveDeviceKey, fromHex } from '../../src/core.js';
import { buildInitiation, writeResponse, type InitiatorState } from '../../src/session/handshake/handshake.js';
import { SymmetricState } from '../../src/session/handshake/symmetric.js';
import { renderInitiation, renderResponse, responseGroupState, runInitiation, runResponse } from '../check/handshake.js';
import { hex, type Seeded, suite, type VectorFile } from './common.js';
import type { HandshakeNotes } from './handshake.js';

/** u-coordinates of small order (RFC 7748 section 7 and the libsodium blocklist): X25519 gives 0^32. */
const LOW_ORDER: Array<[string, string]> = [
  ['00'.repeat(32), 'u = 0'],
  ['01' + '00'.repeat(31), 'u = 1'],
  ['e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'a point of order 8'],
  ['5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', 'the other point of order 8'],
  ['ec' + 'ff'.repeat(30) + '7f', 'u = p - 1 (order 2)'],
  ['ee' + 'ff'.repeat(30) + '7f', 'u = p + 1, non-canonical encoding of 1'],
];

const flip = (b: Uint8Array, i: number, mask = 0x01): Uint8Array => {
  const c = b.slice();
  c[i] = c[i]! ^ mask;
  return c;
};
const setByte = (b: Uint8Array, i: number, v: number): Uint8Array => {
  const c = b.slice();
  c[i] = v;
  return c;
};
const u32s = (...v: number[]): Uint8Array => {
  const b = new Uint8Array(4 * v.length);
  v.forEach((x, i) => new DataView(b.buffer).setUint32(4 * i, x));
  return b;
};

type Adder = (bytes: Uint8Array, flags: HandshakeNotes[], specRefs: string[], comment: string, reason?: string) => void;

export function initiationCases(f: VectorFile, rnd: Seeded, site: Uint8Array): void {
  const dk = (id: string, gen = 0): Uint8Array => deriveDeviceKey(suite, site, id, gen);
  const mk = (o: { from?: string; to?: string; gen?: number; psk?: Uint8Array; ts: [number, number]; ePub?: Uint8Array; payload?: Uint8Array }): Uint8Array => {
    const from = o.from ?? 'sensor-1';
    const gen = o.gen ?? 0;
    return buildInitiation(
      {
        suite,
        selfId: from,
        peerId: o.to ?? 'hub',
        gen,
        psk: o.psk ?? dk(from, gen),
        timestamp: { epoch: o.ts[0], counter: o.ts[1] },
        localIndex: rnd.u32() || 1,
        ephemeralPrivate: rnd.bytes(32),
      },
      { ...(o.ePub ? { ephemeralPublic: o.ePub } : {}), ...(o.payload ? { payload: o.payload } : {}) },
    ).bytes;
  };
  const groupFields = (rateLimited: boolean) => ({
    responder: 'hub',
    keyring: { mode: 'site', siteKey: hex(site) },
    generations: { 'sensor-9': { current: 2, previous: 1, previousInGrace: true } },
    timestamps: [{ peer: 'sensor-1', epoch: 5, counter: 10 }],
    sessionDisabled: ['legacy-1'],
    rateLimited,
  });
  const adderFor = (g: Record<string, unknown>): Adder => {
    const add = f.group('InitiationTest', g);
    return (bytes, flags, specRefs, comment, reason) => {
      const t = { initiation: hex(bytes), responderEphemeral: hex(rnd.bytes(32)), responderIndex: rnd.u32() || 1 };
      const r = renderInitiation(runInitiation(suite, g, t));
      const got = r.result === 'valid' ? undefined : r.reason;
      if (got !== reason) throw new Error(`InitiationTest "${comment}": got ${got ?? 'valid'}, built for ${reason ?? 'valid'}`);
      if (r.result === 'valid' && fromHex(r.expected['response'] as string).length > bytes.length) throw new Error('amplification');
      add({ comment, flags, specRefs, ...t, ...r });
    };
  };

  const A = adderFor(groupFields(false));
  const ok = ['SW-13.6-1', 'SW-13.6-2', 'SW-13.5-1', 'SW-13.5-2'];
  A(mk({ ts: [5, 11] }), ['Normal'], ok, 'sensor-1, counter above the stored (5, 10)');
  A(mk({ ts: [6, 0] }), ['Normal'], ok, 'sensor-1, next epoch with counter 0');
  A(mk({ from: 'sensor-2', ts: [1, 0] }), ['Normal'], ok, 'sensor-2, no stored timestamp');
  A(mk({ from: 'sensor-9', gen: 1, ts: [1, 0] }), ['GenBoundary'], [...ok, 'SW-6.1-6'], 'previous generation 1, still in grace');
  A(mk({ ts: [5, 10] }), ['Replay'], ['SW-13.6-2'], 'same timestamp as stored: a replay', 'HANDSHAKE_REPLAY');
  A(mk({ ts: [5, 9] }), ['Replay'], ['SW-13.6-2'], 'older counter in the same epoch', 'HANDSHAKE_REPLAY');
  A(mk({ ts: [4, 99] }), ['Replay'], ['SW-13.6-2'], 'older epoch, larger counter', 'HANDSHAKE_REPLAY');
  for (const [u, what] of LOW_ORDER) {
    A(mk({ from: 'sensor-2', ts: [1, 0], ePub: fromHex(u) }), ['LowOrderPoint'], ['SW-13.2-1', 'SW-13.6-1'], `authentic initiation, e_i.pub is ${what}`, 'BAD_DH');
  }
  const base = mk({ ts: [7, 0] }); // sensor-1 (8 characters): header 12 bytes, e at 12, box at 44, length 72
  const hdr = ['SW-13.6-1', 'SW-13.4-2'];
  A(setByte(base, 0, 0x20), ['ModifiedHeader'], ['SW-4.2-2'], 'first byte: VERSION 00', 'BAD_VERSION');
  A(setByte(base, 0, 0x70), ['ModifiedHeader'], ['SW-4.2-2', 'SW-13.6-1'], 'first byte: FORM 11 (GROUP, not implemented)', 'BAD_FORM');
  A(setByte(base, 0, 0x61), ['ModifiedHeader'], ['SW-4.2-2'], 'first byte: a RESERVED bit set', 'BAD_FLAGS');
  A(setByte(base, 1, 0x03), ['ModifiedHeader'], ['SW-13.4-1'], 'TYPE 0x03 is not defined', 'BAD_FORM');
  A(setByte(base, 1, 0x02), ['ModifiedHeader'], ['SW-13.4-1', 'SW-13.7-1'], 'TYPE changed to response: not 58 bytes', 'MALFORMED');
  A(setByte(base, 2, 1), ['ModifiedHeader', 'KeyId'], ['SW-6.1-6', 'SW-13.1-2'], 'GEN 0 -> 1: above the current generation', 'UNKNOWN_KEY');
  A(mk({ from: 'sensor-9', gen: 0, ts: [1, 0] }), ['KeyId'], ['SW-6.1-6', 'SW-3.6-1'], 'sensor-9 at generation 0: below current 2, not the previous', 'RETIRED_KEY');
  A(setByte(base, 3, 9), ['ModifiedHeader'], hdr, 'SID_LEN 8 -> 9: length no longer exact', 'MALFORMED');
  A(setByte(base, 3, 0), ['ModifiedHeader'], hdr, 'SID_LEN 0', 'MALFORMED');
  A(setByte(base, 11, 0x32), ['ModifiedHeader'], [...hdr, 'SW-13.1-2'], 'id sensor-1 -> sensor-2: another psk', 'AUTH');
  A(setByte(base, 10, 0x2f), ['ModifiedHeader'], ['SW-3.2-1', 'SW-13.6-1'], 'id contains /', 'MALFORMED');
  A(flip(base, 12), ['ModifiedEphemeral'], hdr, 'ephemeral: lowest bit of byte 0', 'AUTH');
  A(flip(base, 43, 0x80), ['ModifiedEphemeral'], hdr, 'ephemeral: top bit of byte 31 (X25519 ignores it; the transcript does not)', 'AUTH');
  A(flip(base, 44), ['ModifiedBox'], ['SW-13.2-4'], 'tag: first byte', 'AUTH');
  A(flip(base, 71, 0x80), ['ModifiedBox'], ['SW-13.2-4'], 'ciphertext: last byte', 'AUTH');
  A(base.subarray(0, 71), ['Truncated'], hdr, 'last byte cut', 'MALFORMED');
  A(base.subarray(0, 1), ['Truncated'], hdr, 'first byte only', 'MALFORMED');
  A(new Uint8Array(0), ['Truncated'], ['SW-6.1-9'], 'empty datagram', 'MALFORMED');
  A(Uint8Array.of(...base, 0), ['Extended'], hdr, 'one zero byte appended', 'MALFORMED');
  A(mk({ ts: [7, 1], psk: rnd.bytes(32) }), ['WrongKey'], ['SW-13.1-2', 'SW-13.4-2'], 'built with another psk', 'AUTH');
  A(mk({ ts: [7, 2], to: 'hub-2' }), ['WrongResponder'], ['SW-13.4-2'], 'addressed to hub-2 (same site key) and received by hub', 'AUTH');
  A(mk({ from: 'hub', to: 'hub-2', ts: [1, 0] }), ['KeyId'], ['SW-3.5-3', 'SW-6.1-6'], 'initiator id is the responder own id', 'UNKNOWN_KEY');
  A(mk({ from: 'legacy-1', ts: [1, 0] }), ['SessionDisabled'], ['SW-13.8-13', 'SW-13.6-1'], 'peer not configured for session mode', 'SESSION_DISABLED');
  const inner = ['SW-13.6-1'];
  A(mk({ ts: [7, 3], payload: u32s(0, 3, 77) }), ['MalformedPayload'], inner, 'authentic, timestamp epoch 0', 'MALFORMED_INNER');
  A(mk({ ts: [7, 4], payload: u32s(7, 0xffffffff, 77) }), ['MalformedPayload'], inner, 'authentic, timestamp counter 2^32-1', 'MALFORMED_INNER');
  A(mk({ ts: [7, 5], payload: u32s(7, 5, 0) }), ['MalformedPayload'], inner, 'authentic, sender index 0', 'MALFORMED_INNER');
  A(mk({ ts: [7, 6], payload: u32s(4, 0, 77) }), ['Replay'], ['SW-13.6-2'], 'authentic, encrypted timestamp (4, 0) older than the stored (5, 10)', 'HANDSHAKE_REPLAY');

  const B = adderFor(groupFields(true));
  B(mk({ ts: [8, 0] }), ['RateLimit'], ['SW-13.6-4'], 'fresh and authentic, budget used up', 'HANDSHAKE_RATE');
  B(mk({ ts: [5, 10] }), ['RateLimit', 'Replay'], ['SW-13.6-1', 'SW-13.6-2'], 'a replay is dropped as a replay before the budget', 'HANDSHAKE_REPLAY');
  B(flip(mk({ ts: [8, 1] }), 50), ['RateLimit', 'ModifiedBox'], ['SW-13.6-1', 'SW-13.6-4'], 'a forgery does not reach the budget', 'AUTH');

  const hubKey = rnd.bytes(32);
  const C = adderFor({ responder: 'sensor-1', keyring: { mode: 'pairs', pairKeys: [{ peer: 'hub', gen: 0, key: hex(hubKey) }] }, generations: {}, timestamps: [], sessionDisabled: [], rateLimited: false });
  C(mk({ from: 'hub', to: 'sensor-1', psk: hubKey, ts: [3, 0] }), ['HubInitiates'], ok, 'a device answers its hub');
  C(mk({ from: 'hub', to: 'sensor-1', gen: 1, psk: hubKey, ts: [3, 1] }), ['KeyId'], ['SW-6.1-6'], 'generation 1: the device has no key for it', 'UNKNOWN_KEY');
  C(mk({ from: 'hub-2', to: 'sensor-1', psk: hubKey, ts: [3, 2] }), ['KeyId'], ['SW-6.1-6'], 'an unknown peer', 'UNKNOWN_KEY');
}

export function responseCases(f: VectorFile, rnd: Seeded, site: Uint8Array): void {
  const psk = deriveDeviceKey(suite, site, 'sensor-1', 0);
  const g = {
    initiator: 'sensor-1',
    responder: 'hub',
    gen: 0,
    psk: hex(psk),
    initiatorEphemeral: hex(rnd.bytes(32)),
    timestamp: { epoch: 12, counter: 3 },
    initiatorIndex: rnd.u32() || 1,
    initiation: '',
  };
  const pending = responseGroupState(suite, g);
  g.initiation = hex(pending.bytes);
  const idxR = rnd.u32() || 1;
  const craft = (o: { ePub?: Uint8Array; dh?: Uint8Array; index?: number; payload?: Uint8Array; state?: InitiatorState } = {}): Uint8Array => {
    const st = o.state ?? pending.state;
    const ePriv = rnd.bytes(32);
    const ePub = o.ePub ?? suite.scalarMultBase(ePriv);
    const dh = o.dh ?? suite.scalarMult(ePriv, st.ephemeral.publicKey);
    const ss = SymmetricState.resume(suite, st.ck, st.h);
    return writeResponse(ss, { initiatorIndex: o.index ?? st.localIndex, ephemeralPublic: ePub, dh, responderIndex: idxR, ...(o.payload ? { payload: o.payload } : {}) });
  };
  const add = f.group('ResponseTest', g);
  const R: Adder = (bytes, flags, specRefs, comment, reason) => {
    const t = { response: hex(bytes) };
    const r = renderResponse(runResponse(suite, g, t));
    const got = r.result === 'valid' ? undefined : r.reason;
    if (got !== reason) throw new Error(`ResponseTest "${comment}": got ${got ?? 'valid'}, built for ${reason ?? 'valid'}`);
    add({ comment, flags, specRefs, ...t, ...r });
  };
  const valid = craft();
  const steps = ['SW-13.7-1', 'SW-13.5-1'];
  R(valid, ['Normal'], [...steps, 'SW-13.5-2'], 'the response of the hub');
  R(setByte(valid, 0, 0x20), ['ModifiedHeader'], ['SW-4.2-2'], 'first byte: VERSION 00', 'BAD_VERSION');
  R(setByte(valid, 0, 0x68), ['ModifiedHeader'], ['SW-4.2-2'], 'first byte: a RESERVED bit set', 'BAD_FLAGS');
  R(setByte(valid, 1, 0x03), ['ModifiedHeader'], ['SW-13.4-1'], 'TYPE 0x03', 'BAD_FORM');
  R(setByte(valid, 1, 0x01), ['ModifiedHeader'], ['SW-13.4-1', 'SW-13.6-1'], 'TYPE changed to initiation: length not 64 + SID_LEN', 'MALFORMED');
  R(flip(valid, 5), ['ModifiedHeader'], steps, 'receiver index changed: no pending initiation', 'UNKNOWN_INDEX');
  R(craft({ index: g.initiatorIndex ^ 0x80000000 }), ['ModifiedHeader'], steps, 'authentic response for another index', 'UNKNOWN_INDEX');
  R(flip(valid, 6), ['ModifiedEphemeral'], steps, 'ephemeral: lowest bit of byte 0', 'AUTH');
  R(flip(valid, 37, 0x80), ['ModifiedEphemeral'], steps, 'ephemeral: top bit (same DH output, other transcript)', 'AUTH');
  R(flip(valid, 38), ['ModifiedBox'], ['SW-13.2-4'], 'tag: first byte', 'AUTH');
  R(flip(valid, 57), ['ModifiedBox'], ['SW-13.2-4'], 'ciphertext: last byte', 'AUTH');
  R(valid.subarray(0, 57), ['Truncated'], steps, 'last byte cut', 'MALFORMED');
  R(Uint8Array.of(...valid, 0), ['Extended'], ['SW-13.5-2', 'SW-13.7-1'], 'one byte appended: longer than allowed', 'MALFORMED');
  const padded = new Uint8Array(pending.bytes.length);
  padded.set(valid);
  R(padded, ['Extended'], ['SW-13.5-2', 'SW-13.7-1'], 'padded to the length of the initiation', 'MALFORMED');
  for (const [u, what] of LOW_ORDER.slice(0, 3)) {
    R(craft({ ePub: fromHex(u), dh: new Uint8Array(32) }), ['LowOrderPoint'], ['SW-13.2-1', 'SW-13.7-1'], `e_r.pub is ${what}; the box is valid for a zero DH`, 'BAD_DH');
  }
  const other = (o: { psk?: Uint8Array }): InitiatorState =>
    buildInitiation({ suite, selfId: 'sensor-1', peerId: 'hub', gen: 0, psk: o.psk ?? psk, timestamp: g.timestamp, localIndex: g.initiatorIndex, ephemeralPrivate: o.psk ? fromHex(g.initiatorEphemeral) : rnd.bytes(32) }, {}).state;
  R(craft({ state: other({ psk: rnd.bytes(32) }) }), ['WrongKey'], ['SW-13.1-2', 'SW-13.7-1'], 'made by a responder with another psk', 'AUTH');
  R(craft({ state: other({}) }), ['WrongKey'], ['SW-13.7-1'], 'an answer to another initiation with the same index', 'AUTH');
  R(craft({ payload: Uint8Array.of(0, 0, 0, 0) }), ['MalformedPayload'], ['SW-13.7-1'], 'authentic, sender index 0', 'MALFORMED_INNER');
}
