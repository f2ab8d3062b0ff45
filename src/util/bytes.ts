/**
 * Byte helpers shared by every layer. Runtime-agnostic: Uint8Array only.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

const HEX = '0123456789abcdef';

/**
 * Lowercase hex of `bytes`.
 * @group Keys
 */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

/**
 * Parses hex (either case, even length). Throws InvalidArgumentError naming `what`.
 * @group Keys
 */
export function fromHex(hex: string, what = 'hex string'): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new InvalidArgumentError(`${what} is not valid hex`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

export function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

export function u32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  writeU32(b, 0, value);
  return b;
}

/** ASCII bytes of a string whose characters are all below 0x80 (node ids, labels). */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Equality without an early exit, for secrets (spec 7.2-1). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Overwrites a secret in place (spec 3.8-1). */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}

/**
 * A view of `buf` from `start` to `end` sharing its memory, always a plain Uint8Array. Cheaper than
 * subarray(), which looks up a species constructor (and builds a Buffer when `buf` is one).
 */
export function view(buf: Uint8Array, start: number, end: number = buf.length): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}
