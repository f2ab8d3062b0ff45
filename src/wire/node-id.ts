/**
 * Node ids (spec 3.2): 1 to 32 characters from A-Z a-z 0-9 _ -, compared byte for byte.
 * @module
 */
import { MAX_ID_LEN, MIN_ID_LEN } from '../constants.js';
import { InvalidNodeIdError } from '../errors.js';
import { ascii } from '../util/bytes.js';

const ID_RE = /^[A-Za-z0-9_-]{1,32}$/;

/** True if `id` is a valid node id [SW-3.2-1]. */
export function isValidNodeId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id);
}

/** Throws InvalidNodeIdError unless `id` is valid [SW-3.2-2]. */
export function assertNodeId(id: unknown): asserts id is string {
  if (!isValidNodeId(id)) throw new InvalidNodeIdError(String(id));
}

/** True if byte `b` may appear in a node id. */
export function isIdByte(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d
  );
}

/** Decodes id bytes from a header; undefined if any byte or the length is invalid. */
export function decodeNodeId(bytes: Uint8Array): string | undefined {
  if (bytes.length < MIN_ID_LEN || bytes.length > MAX_ID_LEN) return undefined;
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (!isIdByte(b)) return undefined;
    s += String.fromCharCode(b);
  }
  return s;
}

/** `lp(id) = u8(len) || id` (spec 1.4). The id must already be valid. */
export function lengthPrefixed(id: string): Uint8Array {
  const out = new Uint8Array(1 + id.length);
  out[0] = id.length;
  out.set(ascii(id), 1);
  return out;
}
