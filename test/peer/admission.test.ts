/**
 * Cheap rejection (spec 6.4 to 6.6, issue 14 item 3): what a datagram that has not authenticated may
 * cost. Unit tests of admission's buckets, load and cookies, of the cookie messages and of the
 * device-key cache; then nodes on a MemoryNetwork in virtual time: a flood of FULL datagrams naming
 * random ids costs a bounded number of derivations, and a device that is new to a hub under load is
 * served once it has answered the COOKIE. The flood over real UDP is in flood-udp.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { deriveDeviceKey, Receiver, SiteKeyring, tweetnaclSuite, type CryptoSuite } from '../../src/core.js';
import { Admission, sourceOf, type AdmissionHost } from '../../src/peer/admission.js';
import type { Address } from '../../src/transport/transport.js';
import { encodeFullHeader } from '../../src/wire/header.js';
import { encodeCookie, encodeCookieEcho, parseCookieMessage } from '../../src/wire/cookie.js';
import type { DropReason } from '../../src/wire/drop-reason.js';
import { Prng } from '../../src/util/prng.js';
import { PeerSender } from '../../src/session/sender.js';
import { Harness, HUB, SITE, text } from './harness.js';

const suite = tweetnaclSuite;

/** A suite that counts SHA-512 calls: an HKDF is four, so derivations = calls / 4. */
function counting(base: CryptoSuite): CryptoSuite & { sha: number } {
  const s = { ...base, sha: 0 } as CryptoSuite & { sha: number };
  s.sha512 = (d) => {
    s.sha++;
    return base.sha512(d);
  };
  return s;
}

/** A FULL datagram naming `id` with random header fields and a random box (never authentic). */
function forged(rng: Prng, id: string, size = 60): Uint8Array {
  const boot = Uint8Array.from({ length: 8 }, () => rng.int(256));
  const h = encodeFullHeader(0, 1 + rng.int(0xfffffff), rng.int(0xfffffff), boot, id);
  const d = new Uint8Array(Math.max(size, h.length + 16));
  d.set(h);
  for (let i = h.length; i < d.length; i++) d[i] = rng.int(256);
  return d;
}

function randomId(rng: Prng): string {
  return `d${Array.from({ length: 11 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[rng.int(36)]).join('')}`;
}

function gate(options = {}): { a: Admission; sent: Array<{ bytes: Uint8Array; to: Address }>; drops: DropReason[] } {
  const sent: Array<{ bytes: Uint8Array; to: Address }> = [];
  const drops: DropReason[] = [];
  const host: AdmissionHost = { suite, send: (bytes, to) => sent.push({ bytes, to }), drop: (r) => drops.push(r), maxDatagram: 1500, mtu: 1472 };
  return { a: new Admission(host, options), sent, drops };
}

const at = (host: string, port = 5000): Address => ({ host, port });

describe('admission: buckets, load and cookies (spec 6.5)', () => {
  it('a source gets SOURCE_BURST derivations, then SOURCE_RATE per second; other sources keep theirs [SW-6.5-2] [SW-6.5-4]', () => {
    const { a } = gate({ sourceBurst: 5, sourceRate: 2 });
    const d = forged(new Prng('s'), 'dev-1');
    const verdicts = Array.from({ length: 7 }, () => a.derivation(d, at('10.0.0.1'), 0));
    expect(verdicts).toEqual([undefined, undefined, undefined, undefined, undefined, 'DERIVE_LIMIT', 'DERIVE_LIMIT']);
    expect(a.derivation(d, at('10.0.0.1', 6000), 0)).toBe('DERIVE_LIMIT'); // the port is not part of the source
    expect(a.derivation(d, at('10.0.0.2'), 0)).toBeUndefined();
    expect(a.derivation(d, at('10.0.0.1'), 1000)).toBeUndefined(); // 2 per second
    expect(a.derivation(d, at('10.0.0.1'), 1000)).toBeUndefined();
    expect(a.derivation(d, at('10.0.0.1'), 1000)).toBe('DERIVE_LIMIT');
  });

  it('the source of an IPv6 address is its /64; an IPv4-mapped one is its IPv4 address [SW-6.5-2]', () => {
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe(sourceOf('2001:db8:1:2::ffff'));
    expect(sourceOf('2001:db8:1:2::1')).not.toBe(sourceOf('2001:db8:1:3::1'));
    expect(sourceOf('2001:0db8:0001:0002:0:0:0:1')).toBe(sourceOf('2001:db8:1:2::1'));
    expect(sourceOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceOf('fe80::1%eth0')).toBe(sourceOf('fe80::2'));
    expect(sourceOf('192.0.2.7')).toBe('192.0.2.7');
  });

  it('under load a datagram that came alone gets a 34-byte COOKIE echoing its last 16 bytes, and is served once it comes back behind it [SW-6.5-3] [SW-6.6-2]', () => {
    const { a, sent } = gate({ deriveBurst: 10, deriveRate: 10 });
    const rng = new Prng('load');
    for (let i = 0; i < 5; i++) expect(a.derivation(forged(rng, `d${i}`), at(`10.0.1.${i}`), 0)).toBeUndefined();
    expect(a.underLoad(0)).toBe(false);
    expect(a.derivation(forged(rng, 'd5'), at('10.0.1.5'), 0)).toBeUndefined(); // the bucket falls below half
    expect(a.underLoad(0)).toBe(true);
    const d = forged(rng, 'newcomer', 36);
    expect(a.derivation(d, at('10.0.2.1'), 0)).toBe('UNDER_LOAD');
    expect(sent).toHaveLength(1);
    const c = sent[0]!;
    expect(c.to).toEqual(at('10.0.2.1'));
    expect(c.bytes.length).toBe(34);
    expect(c.bytes.length).toBeLessThan(d.length); // no amplification, even for the shortest FULL datagram
    const m = parseCookieMessage(c.bytes);
    if (typeof m === 'string' || m.type !== 'COOKIE') throw new Error(String(m));
    expect(m.echo).toEqual(d.subarray(d.length - 16));
    // behind the cookie, from the same address: granted; from another: BAD_COOKIE, and no answer
    let inner: DropReason | undefined | 'none' = 'none';
    a.onMessage(encodeCookieEcho(m.cookie, d), at('10.0.2.1'), 1, (x) => (inner = a.derivation(x, at('10.0.2.1'), 1)));
    expect(inner).toBeUndefined();
    expect(a.stats.grantedOnCookie).toBe(1);
    a.onMessage(encodeCookieEcho(m.cookie, d), at('10.0.2.2'), 1, (x) => (inner = a.derivation(x, at('10.0.2.2'), 1)));
    expect(inner).toBe('BAD_COOKIE');
    a.onMessage(encodeCookieEcho(m.cookie, d), at('10.0.2.1', 5001), 1, (x) => (inner = a.derivation(x, at('10.0.2.1', 5001), 1)));
    expect(inner).toBe('BAD_COOKIE'); // the port is part of the cookie
    expect(sent).toHaveLength(1); // a COOKIE_ECHO is never answered with a COOKIE [SW-6.6-6]
  });

  it('the node is under load while more datagrams ask for derivations than its rate grants, even with its bucket refilled [SW-6.5-3]', () => {
    const { a } = gate({ deriveBurst: 10, deriveRate: 10, loadWindowMs: 1000 });
    const rng = new Prng('demand');
    const verdicts = Array.from({ length: 12 }, (_, i) => a.derivation(forged(rng, `d${i}`), at(`10.0.1.${i}`), 0));
    expect(verdicts.filter((v) => v === undefined)).toHaveLength(6); // granted until the bucket is below half
    expect(a.derivation(forged(rng, 'x'), at('10.0.3.1'), 500)).toBe('UNDER_LOAD'); // refilled to 9, but 13 asked in the window
    expect(a.derivation(forged(rng, 'x'), at('10.0.3.2'), 1000)).toBe('UNDER_LOAD'); // the window before still counts
    expect(a.underLoad(2500)).toBe(false); // a quiet second and a half
    expect(a.derivation(forged(rng, 'x'), at('10.0.4.2'), 2500)).toBeUndefined();
  });

  it('a cookie is valid under the current and the previous secret, and no older one [SW-6.6-1]', () => {
    // a rate of almost nothing: every request is more than the node grants, so it is always under load
    const { a, sent } = gate({ deriveBurst: 1000, deriveRate: 0.001, cookieSecretIntervalMs: 1000 });
    const rng = new Prng('rot');
    const d = forged(rng, 'dev');
    expect(a.derivation(d, at('10.0.0.1'), 0)).toBe('UNDER_LOAD');
    const m = parseCookieMessage(sent[0]!.bytes) as { cookie: Uint8Array };
    const tryAt = (now: number): DropReason | undefined => {
      let v: DropReason | undefined;
      a.onMessage(encodeCookieEcho(m.cookie, d), at('10.0.0.1'), now, (x) => (v = a.derivation(x, at('10.0.0.1'), now)));
      return v;
    };
    expect(tryAt(500)).toBeUndefined();
    expect(tryAt(1500)).toBeUndefined(); // the secret was replaced at 1500; the previous one still counts
    expect(tryAt(2100)).toBeUndefined();
    expect(tryAt(2600)).toBe('BAD_COOKIE'); // replaced again at 2600: its secret is gone
  });

  it('COOKIEs and one-off answers take from the answer budget, and one-off answers from the source too [SW-6.5-6]', () => {
    const { a, sent } = gate({ deriveBurst: 1000, deriveRate: 0.001, answerRate: 3 }); // always under load
    const rng = new Prng('answers');
    for (let i = 0; i < 5; i++) expect(a.derivation(forged(rng, 'y'), at(`10.9.1.${i}`), 0)).toBe('UNDER_LOAD');
    expect(sent).toHaveLength(3);
    expect(a.stats.answersLimited).toBe(2);
    expect(a.answer(at('10.9.2.1'), 0)).toBe(false); // the budget is spent
    expect(a.answer(at('10.9.2.1'), 1000)).toBe(true);
    const { a: b } = gate({ sourceBurst: 2, sourceRate: 0.001 });
    expect([b.answer(at('10.9.3.1'), 0), b.answer(at('10.9.3.1'), 0), b.answer(at('10.9.3.1'), 0)]).toEqual([true, true, false]);
  });

  it('a COOKIE is answered once, from where the datagram went, with that datagram behind the cookie; any other is UNSOLICITED [SW-6.6-3] [SW-6.6-4]', async () => {
    const { a, sent, drops } = gate();
    const rng = new Prng('dev-side');
    const d = forged(rng, 'me', 200);
    const cookie = new Uint8Array(16).fill(9);
    const shortDatagram = new Uint8Array(40).fill(0x40); // SHORT: never noted
    const cookieFor = (x: Uint8Array): Uint8Array => Uint8Array.of(0x60, 0x03, ...x.subarray(x.length - 16), ...cookie);
    const watched = a.watch({ local: at('me'), mtu: 1472, send: async () => undefined, onReceive: () => undefined, close: async () => undefined });
    await watched.send(d, HUB);
    await watched.send(shortDatagram, HUB);
    a.onMessage(encodeCookie(d, cookie), at('elsewhere', HUB.port), 0, () => undefined);
    expect(drops).toEqual(['UNSOLICITED']);
    a.onMessage(cookieFor(shortDatagram), HUB, 0, () => undefined);
    expect(drops).toEqual(['UNSOLICITED', 'UNSOLICITED']);
    a.onMessage(encodeCookie(d, cookie), HUB, 0, () => undefined);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(HUB);
    expect(sent[0]!.bytes).toEqual(encodeCookieEcho(cookie, d));
    expect(encodeCookie(d, cookie)).toEqual(cookieFor(d));
    a.onMessage(encodeCookie(d, cookie), HUB, 0, () => undefined); // the same COOKIE again: nothing more
    expect(sent).toHaveLength(1);
    expect(drops).toEqual(['UNSOLICITED', 'UNSOLICITED', 'UNSOLICITED']);
  });

  it('cookie messages: a COOKIE is exactly 34 bytes; a COOKIE_ECHO carries a FULL datagram or an initiation, nothing else [SW-6.6-5] [SW-6.6-7]', () => {
    const full = forged(new Prng('m'), 'x', 36);
    const cookie = new Uint8Array(16).fill(1);
    const c = encodeCookie(full, cookie);
    expect(parseCookieMessage(c)).toMatchObject({ type: 'COOKIE' });
    expect(parseCookieMessage(c.subarray(0, 33))).toBe('MALFORMED');
    expect(parseCookieMessage(Uint8Array.of(...c, 0))).toBe('MALFORMED');
    const e = encodeCookieEcho(cookie, full);
    expect(parseCookieMessage(e)).toMatchObject({ type: 'COOKIE_ECHO' });
    expect(parseCookieMessage(e.subarray(0, e.length - 1))).toBe('MALFORMED'); // inner under 36 bytes
    for (let n = 0; n < 18 + 36; n++) expect(parseCookieMessage(e.subarray(0, n))).toBe('MALFORMED'); // never throws
    const wrapped = Uint8Array.of(0x60, 0x04, ...cookie, ...e); // a COOKIE_ECHO inside a COOKIE_ECHO
    expect(parseCookieMessage(wrapped)).toBe('MALFORMED');
    const short = Uint8Array.of(0x60, 0x04, ...cookie, 0x40, ...new Uint8Array(40));
    expect(parseCookieMessage(short)).toBe('MALFORMED');
    expect(() => encodeCookie(new Uint8Array(35).fill(0x50), cookie)).toThrow(); // shorter than any FULL datagram
  });
});

describe('the device-key cache (spec 6.4)', () => {
  it('keys derived for datagrams that never authenticate do not enter the cache, nor evict a device key [SW-6.4-4]', () => {
    const cs = counting(suite);
    const keyring = new SiteKeyring(cs, SITE, 4);
    const rx = new Receiver({ suite: cs, selfId: 'hub', keyring });
    const boot = new Uint8Array(8).fill(3);
    const dev = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, SITE, 'sensor-1', 0), gen: 0, epoch: 1, boot });
    expect(rx.open(dev.seal(Uint8Array.of(0x02, 0x68), 0), 0).ok).toBe(true);
    const rng = new Prng('cache');
    for (let i = 0; i < 50; i++) expect(rx.open(forged(rng, randomId(rng)), 0)).toMatchObject({ ok: false, reason: 'AUTH' });
    // the device's next epoch: its traffic key is derived (4 SHA-512 calls), its device key is cached (no more)
    const dev2 = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, SITE, 'sensor-1', 0), gen: 0, epoch: 2, boot });
    const before = cs.sha;
    expect(rx.open(dev2.seal(Uint8Array.of(0x02, 0x69), 0), 0).ok).toBe(true);
    expect(cs.sha - before).toBe(4);
  });
});

describe('nodes under a flood (virtual time)', () => {
  it('FULL datagrams naming random valid ids from 200 addresses cost at most the admission budget in derivations [SW-6.4-3] [SW-6.5-5] [SW-6.5-1]', async () => {
    const cs = counting(suite);
    const h = new Harness(cs);
    const hub = await h.hub({ admission: { deriveRate: 100, deriveBurst: 100 } });
    const dev = await h.device('sensor-1');
    await h.run(50);
    const rng = new Prng('flood');
    const before = cs.sha;
    const N = 20_000; // 10,000 a second for 2 s
    for (let i = 0; i < N; i++) {
      h.net.inject(forged(rng, randomId(rng)), { host: `10.1.${i % 200}.1`, port: 1000 + (i % 7) }, HUB);
      if (i % 100 === 99) await h.run(10);
    }
    await h.run(100);
    const derivations = (cs.sha - before) / 4;
    // at most the burst and 2 s of refill (each grant: a device key and a traffic key), plus the device's own traffic:
    // no derivation without a grant, and one grant covers both derivations of its datagram [SW-6.5-1]
    expect(derivations).toBeLessThanOrEqual(2 * (100 + 2.1 * 100) + 8);
    expect(hub.stats.drops['DERIVE_LIMIT']! + hub.stats.drops['UNDER_LOAD']!).toBeGreaterThan(N * 0.9);
    expect(hub.stats.admission.cookiesSent).toBeLessThanOrEqual(hub.stats.drops['UNDER_LOAD']!);
    // the established device never needed admission: its datagrams were all opened with its context's key
    dev.send('hub', text('still here'));
    await h.run(10);
    expect(h.texts('hub')).toContain('still here');
  });

  it('a device new to a hub under load is served once it answered a COOKIE: its first reliable message is delivered during the flood [SW-6.6-4] [SW-6.5-4]', async () => {
    const h = new Harness();
    const hub = await h.hub({ admission: { deriveRate: 100, deriveBurst: 100 } });
    const rng = new Prng('newcomer');
    const flood = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 10) {
        for (let i = 0; i < 100; i++) h.net.inject(forged(rng, randomId(rng)), { host: `10.2.${rng.int(250)}.${rng.int(250)}`, port: 999 }, HUB); // 10,000 a second, spoofed
        await h.run(10);
      }
    };
    await flood(200);
    const newcomer = await h.device('late-1');
    let acked = false;
    void newcomer.send('hub', text('hello under load'), { reliable: true }).then(() => (acked = true));
    await flood(3000);
    expect(acked).toBe(true);
    expect(h.texts('hub')).toEqual(['hello under load']);
    expect(hub.stats.admission.grantedOnCookie).toBeGreaterThanOrEqual(1);
    expect(newcomer.stats.admission.cookieEchoes).toBeGreaterThanOrEqual(1);
    expect(hub.stats.drops['UNDER_LOAD']).toBeGreaterThan(1000);
  });

  it('in session mode, an initiation refused under load goes again behind its COOKIE and the session is made [SW-13.6-9] [SW-6.6-4]', async () => {
    const h = new Harness();
    const session = { peers: ['late-2'] }; // the flood's random ids stay in PSK mode, where admission sees them
    const hub = await h.hub({ session, admission: { deriveRate: 100, deriveBurst: 100 } });
    const rng = new Prng('session-newcomer');
    const flood = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 10) {
        // 10 sources: past their buckets 200 a second ask for derivations, twice what the hub grants, and the
        // COOKIEs stay within the answer budget (a spoofed flood above it leaves a newcomer that budget's share)
        for (let i = 0; i < 100; i++) h.net.inject(forged(rng, randomId(rng)), { host: `10.3.0.${i % 10}`, port: 999 }, HUB);
        await h.run(10);
      }
    };
    await flood(200);
    const dev = await h.device('late-2', { session: { peers: 'all' } });
    let acked = false;
    void dev.send('hub', text('hello in session'), { reliable: true }).then(() => (acked = true));
    await flood(3000);
    expect(acked).toBe(true);
    expect(h.texts('hub')).toEqual(['hello in session']);
    expect(dev.stats.sessions.established).toBe(1);
    expect(dev.stats.admission.cookieEchoes).toBeGreaterThanOrEqual(1);
    expect(hub.stats.admission.grantedOnCookie).toBeGreaterThanOrEqual(1);
  });
});
