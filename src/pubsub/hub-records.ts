/**
 * The records of a hub's journal [SW-18.3-3]: what a hub must find again after a crash. Each record
 * starts with a type byte; integers are big-endian, string8/string16 are a u8/u16 length then UTF-8.
 *
 *   0x01 SUBS      string8 device, u16 N, N × (u8 QOS, string16 filter): the device's whole list now
 *   0x02 WILL      string8 device, u8 FLAGS (bits 0-1 QOS, bit 2 RETAIN), string16 topic (empty:
 *                  no will), REST payload
 *   0x03 PUB       u8 FLAGS (bits 0-1 QOS, bit 2 RETAIN: update the retained store, bit 3 PUB_ID
 *                  present, bit 4 COPY: a retained copy, delivered with RETAIN set, bit 5 OWED: deliveries only, its
 *                  retained and QoS 2 effects are in the snapshot before it, bit 6 EXPIRES present),
 *                  f64 SEQ, f64 AT (wall-clock ms), string8 from, string16 topic, [u64 PUB_ID],
 *                  [f64 EXPIRES: wall-clock ms after which the copies are given up (MQTT 5 message
 *                  expiry through the bridge)],
 *                  u16 T, T × (string8 device, u8 QOS): the subscribers it is owed to, REST payload
 *   0x04 DONE      f64 SEQ, string8 device: that subscriber acknowledged it (or it was given up)
 *   0x05 RETAINED  f64 AT, REST the retained store (RetainedStore.encode, ages at AT)
 *   0x06 DEDUPE    f64 AT, REST the QoS 2 window (DedupeWindow.export, ages at AT)
 *   0x07 NEXT      f64 SEQ: the next publication number
 *
 * SUBS, WILL, PUB and DONE are appended as the hub works; a snapshot (compaction) is RETAINED,
 * DEDUPE, NEXT, then SUBS and WILL per device and PUB per publication still owed to someone.
 * @module
 */
import type { QoS } from '../messaging/ops.js';

export type HubRecord =
  | { readonly type: 'SUBS'; readonly device: string; readonly filters: ReadonlyArray<readonly [string, QoS]> }
  | { readonly type: 'WILL'; readonly device: string; readonly will: StoredWill | undefined }
  | { readonly type: 'PUB'; readonly pub: StoredPublication }
  | { readonly type: 'DONE'; readonly seq: number; readonly device: string }
  | { readonly type: 'RETAINED'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly type: 'DEDUPE'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly type: 'NEXT'; readonly seq: number };

export interface StoredWill {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
}

/** A publication the hub took, with the subscribers it still owes it to. */
export interface StoredPublication {
  readonly seq: number;
  /** Wall-clock ms when the hub took it (the age of its QoS 2 id). */
  readonly at: number;
  readonly from: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  /** Update the retained store with it. */
  readonly retain: boolean;
  /** A copy from the retained store for a new subscription: delivered with RETAIN set. */
  readonly copy: boolean;
  /** Written by a snapshot: only the deliveries are owed (RETAIN and PUB_ID have no effect at replay). */
  readonly owedOnly?: boolean;
  readonly pubId?: bigint;
  /** Wall-clock ms after which the copies still owed are given up (MQTT 5 message expiry), if any. */
  readonly expiresAt?: number;
  /** Subscriber -> QoS of its copy (1 or 2). */
  readonly targets: ReadonlyMap<string, QoS>;
}

const TYPES = { SUBS: 1, WILL: 2, PUB: 3, DONE: 4, RETAINED: 5, DEDUPE: 6, NEXT: 7 } as const;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Writer {
  private buf = new Uint8Array(64);
  private dv = new DataView(this.buf.buffer);
  o = 0;
  private room(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.o + n));
    next.set(this.buf.subarray(0, this.o));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.o++] = v;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.dv.setUint16(this.o, v);
    this.o += 2;
    return this;
  }
  f64(v: number): this {
    this.room(8);
    this.dv.setFloat64(this.o, v);
    this.o += 8;
    return this;
  }
  u64(v: bigint): this {
    this.room(8);
    this.dv.setBigUint64(this.o, v);
    this.o += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.o);
    this.o += b.length;
    return this;
  }
  str8(s: string): this {
    const b = enc.encode(s);
    if (b.length > 0xff) throw new RangeError('string8 over 255 bytes');
    return this.u8(b.length).bytes(b);
  }
  str16(s: string): this {
    const b = enc.encode(s);
    if (b.length > 0xffff) throw new RangeError('string16 over 65535 bytes');
    return this.u16(b.length).bytes(b);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.o);
  }
}

export class HubRecordError extends Error {}

class Reader {
  private o = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number): number {
    if (this.o + n > this.b.length) throw new HubRecordError('truncated hub record');
    const at = this.o;
    this.o += n;
    return at;
  }
  u8 = (): number => this.b[this.need(1)]!;
  u16 = (): number => this.dv.getUint16(this.need(2));
  f64 = (): number => this.dv.getFloat64(this.need(8));
  u64 = (): bigint => this.dv.getBigUint64(this.need(8));
  str = (n: number): string => {
    const at = this.need(n);
    try {
      return dec.decode(this.b.subarray(at, at + n));
    } catch {
      throw new HubRecordError('hub record string is not UTF-8');
    }
  };
  str8 = (): string => this.str(this.u8());
  str16 = (): string => this.str(this.u16());
  rest = (): Uint8Array => this.b.slice(this.need(this.b.length - this.o));
  end(): void {
    if (this.o !== this.b.length) throw new HubRecordError('bytes after a hub record');
  }
}

const qosOf = (v: number): QoS => {
  if (v > 2) throw new HubRecordError(`bad QoS ${v}`);
  return v as QoS;
};

export function encodeHubRecord(r: HubRecord): Uint8Array {
  const w = new Writer().u8(TYPES[r.type]);
  switch (r.type) {
    case 'SUBS':
      w.str8(r.device).u16(r.filters.length);
      for (const [f, q] of r.filters) w.u8(q).str16(f);
      break;
    case 'WILL':
      w.str8(r.device);
      if (r.will === undefined) w.u8(0).str16('');
      else w.u8(r.will.qos | (r.will.retain ? 4 : 0)).str16(r.will.topic).bytes(r.will.payload);
      break;
    case 'PUB': {
      const p = r.pub;
      w.u8(p.qos | (p.retain ? 4 : 0) | (p.pubId !== undefined ? 8 : 0) | (p.copy ? 16 : 0) | (p.owedOnly === true ? 32 : 0) | (p.expiresAt !== undefined ? 64 : 0)).f64(p.seq).f64(p.at).str8(p.from).str16(p.topic);
      if (p.pubId !== undefined) w.u64(p.pubId);
      if (p.expiresAt !== undefined) w.f64(p.expiresAt);
      w.u16(p.targets.size);
      for (const [d, q] of p.targets) w.str8(d).u8(q);
      w.bytes(p.payload);
      break;
    }
    case 'DONE':
      w.f64(r.seq).str8(r.device);
      break;
    case 'RETAINED':
    case 'DEDUPE':
      w.f64(r.at).bytes(r.bytes);
      break;
    case 'NEXT':
      w.f64(r.seq);
      break;
  }
  return w.done();
}

/** Decodes one record; throws HubRecordError on anything it does not recognize exactly. */
export function decodeHubRecord(b: Uint8Array): HubRecord {
  const r = new Reader(b);
  const type = r.u8();
  switch (type) {
    case TYPES.SUBS: {
      const device = r.str8();
      const n = r.u16();
      const filters: Array<readonly [string, QoS]> = [];
      for (let i = 0; i < n; i++) {
        const q = qosOf(r.u8());
        filters.push([r.str16(), q]);
      }
      r.end();
      return { type: 'SUBS', device, filters };
    }
    case TYPES.WILL: {
      const device = r.str8();
      const flags = r.u8();
      const topic = r.str16();
      const payload = r.rest();
      return { type: 'WILL', device, will: topic === '' ? undefined : { topic, payload, qos: qosOf(flags & 3), retain: (flags & 4) !== 0 } };
    }
    case TYPES.PUB: {
      const flags = r.u8();
      if (flags & 0x80) throw new HubRecordError('reserved PUB flags');
      const seq = r.f64();
      const at = r.f64();
      const from = r.str8();
      const topic = r.str16();
      const pubId = flags & 8 ? r.u64() : undefined;
      const expiresAt = flags & 64 ? r.f64() : undefined;
      const n = r.u16();
      const targets = new Map<string, QoS>();
      for (let i = 0; i < n; i++) targets.set(r.str8(), qosOf(r.u8()));
      const payload = r.rest();
      const pub: StoredPublication = { seq, at, from, topic, payload, qos: qosOf(flags & 3), retain: (flags & 4) !== 0, copy: (flags & 16) !== 0, ...((flags & 32) !== 0 && { owedOnly: true }), targets, ...(pubId !== undefined && { pubId }), ...(expiresAt !== undefined && { expiresAt }) };
      return { type: 'PUB', pub };
    }
    case TYPES.DONE: {
      const seq = r.f64();
      const device = r.str8();
      r.end();
      return { type: 'DONE', seq, device };
    }
    case TYPES.RETAINED:
    case TYPES.DEDUPE: {
      const at = r.f64();
      return { type: type === TYPES.RETAINED ? 'RETAINED' : 'DEDUPE', at, bytes: r.rest() };
    }
    case TYPES.NEXT: {
      const seq = r.f64();
      r.end();
      return { type: 'NEXT', seq };
    }
    default:
      throw new HubRecordError(`unknown hub record type ${type}`);
  }
}
