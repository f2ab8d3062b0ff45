/**
 * UVAR, the variable-length unsigned integer of the wire (spec 4.11): 7 bits per byte, least
 * significant group first, bit 7 set on every byte but the last (LEB128, as protobuf's varint and
 * MQTT 5's Variable Byte Integer). Values 0 to 2^32 - 1, so 1 to 5 bytes. Only the shortest form is
 * valid ([SW-4.11-1]): every value has exactly one encoding, so decode and encode are inverses, and
 * the bytes a value takes are uvarSize(value) whether it was read or written.
 * Runtime-agnostic leaf: imports nothing.
 * @module
 */

/** Largest value a UVAR holds. */
export const UVAR_MAX = 0xffffffff;
/** Longest UVAR, in bytes. */
export const UVAR_MAX_LEN = 5;

/** Bytes the shortest encoding of `v` takes (v an integer in [0, UVAR_MAX]). */
export function uvarSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes `v` (an integer in [0, UVAR_MAX], checked by the caller) at `o`; returns the offset after it. */
export function writeUvar(b: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    b[o++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128); // not >>>: v may be 2^31 or more
  }
  b[o++] = v;
  return o;
}

/**
 * Reads the UVAR at `o`, not past `end`. Returns its value, or -1 if it is truncated, longer than
 * 5 bytes, above UVAR_MAX, or not in its shortest form (a last byte 0x00 after others) [SW-4.11-1].
 * The caller advances by uvarSize(value).
 */
export function readUvar(b: Uint8Array, o: number, end: number = b.length): number {
  let v = 0;
  let scale = 1;
  for (let k = 0; k < UVAR_MAX_LEN; k++) {
    if (o + k >= end) return -1;
    const byte = b[o + k]!;
    v += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (k > 0 && byte === 0) return -1; // a longer form than needed
      return v > UVAR_MAX ? -1 : v;
    }
    scale *= 128;
  }
  return -1;
}
