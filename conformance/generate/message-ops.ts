/**
 * message_ops.json: the operations of the message layer (spec 15.3, 16.1-16.2) as bytes, checked
 * three ways (decode, encode, round trip) like mqtt-packet's fixtures. Valid vectors are written
 * with the SDK encoder (encodeOp) from an operation stated here; the expected JSON is that stated
 * operation, not what the SDK decodes, so an SDK decoder bug shows up as a failing vector. Invalid
 * vectors are raw bytes built field by field below, one drop rule of [SW-15.3-6] each.
 */
import { encode as msgpack } from '@msgpack/msgpack';
import { decodeOp, encodeOp } from '../../src/messaging/op-codec.js';
import type { Op, QoS } from '../../src/messaging/ops.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { VectorFile } from './common.js';

// ---- JSON form of an operation (conformance/README.md, OpCodecTest) ----

/** JSON of an operation, keys in wire order: u64 fields as decimal strings, byte fields as hex. */
export function opJson(o: Op): Record<string, unknown> {
  switch (o.op) {
    case 'PUBLISH':
      return {
        op: o.op,
        qos: o.qos,
        retain: o.retain,
        ...(o.alias !== undefined && { alias: o.alias }),
        ...(o.topic !== undefined && { topic: o.topic }),
        ...(o.from !== undefined && { from: o.from }),
        ...(o.pubId !== undefined && { pubId: o.pubId.toString() }),
        ...(o.ref !== undefined && { ref: o.ref }),
        payload: toHex(o.payload),
      };
    case 'PUBNACK':
      return { op: o.op, ref: o.ref, reason: o.reason };
    case 'SUBSCRIBE':
      return { op: o.op, req: o.req, filters: o.filters.map((f) => ({ qos: f.qos, filter: f.filter })) };
    case 'SYNC': {
      const l = o.limits;
      return { op: o.op, req: o.req, limits: { maxDatagram: l.maxDatagram, maxMessage: l.maxMessage, maxAliases: l.maxAliases, window: l.window }, filters: o.filters.map((f) => ({ qos: f.qos, filter: f.filter })) };
    }
    case 'SUBACK':
      return { op: o.op, req: o.req, codes: [...o.codes] };
    case 'UNSUBSCRIBE':
      return { op: o.op, req: o.req, filters: [...o.filters] };
    case 'UNSUBACK':
      return { op: o.op, req: o.req };
    case 'WILL':
      return { op: o.op, qos: o.qos, retain: o.retain, topic: o.topic, payload: toHex(o.payload) };
    case 'ALIAS':
      return { op: o.op, alias: o.alias, topic: o.topic };
    case 'CALL':
      return { op: o.op, callId: o.callId.toString(), timeoutMs: o.timeoutMs, to: o.to, from: o.from, method: o.method, params: toHex(o.params) };
    case 'CALLACK':
      return { op: o.op, callId: o.callId.toString(), to: o.to };
    case 'RESULT':
      return { op: o.op, callId: o.callId.toString(), to: o.to, outcome: o.outcome, body: toHex(o.body) };
  }
}

/** The inverse of opJson. */
export function opFromJson(j: Record<string, any>): Op {
  const b = (s: string): Uint8Array => fromHex(s);
  switch (j.op as Op['op']) {
    case 'PUBLISH':
      return {
        op: 'PUBLISH',
        qos: j.qos,
        retain: j.retain,
        ...(j.alias !== undefined && { alias: j.alias }),
        ...(j.topic !== undefined && { topic: j.topic }),
        ...(j.from !== undefined && { from: j.from }),
        ...(j.pubId !== undefined && { pubId: BigInt(j.pubId) }),
        ...(j.ref !== undefined && { ref: j.ref }),
        payload: b(j.payload),
      };
    case 'PUBNACK':
      return { op: 'PUBNACK', ref: j.ref, reason: j.reason };
    case 'SUBSCRIBE':
      return { op: 'SUBSCRIBE', req: j.req, filters: j.filters.map((f: { qos: QoS; filter: string }) => ({ filter: f.filter, qos: f.qos })) };
    case 'SYNC':
      return { op: 'SYNC', req: j.req, limits: { ...j.limits }, filters: j.filters.map((f: { qos: QoS; filter: string }) => ({ filter: f.filter, qos: f.qos })) };
    case 'SUBACK':
      return { op: 'SUBACK', req: j.req, codes: j.codes };
    case 'UNSUBSCRIBE':
      return { op: 'UNSUBSCRIBE', req: j.req, filters: j.filters };
    case 'UNSUBACK':
      return { op: 'UNSUBACK', req: j.req };
    case 'WILL':
      return { op: 'WILL', qos: j.qos, retain: j.retain, topic: j.topic, payload: b(j.payload) };
    case 'ALIAS':
      return { op: 'ALIAS', alias: j.alias, topic: j.topic };
    case 'CALL':
      return { op: 'CALL', callId: BigInt(j.callId), timeoutMs: j.timeoutMs, to: j.to, from: j.from, method: j.method, params: b(j.params) };
    case 'CALLACK':
      return { op: 'CALLACK', callId: BigInt(j.callId), to: j.to };
    case 'RESULT':
      return { op: 'RESULT', callId: BigInt(j.callId), to: j.to, outcome: j.outcome, body: b(j.body) };
    default:
      throw new Error(`unknown op ${JSON.stringify(j.op)}`);
  }
}

// ---- raw field writers, for bytes the encoder refuses to write ----

const utf8 = (s: string): string => toHex(new TextEncoder().encode(s));
const h8 = (n: number): string => n.toString(16).padStart(2, '0');
const h16 = (n: number): string => n.toString(16).padStart(4, '0');
const h32 = (n: number): string => n.toString(16).padStart(8, '0');
const h64 = (n: bigint): string => n.toString(16).padStart(16, '0');
/** A UVAR (4.11), shortest form. */
const uv = (n: number): string => {
  let out = '';
  while (n >= 0x80) {
    out += h8((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  return out + h8(n);
};
/** STR of raw hex bytes (a UVAR length, then the bytes), and of a string's UTF-8. */
const sx = (hx: string): string => uv(hx.length / 2) + hx;
const st = (s: string): string => sx(utf8(s));
/** The LIMITS of a SYNC [SW-15.5-8]: MAX_DATAGRAM, MAX_MESSAGE, MAX_ALIASES, WINDOW. */
const lim = (d = 512, m = 4096, a = 8, w = 8): string => uv(d) + uv(m) + uv(a) + uv(w);

/** A field of an encoding: its hex and how it may be cut (a string has a length prefix). */
interface Seg {
  name: string;
  hex: string;
  /** Bytes of length prefix at the start (a STR's UVAR length), 0 for integers. */
  prefix?: number;
  /** PAYLOAD/PARAMS/BODY: any cut inside it is a valid, shorter operation. */
  rest?: boolean;
  /** Also cut inside a u16 or a 2-byte UVAR (or inside a STR's 2-byte length). */
  half?: boolean;
  /** Only cut before this field (a later list entry, already cut inside at its first entry). */
  brief?: boolean;
}

/**
 * Cut points that leave a fixed field absent or partial: the start of every field after OP; inside
 * every integer of 4 or 8 bytes (and of a u16 marked `half`); inside a string's bytes (or, with no
 * bytes to cut, right after its length) and, when marked `half`, inside a string16's length.
 */
function cuts(segs: Seg[]): Array<{ len: number; where: string }> {
  const out: Array<{ len: number; where: string }> = [];
  let off = 0;
  for (const [k, s] of segs.entries()) {
    const n = s.hex.length / 2;
    if (s.rest) break;
    if (k > 0) out.push({ len: off, where: `${s.name} absent` });
    if (!s.brief) {
      if (s.prefix) {
        if (s.prefix === 2 && s.half) out.push({ len: off + 1, where: `${s.name} length half present` });
        const body = n - s.prefix;
        if (body >= 2) out.push({ len: off + s.prefix + Math.floor(body / 2), where: `${s.name} bytes partial` });
        else if (body === 1) out.push({ len: off + s.prefix, where: `${s.name} bytes absent` });
      } else if (n >= 4 || (n === 2 && s.half)) out.push({ len: off + Math.floor(n / 2), where: `${s.name} partial` });
    }
    off += n;
  }
  return out;
}

// ---- the vectors ----

const ALL_SDK_DISAGREEMENTS: string[] = [];

export function messageOpVectors(): VectorFile {
  const f = new VectorFile(
    'message_ops.json',
    'Saltwire message-layer operations',
    'saltwire_message_ops_schema_v1',
    [
      'OpCodecTest: `encoded` is one operation of spec 15.3 (the data of one MSG frame).',
      'valid: decoding gives `operation` (u64 fields as decimal strings, byte fields as hex), encoding `operation` gives `encoded`.',
      'invalid: a receiver drops the bytes [SW-15.3-6]; `operation` is absent.',
      'Only the bytes are judged: channel, alias table and hub-only FROM rules need state and are not tested here.',
    ],
    {
      Codec: { bugType: 'BASIC', description: 'Field layout of an operation [SW-15.3-5], [SW-15.3-5].' },
      PublishFields: { bugType: 'BASIC', description: 'A combination of the optional PUBLISH fields ALIAS, TOPIC, FROM, PUB_ID, REF and the QOS/RETAIN bits [SW-15.3-5], [SW-15.4-2], [SW-15.4-4].' },
      Refusal: { bugType: 'BASIC', description: 'PUBNACK, the answer to a publication with REF that the hub did not take [SW-15.4-4].' },
      Boundary: { bugType: 'EDGE_CASE', description: 'A field at the edge of its range: REQ, ALIAS, CALL_ID, TIMEOUT, list counts, topic length and levels, id and method length, empty REST.' },
      Utf8: { bugType: 'EDGE_CASE', description: 'Multi-byte UTF-8, control characters or non-characters in a string: valid and kept byte for byte [SW-15.1-1], [SW-15.1-11].' },
      ByteOrderMark: { bugType: 'EDGE_CASE', description: 'A string starting with U+FEFF (EF BB BF): an ordinary character that a decoder MUST keep, not a byte order mark to strip [SW-15.1-1], [SW-15.1-3], [SW-15.2-4].' },
      Truncated: { bugType: 'MALFORMED_INPUT', description: 'The bytes end inside or before a fixed field [SW-15.3-6].' },
      Trailing: { bugType: 'MALFORMED_INPUT', description: 'Bytes left after the last field of an operation without REST [SW-15.3-6].' },
      ReservedBits: { bugType: 'MALFORMED_INPUT', description: 'A reserved FLAGS bit of a WILL is set [SW-15.3-6] (a PUBLISH has none left: its OP byte holds its flags).' },
      Qos3: { bugType: 'MALFORMED_INPUT', description: 'A QOS of 3 [SW-15.3-6].' },
      QosContradiction: { bugType: 'MALFORMED_INPUT', description: 'PUB_ID absent (truncated) at QOS 2 [SW-15.4-2], [SW-15.6-1]; REF with QOS 0 [SW-15.4-4].' },
      NoTopic: { bugType: 'MALFORMED_INPUT', description: 'A PUBLISH with neither ALIAS nor TOPIC [SW-15.4-2].' },
      AliasZero: { bugType: 'MALFORMED_INPUT', description: 'Alias 0: aliases start at 1 [SW-15.7-1].' },
      InvalidTopic: { bugType: 'MALFORMED_INPUT', description: 'A topic name breaking 15.1: empty, wildcard, U+0000, ill-formed UTF-8, over 256 bytes or 32 levels [SW-15.1-9].' },
      InvalidFilter: { bugType: 'MALFORMED_INPUT', description: 'A topic filter breaking 15.1 [SW-15.1-9].' },
      InvalidNodeId: { bugType: 'MALFORMED_INPUT', description: 'A node id breaking [SW-3.2-1] in FROM or TO.' },
      InvalidMethod: { bugType: 'MALFORMED_INPUT', description: 'A method name that is empty, over 64 bytes, contains U+0000 or is not UTF-8 [SW-15.3-5].' },
      UnknownOp: { bugType: 'MALFORMED_INPUT', description: 'An OP byte that is not in the table of 15.3, or no OP at all [SW-15.3-6].' },
      InvalidCode: { bugType: 'MALFORMED_INPUT', description: 'A SUBACK CODE, PUBNACK REASON or RESULT OUTCOME outside its table [SW-15.3-5], [SW-15.4-4], [SW-16.2-1].' },
      EmptyList: { bugType: 'MALFORMED_INPUT', description: 'SUBSCRIBE or UNSUBSCRIBE with N = 0 (N ≥ 1) [SW-15.3-5].' },
      Uvar: { bugType: 'MALFORMED_INPUT', description: 'A UVAR that is not in its shortest form, longer than 5 bytes, above 2^32-1, or above the bound of its field [SW-4.11-1].' },
      Limits: { bugType: 'BASIC', description: 'The LIMITS a SYNC declares: MAX_DATAGRAM 512-65507, MAX_MESSAGE 1-2^32-1, MAX_ALIASES 0-65535, WINDOW 1-65535 [SW-15.5-8].' },
    },
  );
  const add = f.group('OpCodecTest', {});

  const valid = (o: Op, comment: string, flags: string[], specRefs: string[]): void => {
    const encoded = toHex(encodeOp(o));
    const operation = opJson(o);
    const got = decodeOp(fromHex(encoded));
    if (got === undefined || JSON.stringify(opJson(got)) !== JSON.stringify(operation))
      ALL_SDK_DISAGREEMENTS.push(`valid "${comment}": SDK decodes ${got === undefined ? 'nothing' : JSON.stringify(opJson(got))}`);
    add({ comment, flags, specRefs: ['SW-15.3-5', ...specRefs], encoded, operation, result: 'valid' });
  };
  const invalid = (encoded: string, comment: string, flags: string[], specRefs: string[]): void => {
    if (decodeOp(fromHex(encoded)) !== undefined) ALL_SDK_DISAGREEMENTS.push(`invalid "${comment}": SDK accepts ${encoded}`);
    add({ comment, flags, specRefs: ['SW-15.3-6', ...specRefs], encoded, result: 'invalid' });
  };

  const none = new Uint8Array(0);
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  const U64_MAX = (1n << 64n) - 1n;
  const id32 = 'abcdefghijklmnopqrstuvwxyzABCDE_';
  const levels = (n: number): string => Array.from({ length: n }, (_, i) => `l${i % 10}`).join('/');

  // ---- PUBLISH: every combination of the optional fields ----
  let k = 0;
  for (const naming of ['alias', 'topic', 'both'] as const) {
    for (const withFrom of [false, true]) {
      for (const qos of [0, 1, 2] as const) {
        const retain = k++ % 2 === 1;
        const o: Op = {
          op: 'PUBLISH',
          qos,
          retain,
          ...(naming !== 'topic' && { alias: 1 + (k % 7) }),
          ...(naming !== 'alias' && { topic: 'sensors/kitchen/temp' }),
          ...(withFrom && { from: 'dev-7' }),
          ...(qos === 2 && { pubId: (5n << 32n) + BigInt(k) }),
          payload: bytes(`v${k}`),
        };
        const parts = [naming === 'both' ? 'ALIAS+TOPIC' : naming.toUpperCase(), withFrom ? 'FROM' : '', qos === 2 ? 'PUB_ID' : ''].filter(Boolean).join('+');
        valid(o, `PUBLISH QoS ${qos}${retain ? ' RETAIN' : ''} with ${parts}`, ['PublishFields'], ['SW-15.4-2', ...(qos === 2 ? ['SW-15.6-1'] : []), ...(naming !== 'topic' ? ['SW-15.7-1'] : [])]);
      }
    }
  }
  const pub = (topic: string, extra: Partial<Extract<Op, { op: 'PUBLISH' }>> = {}): Op => ({ op: 'PUBLISH', qos: 0, retain: false, topic, payload: bytes('x'), ...extra });
  valid(pub('a', { payload: none }), 'PUBLISH with an empty payload and a one-character topic', ['Boundary'], ['SW-15.4-1']);
  valid(pub('a', { payload: new Uint8Array(300).fill(0xa5) }), 'PUBLISH with a 300-byte payload', ['Boundary'], ['SW-15.4-1']);
  valid({ op: 'PUBLISH', qos: 0, retain: false, alias: 127, payload: bytes('x') }, 'PUBLISH alias 127: the largest one-byte ALIAS', ['Boundary'], ['SW-15.7-1', 'SW-4.11-1']);
  valid({ op: 'PUBLISH', qos: 0, retain: false, alias: 128, payload: bytes('x') }, 'PUBLISH alias 128: the smallest two-byte ALIAS (80 01)', ['Boundary'], ['SW-15.7-1', 'SW-4.11-1']);
  valid({ op: 'PUBLISH', qos: 0, retain: false, alias: 1, payload: none }, 'PUBLISH alias 1 alone, empty payload: the 2-byte steady state of 15.7 (OP 0x88, ALIAS 0x01)', ['Boundary'], ['SW-15.7-1']);
  valid({ op: 'PUBLISH', qos: 1, retain: false, alias: 65535, payload: bytes('z') }, 'PUBLISH alias 65535 (the codec\'s maximum, a 3-byte UVAR; a receiver with fewer aliases drops it later, 15.7-2)', ['Boundary'], ['SW-15.7-1', 'SW-15.7-2']);
  valid({ op: 'PUBLISH', qos: 2, retain: true, topic: 't', pubId: U64_MAX, payload: none }, 'PUBLISH with PUB_ID 2^64-1', ['Boundary'], ['SW-15.6-1']);
  valid({ op: 'PUBLISH', qos: 1, retain: true, topic: 'devices/dev-7/state', ref: 1, payload: bytes('on') }, 'PUBLISH QoS 1 RETAIN with REF 1', ['PublishFields'], ['SW-15.4-4']);
  valid({ op: 'PUBLISH', qos: 2, retain: false, alias: 3, topic: 't/u', pubId: (9n << 32n) + 1n, ref: 65535, payload: bytes('x') }, 'PUBLISH QoS 2 with ALIAS+TOPIC+PUB_ID and REF 65535 (the u16 maximum)', ['PublishFields', 'Boundary'], ['SW-15.4-4', 'SW-15.6-1']);
  valid({ op: 'PUBLISH', qos: 1, retain: false, topic: 't', ref: 0, payload: none }, 'PUBLISH QoS 1 with REF 0 and an empty payload', ['PublishFields', 'Boundary'], ['SW-15.4-4']);
  valid({ op: 'PUBLISH', qos: 1, retain: false, topic: 't', from: id32, payload: none }, 'PUBLISH with a 32-character FROM', ['Boundary'], ['SW-3.2-1', 'SW-15.4-2']);
  valid(pub('x'.repeat(256)), 'PUBLISH with a topic of 256 bytes', ['Boundary'], ['SW-15.1-4']);
  valid(pub('😀'.repeat(64)), 'PUBLISH with a topic of 64 four-byte characters (256 bytes)', ['Boundary', 'Utf8'], ['SW-15.1-4']);
  valid(pub(levels(32)), 'PUBLISH with a topic of 32 levels', ['Boundary'], ['SW-15.1-5']);
  valid(pub('/'.repeat(31)), 'PUBLISH to 31 slashes: 32 empty levels', ['Boundary'], ['SW-15.1-1', 'SW-15.1-5']);
  valid(pub('/'), 'PUBLISH to "/" (two empty levels)', ['Boundary'], ['SW-15.1-1']);
  valid(pub('a//b'), 'PUBLISH to "a//b"', ['Boundary'], ['SW-15.1-1']);
  valid(pub('$SYS/broker/load'), 'PUBLISH to a system topic', ['Codec'], ['SW-15.1-10']);
  valid(pub('café/ñandú/温度'), 'PUBLISH with two- and three-byte UTF-8 in the topic', ['Utf8'], ['SW-15.1-1', 'SW-15.2-4']);
  valid(pub('cafe\u0301/🌡'), 'PUBLISH with a combining mark and a four-byte character (no normalization)', ['Utf8'], ['SW-15.1-1', 'SW-15.2-4']);
  valid(pub('a\u0001b\u007f/\u009f c'), 'PUBLISH with control characters and a space in the topic', ['Utf8'], ['SW-15.1-11']);
  valid(pub('\uFFFF/\uFDD0'), 'PUBLISH with non-characters U+FFFF and U+FDD0 in the topic', ['Utf8'], ['SW-15.1-11']);
  valid(pub('\uFEFFa/b'), 'PUBLISH whose topic starts with U+FEFF (EF BB BF): kept, not stripped', ['ByteOrderMark', 'Utf8'], ['SW-15.1-1', 'SW-15.1-3']);

  // ---- PUBNACK ----
  valid({ op: 'PUBNACK', ref: 1, reason: 0x80 }, 'PUBNACK REF 1 reason 0x80 (refused by access control)', ['Refusal'], ['SW-15.4-4', 'SW-17.8-4']);
  valid({ op: 'PUBNACK', ref: 0, reason: 0x82 }, 'PUBNACK REF 0 reason 0x82 (over a limit)', ['Refusal', 'Boundary'], ['SW-15.4-4', 'SW-15.8-2']);
  valid({ op: 'PUBNACK', ref: 65535, reason: 0x83 }, 'PUBNACK REF 65535 reason 0x83 (not made durable)', ['Refusal', 'Boundary'], ['SW-15.4-4', 'SW-18.3-8']);

  // ---- SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK / SYNC ----
  valid({ op: 'SUBSCRIBE', req: 0, filters: [{ filter: 'a/b', qos: 1 }] }, 'SUBSCRIBE REQ 0 one filter', ['Codec', 'Boundary'], ['SW-15.5-1']);
  valid(
    { op: 'SUBSCRIBE', req: 65535, filters: [{ filter: '#', qos: 0 }, { filter: '+', qos: 1 }, { filter: 'a/+/b', qos: 2 }, { filter: '+/+', qos: 0 }, { filter: 'a/#', qos: 1 }, { filter: '$SYS/#', qos: 2 }] },
    'SUBSCRIBE REQ 65535 with wildcard filters and every QoS',
    ['Codec', 'Boundary'],
    ['SW-15.5-1', 'SW-15.1-7', 'SW-15.1-8'],
  );
  valid(
    { op: 'SUBSCRIBE', req: 7, filters: Array.from({ length: 255 }, (_, i) => ({ filter: `f/${i}`, qos: (i % 3) as QoS })) },
    'SUBSCRIBE with N = 255 filters',
    ['Boundary'],
    ['SW-15.5-1'],
  );
  valid({ op: 'SUBSCRIBE', req: 3, filters: [{ filter: 'x'.repeat(254) + '/#', qos: 0 }, { filter: '+/'.repeat(31) + '#', qos: 1 }] }, 'SUBSCRIBE with a 256-byte filter and a 32-level filter', ['Boundary'], ['SW-15.1-4', 'SW-15.1-5']);
  valid({ op: 'SUBSCRIBE', req: 4, filters: [{ filter: '\uFEFFa/+', qos: 1 }] }, 'SUBSCRIBE whose filter starts with U+FEFF: kept, not stripped', ['ByteOrderMark'], ['SW-15.1-1', 'SW-15.1-3']);
  valid({ op: 'SUBACK', req: 9, codes: [0, 1, 2, 0x80, 0x81, 0x82] }, 'SUBACK with every code', ['Codec'], ['SW-15.5-1']);
  valid({ op: 'SUBACK', req: 65535, codes: [] }, 'SUBACK with N = 0 (the answer to an empty SYNC)', ['Boundary'], ['SW-15.5-2']);
  valid({ op: 'UNSUBSCRIBE', req: 1, filters: ['a/+'] }, 'UNSUBSCRIBE one filter', ['Codec'], ['SW-15.5-1']);
  valid({ op: 'UNSUBSCRIBE', req: 0, filters: ['#', 'ü/+/ß', 'never/held'] }, 'UNSUBSCRIBE three filters, REQ 0', ['Codec', 'Utf8', 'Boundary'], ['SW-15.5-1']);
  valid({ op: 'UNSUBACK', req: 0 }, 'UNSUBACK REQ 0', ['Codec', 'Boundary'], ['SW-15.5-1']);
  valid({ op: 'UNSUBACK', req: 65535 }, 'UNSUBACK REQ 65535', ['Codec', 'Boundary'], ['SW-15.5-1']);
  const L = (maxDatagram: number, maxMessage: number, maxAliases: number, window: number) => ({ maxDatagram, maxMessage, maxAliases, window });
  valid({ op: 'SYNC', req: 0, limits: L(1472, 65536, 64, 64), filters: [] }, 'SYNC with 0 filters (drop every subscription), the SDK\'s default limits', ['Boundary', 'Limits'], ['SW-15.5-2', 'SW-15.5-3', 'SW-15.5-8']);
  valid({ op: 'SYNC', req: 12, limits: L(512, 1024, 8, 4), filters: [{ filter: 'a/#', qos: 2 }, { filter: '$presence/+', qos: 1 }] }, 'SYNC with two filters from a small device (512-byte datagrams, 1 KiB messages, 8 aliases, window 4)', ['Codec', 'Limits'], ['SW-15.5-2', 'SW-15.5-8']);
  valid({ op: 'SYNC', req: 65535, limits: L(65507, 0xffffffff, 65535, 65535), filters: Array.from({ length: 256 }, (_, i) => ({ filter: `s${i}`, qos: 0 as QoS })) }, 'SYNC with N = 256 (N is a u16) and every limit at its maximum', ['Boundary', 'Limits'], ['SW-15.5-2', 'SW-15.5-8']);
  valid({ op: 'SYNC', req: 1, limits: L(512, 1, 0, 1), filters: [{ filter: 'x', qos: 1 }] }, 'SYNC with every limit at its minimum (no aliases, 1-byte messages, window 1)', ['Boundary', 'Limits'], ['SW-15.5-8']);

  // ---- WILL / ALIAS ----
  valid({ op: 'WILL', qos: 1, retain: true, topic: 'status/dev-7', payload: bytes('offline') }, 'WILL QoS 1 retained', ['Codec'], ['SW-15.9-3']);
  valid({ op: 'WILL', qos: 0, retain: false, topic: 'w', payload: none }, 'WILL QoS 0 with an empty payload', ['Codec', 'Boundary'], ['SW-15.9-3']);
  valid({ op: 'WILL', qos: 2, retain: false, topic: 'é/😀', payload: bytes('x') }, 'WILL QoS 2 with a multi-byte topic', ['Codec', 'Utf8'], ['SW-15.9-3']);
  valid({ op: 'WILL', qos: 0, retain: false, topic: '', payload: none }, 'WILL with an empty TOPIC: clears the will', ['Boundary'], ['SW-15.9-3']);
  valid({ op: 'WILL', qos: 1, retain: true, topic: '', payload: bytes('x') }, 'WILL with an empty TOPIC, non-zero FLAGS and a PAYLOAD: taken, clears the will; FLAGS and PAYLOAD are ignored', ['Boundary'], ['SW-15.9-3', 'SW-15.3-6']);
  valid({ op: 'ALIAS', alias: 1, topic: 'sensors/kitchen/temp' }, 'ALIAS 1', ['Codec', 'Boundary'], ['SW-15.7-1']);
  valid({ op: 'ALIAS', alias: 64, topic: '$SYS/x' }, 'ALIAS 64 (MAX_TOPIC_ALIASES)', ['Codec', 'Boundary'], ['SW-15.7-1']);
  valid({ op: 'ALIAS', alias: 65535, topic: '😀'.repeat(64) }, 'ALIAS 65535 with a 256-byte topic (a 2-byte UVAR length, 80 02)', ['Boundary', 'Utf8'], ['SW-15.7-1', 'SW-15.1-4']);
  valid({ op: 'ALIAS', alias: 2, topic: '\uFEFF' }, 'ALIAS whose topic is the single character U+FEFF', ['ByteOrderMark'], ['SW-15.1-1', 'SW-15.1-3']);

  // ---- CALL / CALLACK / RESULT ----
  const call = (extra: Partial<Extract<Op, { op: 'CALL' }>>): Op => ({ op: 'CALL', callId: (1n << 32n) + 1n, timeoutMs: 5000, to: '', from: '', method: 'ping', params: none, ...extra });
  valid(call({}), 'CALL direct, empty PARAMS (nil)', ['Codec', 'Boundary'], ['SW-16.1-1']);
  valid(call({ to: 'dev-9', params: msgpack([1, 2, 3]) }), 'CALL through a hub: TO set, FROM empty', ['Codec'], ['SW-16.1-1']);
  valid(call({ to: '', from: 'dev-7', params: msgpack({ a: 1 }) }), 'CALL forwarded by a hub: TO empty, FROM the caller (18.4)', ['Codec'], ['SW-16.1-1', 'SW-18.4-1']);
  valid(call({ to: 'dev-9', from: 'dev-7', params: msgpack({ a: 1 }) }), 'CALL with TO and FROM both set: well-formed bytes (what a receiver does with it is 16 and 18, not the codec)', ['Codec'], ['SW-16.1-1']);
  valid(call({ callId: U64_MAX, timeoutMs: 0xffffffff }), 'CALL with CALL_ID 2^64-1 and TIMEOUT 2^32-1 (a 5-byte UVAR)', ['Boundary'], ['SW-16.1-1']);
  valid(call({ timeoutMs: 0, method: 'a' }), 'CALL with TIMEOUT 0 and a one-byte method', ['Boundary'], ['SW-16.1-1']);
  valid(call({ method: 'm'.repeat(64), to: id32, from: id32 }), 'CALL with a 64-byte method and 32-character ids', ['Boundary'], ['SW-16.1-1', 'SW-3.2-1']);
  valid(call({ method: '😀'.repeat(16) }), 'CALL with a method of 16 four-byte characters (64 bytes)', ['Boundary', 'Utf8'], ['SW-16.1-1']);
  valid(call({ method: 'ñ/ü.set x', params: fromHex('c1') }), 'CALL with a multi-byte method; PARAMS not MessagePack is still a well-formed CALL (answered bad-params)', ['Utf8'], ['SW-16.1-1', 'SW-16.1-2']);
  valid(call({ method: '\uFEFFping' }), 'CALL whose method starts with U+FEFF: kept, not stripped', ['ByteOrderMark'], ['SW-16.1-1']);
  valid({ op: 'CALLACK', callId: 1n, to: '' }, 'CALLACK with an empty TO', ['Codec'], ['SW-16.1-3']);
  valid({ op: 'CALLACK', callId: U64_MAX, to: id32 }, 'CALLACK with CALL_ID 2^64-1 and a 32-character TO', ['Boundary'], ['SW-16.1-3', 'SW-3.2-1']);
  valid({ op: 'RESULT', callId: 7n, to: '', outcome: 0, body: msgpack(42) }, 'RESULT Ok with a value', ['Codec'], ['SW-16.2-1']);
  valid({ op: 'RESULT', callId: 7n, to: 'dev-7', outcome: 0, body: none }, 'RESULT Ok with an empty BODY: the value nil, as empty PARAMS', ['Boundary'], ['SW-16.2-1', 'SW-16.1-1']);
  for (const [outcome, name] of [[1, 'NoResponder'], [2, 'Rejected'], [4, 'Unreachable'], [5, 'Timeout']] as const)
    valid({ op: 'RESULT', callId: (3n << 32n) + BigInt(outcome), to: 'dev-7', outcome, body: none }, `RESULT ${name}`, ['Codec'], ['SW-16.2-1']);
  valid({ op: 'RESULT', callId: U64_MAX, to: id32, outcome: 3, body: msgpack({ code: 'busy', message: 'try later' }) }, 'RESULT RemoteError, CALL_ID 2^64-1', ['Codec', 'Boundary'], ['SW-16.2-1']);

  // ---- invalid: truncation at every field ----
  const P = (flags: number): string => h8(0x80 | flags); // a PUBLISH's OP byte holds its flags
  const flagsP = 0x08 | 0x10 | 0x20 | 2;
  const truncSets: Array<[string, Seg[], string[]]> = [
    ['PUBLISH', [{ name: 'OP', hex: P(flagsP) }, { name: 'ALIAS', hex: uv(300), half: true }, { name: 'TOPIC', hex: st('ab/cd'), prefix: 1 }, { name: 'FROM', hex: st('dev-7'), prefix: 1 }, { name: 'PUB_ID', hex: h64((2n << 32n) + 9n) }, { name: 'PAYLOAD', hex: '0102', rest: true }], ['SW-15.4-2']],
    ['SUBSCRIBE', [{ name: 'OP', hex: '02' }, { name: 'REQ', hex: h16(1) }, { name: 'N', hex: '02' }, { name: 'QOS[0]', hex: '01' }, { name: 'FILTER[0]', hex: st('a/+'), prefix: 1 }, { name: 'QOS[1]', hex: '00', brief: true }, { name: 'FILTER[1]', hex: st('b'), prefix: 1, brief: true }], ['SW-15.5-1']],
    ['SUBACK', [{ name: 'OP', hex: '03' }, { name: 'REQ', hex: h16(1) }, { name: 'N', hex: '02' }, { name: 'CODE[0]', hex: '00' }, { name: 'CODE[1]', hex: '81' }], ['SW-15.5-1']],
    ['UNSUBSCRIBE', [{ name: 'OP', hex: '04' }, { name: 'REQ', hex: h16(1) }, { name: 'N', hex: '02' }, { name: 'FILTER[0]', hex: st('a/#'), prefix: 1 }, { name: 'FILTER[1]', hex: st('b'), prefix: 1, brief: true }], ['SW-15.5-1']],
    ['UNSUBACK', [{ name: 'OP', hex: '05' }, { name: 'REQ', hex: h16(513), half: true }], ['SW-15.5-1']],
    ['SYNC', [{ name: 'OP', hex: '06' }, { name: 'REQ', hex: h16(1) }, { name: 'MAX_DATAGRAM', hex: uv(1472), half: true }, { name: 'MAX_MESSAGE', hex: uv(65536) }, { name: 'MAX_ALIASES', hex: uv(8) }, { name: 'WINDOW', hex: uv(200), half: true }, { name: 'N', hex: h16(1), half: true }, { name: 'QOS[0]', hex: '02' }, { name: 'FILTER[0]', hex: st('x/y'), prefix: 1 }], ['SW-15.5-2', 'SW-15.5-8']],
    ['WILL', [{ name: 'OP', hex: '07' }, { name: 'FLAGS', hex: '05' }, { name: 'TOPIC', hex: st('st/d'), prefix: 1 }, { name: 'PAYLOAD', hex: '6f', rest: true }], ['SW-15.9-3']],
    ['ALIAS', [{ name: 'OP', hex: '08' }, { name: 'ALIAS', hex: uv(5) }, { name: 'TOPIC', hex: st('a/b'), prefix: 1 }], ['SW-15.7-1']],
    ['PUBLISH with REF', [{ name: 'OP', hex: P(0x40 | 0x10 | 1) }, { name: 'TOPIC', hex: st('a'), prefix: 1 }, { name: 'REF', hex: h16(258), half: true }, { name: 'PAYLOAD', hex: '01', rest: true }], ['SW-15.4-4']],
    ['PUBLISH with a 200-byte TOPIC', [{ name: 'OP', hex: P(0x10) }, { name: 'TOPIC', hex: st('t'.repeat(200)), prefix: 2, half: true }, { name: 'PAYLOAD', hex: '01', rest: true }], ['SW-15.4-2', 'SW-4.11-1']],
    ['PUBNACK', [{ name: 'OP', hex: '09' }, { name: 'REF', hex: h16(258), half: true }, { name: 'REASON', hex: '80' }], ['SW-15.4-4']],
    ['CALL', [{ name: 'OP', hex: '10' }, { name: 'CALL_ID', hex: h64(42n) }, { name: 'TIMEOUT', hex: uv(100000) }, { name: 'TO', hex: st('hub'), prefix: 1 }, { name: 'FROM', hex: st('dev'), prefix: 1 }, { name: 'METHOD', hex: st('get'), prefix: 1 }, { name: 'PARAMS', hex: 'c0', rest: true }], ['SW-16.1-1']],
    ['CALLACK', [{ name: 'OP', hex: '11' }, { name: 'CALL_ID', hex: h64(42n) }, { name: 'TO', hex: st('dev'), prefix: 1 }], ['SW-16.1-3']],
    ['RESULT', [{ name: 'OP', hex: '12' }, { name: 'CALL_ID', hex: h64(42n) }, { name: 'TO', hex: st('dev'), prefix: 1 }, { name: 'OUTCOME', hex: '00' }, { name: 'BODY', hex: 'c3', rest: true }], ['SW-16.2-1']],
  ];
  invalid('', 'no bytes at all: OP absent', ['Truncated', 'UnknownOp'], ['SW-15.3-5']);
  for (const [name, segs, refs] of truncSets) {
    const whole = segs.map((s) => s.hex).join('');
    for (const c of cuts(segs)) invalid(whole.slice(0, 2 * c.len), `${name} truncated to ${c.len} bytes: ${c.where}`, ['Truncated'], ['SW-15.3-5', ...refs]);
  }

  // ---- invalid: bytes after the last field ----
  const trailing: Array<[string, string]> = [
    ['SUBSCRIBE', '02' + h16(1) + '01' + '00' + st('a')],
    ['SUBACK', '03' + h16(1) + '01' + '00'],
    ['UNSUBSCRIBE', '04' + h16(1) + '01' + st('a')],
    ['UNSUBACK', '05' + h16(1)],
    ['SYNC', '06' + h16(1) + lim() + h16(0)],
    ['ALIAS', '08' + uv(1) + st('a')],
    ['CALLACK', '11' + h64(1n) + st('')],
    ['PUBNACK', '09' + h16(1) + '80'],
  ];
  for (const [name, hx] of trailing) invalid(hx + '00', `${name} with one byte after its last field`, ['Trailing'], ['SW-15.3-5']);
  invalid('03' + h16(1) + '01' + '00' + '01', 'SUBACK N = 1 followed by two codes', ['Trailing'], ['SW-15.3-5']);

  // ---- invalid: UVAR not in its one valid form [SW-4.11-1] ----
  invalid(P(0x08) + '8100' + '70', 'PUBLISH whose ALIAS 1 is written in two bytes (81 00): not the shortest form', ['Uvar'], ['SW-4.11-1']);
  invalid(P(0x08) + '80808080808001' + '70', 'PUBLISH whose ALIAS is a UVAR of 7 bytes', ['Uvar'], ['SW-4.11-1']);
  invalid('08' + '8080808010' + st('a'), 'ALIAS whose ALIAS is 2^32 (a 5-byte UVAR above 2^32-1)', ['Uvar'], ['SW-4.11-1']);
  invalid(P(0x08) + uv(65536) + '70', 'PUBLISH with ALIAS 65536: above the codec\'s bound of 65535', ['Uvar', 'Boundary'], ['SW-15.3-6', 'SW-15.7-2']);
  invalid('08' + uv(65536) + st('a'), 'ALIAS 65536: above the codec\'s bound of 65535', ['Uvar', 'Boundary'], ['SW-15.3-6', 'SW-15.7-2']);
  invalid(P(0x10) + '8100' + '70', 'PUBLISH whose TOPIC length 1 is written in two bytes (81 00)', ['Uvar'], ['SW-4.11-1']);
  invalid('10' + h64(1n) + 'e88700' + st('') + st('') + st('m') + 'c0', 'CALL whose TIMEOUT 1000 is written in three bytes (e8 87 00; the shortest form is e8 07)', ['Uvar'], ['SW-4.11-1']);

  // ---- invalid: the LIMITS of a SYNC [SW-15.5-8] ----
  invalid('06' + h16(1) + lim(511) + h16(0), 'SYNC declaring MAX_DATAGRAM 511, below MIN_MAX_DATAGRAM', ['Limits'], ['SW-15.5-8', 'SW-4.10-1']);
  invalid('06' + h16(1) + lim(65508) + h16(0), 'SYNC declaring MAX_DATAGRAM 65508, above the largest UDP payload', ['Limits'], ['SW-15.5-8']);
  invalid('06' + h16(1) + lim(512, 0) + h16(0), 'SYNC declaring MAX_MESSAGE 0', ['Limits'], ['SW-15.5-8']);
  invalid('06' + h16(1) + lim(512, 4096, 65536) + h16(0), 'SYNC declaring MAX_ALIASES 65536', ['Limits'], ['SW-15.5-8']);
  invalid('06' + h16(1) + lim(512, 4096, 8, 0) + h16(0), 'SYNC declaring WINDOW 0', ['Limits'], ['SW-15.5-8']);
  invalid('06' + h16(1) + lim(512, 4096, 8, 65536) + h16(0), 'SYNC declaring WINDOW 65536', ['Limits'], ['SW-15.5-8']);
  invalid('06' + h16(1) + h16(0), 'SYNC of draft 1: no LIMITS (REQ, then N = 0)', ['Limits', 'Truncated'], ['SW-15.5-8']);

  // ---- invalid: PUBLISH flags and QoS ----
  const pubT = (flags: number, after = ''): string => P(flags) + st('t') + after + '70';
  invalid(pubT(0x50, h16(1)), 'PUBLISH QOS 0 with REF (OP bit 6): a REF is for QoS 1 and 2', ['QosContradiction'], ['SW-15.4-4']);
  invalid(pubT(0x10 | 0x03), 'PUBLISH with QOS 3', ['Qos3'], ['SW-15.3-5']);
  invalid(pubT(0x10 | 0x03, h64(1n)), 'PUBLISH with QOS 3 and 8 bytes where a PUB_ID would be', ['Qos3'], ['SW-15.3-5']);
  invalid(P(0x10 | 0x02) + st('t'), 'PUBLISH QOS 2 whose PUB_ID is absent', ['QosContradiction', 'Truncated'], ['SW-15.4-2', 'SW-15.6-1']);
  invalid(P(0x10 | 0x02) + st('t') + '00000000000000', 'PUBLISH QOS 2 with 7 bytes where its PUB_ID is', ['QosContradiction', 'Truncated'], ['SW-15.4-2', 'SW-15.6-1']);
  invalid(P(0x00) + '70', 'PUBLISH with neither ALIAS nor TOPIC', ['NoTopic'], ['SW-15.4-2']);
  invalid(P(0x25) + st('dev-7') + '70', 'PUBLISH with FROM and RETAIN but neither ALIAS nor TOPIC', ['NoTopic'], ['SW-15.4-2']);
  invalid(P(0x08) + uv(0) + '70', 'PUBLISH with ALIAS 0 alone', ['AliasZero'], ['SW-15.3-6', 'SW-15.7-1']);
  invalid(P(0x18) + uv(0) + st('t') + '70', 'PUBLISH with ALIAS 0 and a TOPIC', ['AliasZero'], ['SW-15.3-6', 'SW-15.7-1']);
  invalid('01' + '08' + h16(1) + '70', 'the PUBLISH of draft 1 (OP 0x01): an unknown OP', ['UnknownOp'], ['SW-15.3-5']);

  // ---- invalid: topics (in PUBLISH unless said) ----
  const pubTopic = (topicHex: string): string => P(0x10) + sx(topicHex) + '70';
  const badTopics: Array<[string, string, string[]]> = [
    ['', 'an empty topic', ['SW-15.1-2']],
    [utf8('a/+'), 'a topic name with a + level', ['SW-15.1-6']],
    [utf8('a/#'), 'a topic name with a # level', ['SW-15.1-6']],
    [utf8('a+b'), 'a topic name with + inside a level', ['SW-15.1-6']],
    [utf8('a') + '00' + utf8('b'), 'a topic containing U+0000', ['SW-15.1-3']],
    ['61c328', 'ill-formed UTF-8 (C3 followed by an ASCII byte)', ['SW-15.1-3']],
    ['6180', 'ill-formed UTF-8 (a lone continuation byte)', ['SW-15.1-3']],
    ['c0af', 'an overlong encoding of "/" (C0 AF)', ['SW-15.1-3']],
    ['eda080', 'a lone surrogate U+D800 encoded as ED A0 80', ['SW-15.1-3']],
    ['eda0bdedb880', 'a surrogate pair encoded as two three-byte sequences (CESU-8)', ['SW-15.1-3']],
    ['f4908080', 'a code point above U+10FFFF (F4 90 80 80)', ['SW-15.1-3']],
    ['61e282', 'a three-byte sequence cut short at the end of the topic', ['SW-15.1-3']],
    [utf8('x'.repeat(257)), 'a topic of 257 bytes', ['SW-15.1-4']],
    [utf8('😀'.repeat(64) + 'a'), 'a topic of 64 four-byte characters and one more byte (257 bytes)', ['SW-15.1-4']],
    [utf8(levels(33)), 'a topic of 33 levels', ['SW-15.1-5']],
  ];
  for (const [hx, what, refs] of badTopics) invalid(pubTopic(hx), `PUBLISH to ${what}`, ['InvalidTopic'], ['SW-15.1-9', ...refs]);
  invalid(P(0x18) + uv(4) + sx('') + '70', 'PUBLISH with ALIAS 4 and an empty TOPIC', ['InvalidTopic'], ['SW-15.1-2', 'SW-15.1-9']);
  invalid('08' + uv(1) + st('s/+'), 'ALIAS for a topic with a wildcard', ['InvalidTopic'], ['SW-15.1-6', 'SW-15.1-9']);
  invalid('08' + uv(1) + sx(''), 'ALIAS for an empty topic', ['InvalidTopic'], ['SW-15.1-2', 'SW-15.1-9']);
  invalid('08' + uv(0) + st('a'), 'ALIAS 0', ['AliasZero'], ['SW-15.3-6', 'SW-15.7-1']);
  invalid('07' + '01' + st('will/#') + '6f', 'WILL with a wildcard topic', ['InvalidTopic'], ['SW-15.1-6', 'SW-15.1-9']);
  invalid('07' + '00' + sx('eda080') + '6f', 'WILL with a lone-surrogate topic', ['InvalidTopic'], ['SW-15.1-3', 'SW-15.1-9']);

  // ---- invalid: filters ----
  const subF = (fHex: string): string => '02' + h16(1) + '01' + '00' + sx(fHex);
  const badFilters: Array<[string, string, string[]]> = [
    [utf8('a#'), '"a#"', ['SW-15.1-8']],
    [utf8('#/a'), '"#/a"', ['SW-15.1-8']],
    [utf8('a/#/b'), '"a/#/b"', ['SW-15.1-8']],
    [utf8('a+'), '"a+"', ['SW-15.1-7']],
    [utf8('a/+b'), '"a/+b"', ['SW-15.1-7']],
    ['', 'an empty filter', ['SW-15.1-2']],
    [utf8('a/') + '00', 'a filter containing U+0000', ['SW-15.1-3']],
    [utf8('x'.repeat(255) + '#'), 'a filter of 256 bytes ending in "x#"', ['SW-15.1-8']],
    [utf8('x'.repeat(255) + '/#'), 'a filter of 257 bytes', ['SW-15.1-4']],
    [utf8('+/'.repeat(32) + '#'), 'a filter of 33 levels', ['SW-15.1-5']],
  ];
  for (const [hx, what, refs] of badFilters) invalid(subF(hx), `SUBSCRIBE to ${what}`, ['InvalidFilter'], ['SW-15.1-9', ...refs]);
  invalid(subF('efbbbf23'), 'SUBSCRIBE to U+FEFF followed by "#": "#" is not the whole level (a decoder that strips a BOM reads "#")', ['InvalidFilter', 'ByteOrderMark'], ['SW-15.1-3', 'SW-15.1-8', 'SW-15.1-9']);
  invalid('02' + h16(1) + '02' + '00' + st('ok/#') + '01' + st('bad#'), 'SUBSCRIBE whose second filter is invalid', ['InvalidFilter'], ['SW-15.1-8', 'SW-15.1-9']);
  invalid('04' + h16(1) + '01' + st('a/#/b'), 'UNSUBSCRIBE "a/#/b"', ['InvalidFilter'], ['SW-15.1-8', 'SW-15.1-9']);
  invalid('04' + h16(1) + '01' + sx(''), 'UNSUBSCRIBE an empty filter', ['InvalidFilter'], ['SW-15.1-2', 'SW-15.1-9']);
  invalid('06' + h16(1) + lim() + h16(1) + '00' + st('s+'), 'SYNC with the filter "s+"', ['InvalidFilter'], ['SW-15.1-7', 'SW-15.1-9']);
  invalid('06' + h16(1) + lim() + h16(1) + '00' + sx('eda080'), 'SYNC with a lone-surrogate filter', ['InvalidFilter'], ['SW-15.1-3', 'SW-15.1-9']);

  // ---- invalid: QoS, flags, counts and codes of the control operations ----
  invalid('02' + h16(1) + '01' + '03' + st('a'), 'SUBSCRIBE with QOS 3', ['Qos3'], ['SW-15.3-5', 'SW-15.5-1']);
  invalid('06' + h16(1) + lim() + h16(2) + '00' + st('a') + '03' + st('b'), 'SYNC whose second QOS is 3', ['Qos3'], ['SW-15.3-5', 'SW-15.5-2']);
  invalid('02' + h16(1) + '00', 'SUBSCRIBE with N = 0', ['EmptyList'], ['SW-15.3-5']);
  invalid('04' + h16(1) + '00', 'UNSUBSCRIBE with N = 0', ['EmptyList'], ['SW-15.3-5']);
  invalid('03' + h16(1) + '01' + '03', 'SUBACK with CODE 3', ['InvalidCode'], ['SW-15.3-5']);
  invalid('03' + h16(1) + '02' + '00' + '83', 'SUBACK whose second CODE is 0x83', ['InvalidCode'], ['SW-15.3-5']);
  invalid('07' + '03' + st('w') + '6f', 'WILL with QOS 3', ['Qos3'], ['SW-15.3-5']);
  for (const bit of [0x08, 0x10, 0x80]) invalid('07' + h8(bit | 0x01) + st('w') + '6f', `WILL with reserved FLAGS bit 0x${h8(bit)}`, ['ReservedBits'], ['SW-15.3-5']);

  // ---- invalid: node ids and methods ----
  const callX = (to: string, from: string, method: string): string => '10' + h64(1n) + uv(100) + to + from + method + 'c0';
  invalid(callX(st(id32 + 'x'), st(''), st('m')), 'CALL with a 33-character TO', ['InvalidNodeId'], ['SW-3.2-1', 'SW-16.1-1']);
  invalid(callX(st('x'.repeat(255)), st(''), st('m')), 'CALL with a 255-byte TO', ['InvalidNodeId', 'Boundary'], ['SW-3.2-1', 'SW-16.1-1']);
  invalid(callX(st(''), st('dev.7'), st('m')), 'CALL with "dev.7" as FROM', ['InvalidNodeId'], ['SW-3.2-1', 'SW-16.1-1']);
  invalid(callX(st(''), st('dé'), st('m')), 'CALL with a non-ASCII FROM', ['InvalidNodeId'], ['SW-3.2-1', 'SW-16.1-1']);
  invalid('11' + h64(1n) + st('a/b'), 'CALLACK with "a/b" as TO', ['InvalidNodeId'], ['SW-3.2-1']);
  invalid('12' + h64(1n) + st('hub 1') + '00', 'RESULT with "hub 1" as TO', ['InvalidNodeId'], ['SW-3.2-1', 'SW-16.2-1']);
  invalid(P(0x30) + st('t') + st('a+b') + '70', 'PUBLISH with "a+b" as FROM', ['InvalidNodeId'], ['SW-3.2-1', 'SW-15.4-2']);
  invalid(P(0x30) + st('t') + st(id32 + 'x') + '70', 'PUBLISH with a 33-character FROM', ['InvalidNodeId'], ['SW-3.2-1', 'SW-15.4-2']);
  invalid(P(0x30) + st('t') + sx('') + '70', 'PUBLISH whose FROM bit is set and FROM is empty', ['InvalidNodeId'], ['SW-15.3-5', 'SW-15.4-2']);
  invalid(callX(st(''), st(''), st('')), 'CALL with an empty method', ['InvalidMethod'], ['SW-16.1-1']);
  invalid(callX(st(''), st(''), st('m'.repeat(65))), 'CALL with a 65-byte method', ['InvalidMethod', 'Boundary'], ['SW-16.1-1']);
  invalid(callX(st(''), st(''), st('m'.repeat(63) + 'é')), 'CALL with a 65-byte method of 64 characters', ['InvalidMethod', 'Boundary'], ['SW-16.1-1']);
  invalid(callX(st(''), st(''), st('get\u0000x')), 'CALL with U+0000 in the method', ['InvalidMethod'], ['SW-16.1-1']);
  invalid(callX(st(''), st(''), sx('67c328')), 'CALL with a method that is not UTF-8 (C3 followed by an ASCII byte)', ['InvalidMethod'], ['SW-16.1-1']);

  // ---- invalid: OP and OUTCOME ----
  for (const op of [0x00, 0x01, 0x0a, 0x13, 0x7f]) invalid(h8(op) + h16(1), `unknown OP 0x${h8(op)}`, ['UnknownOp'], ['SW-15.3-5']);
  for (const reason of [0x00, 0x81, 0x84]) invalid('09' + h16(1) + h8(reason), `PUBNACK with REASON 0x${h8(reason)}`, ['InvalidCode'], ['SW-15.4-4']);
  invalid('12' + h64(1n) + st('') + '06', 'RESULT with OUTCOME 6', ['InvalidCode'], ['SW-16.2-1']);
  invalid('12' + h64(1n) + st('') + 'ff' + 'c0', 'RESULT with OUTCOME 255', ['InvalidCode'], ['SW-16.2-1']);

  for (const d of ALL_SDK_DISAGREEMENTS) console.warn(`message_ops.json: SDK disagrees: ${d}`);
  ALL_SDK_DISAGREEMENTS.length = 0;
  return f;
}
