/**
 * The two handshake messages on the wire (spec 13.4, 13.5): exact parsing with the drop reasons of
 * spec 13.6 and 13.7 (steps before any key is looked up), and the clear headers. Pure: no keys.
 * @module
 */
import { MAX_GENERATION } from '../../constants.js';
import { InvalidArgumentError } from '../../errors.js';
import { readU32, view, writeU32 } from '../../util/bytes.js';
import type { DropReason } from '../../wire/drop-reason.js';
import { assertNodeId, decodeNodeId, lengthPrefixed } from '../../wire/node-id.js';
import {
  DH_LEN,
  FIRST_BYTE_HANDSHAKE,
  INITIATION_FIXED_LEN,
  INITIATION_HEADER_FIXED_LEN,
  RESPONSE_HEADER_LEN,
  RESPONSE_LEN,
  TYPE_INITIATION,
  TYPE_RESPONSE,
} from './constants.js';

/**
 * Drop reasons added by session mode (spec 13.10). Until spec 6.2 and wire/drop-reason.ts list them,
 * they are declared here.
 */
export const SESSION_DROP_REASONS = ['HANDSHAKE_REPLAY', 'BAD_DH', 'HANDSHAKE_RATE', 'SESSION_DISABLED', 'SESSION_REQUIRED'] as const;
export type SessionDropReason = (typeof SESSION_DROP_REASONS)[number];
export type HandshakeDropReason = DropReason | SessionDropReason;

/** A parsed initiation; the views share memory with the datagram. */
export interface ParsedInitiation {
  readonly type: 'INITIATION';
  readonly gen: number;
  readonly initiatorId: string;
  /** Clear bytes mixed first: first, TYPE, GEN, SID_LEN, INITIATOR ID. */
  readonly header: Uint8Array;
  readonly ephemeral: Uint8Array;
  readonly box: Uint8Array;
}

/** A parsed response; `receiverIndex` names the initiator's pending handshake. */
export interface ParsedResponse {
  readonly type: 'RESPONSE';
  readonly receiverIndex: number;
  /** Clear bytes mixed first: first, TYPE, RECEIVER INDEX. */
  readonly header: Uint8Array;
  readonly ephemeral: Uint8Array;
  readonly box: Uint8Array;
}

export type ParsedHandshake = ParsedInitiation | ParsedResponse;

const FORM_HANDSHAKE = 0b10;

/**
 * Parses a handshake message, applying steps 2 to 5 of spec 13.6 (initiation) or 13.7 (response):
 * VERSION, FORM, RESERVED, TYPE, exact length, SID_LEN and id syntax, receiver index ≠ 0. Never
 * throws; a string result is the drop reason. The length limit (step 1, MAX_DATAGRAM) is the caller's.
 */
export function parseHandshake(d: Uint8Array): ParsedHandshake | HandshakeDropReason {
  if (d.length < 1) return 'MALFORMED';
  const first = d[0]!;
  if (first >> 6 !== 0b01) return 'BAD_VERSION'; // [SW-4.2-2]
  if (((first >> 4) & 0b11) !== FORM_HANDSHAKE) return 'BAD_FORM';
  if ((first & 0x0f) !== 0) return 'BAD_FLAGS';
  if (d.length < 2) return 'MALFORMED';
  const type = d[1]!;
  if (type === TYPE_INITIATION) {
    if (d.length < INITIATION_HEADER_FIXED_LEN) return 'MALFORMED';
    const sidLen = d[3]!;
    // [SW-13.6-1] step 5: the length is exact, so no byte can be appended or cut.
    if (sidLen === 0 || d.length !== INITIATION_FIXED_LEN + sidLen) return 'MALFORMED';
    const hEnd = INITIATION_HEADER_FIXED_LEN + sidLen;
    const initiatorId = decodeNodeId(d.subarray(INITIATION_HEADER_FIXED_LEN, hEnd));
    if (initiatorId === undefined) return 'MALFORMED';
    return {
      type: 'INITIATION',
      gen: d[2]!,
      initiatorId,
      header: view(d, 0, hEnd),
      ephemeral: view(d, hEnd, hEnd + DH_LEN),
      box: view(d, hEnd + DH_LEN),
    };
  }
  if (type === TYPE_RESPONSE) {
    if (d.length !== RESPONSE_LEN) return 'MALFORMED';
    const receiverIndex = readU32(d, 2);
    if (receiverIndex === 0) return 'UNKNOWN_INDEX'; // index 0 is never assigned [SW-4.8-1]
    return {
      type: 'RESPONSE',
      receiverIndex,
      header: view(d, 0, RESPONSE_HEADER_LEN),
      ephemeral: view(d, RESPONSE_HEADER_LEN, RESPONSE_HEADER_LEN + DH_LEN),
      box: view(d, RESPONSE_HEADER_LEN + DH_LEN),
    };
  }
  return 'BAD_FORM'; // a TYPE this version does not define [SW-13.4-1]
}

/** Clear header of an initiation: 0x60, 0x01, GEN, lp(initiator id). */
export function initiationHeader(gen: number, initiatorId: string): Uint8Array {
  if (!Number.isInteger(gen) || gen < 0 || gen > MAX_GENERATION) throw new InvalidArgumentError(`gen must be in [0, 255], got ${gen}`);
  assertNodeId(initiatorId);
  const id = lengthPrefixed(initiatorId);
  const h = new Uint8Array(3 + id.length);
  h[0] = FIRST_BYTE_HANDSHAKE;
  h[1] = TYPE_INITIATION;
  h[2] = gen;
  h.set(id, 3);
  return h;
}

/** Clear header of a response: 0x60, 0x02, u32(receiver index). */
export function responseHeader(receiverIndex: number): Uint8Array {
  assertIndex(receiverIndex, 'receiver index');
  const h = new Uint8Array(RESPONSE_HEADER_LEN);
  h[0] = FIRST_BYTE_HANDSHAKE;
  h[1] = TYPE_RESPONSE;
  writeU32(h, 2, receiverIndex);
  return h;
}

/** Throws InvalidArgumentError unless `i` is a receiver index a node may assign: 1 to 2^32-1. */
export function assertIndex(i: number, what = 'index'): void {
  if (!Number.isInteger(i) || i < 1 || i > 0xffffffff) throw new InvalidArgumentError(`${what} must be in [1, 2^32-1], got ${i}`);
}
