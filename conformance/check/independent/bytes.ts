// Byte helpers used by every other file of the independent checker.
// Contract: all integers are unsigned big-endian (spec 1.4); hex is lowercase (conformance/README.md
// "Byte strings are lowercase hex"), so fromHex refuses upper case, odd lengths and non-hex input.
import { timingSafeEqual } from 'node:crypto';

/** Decodes lowercase hex; throws (naming `what`) on anything else. */
export function fromHex(s: unknown, what = 'hex'): Uint8Array {
  if (typeof s !== 'string') throw new Error(`${what}: expected a hex string, got ${typeof s}`);
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) throw new Error(`${what}: not lowercase hex: ${s.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function isUint(x: unknown, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;
}

/** u8(x) of spec 1.4; throws if x is not an integer in 0..255. */
export function u8(x: number): Uint8Array {
  if (!isUint(x, 0xff)) throw new Error(`u8 out of range: ${x}`);
  return Uint8Array.of(x);
}

/** u32(x) of spec 1.4 (big-endian); throws if x is not an integer in 0..2^32-1. */
export function u32(x: number): Uint8Array {
  if (!isUint(x, 0xffffffff)) throw new Error(`u32 out of range: ${x}`);
  return Uint8Array.of((x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
}

export function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) >>> 0) + (b[off + 1] << 16) + (b[off + 2] << 8) + b[off + 3];
}

export function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/** Constant-time equality for equal lengths [SW-7.2-1]; lengths are public. */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}
