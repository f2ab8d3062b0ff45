// The cookie messages of spec 6.6, written from the spec text (not from the SDK).
// COOKIE = 0x60 0x03 ECHO(16) COOKIE(16), exactly 34 bytes ([SW-6.6-7]).
// COOKIE_ECHO = 0x60 0x04 COOKIE(16) INNER, at most MAX_DATAGRAM + 18 bytes, INNER at least 36 bytes
// beginning with 0x50 (FULL) or 0x60 0x01 (an initiation) ([SW-6.6-5]).
// A COOKIE answers only a FULL datagram or an initiation that came alone, of at least 36 bytes, and
// its ECHO is that datagram's last 16 bytes ([SW-6.6-2]).
// A sender remembers the last COOKIE_PENDING FULL datagrams and initiations it sent and where; a COOKIE
// is accepted only from that destination (address and port) with the ECHO of one of them, which is
// then forgotten; the answer is 0x60 0x04 || COOKIE || that datagram ([SW-6.6-3], [SW-6.6-4]).
import { concat, toHex } from './bytes.js';

export const COOKIE_TYPE = 0x03;
export const COOKIE_ECHO_TYPE = 0x04;
export const COOKIE_LEN = 16;
export const COOKIE_MESSAGE_LEN = 34;
export const COOKIE_ECHO_OVERHEAD = 18;
export const MIN_FULL_DATAGRAM = 19 + 1 + 16; // 4.3: fixed header, a 1-byte id, the tag

export type Parsed =
  | { type: 'COOKIE'; echo: string; cookie: string }
  | { type: 'COOKIE_ECHO'; cookie: string; inner: string }
  | { reason: 'MALFORMED' | 'TOO_LARGE' };

/** May a COOKIE answer this datagram (FULL or initiation, at least 36 bytes)? */
export function answerable(d: Uint8Array): boolean {
  if (d.length < MIN_FULL_DATAGRAM) return false;
  return d[0] === 0x50 || (d[0] === 0x60 && d[1] === 0x01);
}

export function parseCookieMessage(m: Uint8Array, maxDatagram: number): Parsed {
  if (m.length > maxDatagram + COOKIE_ECHO_OVERHEAD) return { reason: 'TOO_LARGE' };
  if (m.length < 2 || m[0] !== 0x60) return { reason: 'MALFORMED' };
  if (m[1] === COOKIE_TYPE) {
    if (m.length !== COOKIE_MESSAGE_LEN) return { reason: 'MALFORMED' };
    return { type: 'COOKIE', echo: toHex(m.slice(2, 18)), cookie: toHex(m.slice(18, 34)) };
  }
  if (m[1] !== COOKIE_ECHO_TYPE) return { reason: 'MALFORMED' };
  const inner = m.slice(COOKIE_ECHO_OVERHEAD);
  if (m.length < COOKIE_ECHO_OVERHEAD || !answerable(inner)) return { reason: 'MALFORMED' };
  return { type: 'COOKIE_ECHO', cookie: toHex(m.slice(2, 18)), inner: toHex(inner) };
}

/** The COOKIE for `d`, or undefined if `d` must not be answered with one. */
export function cookieFor(d: Uint8Array, cookie: Uint8Array): Uint8Array | undefined {
  if (!answerable(d) || cookie.length !== COOKIE_LEN) return undefined;
  return concat(Uint8Array.of(0x60, COOKIE_TYPE), d.slice(d.length - COOKIE_LEN), cookie);
}

/** The sender's memory of [SW-6.6-3]. */
export class Remembered {
  private list: Array<{ to: string; d: Uint8Array }> = [];
  constructor(private readonly size: number) {}
  sent(to: string, d: Uint8Array): void {
    if (!answerable(d)) return;
    this.list.push({ to, d });
    if (this.list.length > this.size) this.list.shift();
  }
  /** The COOKIE_ECHO to send for `message` from `from`, or the drop reason. */
  receive(from: string, message: Uint8Array, maxDatagram: number): { echo: Uint8Array } | { reason: string } {
    const p = parseCookieMessage(message, maxDatagram);
    if ('reason' in p) return p;
    if (p.type !== 'COOKIE') return { reason: 'NOT_A_COOKIE' };
    const i = this.list.findIndex((x) => x.to === from && toHex(x.d.slice(x.d.length - COOKIE_LEN)) === p.echo);
    if (i < 0) return { reason: 'UNSOLICITED' };
    const [x] = this.list.splice(i, 1);
    return { echo: concat(Uint8Array.of(0x60, COOKIE_ECHO_TYPE), message.slice(18, 34), x!.d) };
  }
}
