/**
 * The clear header (spec 4.2 to 4.5): exact parsing with the drop reasons of spec 6.1 steps 2 to 6,
 * encoding, and the nonce. Pure: no keys, no state.
 * @module
 */
import {
  BOOT_LEN,
  COUNTER_LIMIT,
  FIRST_BYTE_FULL,
  FIRST_BYTE_SHORT,
  FULL_HEADER_FIXED_LEN,
  MAX_GENERATION,
  NONCE_LEN,
  NONCE_PREFIX_FULL,
  SHORT_HEADER_LEN,
  TAG_LEN,
} from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { readU32, writeU32 } from '../util/bytes.js';
import type { DropReason } from './drop-reason.js';
import { assertNodeId, decodeNodeId, lengthPrefixed } from './node-id.js';

/** A parsed FULL header (spec 4.3). */
export interface FullHeader {
  readonly form: 'FULL';
  readonly gen: number;
  readonly epoch: number;
  readonly counter: number;
  /**
   * The sender's BOOT value (8 bytes, a view into the datagram): random per start of the sender,
   * part of the traffic key, so no two starts share a key even at one epoch (spec 3.5, 4.3).
   */
  readonly boot: Uint8Array;
  readonly senderId: string;
  /** Header length in bytes: 19 + length of the sender id. */
  readonly length: number;
}

/** A parsed SHORT header (spec 4.4). */
export interface ShortHeader {
  readonly form: 'SHORT';
  readonly index: number;
  readonly counter: number;
  readonly length: typeof SHORT_HEADER_LEN;
}

export type Header = FullHeader | ShortHeader;

/** A parsed header, or (a string) the drop reason of the first check that failed. */
export type HeaderParse = Header | DropReason;

const FORM_SHORT = 0b00;
const FORM_FULL = 0b01;

/**
 * Parses the header of `d`, applying spec 6.1 steps 2 to 6 in order. Does not check the length
 * limit (step 1, the receiver's MAX_DATAGRAM). Never throws; a string result is the drop reason.
 */
export function parseHeader(d: Uint8Array): HeaderParse {
  if (d.length < 1) return 'MALFORMED';
  const first = d[0]!;
  if (first >> 6 !== 0b01) return 'BAD_VERSION'; // [SW-4.2-2]
  const form = (first >> 4) & 0b11;
  if (form !== FORM_SHORT && form !== FORM_FULL) return 'BAD_FORM';
  if ((first & 0x0f) !== 0) return 'BAD_FLAGS';

  if (form === FORM_SHORT) {
    if (d.length < SHORT_HEADER_LEN + TAG_LEN) return 'MALFORMED'; // [SW-4.4-1]
    const counter = readU32(d, 5);
    if (counter >= COUNTER_LIMIT) return 'COUNTER_LIMIT'; // [SW-5.1-3]
    return { form: 'SHORT', index: readU32(d, 1), counter, length: SHORT_HEADER_LEN };
  }

  if (d.length < FULL_HEADER_FIXED_LEN) return 'MALFORMED';
  const sidLen = d[FULL_HEADER_FIXED_LEN - 1]!;
  const length = FULL_HEADER_FIXED_LEN + sidLen;
  // [SW-4.3-1] SID_LEN range, id syntax and room for the tag; [SW-4.3-2] epoch 0.
  if (sidLen === 0 || d.length < length + TAG_LEN) return 'MALFORMED';
  const senderId = decodeNodeId(d.subarray(FULL_HEADER_FIXED_LEN, length));
  if (senderId === undefined) return 'MALFORMED';
  const epoch = readU32(d, 2);
  if (epoch === 0) return 'MALFORMED';
  const counter = readU32(d, 6);
  if (counter >= COUNTER_LIMIT) return 'COUNTER_LIMIT';
  return { form: 'FULL', gen: d[1]!, epoch, counter, boot: d.subarray(10, 10 + BOOT_LEN), senderId, length };
}

function checkU32(name: string, v: number, min: number, maxExclusive: number): void {
  if (!Number.isInteger(v) || v < min || v >= maxExclusive) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${maxExclusive - 1}], got ${v}`);
  }
}

/** Encodes a FULL header. Throws InvalidArgumentError for values a sender must never send. */
export function encodeFullHeader(gen: number, epoch: number, counter: number, boot: Uint8Array, senderId: string): Uint8Array {
  checkU32('gen', gen, 0, MAX_GENERATION + 1);
  assertBoot(boot);
  checkU32('epoch', epoch, 1, 2 ** 32); // [SW-4.3-2]
  checkU32('counter', counter, 0, COUNTER_LIMIT); // [SW-5.1-2]
  assertNodeId(senderId);
  const sid = lengthPrefixed(senderId);
  const h = new Uint8Array(FULL_HEADER_FIXED_LEN - 1 + sid.length);
  h[0] = FIRST_BYTE_FULL;
  h[1] = gen;
  writeU32(h, 2, epoch);
  writeU32(h, 6, counter);
  h.set(boot, 10);
  h.set(sid, 10 + BOOT_LEN);
  return h;
}

/** Throws InvalidArgumentError unless `boot` is a BOOT value: BOOT_LEN (8) bytes. */
export function assertBoot(boot: unknown): asserts boot is Uint8Array {
  if (!(boot instanceof Uint8Array) || boot.length !== BOOT_LEN) {
    throw new InvalidArgumentError(`boot must be ${BOOT_LEN} bytes`);
  }
}

/** Encodes a SHORT header. */
export function encodeShortHeader(index: number, counter: number): Uint8Array {
  checkU32('index', index, 1, 2 ** 32); // [SW-4.4-1] index 0 is never assigned
  checkU32('counter', counter, 0, COUNTER_LIMIT);
  const h = new Uint8Array(SHORT_HEADER_LEN);
  h[0] = FIRST_BYTE_SHORT;
  writeU32(h, 1, index);
  writeU32(h, 5, counter);
  return h;
}

/**
 * Writes the nonce of a header into `out` (24 bytes): the fixed part of the header, zero-padded
 * [SW-4.5-1]. `headerBytes` is the start of the datagram.
 */
export function writeNonce(out: Uint8Array, headerBytes: Uint8Array, form: Header['form']): Uint8Array {
  const n = form === 'SHORT' ? SHORT_HEADER_LEN : NONCE_PREFIX_FULL;
  for (let i = 0; i < n; i++) out[i] = headerBytes[i]!;
  for (let i = n; i < NONCE_LEN; i++) out[i] = 0;
  return out;
}

/** The nonce of a header, in a new buffer. */
export function nonceOf(headerBytes: Uint8Array, form: Header['form']): Uint8Array {
  return writeNonce(new Uint8Array(NONCE_LEN), headerBytes, form);
}
