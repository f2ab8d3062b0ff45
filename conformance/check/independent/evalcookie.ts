// Evaluators for cookie.json (spec 6.6): CookieMessageTest, CookieAnswerTest, CookieMatchTest.
import { fromHex, toHex } from './bytes.js';
import { cookieFor, parseCookieMessage, Remembered } from './cookie.js';
import { hex, Report, type Evaluator } from './evalcommon.js';

export const evalCookieMessage: Evaluator = (g, t) => {
  const r = new Report();
  const p = parseCookieMessage(hex(t, 'message'), g.maxDatagram);
  if (t.result === 'invalid') r.eq('reason', 'reason' in p ? p.reason : `accepted as ${p.type}`, t.reason);
  else if ('reason' in p) r.fail(`refused (${p.reason}) but the vector is valid`);
  else r.eq('parsed', p, t.parsed);
  return r.failures;
};

export const evalCookieAnswer: Evaluator = (_g, t) => {
  const r = new Report();
  const d = hex(t, 'datagram');
  const a = cookieFor(d, hex(t, 'cookie'));
  if (t.result === 'invalid') {
    if (a !== undefined) r.fail('this checker would answer with a COOKIE');
    return r.failures;
  }
  if (a === undefined) return [...r.failures, 'this checker would not answer'];
  r.hex('answer', a, t.answer);
  if (a.length >= d.length) r.fail(`COOKIE of ${a.length} bytes for a datagram of ${d.length}: amplification [SW-6.6-2]`);
  return r.failures;
};

export const evalCookieMatch: Evaluator = (g, t) => {
  const r = new Report();
  const mem = new Remembered(g.pendingSize);
  for (const s of [...g.sent, ...(t.alsoSent ?? [])]) mem.sent(s.to, fromHex(s.datagram, 'sent datagram'));
  for (const [i, s] of (t.steps as any[]).entries()) {
    const got = mem.receive(s.from, fromHex(s.message, 'message'), 1500);
    if ('echo' in got) {
      if (s.echo !== toHex(got.echo)) r.fail(`step ${i}: this checker sends a COOKIE_ECHO; the vector says ${s.echo === undefined ? s.reason : 'another one'}`);
    } else if (s.echo !== undefined || s.reason !== got.reason) r.fail(`step ${i}: this checker drops it (${got.reason}); the vector says ${s.echo === undefined ? s.reason : 'a COOKIE_ECHO'}`);
  }
  return r.failures;
};
