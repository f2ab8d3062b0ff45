// Header forms (4.2-4.4), the nonce (4.5), and steps 2-6 of the receive order [SW-6.1-9].
// Contract: parseHeader(d) performs exactly steps 2, 3, 4, 5 and 6 in that order on a datagram that
// already passed step 1 (TOO_LARGE, which needs the receiver's MAX_DATAGRAM), and returns the first
// failing reason or the parsed header. It touches no state.
import { ascii, concat, readU32, u32, u8, zeros } from './bytes.js';
import {
  BOOT_LEN, BOOT_OFFSET, COUNTER_LIMIT, FIRST_BYTE_FULL, FIRST_BYTE_SHORT, FULL_HEADER_FIXED_LEN, NONCE_LEN,
  NONCE_PREFIX_FULL, NONCE_PREFIX_SHORT, SHORT_HEADER_LEN, SID_LEN_OFFSET, TAG_LEN, type DropReason,
} from './constants.js';
import { isValidNodeIdBytes } from './keys.js';

export interface FullHeader {
  form: 'FULL';
  gen: number;
  epoch: number;
  counter: number;
  /** BOOT, bytes 10-17: any value is valid [SW-4.3-3] */
  boot: Uint8Array;
  senderId: string;
  /** 19 + SID_LEN [4.3] */
  length: number;
}

export interface ShortHeader {
  form: 'SHORT';
  index: number;
  counter: number;
  /** always 9 [4.4] */
  length: number;
}

export type Header = FullHeader | ShortHeader;
export type HeaderResult = { ok: true; header: Header } | { ok: false; reason: DropReason };

const VERSION_1 = 0b01;
const FORM_SHORT = 0b00;
const FORM_FULL = 0b01;

/** Steps 2-6 of [SW-6.1-9]. */
export function parseHeader(d: Uint8Array): HeaderResult {
  // step 2: length ≥ 1 (MALFORMED), VERSION = 01 (BAD_VERSION) [SW-4.2-2]
  if (d.length < 1) return { ok: false, reason: 'MALFORMED' };
  const first = d[0];
  if (first >> 6 !== VERSION_1) return { ok: false, reason: 'BAD_VERSION' };
  // step 3: FORM implemented: SHORT and FULL only; HANDSHAKE and GROUP are reserved sections (BAD_FORM)
  const form = (first >> 4) & 0b11;
  if (form !== FORM_SHORT && form !== FORM_FULL) return { ok: false, reason: 'BAD_FORM' };
  // step 4: RESERVED bits zero (BAD_FLAGS)
  if ((first & 0x0f) !== 0) return { ok: false, reason: 'BAD_FLAGS' };
  // step 5: header parses (MALFORMED) [SW-4.3-1] [SW-4.3-2] [SW-4.4-1]
  let header: Header;
  if (form === FORM_FULL) {
    if (d.length < FULL_HEADER_FIXED_LEN) return { ok: false, reason: 'MALFORMED' };
    const sidLen = d[SID_LEN_OFFSET];
    if (sidLen < 1 || sidLen > 32) return { ok: false, reason: 'MALFORMED' };
    const length = FULL_HEADER_FIXED_LEN + sidLen;
    if (d.length < length + TAG_LEN) return { ok: false, reason: 'MALFORMED' };
    const sid = d.subarray(FULL_HEADER_FIXED_LEN, length);
    if (!isValidNodeIdBytes(sid)) return { ok: false, reason: 'MALFORMED' };
    const epoch = readU32(d, 2);
    if (epoch === 0) return { ok: false, reason: 'MALFORMED' };
    const boot = d.slice(BOOT_OFFSET, BOOT_OFFSET + BOOT_LEN); // no check: any BOOT value [SW-4.3-3]
    header = { form: 'FULL', gen: d[1], epoch, counter: readU32(d, 6), boot, senderId: Buffer.from(sid).toString('latin1'), length };
  } else {
    if (d.length < SHORT_HEADER_LEN + TAG_LEN) return { ok: false, reason: 'MALFORMED' };
    // index 0 is not a parse error: [SW-4.4-1] makes it UNKNOWN_INDEX (step 7b).
    header = { form: 'SHORT', index: readU32(d, 1), counter: readU32(d, 5), length: SHORT_HEADER_LEN };
  }
  // step 6: COUNTER < COUNTER_LIMIT [SW-5.1-3]
  if (header.counter >= COUNTER_LIMIT) return { ok: false, reason: 'COUNTER_LIMIT' };
  return { ok: true, header };
}

/** FULL header bytes [4.3]: 0x50 || GEN || EPOCH || COUNTER || BOOT || SID_LEN || SENDER ID. No validation. */
export function buildFullHeader(gen: number, epoch: number, counter: number, boot: Uint8Array, senderId: string): Uint8Array {
  if (boot.length !== BOOT_LEN) throw new Error(`BOOT must be ${BOOT_LEN} bytes`);
  return concat(u8(FIRST_BYTE_FULL), u8(gen), u32(epoch), u32(counter), boot, u8(senderId.length), ascii(senderId));
}

/** SHORT header bytes [4.4]: 0x40 || RECEIVER INDEX || COUNTER. No validation. */
export function buildShortHeader(index: number, counter: number): Uint8Array {
  return concat(u8(FIRST_BYTE_SHORT), u32(index), u32(counter));
}

/** [SW-4.5-1]: FULL header[0..10) || 0^14; SHORT header[0..9) || 0^15. */
export function nonceOf(header: Uint8Array, form: 'FULL' | 'SHORT'): Uint8Array {
  const n = form === 'FULL' ? NONCE_PREFIX_FULL : NONCE_PREFIX_SHORT;
  if (header.length < n) throw new Error('header too short for a nonce');
  return concat(header.subarray(0, n), zeros(NONCE_LEN - n));
}
