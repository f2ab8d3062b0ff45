// Datagrams of a session (spec 13.8) opened by openSessionDatagram: each session has its own replay
// window, empty when made and never reset, and an INDEX frame in a session datagram is ignored.
import { describe, expect, it } from 'vitest';
import { encodeFrames, parseHeader, SiteKeyring, tweetnaclSuite, type ShortHeader } from '../../src/core.js';
import { consumeInitiation, consumeResponse, createInitiation, REJECT_AFTER_TIME_MS } from '../../src/session/handshake/index.js';
import { newSessionSlot, openSessionDatagram, sealSessionDatagram, type SessionSlot } from '../../src/session/session-receiver.js';

const suite = tweetnaclSuite;
const site = new Uint8Array(32).fill(4);
const keyring = new SiteKeyring(suite, site);
const PSK = new Uint8Array(32).fill(0x42);

/** One handshake: the initiator's and the responder's slots, indexes assigned. */
function sessions(stamp: number): { i: SessionSlot; r: SessionSlot } {
  const { bytes, state } = createInitiation({ suite, selfId: 'sensor-1', peerId: 'hub', gen: 0, psk: PSK, timestamp: { epoch: 1, counter: stamp }, localIndex: 11 + stamp });
  const got = consumeInitiation(bytes, { suite, selfId: 'hub', lookup: () => ({ ok: true, psk: PSK }), lastTimestamp: () => undefined, localIndex: 21 + stamp, now: 0, hedge: { epoch: 1, counter: stamp } });
  if (!got.ok) throw new Error(got.reason);
  const done = consumeResponse(state, got.response, { suite, now: 0 });
  if (!done.ok) throw new Error(done.reason);
  const i = newSessionSlot(done.session, 64);
  i.index = done.session.localIndex;
  const r = newSessionSlot(got.session, 64);
  r.index = got.session.localIndex;
  return { i, r };
}

const open = (slot: SessionSlot, d: Uint8Array) => openSessionDatagram(suite, keyring, slot, d, parseHeader(d) as ShortHeader, 1, REJECT_AFTER_TIME_MS);
const data = (b: number) => encodeFrames([{ type: 'DATAGRAM', data: Uint8Array.of(b) }]);

describe('session datagrams', () => {
  it('one replay window per session, empty when the session is made, applied as 5.4 [SW-13.8-4]', () => {
    const { i, r } = sessions(0);
    const d = [0, 1, 2, 3].map((k) => sealSessionDatagram(suite, i, data(k)));
    expect(open(r, d[2]!).ok).toBe(true);
    expect(open(r, d[0]!).ok).toBe(true); // below the top, within the window
    expect(open(r, d[2]!)).toEqual({ ok: false, reason: 'REPLAY' });
    expect(open(r, d[0]!)).toEqual({ ok: false, reason: 'REPLAY' });
    // a new session of the same peers: its own window, empty, so its counter 0 is taken
    const next = sessions(1);
    expect(open(next.r, sealSessionDatagram(suite, next.i, data(9))).ok).toBe(true);
    expect(open(r, d[3]!).ok).toBe(true); // the first session's window is untouched by the second
  });

  it('an INDEX frame in a session datagram is ignored: it is not among the frames acted on [SW-13.8-15]', () => {
    const { i, r } = sessions(2);
    const pt = encodeFrames([{ type: 'INDEX', index: 99, gen: 0, epoch: 1 }, { type: 'DATAGRAM', data: Uint8Array.of(5) }]);
    const got = open(r, sealSessionDatagram(suite, i, pt));
    expect(got.ok).toBe(true);
    if (got.ok) expect(got.frames.map((f) => f.type)).toEqual(['DATAGRAM']);
    expect(r.index).toBe(23); // the index the handshake assigned stays
  });
});
