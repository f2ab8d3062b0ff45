/**
 * Mutations of genuine Saltwire datagrams, for the fuzzers: bench/fuzz.ts (a live hub over real UDP)
 * and test/peer/fuzz.property.test.ts (fast-check, MemoryNetwork). A mutation is a plain descriptor
 * (numbers and bytes, interpreted modulo the lengths involved), so fast-check can generate and shrink
 * it and the bench can draw it from a seeded generator; mutate() applies it to a corpus of genuine
 * datagrams (both directions of a device-hub exchange) and returns a new array.
 *
 * Kinds: bit flips; truncation; extension; splicing two datagrams; header fields set or shifted
 * (FIRST byte and so FORM, GEN, EPOCH, COUNTER, BOOT, SID_LEN, the sender id, the receiver index),
 * with edge values; FULL re-framed as SHORT and the reverse; COOKIE and COOKIE_ECHO built around a
 * datagram (spec 6.6); random bytes. The result may by chance equal a genuine datagram (a field set to
 * the value it had); isGenuine() tells, and the callers skip those, so that what they send as
 * "mutated" never authenticates (but with the chance of a forged Poly1305 tag, 2^-106).
 *
 * Runtime-agnostic: Uint8Array only.
 * @module
 */

/** Header fields, by name; each form maps them to its own offsets (fieldAt). */
export const FIELDS = ['first', 'gen', 'epoch', 'counter', 'boot', 'sidLen', 'sid', 'index'] as const;
export type Field = (typeof FIELDS)[number];

/** Sender ids a 'sid' mutation writes: the receiver's own id, another valid one, the shortest, the longest, invalid ones. */
export const SIDS = ['hub', 'sensor-2', 'a', 'x'.repeat(32), 'x'.repeat(33), '', 'bad id!', 'UPPER', '\u00e9t\u00e9'] as const;

/**
 * The sender id a 'sid' or 'reform' mutation writes for `value`: below 2^31 one of SIDS, above a
 * random valid id ('d' and base-36 digits), which a hub deriving keys from its site key can only
 * reject after a key derivation (spec 6.4).
 */
export function sidFor(value: number): string {
  const v = value >>> 0;
  return v < 0x80000000 ? SIDS[v % SIDS.length]! : `d${(v & 0x7fffffff).toString(36)}`;
}

/** Values a field is set to besides random ones: bounds of u8/u32, the forms' first bytes, COUNTER_LIMIT. */
export const EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x40, 0x50, 0x60, 0x70, 0x41, 0x51, 0x61, 32, 33, 0xfffe, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff] as const;

/** Deltas of a 'field' mutation with `delta`: +1, +2, -1, -2 (modulo the field's size). */
export const SMALL_STEPS = [1, 2, 0xffffffff, 0xfffffffe] as const;

export type Mutation =
  /** Flips the bits at these positions (modulo the datagram's bit length). */
  | { readonly kind: 'flip'; readonly src: number; readonly bits: readonly number[] }
  /** Keeps `keep` modulo the length bytes: always shorter. */
  | { readonly kind: 'truncate'; readonly src: number; readonly keep: number }
  /** Appends `tail` (at least one byte). */
  | { readonly kind: 'extend'; readonly src: number; readonly tail: Uint8Array }
  /** The first `cut` bytes of `src`, then `other` from byte `from` on (both modulo their lengths + 1). */
  | { readonly kind: 'splice'; readonly src: number; readonly other: number; readonly cut: number; readonly from: number }
  /**
   * Sets (or with `delta`, adds `value` to) a header field: u8 fields take the low byte, u32 fields
   * the value; 'boot' writes its 8 bytes from `value`; 'sid' replaces the sender id with
   * sidFor(value), moving the box and setting SID_LEN. A field the datagram's form lacks hits the byte
   * at `value` modulo its length instead.
   */
  | { readonly kind: 'field'; readonly src: number; readonly field: Field; readonly value: number; readonly delta: boolean }
  /** FULL re-framed as SHORT with receiver index `value` (the box kept), or SHORT as FULL under sidFor(value) with epoch `value`. */
  | { readonly kind: 'reform'; readonly src: number; readonly value: number }
  /** A COOKIE answering `src` (its last 16 bytes as ECHO), or a COOKIE_ECHO carrying `src` with one bit of its tag flipped. */
  | { readonly kind: 'cookie'; readonly src: number; readonly echo: boolean; readonly cookie: Uint8Array }
  /** Random bytes of any length, 0 included. */
  | { readonly kind: 'junk'; readonly bytes: Uint8Array };

export type MutationKind = Mutation['kind'];
export const KINDS: readonly MutationKind[] = ['flip', 'truncate', 'extend', 'splice', 'field', 'reform', 'cookie', 'junk'];

const FULL = 0x50;
const SHORT = 0x40;
const SHORT_HEADER = 9;

/** Offset and size (1, 4 or 8 bytes) of `field` in `d`'s form, or undefined if the form has none. */
function fieldAt(d: Uint8Array, field: Field): [number, number] | undefined {
  if (field === 'first') return [0, 1];
  if (d[0] === FULL) {
    const full: Partial<Record<Field, [number, number]>> = { gen: [1, 1], epoch: [2, 4], counter: [6, 4], boot: [10, 8], sidLen: [18, 1] };
    return full[field];
  }
  if (d[0] === SHORT) {
    const short: Partial<Record<Field, [number, number]>> = { index: [1, 4], counter: [5, 4] };
    return short[field];
  }
  return undefined;
}

function readUint(d: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let i = 0; i < Math.min(size, 4); i++) v = (v * 256 + (d[at + i] ?? 0)) >>> 0;
  return v;
}

function writeUint(d: Uint8Array, at: number, size: number, v: number): void {
  for (let i = Math.min(size, 4) - 1; i >= 0; i--, v = Math.floor(v / 256)) if (at + i < d.length) d[at + i] = v & 0xff;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function setField(d: Uint8Array, field: Field, value: number, delta: boolean): Uint8Array {
  if (field === 'sid') {
    if (d[0] !== FULL || d.length < 19) return setField(d, 'first', value, delta);
    const id = ascii(sidFor(value));
    const oldEnd = Math.min(d.length, 19 + d[18]!);
    const out = concat(d.subarray(0, 19), id, d.subarray(oldEnd));
    out[18] = id.length;
    return out;
  }
  const out = d.slice();
  if (out.length === 0) return out;
  const [at, size] = fieldAt(d, field) ?? [value % out.length, 1];
  if (size === 8) {
    writeUint(out, at, 4, value);
    writeUint(out, at + 4, 4, Math.imul(value, 0x9e3779b1) >>> 0);
    return out;
  }
  const mod = size === 1 ? 0x100 : 0x100000000;
  const v = delta ? (readUint(d, at, size) + value) % mod : value % mod;
  writeUint(out, at, size, v);
  return out;
}

function reform(d: Uint8Array, value: number): Uint8Array {
  if (d[0] === FULL && d.length >= 19) {
    const box = d.subarray(Math.min(d.length, 19 + d[18]!));
    const h = new Uint8Array(SHORT_HEADER);
    h[0] = SHORT;
    writeUint(h, 1, 4, value);
    h.set(d.subarray(6, 10), 5); // the counter
    return concat(h, box);
  }
  const id = ascii(sidFor(value));
  const h = new Uint8Array(19);
  h[0] = FULL;
  writeUint(h, 2, 4, value | 1);
  h.set(d.subarray(5, 9), 6); // the counter, if SHORT
  h[18] = id.length;
  return concat(h, id, d.subarray(Math.min(d.length, SHORT_HEADER)));
}

/** Applies `m` to the corpus (indexes are taken modulo its length). Never modifies the corpus. */
export function mutate(corpus: readonly Uint8Array[], m: Mutation): Uint8Array {
  if (m.kind === 'junk') return m.bytes.slice();
  const d = corpus[m.src % corpus.length]!;
  switch (m.kind) {
    case 'flip': {
      const out = d.slice();
      if (out.length > 0) for (const b of m.bits) out[(b >>> 3) % out.length]! ^= 1 << (b & 7);
      return out;
    }
    case 'truncate':
      return d.slice(0, d.length === 0 ? 0 : m.keep % d.length);
    case 'extend':
      return concat(d, m.tail.length > 0 ? m.tail : new Uint8Array(1));
    case 'splice': {
      const o = corpus[m.other % corpus.length]!;
      return concat(d.subarray(0, m.cut % (d.length + 1)), o.subarray(m.from % (o.length + 1)));
    }
    case 'field':
      return setField(d, m.field, m.value, m.delta);
    case 'reform':
      return reform(d, m.value);
    case 'cookie': {
      const cookie = m.cookie.length >= 16 ? m.cookie.subarray(0, 16) : concat(m.cookie, new Uint8Array(16 - m.cookie.length));
      if (!m.echo) return concat(Uint8Array.of(0x60, 0x03), d.subarray(Math.max(0, d.length - 16)), cookie);
      const inner = d.slice();
      if (inner.length > 0) inner[inner.length - 1]! ^= 1; // the inner datagram's box fails: nothing authentic inside
      return concat(Uint8Array.of(0x60, 0x04), cookie, inner);
    }
  }
}

/** A set of genuine datagrams, to tell whether a mutation happened to reproduce one (a hash, then the bytes). */
export class GenuineSet {
  private readonly byHash = new Map<number, Uint8Array[]>();
  constructor(corpus: readonly Uint8Array[]) {
    for (const d of corpus) {
      const h = fnv1a(d);
      this.byHash.set(h, [...(this.byHash.get(h) ?? []), d]);
    }
  }
  has(d: Uint8Array): boolean {
    const same = this.byHash.get(fnv1a(d));
    return same !== undefined && same.some((g) => g.length === d.length && g.every((b, i) => b === d[i]));
  }
}

/** FNV-1a, 32 bits, over the bytes and the length. */
function fnv1a(d: Uint8Array): number {
  let h = 0x811c9dc5 ^ d.length;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * A random mutation from `rnd` (uniform u32s): the bench's generator. Kinds are drawn with weights
 * that favour the ones that reach deep checks (field changes, flips in the box); lengths stay within
 * 0 to 1,600 bytes so that TOO_LARGE is reached too.
 */
export function randomMutation(rnd: () => number, corpusSize: number): Mutation {
  const src = rnd() % corpusSize;
  const r = rnd() % 100;
  const bytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) writeUint(b, i, Math.min(4, n - i), rnd());
    return b;
  };
  if (r < 20) return { kind: 'flip', src, bits: Array.from({ length: 1 + (rnd() % 4) }, () => rnd()) };
  if (r < 30) return { kind: 'truncate', src, keep: rnd() };
  if (r < 38) return { kind: 'extend', src, tail: bytes(1 + (rnd() % (rnd() % 4 === 0 ? 600 : 32))) };
  if (r < 48) return { kind: 'splice', src, other: rnd() % corpusSize, cut: rnd(), from: rnd() };
  if (r < 78) {
    const field = FIELDS[rnd() % FIELDS.length]!;
    const how = rnd() % 3; // an edge value, a step of 1 or 2 either way from the genuine value, or random
    if (how === 1) return { kind: 'field', src, field, value: SMALL_STEPS[rnd() % SMALL_STEPS.length]!, delta: true };
    return { kind: 'field', src, field, value: how === 0 ? EDGES[rnd() % EDGES.length]! : rnd(), delta: false };
  }
  if (r < 85) return { kind: 'reform', src, value: rnd() };
  if (r < 92) return { kind: 'cookie', src, echo: rnd() % 2 === 0, cookie: bytes(16) };
  return { kind: 'junk', bytes: bytes(rnd() % 4 === 0 ? rnd() % 1600 : rnd() % 64) };
}
