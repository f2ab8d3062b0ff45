/**
 * The two cookie messages of spec 6.6, in the FORM 10 space (first byte 0x60) with TYPE 0x03 and
 * 0x04: COOKIE, the answer of a node under load to a datagram it will not do the work for, and
 * COOKIE_ECHO, that datagram again behind the cookie. Pure: no keys, no state.
 *
 *   COOKIE       0x60 0x03 ECHO(16) COOKIE(16)      34 bytes
 *   COOKIE_ECHO  0x60 0x04 COOKIE(16) INNER          18 + the inner datagram
 * @module
 */
import { COOKIE_ECHO_OVERHEAD, COOKIE_LEN, COOKIE_MESSAGE_LEN, FIRST_BYTE_FULL, TYPE_COOKIE, TYPE_COOKIE_ECHO } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { view } from '../util/bytes.js';
import type { DropReason } from './drop-reason.js';

const FIRST_BYTE_FORM_10 = 0x60;
const TYPE_INITIATION = 0x01;
/** The shortest datagram a COOKIE may answer: a FULL header with a 1-byte id and a bare tag (spec 4.3). */
export const MIN_ANSWERED_LEN = 19 + 1 + 16;

/** True if `d` is one of the two cookie messages (its first two bytes say so; its length is not checked). */
export function isCookieMessage(d: Uint8Array): boolean {
  return d.length >= 2 && d[0] === FIRST_BYTE_FORM_10 && (d[1] === TYPE_COOKIE || d[1] === TYPE_COOKIE_ECHO);
}

/** A datagram a COOKIE may answer [SW-6.6-2]: a FULL datagram or a handshake initiation, judged by its first bytes. */
export function isAnswerable(d: Uint8Array): boolean {
  return d.length >= MIN_ANSWERED_LEN && (d[0] === FIRST_BYTE_FULL || (d[0] === FIRST_BYTE_FORM_10 && d[1] === TYPE_INITIATION));
}

export interface CookieMessage {
  readonly type: 'COOKIE';
  /** The last 16 bytes of the datagram it answers (a view into the message). */
  readonly echo: Uint8Array;
  readonly cookie: Uint8Array;
}

export interface CookieEchoMessage {
  readonly type: 'COOKIE_ECHO';
  readonly cookie: Uint8Array;
  /** The datagram it carries (a view into the message). */
  readonly inner: Uint8Array;
}

/**
 * Parses a cookie message [SW-6.6-5] [SW-6.6-7]: a COOKIE_ECHO of at most `maxDatagram` +
 * COOKIE_ECHO_OVERHEAD bytes (the receiver's MAX_DATAGRAM; no limit if omitted) carrying a FULL
 * datagram or an initiation of at least MIN_ANSWERED_LEN bytes, nothing else (not another cookie
 * message); a COOKIE of exactly 34 bytes. Never throws; a string result is the drop reason.
 */
export function parseCookieMessage(d: Uint8Array, maxDatagram = Infinity): CookieMessage | CookieEchoMessage | DropReason {
  if (d.length > maxDatagram + COOKIE_ECHO_OVERHEAD) return 'TOO_LARGE';
  if (!isCookieMessage(d)) return 'MALFORMED';
  if (d[1] === TYPE_COOKIE) {
    if (d.length !== COOKIE_MESSAGE_LEN) return 'MALFORMED';
    return { type: 'COOKIE', echo: view(d, 2, 2 + COOKIE_LEN), cookie: view(d, 2 + COOKIE_LEN, COOKIE_MESSAGE_LEN) };
  }
  if (d.length < COOKIE_ECHO_OVERHEAD + MIN_ANSWERED_LEN) return 'MALFORMED'; // before any view of it
  const inner = view(d, COOKIE_ECHO_OVERHEAD);
  if (!isAnswerable(inner)) return 'MALFORMED';
  return { type: 'COOKIE_ECHO', cookie: view(d, 2, COOKIE_ECHO_OVERHEAD), inner };
}

/** The COOKIE that answers `answered` [SW-6.6-2]: its ECHO is the last 16 bytes of that datagram. */
export function encodeCookie(answered: Uint8Array, cookie: Uint8Array): Uint8Array {
  if (!isAnswerable(answered)) throw new InvalidArgumentError('a COOKIE answers only a FULL datagram or an initiation [SW-6.6-2]');
  if (cookie.length !== COOKIE_LEN) throw new InvalidArgumentError(`a cookie is ${COOKIE_LEN} bytes`);
  const m = new Uint8Array(COOKIE_MESSAGE_LEN);
  m[0] = FIRST_BYTE_FORM_10;
  m[1] = TYPE_COOKIE;
  m.set(answered.subarray(answered.length - COOKIE_LEN), 2);
  m.set(cookie, 2 + COOKIE_LEN);
  return m;
}

/** The COOKIE_ECHO that carries `inner` (a FULL datagram or an initiation) behind `cookie` [SW-6.6-4]. */
export function encodeCookieEcho(cookie: Uint8Array, inner: Uint8Array): Uint8Array {
  if (!isAnswerable(inner)) throw new InvalidArgumentError('a COOKIE_ECHO carries only a FULL datagram or an initiation [SW-6.6-4]');
  if (cookie.length !== COOKIE_LEN) throw new InvalidArgumentError(`a cookie is ${COOKIE_LEN} bytes`);
  const m = new Uint8Array(COOKIE_ECHO_OVERHEAD + inner.length);
  m[0] = FIRST_BYTE_FORM_10;
  m[1] = TYPE_COOKIE_ECHO;
  m.set(cookie, 2);
  m.set(inner, COOKIE_ECHO_OVERHEAD);
  return m;
}
