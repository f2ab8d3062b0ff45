/**
 * cookie.json: the cookie messages of spec 6.6. What a receiver makes of a COOKIE or COOKIE_ECHO
 * ([SW-6.6-5], [SW-6.6-7]); the COOKIE a node under load sends for a datagram, and the datagrams it
 * must not answer with one ([SW-6.6-2]); and the sender's side: which COOKIEs it accepts and the
 * COOKIE_ECHO it sends for each ([SW-6.6-3], [SW-6.6-4]). The cookie value itself is the node's own
 * choice ([SW-6.6-1]) and appears here as opaque bytes. Datagrams are real ones, sealed by the SDK.
 */
import { createInitiation, deriveDeviceKey, deriveTrafficKey, encodeFrames, encodeFullHeader, encodeShortHeader, sealDatagram } from '../../src/core.js';
import { Admission } from '../../src/peer/admission.js';
import { encodeCookie, encodeCookieEcho, parseCookieMessage } from '../../src/wire/cookie.js';
import type { Address } from '../../src/transport/transport.js';
import { bootFor, hex, Seeded, suite, VectorFile, type TestBase } from './common.js';

const SITE = new Seeded('cookie/site').bytes(32);
const MAX_DATAGRAM = 1500;
const PENDING = 16;

/** A FULL datagram from `id` to the hub, sealed for real, with `pad` bytes of PADDING. */
function full(id: string, counter: number, pad: number): Uint8Array {
  const boot = bootFor(`cookie/${id}`);
  const tk = deriveTrafficKey(suite, deriveDeviceKey(suite, SITE, id, 0), id, 'hub', 7, boot);
  const frames = encodeFrames(pad > 0 ? [{ type: 'PADDING', length: pad }, { type: 'PING' }] : []);
  return sealDatagram(suite, tk, encodeFullHeader(0, 7, counter, boot, id), 'FULL', frames);
}

function short(counter: number): Uint8Array {
  return sealDatagram(suite, new Seeded(`cookie/short/${counter}`).bytes(32), encodeShortHeader(0x1234, counter), 'SHORT', encodeFrames([{ type: 'PING' }]));
}

function initiation(id: string): Uint8Array {
  const s = new Seeded(`cookie/init/${id}`);
  return createInitiation({
    suite,
    selfId: id,
    peerId: 'hub',
    gen: 0,
    psk: deriveDeviceKey(suite, SITE, id, 0),
    timestamp: { epoch: 3, counter: 1 },
    localIndex: 0x0a0b0c0d,
    ephemeralPrivate: s.bytes(32),
  }).bytes;
}

const cookieValue = (label: string): Uint8Array => new Seeded(`cookie/value/${label}`).bytes(16);
const addr = (s: string): Address => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) });

/** What the SDK parses `m` into, as the vectors write it. */
function parsed(m: Uint8Array): Record<string, unknown> {
  const p = parseCookieMessage(m, MAX_DATAGRAM);
  if (typeof p === 'string') return { result: 'invalid', reason: p };
  return p.type === 'COOKIE'
    ? { result: 'valid', parsed: { type: 'COOKIE', echo: hex(p.echo), cookie: hex(p.cookie) } }
    : { result: 'valid', parsed: { type: 'COOKIE_ECHO', cookie: hex(p.cookie), inner: hex(p.inner) } };
}

export function cookieVectors(): VectorFile {
  const f = new VectorFile(
    'cookie.json',
    'Saltwire cookie messages (COOKIE, COOKIE_ECHO)',
    'saltwire_cookie_v1',
    [
      'Spec 6.6: the answer of a node under load (COOKIE) and the datagram sent again behind it (COOKIE_ECHO).',
      'CookieMessageTest: what a receiver makes of a cookie message. CookieAnswerTest: the COOKIE for a datagram, or none.',
      'CookieMatchTest: a sender that sent `sent` (oldest first) receives `steps` in order; each expects a COOKIE_ECHO or a drop.',
      'Cookie values are opaque: only the node that makes one checks it ([SW-6.6-1]).',
    ],
    {
      Truncated: { bugType: 'MALFORMED_INPUT', description: 'A message shorter or longer than its form allows.' },
      WrongInner: { bugType: 'MALFORMED_INPUT', description: 'A COOKIE_ECHO that carries something other than a FULL datagram or an initiation.' },
      NoAmplification: { bugType: 'AMPLIFICATION', description: 'A COOKIE is never longer than the datagram it answers, and answers only what may draw one.' },
      Unsolicited: { bugType: 'AMPLIFICATION', description: 'A COOKIE that answers no datagram the node sent there, or one already answered, draws nothing.' },
    },
  );

  // ---- CookieMessageTest ----
  const msg = f.group('CookieMessageTest', { maxDatagram: MAX_DATAGRAM });
  const m = (comment: string, message: Uint8Array, specRefs: string[], flags: string[] = []): void => {
    msg({ comment, flags, specRefs, message: hex(message), ...parsed(message) } as unknown as TestBase);
  };
  const c1 = cookieValue('1');
  const d36 = full('a', 1, 0); // 19 + 1 + 16: the shortest FULL datagram
  const d200 = full('sensor-1', 2, 150);
  const init = initiation('sensor-2');
  const cookie = encodeCookie(d200, c1);
  m('a COOKIE answering a 200-byte FULL datagram', cookie, ['SW-6.6-7']);
  m('a COOKIE answering the shortest FULL datagram (36 bytes)', encodeCookie(d36, c1), ['SW-6.6-7', 'SW-6.6-2']);
  m('a COOKIE one byte short', cookie.subarray(0, 33), ['SW-6.6-7'], ['Truncated']);
  m('a COOKIE one byte long', Uint8Array.of(...cookie, 0), ['SW-6.6-7'], ['Truncated']);
  m('the first two bytes of a COOKIE alone', cookie.subarray(0, 2), ['SW-6.6-7'], ['Truncated']);
  m('a COOKIE_ECHO carrying a FULL datagram', encodeCookieEcho(c1, d200), ['SW-6.6-5']);
  m('a COOKIE_ECHO carrying the shortest FULL datagram', encodeCookieEcho(c1, d36), ['SW-6.6-5']);
  m('a COOKIE_ECHO carrying an initiation', encodeCookieEcho(c1, init), ['SW-6.6-5', 'SW-13.6-9']);
  m('a COOKIE_ECHO whose FULL datagram lacks a byte (35 bytes)', encodeCookieEcho(c1, d36).subarray(0, 18 + 35), ['SW-6.6-5'], ['Truncated']);
  m('a COOKIE_ECHO with nothing behind the cookie', encodeCookieEcho(c1, d36).subarray(0, 18), ['SW-6.6-5'], ['Truncated']);
  m('a COOKIE_ECHO cut inside its cookie', encodeCookieEcho(c1, d36).subarray(0, 10), ['SW-6.6-5'], ['Truncated']);
  m('a COOKIE_ECHO carrying a SHORT datagram', Uint8Array.of(0x60, 0x04, ...c1, ...short(5)), ['SW-6.6-5'], ['WrongInner']);
  const response = Uint8Array.of(0x60, 0x02, ...new Seeded('cookie/response').bytes(56));
  m('a COOKIE_ECHO carrying a handshake response', Uint8Array.of(0x60, 0x04, ...c1, ...response), ['SW-6.6-5'], ['WrongInner']);
  m('a COOKIE_ECHO carrying a COOKIE_ECHO', Uint8Array.of(0x60, 0x04, ...c1, ...encodeCookieEcho(c1, d200)), ['SW-6.6-5', 'SW-6.6-6'], ['WrongInner']);
  m('a COOKIE_ECHO carrying a COOKIE (36 bytes with a trailing pair)', Uint8Array.of(0x60, 0x04, ...c1, ...cookie, 0, 0), ['SW-6.6-5', 'SW-6.6-6'], ['WrongInner']);
  const v2 = Uint8Array.from(d200);
  v2[0] = 0x90; // VERSION 10
  m('a COOKIE_ECHO carrying a datagram of another version', Uint8Array.of(0x60, 0x04, ...c1, ...v2), ['SW-6.6-5'], ['WrongInner']);
  const big = new Uint8Array(MAX_DATAGRAM);
  big.set(d200);
  m('a COOKIE_ECHO of MAX_DATAGRAM + 18 bytes', encodeCookieEcho(c1, big), ['SW-6.6-5']);
  m('a COOKIE_ECHO of MAX_DATAGRAM + 19 bytes', encodeCookieEcho(c1, Uint8Array.of(...big, 0)), ['SW-6.6-5']);

  // ---- CookieAnswerTest ----
  const ans = f.group('CookieAnswerTest', {});
  const answer = (comment: string, datagram: Uint8Array, c: Uint8Array, specRefs: string[]): void => {
    let a: Uint8Array | undefined;
    try {
      a = encodeCookie(datagram, c);
    } catch {
      a = undefined;
    }
    const t: TestBase = { comment, flags: ['NoAmplification'], specRefs, datagram: hex(datagram), cookie: hex(c), result: a === undefined ? 'invalid' : 'valid' };
    if (a !== undefined) t['answer'] = hex(a);
    ans(t);
  };
  answer('the COOKIE for a 200-byte FULL datagram', d200, c1, ['SW-6.6-2']);
  answer('the COOKIE for the shortest FULL datagram: 34 bytes for 36', d36, cookieValue('2'), ['SW-6.6-2']);
  answer('the COOKIE for a FULL datagram of 1,200 bytes', full('sensor-3', 9, 1140), cookieValue('3'), ['SW-6.6-2']);
  answer('the COOKIE for an initiation', init, c1, ['SW-6.6-2', 'SW-13.6-9']);
  answer('no COOKIE for a COOKIE_ECHO', encodeCookieEcho(c1, d200), c1, ['SW-6.6-2', 'SW-6.6-6']);
  answer('no COOKIE for a COOKIE', cookie, c1, ['SW-6.6-2', 'SW-6.6-6']);
  answer('no COOKIE for a SHORT datagram', short(6), c1, ['SW-6.6-2']);
  answer('no COOKIE for a handshake response', response, c1, ['SW-6.6-2']);
  answer('no COOKIE for 35 bytes that begin like a FULL datagram', d36.subarray(0, 35), c1, ['SW-6.6-2']);

  // ---- CookieMatchTest ----
  const sentList = [
    { to: '192.0.2.1:4000', datagram: d200 },
    { to: '192.0.2.1:4000', datagram: short(7) },
    { to: '192.0.2.1:4000', datagram: init },
    { to: '192.0.2.1:4000', datagram: encodeCookieEcho(c1, d36) },
    { to: '198.51.100.9:4000', datagram: full('sensor-1', 3, 20) },
  ];
  const match = f.group('CookieMatchTest', { pendingSize: PENDING, sent: sentList.map((s) => ({ to: s.to, datagram: hex(s.datagram) })) });
  const scenario = (comment: string, specRefs: string[], steps: Array<{ from: string; message: Uint8Array }>, flags: string[] = [], extraSent: Array<{ to: string; datagram: Uint8Array }> = []): void => {
    const out: Array<{ from: string; message: string; echo?: string; reason?: string }> = [];
    const sends: Uint8Array[] = [];
    const drops: string[] = [];
    const a = new Admission({ suite, send: (b) => sends.push(b), drop: (r) => drops.push(r), maxDatagram: MAX_DATAGRAM, mtu: 1472 });
    const w = a.watch({ local: addr('192.0.2.50:5000'), mtu: 1472, send: async () => undefined, onReceive: () => undefined, close: async () => undefined });
    for (const s of [...sentList, ...extraSent]) void w.send(s.datagram, addr(s.to));
    for (const s of steps) {
      const before = sends.length;
      const dropsBefore = drops.length;
      a.onMessage(s.message, addr(s.from), 0, () => undefined);
      const row: { from: string; message: string; echo?: string; reason?: string } = { from: s.from, message: hex(s.message) };
      if (sends.length > before) row.echo = hex(sends[sends.length - 1]!);
      else row.reason = drops[dropsBefore];
      out.push(row);
    }
    const t: TestBase = { comment, flags, specRefs, result: 'valid', steps: out };
    if (extraSent.length > 0) t['alsoSent'] = extraSent.map((s) => ({ to: s.to, datagram: hex(s.datagram) }));
    match(t);
  };
  const hub = '192.0.2.1:4000';
  const other = '198.51.100.9:4000';
  scenario('a COOKIE for the FULL datagram sent there: the datagram goes again, unchanged, behind the cookie', ['SW-6.6-3', 'SW-6.6-4'], [{ from: hub, message: encodeCookie(d200, c1) }]);
  scenario('the same COOKIE twice: one COOKIE_ECHO, then UNSOLICITED', ['SW-6.6-3', 'SW-6.6-6'], [
    { from: hub, message: encodeCookie(d200, c1) },
    { from: hub, message: encodeCookie(d200, c1) },
  ], ['Unsolicited']);
  scenario('two COOKIEs with different cookies for one datagram: only the first is answered', ['SW-6.6-3'], [
    { from: hub, message: encodeCookie(d200, c1) },
    { from: hub, message: encodeCookie(d200, cookieValue('4')) },
  ], ['Unsolicited']);
  scenario('a COOKIE for the initiation: the initiation goes again behind the cookie', ['SW-6.6-4', 'SW-13.6-9'], [{ from: hub, message: encodeCookie(init, c1) }]);
  scenario('a COOKIE from another port of the same host: UNSOLICITED', ['SW-6.6-3'], [{ from: '192.0.2.1:4001', message: encodeCookie(d200, c1) }], ['Unsolicited']);
  scenario('a COOKIE from another host for a datagram sent to the first: UNSOLICITED', ['SW-6.6-3'], [{ from: other, message: encodeCookie(d200, c1) }], ['Unsolicited']);
  scenario('a COOKIE from the second destination for the datagram sent there', ['SW-6.6-3', 'SW-6.6-4'], [{ from: other, message: encodeCookie(sentList[4]!.datagram, c1) }]);
  scenario('a COOKIE echoing a SHORT datagram sent: SHORT datagrams draw no COOKIE, so UNSOLICITED', ['SW-6.6-3'], [{ from: hub, message: Uint8Array.of(0x60, 0x03, ...sentList[1]!.datagram.subarray(-16), ...c1) }], ['Unsolicited']);
  scenario('a COOKIE echoing a COOKIE_ECHO sent: UNSOLICITED', ['SW-6.6-3', 'SW-6.6-6'], [{ from: hub, message: Uint8Array.of(0x60, 0x03, ...sentList[3]!.datagram.subarray(-16), ...c1) }], ['Unsolicited']);
  scenario('a COOKIE whose ECHO matches nothing sent', ['SW-6.6-3'], [{ from: hub, message: Uint8Array.of(0x60, 0x03, ...new Seeded('cookie/nothing').bytes(16), ...c1) }], ['Unsolicited']);
  scenario('a COOKIE of 35 bytes: MALFORMED, nothing sent', ['SW-6.6-7'], [{ from: hub, message: Uint8Array.of(...encodeCookie(d200, c1), 0) }], ['Truncated']);
  const later = Array.from({ length: PENDING }, (_, i) => ({ to: hub, datagram: full('sensor-9', 100 + i, 0) }));
  scenario(`a COOKIE for a datagram followed by ${PENDING} later FULL datagrams: forgotten, UNSOLICITED; the last one still answered`, ['SW-6.6-3'], [
    { from: hub, message: encodeCookie(d200, c1) },
    { from: hub, message: encodeCookie(later[PENDING - 1]!.datagram, c1) },
  ], ['Unsolicited'], later);
  return f;
}
