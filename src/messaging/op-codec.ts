/**
 * Encoding and decoding of message-layer operations (spec 15.3). encodeOp throws a typed error for
 * an operation this node must not send ([SW-15.3-4]); decodeOp returns undefined for bytes a
 * receiver drops ([SW-15.3-6]), never throws: what comes from the network is a counted drop.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { isValidTopicFilter, isValidTopicName } from '../pubsub/topic.js';
import { Slab } from '../util/slab.js';
import { readUvar, UVAR_MAX, uvarSize, writeUvar } from '../util/uvar.js';
import { isValidNodeId } from '../wire/node-id.js';
import { isValidMethod } from './method-name.js';
import * as K from './ops.js';
import type { Op, QoS } from './ops.js';

export { isValidMethod } from './method-name.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // U+FEFF is a character, never stripped [SW-15.1-3]
/**
 * UTF-8 of the short strings operations repeat (topics, node ids, method names): one publisher or
 * hub encodes the same few for every message. Bounded; entries are never handed out, only copied
 * into the output, so sharing them is safe.
 *
 * A full cache takes nothing new until UTF8_CACHE_MAX x 4 misses, then starts over. It used to start
 * over at once: a hub forwarding 10,000 devices' topics replaced its 512 entries every half second,
 * every entry lived long enough to be promoted to V8's old space, and that garbage was a sixth of
 * what the hub's heap grew by under load (bench:scale, a sampling heap profile).
 */
const utf8Cache = new Map<string, Uint8Array>();
const UTF8_CACHE_MAX = 512;
const UTF8_CACHE_LONGEST = 256;
let utf8MissesWhileFull = 0;

function utf8(s: string): Uint8Array {
  let b = utf8Cache.get(s);
  if (b !== undefined) return b;
  b = enc.encode(s);
  if (s.length > UTF8_CACHE_LONGEST) return b;
  if (utf8Cache.size >= UTF8_CACHE_MAX) {
    if (++utf8MissesWhileFull < UTF8_CACHE_MAX * 4) return b; // a young copy, not a promoted entry
    utf8Cache.clear();
    utf8MissesWhileFull = 0;
  }
  utf8Cache.set(s, b);
  return b;
}

/**
 * Writes into one growing scratch buffer shared by every Writer (encoding never nests nor yields),
 * and done() copies out exactly the bytes written: no per-byte array of numbers per operation.
 */
let scratch = new Uint8Array(512);
/**
 * Encoded operations are views carved from shared slabs (a node's send() copies them at once): a
 * fresh ArrayBuffer per operation cost more than its encoding. A slab is never reused.
 */
const outSlab = new Slab();

class Writer {
  private n = 0;
  private room(k: number): Uint8Array {
    if (this.n + k > scratch.length) {
      const grown = new Uint8Array(Math.max(scratch.length * 2, this.n + k));
      grown.set(scratch.subarray(0, this.n));
      scratch = grown;
    }
    return scratch;
  }
  u8(v: number): this {
    this.room(1)[this.n++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    const b = this.room(2);
    b[this.n] = (v >>> 8) & 0xff;
    b[this.n + 1] = v & 0xff;
    this.n += 2;
    return this;
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    return this.u32(Number((v >> 32n) & 0xffffffffn)).u32(Number(v & 0xffffffffn));
  }
  bytes(b: Uint8Array): this {
    this.room(b.length).set(b, this.n);
    this.n += b.length;
    return this;
  }
  uvar(v: number): this {
    const b = this.room(5);
    this.n = writeUvar(b, this.n, v);
    return this;
  }
  /** A STR field: UVAR length, then the UTF-8 bytes [SW-15.3-5]. */
  str(s: string): this {
    const b = utf8(s);
    return this.uvar(b.length).bytes(b);
  }
  rest(b: Uint8Array): Uint8Array {
    const out = outSlab.take(this.n + b.length);
    out.set(scratch.subarray(0, this.n));
    out.set(b, this.n);
    return out;
  }
  done(): Uint8Array {
    const out = outSlab.take(this.n);
    out.set(scratch.subarray(0, this.n));
    return out;
  }
}

const bad = (what: string): never => {
  throw new InvalidArgumentError(what);
};
const checkQos = (q: number): void => void (q === 0 || q === 1 || q === 2 || bad(`qos must be 0, 1 or 2, got ${q}`));
const checkU = (v: number, max: number, what: string): void => void (Number.isInteger(v) && v >= 0 && v <= max ? 0 : bad(`${what} must be an integer in [0, ${max}]`));
const checkU64 = (v: bigint, what: string): void => void (typeof v === 'bigint' && v >= 0n && v < 1n << 64n ? 0 : bad(`${what} must be a u64 bigint`));
const checkId = (id: string, what: string): void => void (id === '' || isValidNodeId(id) || bad(`${what} must be a node id or empty, got ${JSON.stringify(id)}`));
const checkTopic = (t: string): void => void (isValidTopicName(t) || bad(`invalid topic name ${JSON.stringify(t)}`));
const checkFilter = (f: string): void => void (isValidTopicFilter(f) || bad(`invalid topic filter ${JSON.stringify(f)}`));

/** Encodes an operation; throws InvalidArgumentError naming the field for one that must not be sent. */
export function encodeOp(o: Op): Uint8Array {
  switch (o.op) {
    case 'PUBLISH': {
      checkQos(o.qos);
      if (o.alias === undefined && o.topic === undefined) bad('a PUBLISH needs a topic or an alias');
      if ((o.qos === 2) !== (o.pubId !== undefined)) bad('pubId must be given if and only if qos is 2');
      // the OP byte is the flags: bit 7 says PUBLISH [SW-15.3-5]
      let flags = K.OP_PUBLISH | o.qos | (o.retain ? K.PUB_RETAIN : 0);
      if (o.alias !== undefined) {
        checkU(o.alias, 0xffff, 'alias');
        if (o.alias === 0) bad('alias must be 1 or more');
        flags |= K.PUB_ALIAS;
      }
      if (o.topic !== undefined) (checkTopic(o.topic), (flags |= K.PUB_TOPIC));
      if (o.from !== undefined) (checkId(o.from, 'from'), o.from === '' && bad('from must not be empty when given'), (flags |= K.PUB_FROM));
      if (o.pubId !== undefined) checkU64(o.pubId, 'pubId');
      if (o.ref !== undefined) (checkU(o.ref, 0xffff, 'ref'), o.qos === 0 && bad('ref is for QoS 1 and 2 only'), (flags |= K.PUB_REF));
      const w = new Writer().u8(flags);
      if (o.alias !== undefined) w.uvar(o.alias);
      if (o.topic !== undefined) w.str(o.topic);
      if (o.from !== undefined) w.str(o.from);
      if (o.pubId !== undefined) w.u64(o.pubId);
      if (o.ref !== undefined) w.u16(o.ref);
      return w.rest(o.payload);
    }
    case 'PUBNACK':
      checkU(o.ref, 0xffff, 'ref');
      if (!K.PUBNACK_REASONS.includes(o.reason)) bad(`invalid PUBNACK reason ${o.reason}`);
      return new Writer().u8(K.OP_PUBNACK).u16(o.ref).u8(o.reason).done();
    case 'SUBSCRIBE':
    case 'SYNC': {
      checkU(o.req, 0xffff, 'req');
      const max = o.op === 'SUBSCRIBE' ? 0xff : 0xffff;
      if ((o.op === 'SUBSCRIBE' && o.filters.length === 0) || o.filters.length > max) bad(`${o.op} takes 1 to ${max} filters`);
      const w = new Writer().u8(o.op === 'SUBSCRIBE' ? K.OP_SUBSCRIBE : K.OP_SYNC).u16(o.req);
      if (o.op === 'SUBSCRIBE') w.u8(o.filters.length);
      else {
        const l = o.limits;
        if (l === undefined || !limitsOk(l)) bad('SYNC limits out of range [SW-15.5-8]');
        w.uvar(l.maxDatagram).uvar(l.maxMessage).uvar(l.maxAliases).uvar(l.window).u16(o.filters.length);
      }
      for (const f of o.filters) (checkQos(f.qos), checkFilter(f.filter), w.u8(f.qos).str(f.filter));
      return w.done();
    }
    case 'SUBACK': {
      checkU(o.req, 0xffff, 'req');
      if (o.codes.length > 0xff) bad('SUBACK takes at most 255 codes');
      const w = new Writer().u8(K.OP_SUBACK).u16(o.req).u8(o.codes.length);
      for (const c of o.codes) (isSubackCode(c) || bad(`invalid SUBACK code ${c}`), w.u8(c));
      return w.done();
    }
    case 'UNSUBSCRIBE': {
      checkU(o.req, 0xffff, 'req');
      if (o.filters.length === 0 || o.filters.length > 0xff) bad('UNSUBSCRIBE takes 1 to 255 filters');
      const w = new Writer().u8(K.OP_UNSUBSCRIBE).u16(o.req).u8(o.filters.length);
      for (const f of o.filters) (checkFilter(f), w.str(f));
      return w.done();
    }
    case 'UNSUBACK':
      checkU(o.req, 0xffff, 'req');
      return new Writer().u8(K.OP_UNSUBACK).u16(o.req).done();
    case 'WILL':
      checkQos(o.qos);
      if (o.topic !== '') checkTopic(o.topic);
      return new Writer()
        .u8(K.OP_WILL)
        .u8(o.qos | (o.retain ? K.PUB_RETAIN : 0))
        .str(o.topic)
        .rest(o.payload);
    case 'ALIAS':
      checkU(o.alias, 0xffff, 'alias');
      if (o.alias === 0) bad('alias must be 1 or more');
      checkTopic(o.topic);
      return new Writer().u8(K.OP_ALIAS).uvar(o.alias).str(o.topic).done();
    case 'CALL':
      checkU64(o.callId, 'callId');
      checkU(o.timeoutMs, UVAR_MAX, 'timeoutMs');
      checkId(o.to, 'to');
      checkId(o.from, 'from');
      if (!isValidMethod(o.method)) bad(`invalid method name ${JSON.stringify(o.method)}: 1 to ${K.MAX_METHOD_BYTES} bytes of UTF-8, no U+0000`);
      return new Writer().u8(K.OP_CALL).u64(o.callId).uvar(o.timeoutMs).str(o.to).str(o.from).str(o.method).rest(o.params);
    case 'CALLACK':
      checkU64(o.callId, 'callId');
      checkId(o.to, 'to');
      return new Writer().u8(K.OP_CALLACK).u64(o.callId).str(o.to).done();
    case 'RESULT':
      checkU64(o.callId, 'callId');
      checkId(o.to, 'to');
      if (!(Number.isInteger(o.outcome) && o.outcome >= 0 && o.outcome <= K.OUTCOME_TIMEOUT)) bad(`invalid outcome ${o.outcome}`);
      return new Writer().u8(K.OP_RESULT).u64(o.callId).str(o.to).u8(o.outcome).rest(o.body);
  }
}

/** Whether declared limits are within what the codec takes [SW-15.5-8]. */
export function limitsOk(l: K.PeerLimits): boolean {
  const u = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  return u(l.maxDatagram, K.LIMITS_MIN_DATAGRAM, K.LIMITS_MAX_DATAGRAM) && u(l.maxMessage, 1, UVAR_MAX) && u(l.maxAliases, 0, 0xffff) && u(l.window, 1, 0xffff);
}

function isSubackCode(c: number): boolean {
  return c === 0 || c === 1 || c === 2 || c === K.SUBACK_REFUSED || c === K.SUBACK_INVALID || c === K.SUBACK_LIMIT;
}

/** Reads fields; every read returns undefined past the end, and decodeOp gives up on the first. */
class Reader {
  i = 0;
  constructor(
    readonly b: Uint8Array,
    private readonly owned = false,
  ) {}
  get left(): number {
    return this.b.length - this.i;
  }
  u8(): number | undefined {
    return this.i < this.b.length ? this.b[this.i++] : undefined;
  }
  u16(): number | undefined {
    if (this.left < 2) return undefined;
    const v = (this.b[this.i]! << 8) | this.b[this.i + 1]!;
    this.i += 2;
    return v;
  }
  u32(): number | undefined {
    const hi = this.u16();
    const lo = hi === undefined ? undefined : this.u16();
    return hi === undefined || lo === undefined ? undefined : hi * 0x10000 + lo;
  }
  u64(): bigint | undefined {
    const hi = this.u32();
    const lo = hi === undefined ? undefined : this.u32();
    return hi === undefined || lo === undefined ? undefined : (BigInt(hi) << 32n) | BigInt(lo);
  }
  str(len: number | undefined): string | undefined {
    if (len === undefined || this.left < len) return undefined;
    const start = this.i;
    this.i += len;
    const ascii = asciiString(this.b, start, len);
    if (ascii !== undefined) return ascii;
    const s = this.b.subarray(start, start + len);
    try {
      return dec.decode(s);
    } catch {
      return undefined; // ill-formed UTF-8 is never repaired [SW-15.1-3]
    }
  }
  /** A UVAR, or undefined if truncated or not in its one valid form [SW-4.11-1]. */
  uvar(): number | undefined {
    const v = readUvar(this.b, this.i);
    if (v < 0) return undefined;
    this.i += uvarSize(v);
    return v;
  }
  /** A STR field: UVAR length, then UTF-8. */
  strV(): string | undefined {
    return this.str(this.uvar());
  }
  rest(): Uint8Array {
    const r = this.owned ? this.b.subarray(this.i) : this.b.slice(this.i);
    this.i = this.b.length;
    return r;
  }
}

/**
 * A short all-ASCII field (the usual topic, id, method) as a string without TextDecoder, whose
 * per-call cost dominates for a few bytes; undefined for anything else, which TextDecoder checks.
 * ASCII is valid UTF-8 and decodes to the same string either way.
 */
function asciiString(b: Uint8Array, at: number, len: number): string | undefined {
  if (len > 64) return undefined;
  let s = '';
  for (let k = at; k < at + len; k++) {
    const c = b[k]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

const qosOf = (v: number | undefined): QoS | undefined => (v === 0 || v === 1 || v === 2 ? v : undefined);
const idOk = (s: string | undefined): s is string => s !== undefined && (s === '' || isValidNodeId(s));

/**
 * Decodes one operation, or undefined if a receiver must drop it [SW-15.3-6]. The payload, params or
 * body is a copy, unless `owned`: the caller hands over `bytes` (a node's delivered message is
 * already its own copy), and the trailing bytes are then a view of it, not a second copy.
 */
export function decodeOp(bytes: Uint8Array, owned = false): Op | undefined {
  const r = new Reader(bytes, owned);
  const op = r.u8();
  const o = decodeBody(op, r);
  return o !== undefined && r.left === 0 ? o : undefined;
}

function decodeBody(op: number | undefined, r: Reader): Op | undefined {
  if (op !== undefined && op >= K.OP_PUBLISH) return decodePublish(op, r);
  switch (op) {
    case K.OP_PUBNACK: {
      const ref = r.u16();
      const reason = r.u8();
      return ref === undefined || reason === undefined || !K.PUBNACK_REASONS.includes(reason) ? undefined : { op: 'PUBNACK', ref, reason };
    }
    case K.OP_SUBSCRIBE:
    case K.OP_SYNC: {
      const req = r.u16();
      let limits: K.PeerLimits | undefined;
      if (op === K.OP_SYNC) {
        const maxDatagram = r.uvar();
        const maxMessage = r.uvar();
        const maxAliases = r.uvar();
        const window = r.uvar();
        if (maxDatagram === undefined || maxMessage === undefined || maxAliases === undefined || window === undefined) return undefined;
        limits = { maxDatagram, maxMessage, maxAliases, window };
        if (!limitsOk(limits)) return undefined;
      }
      const n = op === K.OP_SUBSCRIBE ? r.u8() : r.u16();
      if (req === undefined || n === undefined || (op === K.OP_SUBSCRIBE && n === 0)) return undefined;
      const filters: Array<{ filter: string; qos: QoS }> = [];
      for (let k = 0; k < n; k++) {
        const qos = qosOf(r.u8());
        const filter = r.strV();
        if (qos === undefined || !isValidTopicFilter(filter)) return undefined;
        filters.push({ filter, qos });
      }
      return limits === undefined ? { op: 'SUBSCRIBE', req, filters } : { op: 'SYNC', req, limits, filters };
    }
    case K.OP_SUBACK: {
      const req = r.u16();
      const n = r.u8();
      if (req === undefined || n === undefined) return undefined;
      const codes: number[] = [];
      for (let k = 0; k < n; k++) {
        const c = r.u8();
        if (c === undefined || !isSubackCode(c)) return undefined;
        codes.push(c);
      }
      return { op: 'SUBACK', req, codes };
    }
    case K.OP_UNSUBSCRIBE: {
      const req = r.u16();
      const n = r.u8();
      if (req === undefined || !n) return undefined;
      const filters: string[] = [];
      for (let k = 0; k < n; k++) {
        const f = r.strV();
        if (!isValidTopicFilter(f)) return undefined;
        filters.push(f);
      }
      return { op: 'UNSUBSCRIBE', req, filters };
    }
    case K.OP_UNSUBACK: {
      const req = r.u16();
      return req === undefined ? undefined : { op: 'UNSUBACK', req };
    }
    case K.OP_WILL: {
      const flags = r.u8();
      const qos = qosOf((flags ?? 3) & K.PUB_QOS_MASK);
      if (flags === undefined || qos === undefined || (flags & ~(K.PUB_QOS_MASK | K.PUB_RETAIN)) !== 0) return undefined;
      const topic = r.strV();
      if (topic === undefined || (topic !== '' && !isValidTopicName(topic))) return undefined;
      return { op: 'WILL', qos, retain: (flags & K.PUB_RETAIN) !== 0, topic, payload: r.rest() };
    }
    case K.OP_ALIAS: {
      const alias = r.uvar();
      const topic = r.strV();
      return !alias || alias > 0xffff || !isValidTopicName(topic) ? undefined : { op: 'ALIAS', alias, topic };
    }
    case K.OP_CALL: {
      const callId = r.u64();
      const timeoutMs = r.uvar();
      const to = r.strV();
      const from = r.strV();
      const method = r.strV();
      if (callId === undefined || timeoutMs === undefined || !idOk(to) || !idOk(from) || !isValidMethod(method)) return undefined;
      return { op: 'CALL', callId, timeoutMs, to, from, method, params: r.rest() };
    }
    case K.OP_CALLACK: {
      const callId = r.u64();
      const to = r.strV();
      return callId === undefined || !idOk(to) ? undefined : { op: 'CALLACK', callId, to };
    }
    case K.OP_RESULT: {
      const callId = r.u64();
      const to = r.strV();
      const outcome = r.u8();
      if (callId === undefined || !idOk(to) || outcome === undefined || outcome > K.OUTCOME_TIMEOUT) return undefined;
      return { op: 'RESULT', callId, to, outcome, body: r.rest() };
    }
    default:
      return undefined;
  }
}

/** A PUBLISH: its OP byte `flags` (bit 7 set) holds QOS, RETAIN and which fields follow [SW-15.3-5]. */
function decodePublish(flags: number, r: Reader): Op | undefined {
  const qos = qosOf(flags & K.PUB_QOS_MASK);
  if (qos === undefined) return undefined;
  if (flags & K.PUB_REF && qos === 0) return undefined; // a REF is never answered at QoS 0 [SW-15.4-4]
  if ((flags & (K.PUB_ALIAS | K.PUB_TOPIC)) === 0) return undefined;
  const alias = flags & K.PUB_ALIAS ? r.uvar() : undefined;
  if (flags & K.PUB_ALIAS && (!alias || alias > 0xffff)) return undefined; // absent, 0, or above the codec's bound
  const topic = flags & K.PUB_TOPIC ? r.strV() : undefined;
  if (flags & K.PUB_TOPIC && !isValidTopicName(topic)) return undefined;
  const from = flags & K.PUB_FROM ? r.strV() : undefined;
  if (flags & K.PUB_FROM && !isValidNodeId(from)) return undefined;
  const pubId = qos === 2 ? r.u64() : undefined;
  if (qos === 2 && pubId === undefined) return undefined;
  const ref = flags & K.PUB_REF ? r.u16() : undefined;
  if (flags & K.PUB_REF && ref === undefined) return undefined;
  return {
    op: 'PUBLISH',
    qos,
    retain: (flags & K.PUB_RETAIN) !== 0,
    ...(alias !== undefined && { alias }),
    ...(topic !== undefined && { topic }),
    ...(from !== undefined && { from }),
    ...(pubId !== undefined && { pubId }),
    ...(ref !== undefined && { ref }),
    payload: r.rest(),
  };
}
