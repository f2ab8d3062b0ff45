/**
 * The GROUP form's datagram layouts (spec 19.4, 19.6): GROUP_DATA and SIGNED share one header;
 * SCOUT and ANNOUNCE have their own. Parsing is exact and touches no state; a parse failure is a
 * drop reason, never an exception.
 * @module
 */
import { BOOT_LEN, COUNTER_LIMIT, NONCE_LEN, TAG_LEN } from '../constants.js';
import { readU32, writeU32 } from '../util/bytes.js';
import { decodeNodeId } from '../wire/node-id.js';
import {
  ANNOUNCE_HEADER_LEN,
  FIRST_BYTE_GROUP,
  GROUP_HEADER_LEN,
  GROUP_NONCE_PREFIX,
  GTYPE_ANNOUNCE,
  GTYPE_DATA,
  GTYPE_SCOUT,
  GTYPE_SIGNED,
  SCOUT_FIXED_LEN,
  SCOUT_FLAG_UNICAST,
  SCOUT_ID_LEN,
  SCOUT_NONCE_PREFIX,
  SIGNATURE_LEN,
} from './constants.js';
import type { GroupDrop } from './drop.js';

/** The clear header of a GROUP_DATA or SIGNED datagram. */
export interface GroupHeader {
  readonly type: typeof GTYPE_DATA | typeof GTYPE_SIGNED;
  readonly gid: number;
  readonly gen: number;
  readonly member: number;
  readonly epoch: number;
  readonly counter: number;
  readonly boot: Uint8Array;
}

export function encodeGroupHeader(h: GroupHeader): Uint8Array {
  const b = new Uint8Array(GROUP_HEADER_LEN);
  b[0] = FIRST_BYTE_GROUP;
  b[1] = h.type;
  b[2] = h.gid >>> 8;
  b[3] = h.gid & 0xff;
  b[4] = h.gen;
  b[5] = h.member >>> 8;
  b[6] = h.member & 0xff;
  writeU32(b, 7, h.epoch);
  writeU32(b, 11, h.counter);
  b.set(h.boot, 15);
  return b;
}

/** nonce = header[0..15) || 0^9 [SW-19.4-2]. */
export function groupNonce(header: Uint8Array): Uint8Array {
  const n = new Uint8Array(NONCE_LEN);
  n.set(header.subarray(0, GROUP_NONCE_PREFIX));
  return n;
}

/**
 * First-byte checks shared by every GROUP datagram [SW-19.1-2]: returns the TYPE byte, or a drop
 * reason. `len` ≥ 2 is checked here; each layout checks its own length.
 */
export function checkGroupFirst(d: Uint8Array): number | GroupDrop {
  if (d.length < 2) return 'MALFORMED';
  const first = d[0]!;
  if (first >>> 6 !== 1) return 'BAD_VERSION';
  if (((first >>> 4) & 3) !== 3) return 'BAD_FORM';
  if ((first & 0x0f) !== 0) return 'BAD_FLAGS';
  return d[1]!;
}

/** Parses a GROUP_DATA or SIGNED header [SW-19.4-3]; the box is `d.subarray(GROUP_HEADER_LEN)`. */
export function parseGroupHeader(d: Uint8Array): GroupHeader | GroupDrop {
  const t = checkGroupFirst(d);
  if (typeof t === 'string') return t;
  if (t !== GTYPE_DATA && t !== GTYPE_SIGNED) return 'BAD_TYPE';
  if (d.length < GROUP_HEADER_LEN + TAG_LEN + (t === GTYPE_SIGNED ? SIGNATURE_LEN : 0)) return 'MALFORMED';
  const gid = (d[2]! << 8) | d[3]!;
  const member = (d[5]! << 8) | d[6]!;
  const epoch = readU32(d, 7);
  const counter = readU32(d, 11);
  if (gid === 0 || member === 0 || epoch === 0) return 'MALFORMED';
  if (counter >= COUNTER_LIMIT) return 'COUNTER_LIMIT';
  return { type: t, gid, gen: d[4]!, member, epoch, counter, boot: d.subarray(15, 15 + BOOT_LEN) };
}

/** A SCOUT's clear fields. */
export interface ScoutHeader {
  readonly gen: number;
  readonly flags: number;
  readonly scoutId: Uint8Array;
  readonly senderId: string;
  /** Bytes before the box. */
  readonly length: number;
}

export function encodeScoutHeader(gen: number, flags: number, scoutId: Uint8Array, senderId: string): Uint8Array {
  const b = new Uint8Array(SCOUT_FIXED_LEN + senderId.length);
  b[0] = FIRST_BYTE_GROUP;
  b[1] = GTYPE_SCOUT;
  b[2] = gen;
  b[3] = flags;
  b.set(scoutId, 4);
  b[4 + SCOUT_ID_LEN] = senderId.length;
  for (let i = 0; i < senderId.length; i++) b[SCOUT_FIXED_LEN + i] = senderId.charCodeAt(i);
  return b;
}

/** nonce = header[0..16) || 0^8 [SW-19.6-3]. */
export function scoutNonce(d: Uint8Array): Uint8Array {
  const n = new Uint8Array(NONCE_LEN);
  n.set(d.subarray(0, SCOUT_NONCE_PREFIX));
  return n;
}

/** Parses a SCOUT [SW-19.6-2]; the box is `d.subarray(h.length)`. */
export function parseScout(d: Uint8Array): ScoutHeader | GroupDrop {
  const t = checkGroupFirst(d);
  if (typeof t === 'string') return t;
  if (t !== GTYPE_SCOUT) return 'BAD_TYPE';
  if (d.length < SCOUT_FIXED_LEN + 1 + TAG_LEN) return 'MALFORMED';
  const flags = d[3]!;
  if ((flags & ~SCOUT_FLAG_UNICAST) !== 0) return 'BAD_FLAGS';
  const sidLen = d[4 + SCOUT_ID_LEN]!;
  if (sidLen < 1 || sidLen > 32 || d.length < SCOUT_FIXED_LEN + sidLen + TAG_LEN) return 'MALFORMED';
  const senderId = decodeNodeId(d.subarray(SCOUT_FIXED_LEN, SCOUT_FIXED_LEN + sidLen));
  if (senderId === undefined) return 'MALFORMED';
  return { gen: d[2]!, flags, scoutId: d.subarray(4, 4 + SCOUT_ID_LEN), senderId, length: SCOUT_FIXED_LEN + sidLen };
}

/** An ANNOUNCE's clear fields; the whole header is the nonce [SW-19.6-5]. */
export interface AnnounceHeader {
  readonly gen: number;
  readonly scoutId: Uint8Array;
}

export function encodeAnnounceHeader(gen: number, scoutId: Uint8Array, rand: Uint8Array): Uint8Array {
  const b = new Uint8Array(ANNOUNCE_HEADER_LEN);
  b[0] = FIRST_BYTE_GROUP;
  b[1] = GTYPE_ANNOUNCE;
  b[2] = gen;
  b[3] = 0;
  b.set(scoutId, 4);
  b.set(rand, 4 + SCOUT_ID_LEN);
  return b;
}

export function parseAnnounce(d: Uint8Array): AnnounceHeader | GroupDrop {
  const t = checkGroupFirst(d);
  if (typeof t === 'string') return t;
  if (t !== GTYPE_ANNOUNCE) return 'BAD_TYPE';
  if (d.length < ANNOUNCE_HEADER_LEN + TAG_LEN) return 'MALFORMED';
  if (d[3] !== 0) return 'BAD_FLAGS';
  return { gen: d[2]!, scoutId: d.subarray(4, 4 + SCOUT_ID_LEN) };
}
