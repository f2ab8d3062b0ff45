/**
 * SDK checker hook for cookie.json (spec 6.6): each CookieMessageTest through the SDK's parser, each
 * CookieAnswerTest through its COOKIE encoder, and each CookieMatchTest through a node's admission
 * (its sending half): the datagrams of `sent` go out through a watched transport, the COOKIEs of
 * `steps` come in, and every COOKIE_ECHO or drop is compared.
 */
import { Admission } from '../../src/peer/admission.js';
import type { Address } from '../../src/transport/transport.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { encodeCookie, parseCookieMessage } from '../../src/wire/cookie.js';
import type { CryptoSuite } from '../../src/crypto/suite.js';

export const COOKIE_GROUP_TYPES = ['CookieMessageTest', 'CookieAnswerTest', 'CookieMatchTest'];

type Test = Record<string, any> & { tcId: number; result: 'valid' | 'invalid' };
const addr = (s: string): Address => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) });

/** Returns a failure message, or undefined if the SDK agrees with the vector. */
export function checkCookieVector(suite: CryptoSuite, g: Record<string, any> & { type: string }, t: Test): string | undefined {
  if (g.type === 'CookieMessageTest') {
    const p = parseCookieMessage(fromHex(t.message), g.maxDatagram);
    if (t.result === 'invalid') return p === t.reason ? undefined : `got ${typeof p === 'string' ? p : p.type}, want ${t.reason}`;
    if (typeof p === 'string') return `refused: ${p}`;
    const got = p.type === 'COOKIE' ? { type: p.type, echo: toHex(p.echo), cookie: toHex(p.cookie) } : { type: p.type, cookie: toHex(p.cookie), inner: toHex(p.inner) };
    return JSON.stringify(got) === JSON.stringify(t.parsed) ? undefined : `parsed ${JSON.stringify(got).slice(0, 120)}`;
  }
  if (g.type === 'CookieAnswerTest') {
    let a: Uint8Array | undefined;
    try {
      a = encodeCookie(fromHex(t.datagram), fromHex(t.cookie));
    } catch {
      a = undefined;
    }
    if (t.result === 'invalid') return a === undefined ? undefined : 'answered with a COOKIE';
    return a !== undefined && toHex(a) === t.answer ? undefined : 'answer differs';
  }
  const sends: Uint8Array[] = [];
  const drops: string[] = [];
  const a = new Admission({ suite, send: (b) => sends.push(b), drop: (r) => drops.push(r), maxDatagram: 1500, mtu: 1472 }, { cookiePending: g.pendingSize });
  const w = a.watch({ local: addr('192.0.2.50:5000'), mtu: 1472, send: async () => undefined, onReceive: () => undefined, close: async () => undefined });
  for (const s of [...g.sent, ...(t.alsoSent ?? [])] as Array<{ to: string; datagram: string }>) void w.send(fromHex(s.datagram), addr(s.to));
  for (const [i, s] of (t.steps as Array<{ from: string; message: string; echo?: string; reason?: string }>).entries()) {
    const [n, d] = [sends.length, drops.length];
    a.onMessage(fromHex(s.message), addr(s.from), 0, () => undefined);
    const echo = sends.length > n ? toHex(sends[sends.length - 1]!) : undefined;
    if (echo !== s.echo || (s.reason !== undefined && drops[d] !== s.reason)) return `step ${i}: got ${echo === undefined ? drops[d] : 'a COOKIE_ECHO'}, want ${s.echo === undefined ? s.reason : 'its COOKIE_ECHO'}`;
  }
  return undefined;
}
