// Operations of the message layer (spec 15.3, 16.1, 16.2), written from the spec text only.
// Contract: readOperation(bytes) returns the JSON form of conformance/README.md (OpCodecTest) of one
// operation, or null when a receiver must drop it ([SW-15.3-6]). writeOperation(json) is the
// inverse for valid operations (it throws on JSON it cannot write).
//
// The layout is data: OPERATIONS maps each OP byte to its list of fields ([SW-15.3-5], the table of
// 15.3), and one generic reader and one generic writer walk that list. A field is an integer, a
// string8/string16 with the rule its value must satisfy, a list (count then entries), the FLAGS byte
// (whose bits give QOS, RETAIN and which optional fields follow), or REST. The string rules (topic
// name, topic filter, node id, method name) are those of 15.1, 3.2 and 15.3; UTF-8 is decoded here
// byte by byte (RFC 3629), never with a platform decoder, so nothing is repaired or stripped.
//
// Points the spec leaves open (see the SPEC GAP comments): QOS values 4-255 in SUBSCRIBE/SYNC,
// SUBACK codes outside the table, an empty FROM in a PUBLISH whose FROM bit is set, whether method
// names must be well-formed UTF-8. They are decided here the strict way; no vector depends on the
// first and third.
import { concat, toHex } from './bytes.js';

// ---- UTF-8 (RFC 3629) ----

/** Decodes well-formed UTF-8; null for anything else (overlong, surrogate, > U+10FFFF, cut short). */
export function utf8Decode(b: Uint8Array): string | null {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const lead = b[i];
    // [continuation bytes, value bits of the lead byte, smallest code point of that length]
    const shape: [number, number, number] | null =
      lead < 0x80 ? [0, lead, 0] : lead >= 0xc2 && lead <= 0xdf ? [1, lead & 0x1f, 0x80] : lead >= 0xe0 && lead <= 0xef ? [2, lead & 0x0f, 0x800] : lead >= 0xf0 && lead <= 0xf4 ? [3, lead & 0x07, 0x10000] : null;
    if (!shape) return null;
    let [more, cp] = shape;
    const min = shape[2];
    for (let k = 1; k <= more; k++) {
      const c = b[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return null;
      cp = cp * 64 + (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += more + 1;
  }
  return out;
}

/** Encodes a string as UTF-8; throws on an unpaired surrogate ([SW-15.1-3]: it has no UTF-8 form). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new Error('unpaired surrogate');
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

// ---- string rules ----

export const MAX_TOPIC_BYTES = 256; // 15.1
export const MAX_TOPIC_LEVELS = 32; // 15.1
export const MAX_METHOD_BYTES = 64; // 15.3
const NODE_ID = /^[A-Za-z0-9_-]{1,32}$/; // [SW-3.2-1]

/** The rules common to names and filters: [SW-15.1-2] to [SW-15.1-5]; returns the levels or null. */
function topicLevels(s: string, byteLen: number): string[] | null {
  if (s.length === 0 || byteLen > MAX_TOPIC_BYTES || s.includes('\u0000')) return null;
  const levels = s.split('/');
  return levels.length > MAX_TOPIC_LEVELS ? null : levels;
}

type Rule = (s: string, byteLen: number) => boolean;

/** [SW-15.1-6]: no wildcard character anywhere. */
const topicName: Rule = (s, n) => topicLevels(s, n) !== null && !/[+#]/.test(s);
/** [SW-15.1-7], [SW-15.1-8]: '+' is a whole level; '#' is the whole last level. */
const topicFilter: Rule = (s, n) => {
  const lv = topicLevels(s, n);
  return lv !== null && lv.every((l, i) => (!l.includes('+') || l === '+') && (!l.includes('#') || (l === '#' && i === lv.length - 1)));
};
/** [SW-15.9-3]: a WILL's TOPIC may be empty (it clears the will); otherwise a topic name. */
const willTopic: Rule = (s, n) => s === '' || topicName(s, n);
/** [SW-15.3-5]: node ids follow 3.2; an empty STR means "none". */
const nodeIdOrNone: Rule = (s) => s === '' || NODE_ID.test(s);
/** SPEC GAP: a PUBLISH FROM is present only when its bit is set; an empty one is taken as invalid. */
const nodeId: Rule = (s) => NODE_ID.test(s);
/** [SW-15.3-5]: 1 to 64 bytes of UTF-8 without U+0000 (SPEC GAP: well-formedness assumed). */
const methodName: Rule = (s, n) => n >= 1 && n <= MAX_METHOD_BYTES && !s.includes('\u0000');

// ---- UVAR (4.11) ----

/** Reads a UVAR (LEB128, shortest form only, at most 5 bytes, at most 2^32-1) at `at.pos`; null if bad. */
export function readUvar(b: Uint8Array, at: { pos: number }): number | null {
  let v = 0;
  for (let k = 0; k < 5; k++) {
    const x = b[at.pos + k];
    if (x === undefined) return null; // truncated
    v += (x & 0x7f) * 2 ** (7 * k);
    if ((x & 0x80) === 0) {
      if (k > 0 && x === 0) return null; // not the shortest form
      if (v > 0xffffffff) return null;
      at.pos += k + 1;
      return v;
    }
  }
  return null; // longer than 5 bytes
}

export function writeUvar(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`UVAR out of range: ${v}`);
  const out: number[] = [];
  while (v >= 0x80) { out.push(0x80 | (v % 128)); v = Math.floor(v / 128); }
  out.push(v);
  return Uint8Array.from(out);
}

// ---- the table of 15.3 ----

type Int = 'u8' | 'u16' | 'u32' | 'u64';
const INT_BYTES: Record<Int, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };

/** When an optional PUBLISH field is present, from the flags in its OP byte. */
type Present = (flags: number) => boolean;

type Field =
  /** An integer (fixed or UVAR); `ok` restricts its value; `when` (PUBLISH) makes it optional. */
  | { key: string; kind: Int | 'uvar'; ok?: (v: number) => boolean; when?: Present }
  /** A STR: a UVAR length then UTF-8 bytes, with the rule its value must satisfy. */
  | { key: string; kind: 'str'; rule: Rule; when?: Present }
  /** A FLAGS byte: QOS in bits 0-1 (3 invalid), RETAIN in bit 2, every other bit reserved. */
  | { key: 'flags'; kind: 'flags' }
  /** PUBLISH only: the flags are the low 7 bits of the OP byte itself (already read). */
  | { key: 'flags'; kind: 'opflags' }
  /** Fields read into one nested object (the LIMITS of a SYNC). */
  | { key: string; kind: 'group'; fields: Field[] }
  /** A count then that many entries; an entry of one field is written in JSON as its bare value. */
  | { key: string; kind: 'list'; count: 'u8' | 'u16'; min: number; entry: Field[] }
  | { key: string; kind: 'rest' };

const QOS_OK = (v: number): boolean => v <= 2; // [SW-15.5-1] "0 to 2"; SPEC GAP for 4-255
const SUBACK_CODES = new Set([0, 1, 2, 0x80, 0x81, 0x82]); // [SW-15.3-5]; SPEC GAP: others invalid
const OP_PUBLISH = 0x80; // every OP with bit 7 set [SW-15.3-5]
const B_ALIAS = 0x08, B_TOPIC = 0x10, B_FROM = 0x20, B_REF = 0x40;
const bit = (b: number): Present => (f) => (f & b) !== 0;
const PUBNACK_REASONS = new Set([0x80, 0x82, 0x83]); // [SW-15.4-4]
const inRange = (lo: number, hi: number) => (v: number): boolean => v >= lo && v <= hi;

interface OpDef {
  name: string;
  fields: Field[];
  /** Checks across fields, after a successful read. */
  coherent?: (flags: number) => boolean;
}

export const OPERATIONS: Record<number, OpDef> = {
  [OP_PUBLISH]: {
    name: 'PUBLISH',
    fields: [
      { key: 'flags', kind: 'opflags' },
      { key: 'alias', kind: 'uvar', when: bit(B_ALIAS), ok: inRange(1, 65535) }, // [SW-15.7-1], the codec's bound [SW-15.3-6]
      { key: 'topic', kind: 'str', when: bit(B_TOPIC), rule: topicName },
      { key: 'from', kind: 'str', when: bit(B_FROM), rule: nodeId },
      { key: 'pubId', kind: 'u64', when: (f) => (f & 3) === 2 }, // present exactly at QOS 2 [SW-15.4-2]
      { key: 'ref', kind: 'u16', when: bit(B_REF) }, // [SW-15.4-4]
      { key: 'payload', kind: 'rest' },
    ],
    // [SW-15.4-2]: TOPIC or ALIAS or both; [SW-15.4-4]: no REF at QOS 0.
    coherent: (f) => (f & (B_ALIAS | B_TOPIC)) !== 0 && !((f & B_REF) !== 0 && (f & 3) === 0),
  },
  0x09: { name: 'PUBNACK', fields: [{ key: 'ref', kind: 'u16' }, { key: 'reason', kind: 'u8', ok: (v) => PUBNACK_REASONS.has(v) }] },
  0x02: {
    name: 'SUBSCRIBE',
    fields: [
      { key: 'req', kind: 'u16' },
      { key: 'filters', kind: 'list', count: 'u8', min: 1, entry: [{ key: 'qos', kind: 'u8', ok: QOS_OK }, { key: 'filter', kind: 'str', rule: topicFilter }] },
    ],
  },
  0x03: { name: 'SUBACK', fields: [{ key: 'req', kind: 'u16' }, { key: 'codes', kind: 'list', count: 'u8', min: 0, entry: [{ key: 'code', kind: 'u8', ok: (v) => SUBACK_CODES.has(v) }] }] },
  0x04: { name: 'UNSUBSCRIBE', fields: [{ key: 'req', kind: 'u16' }, { key: 'filters', kind: 'list', count: 'u8', min: 1, entry: [{ key: 'filter', kind: 'str', rule: topicFilter }] }] },
  0x05: { name: 'UNSUBACK', fields: [{ key: 'req', kind: 'u16' }] },
  0x06: {
    name: 'SYNC',
    fields: [
      { key: 'req', kind: 'u16' },
      // [SW-15.5-8]: the limits the sender declares
      {
        key: 'limits',
        kind: 'group',
        fields: [
          { key: 'maxDatagram', kind: 'uvar', ok: inRange(512, 65507) },
          { key: 'maxMessage', kind: 'uvar', ok: inRange(1, 0xffffffff) },
          { key: 'maxAliases', kind: 'uvar', ok: inRange(0, 65535) },
          { key: 'window', kind: 'uvar', ok: inRange(1, 65535) },
        ],
      },
      { key: 'filters', kind: 'list', count: 'u16', min: 0, entry: [{ key: 'qos', kind: 'u8', ok: QOS_OK }, { key: 'filter', kind: 'str', rule: topicFilter }] },
    ],
  },
  0x07: { name: 'WILL', fields: [{ key: 'flags', kind: 'flags' }, { key: 'topic', kind: 'str', rule: willTopic }, { key: 'payload', kind: 'rest' }] },
  0x08: { name: 'ALIAS', fields: [{ key: 'alias', kind: 'uvar', ok: inRange(1, 65535) }, { key: 'topic', kind: 'str', rule: topicName }] },
  0x10: {
    name: 'CALL',
    fields: [
      { key: 'callId', kind: 'u64' },
      { key: 'timeoutMs', kind: 'uvar' },
      { key: 'to', kind: 'str', rule: nodeIdOrNone },
      { key: 'from', kind: 'str', rule: nodeIdOrNone },
      { key: 'method', kind: 'str', rule: methodName },
      { key: 'params', kind: 'rest' },
    ],
  },
  0x11: { name: 'CALLACK', fields: [{ key: 'callId', kind: 'u64' }, { key: 'to', kind: 'str', rule: nodeIdOrNone }] },
  0x12: {
    name: 'RESULT',
    fields: [
      { key: 'callId', kind: 'u64' },
      { key: 'to', kind: 'str', rule: nodeIdOrNone },
      { key: 'outcome', kind: 'u8', ok: (v) => v <= 5 }, // [SW-16.2-1]
      { key: 'body', kind: 'rest' },
    ],
  },
};

// ---- generic reader ----

class Drop extends Error {}
const drop = (): never => { throw new Drop(); };

/** Reads `fields` from b at `at.pos` into an object; throws Drop for anything a receiver drops. */
function readFields(b: Uint8Array, at: { pos: number }, fields: Field[], out: Record<string, unknown>, flagsIn = 0): number {
  let flags = flagsIn;
  const take = (n: number): Uint8Array => {
    if (b.length - at.pos < n) drop(); // truncated
    const s = b.subarray(at.pos, at.pos + n);
    at.pos += n;
    return s;
  };
  const int = (kind: Int): bigint => take(INT_BYTES[kind]).reduce((acc, x) => acc * 256n + BigInt(x), 0n);
  const uvar = (): number => readUvar(b, at) ?? drop();
  for (const f of fields) {
    if ('when' in f && f.when !== undefined && !f.when(flags)) continue;
    switch (f.kind) {
      case 'flags':
      case 'opflags': {
        flags = f.kind === 'opflags' ? b[0] & 0x7f : Number(int('u8'));
        const allowed = f.kind === 'opflags' ? 0x7f : 0x07;
        if ((flags & 3) === 3 || (flags & ~allowed) !== 0) drop();
        out.qos = flags & 3;
        out.retain = (flags & 0x04) !== 0;
        break;
      }
      case 'uvar': {
        const v = uvar();
        if (f.ok && !f.ok(v)) drop();
        out[f.key] = v;
        break;
      }
      case 'u8': case 'u16': case 'u32': case 'u64': {
        const v = int(f.kind);
        if (f.kind === 'u64') { out[f.key] = v.toString(); break; }
        if (f.ok && !f.ok(Number(v))) drop();
        out[f.key] = Number(v);
        break;
      }
      case 'str': {
        const raw = take(uvar());
        const s = utf8Decode(raw);
        if (s === null || !f.rule(s, raw.length)) drop();
        out[f.key] = s;
        break;
      }
      case 'group': {
        const g: Record<string, unknown> = {};
        readFields(b, at, f.fields, g);
        out[f.key] = g;
        break;
      }
      case 'list': {
        const n = Number(int(f.count));
        if (n < f.min) drop();
        const items: unknown[] = [];
        for (let k = 0; k < n; k++) {
          const e: Record<string, unknown> = {};
          readFields(b, at, f.entry, e);
          items.push(f.entry.length === 1 ? e[f.entry[0].key] : e);
        }
        out[f.key] = items;
        break;
      }
      case 'rest':
        out[f.key] = toHex(take(b.length - at.pos));
        break;
    }
  }
  return flags;
}

export function readOperation(b: Uint8Array): Record<string, unknown> | null {
  if (b.length === 0) return null; // no OP
  const def = OPERATIONS[b[0] >= OP_PUBLISH ? OP_PUBLISH : b[0]];
  if (!def) return null; // unknown OP (0x01, the PUBLISH of draft 1, among them)
  const out: Record<string, unknown> = { op: def.name };
  const at = { pos: 1 };
  try {
    const flags = readFields(b, at, def.fields, out);
    if (def.coherent && !def.coherent(flags)) return null;
  } catch (e) {
    if (e instanceof Drop) return null;
    throw e;
  }
  return at.pos === b.length ? out : null; // bytes after the last field
}

// ---- generic writer ----

function writeFields(j: Record<string, any>, fields: Field[], parts: Uint8Array[]): void {
  const int = (kind: Int, v: bigint | number): void => {
    const n = INT_BYTES[kind];
    let x = BigInt(v);
    if (x < 0n || x >= 1n << BigInt(8 * n)) throw new Error(`${kind} out of range: ${v}`);
    const o = new Uint8Array(n);
    for (let i = n - 1; i >= 0; i--) { o[i] = Number(x & 0xffn); x >>= 8n; }
    parts.push(o);
  };
  for (const f of fields) {
    if ('when' in f && f.when !== undefined && !(f.key in j)) continue;
    switch (f.kind) {
      case 'opflags':
        break; // written in the OP byte by writeOperation
      case 'flags':
        int('u8', j.qos | (j.retain ? 0x04 : 0));
        break;
      case 'uvar':
        parts.push(writeUvar(j[f.key]));
        break;
      case 'u8': case 'u16': case 'u32': case 'u64':
        int(f.kind, f.kind === 'u64' ? BigInt(j[f.key]) : j[f.key]);
        break;
      case 'str': {
        const s = utf8Encode(j[f.key]);
        parts.push(writeUvar(s.length), s);
        break;
      }
      case 'group':
        writeFields(j[f.key], f.fields, parts);
        break;
      case 'list': {
        const items: unknown[] = j[f.key];
        int(f.count, items.length);
        for (const it of items) writeFields(f.entry.length === 1 ? { [f.entry[0].key]: it } : (it as Record<string, any>), f.entry, parts);
        break;
      }
      case 'rest':
        parts.push(new Uint8Array(Buffer.from(j[f.key], 'hex')));
        break;
    }
  }
}

export function writeOperation(j: Record<string, any>): Uint8Array {
  const entry = Object.entries(OPERATIONS).find(([, d]) => d.name === j.op);
  if (!entry) throw new Error(`unknown op ${JSON.stringify(j.op)}`);
  let op = Number(entry[0]);
  if (op === OP_PUBLISH) op |= j.qos | (j.retain ? 0x04 : 0) | ('alias' in j ? B_ALIAS : 0) | ('topic' in j ? B_TOPIC : 0) | ('from' in j ? B_FROM : 0) | ('ref' in j ? B_REF : 0);
  const parts = [Uint8Array.of(op)];
  writeFields(j, entry[1].fields, parts);
  return concat(...parts);
}
