/**
 * Retained messages (MQTT semantics): the last retained publication per topic, given to each new
 * subscriber whose filter matches. A retained publication with an empty payload deletes the topic's
 * value. Matching takes a predicate so this module does not depend on the topic-filter module.
 *
 * Limits: `maxTopics` topics and `maxBytes` bytes, where an entry's size is its payload length plus
 * the UTF-8 length of its topic, and per publisher (the `from` of the value held, charged to
 * whoever stored it last) `maxTopicsPerDevice` and `maxBytesPerDevice` [SW-15.8-2], except for the
 * `exempt` publisher (the hub itself: presence). A store that would pass a limit throws
 * RetainedLimitError and keeps the old state, except that replacing a topic's value of one's own by
 * one of the same or smaller size always succeeds (so a full store never blocks the updates of the
 * topics it holds).
 *
 * Pure: `now` (ms) is passed in. `save(store, now)` / `RetainedStore.load(store, now)` persist it
 * under the StateStore key 'retained'; they record ages, not clock values, since a node's clock
 * does not survive a restart.
 *
 * Byte format, version 1 (all integers big-endian):
 *   u8  version = 0x01
 *   u32 N: number of entries
 *   N times:
 *     u16 T: topic length in bytes, >= 1;  T bytes: topic, UTF-8
 *     u8  QOS: 0, 1 or 2
 *     u8  F: publisher id length in bytes; F bytes: publisher id, UTF-8 (may be empty)
 *     u32 AGE: ms since it was stored (saturates at 2^32-1)
 *     u32 LEN: payload length, >= 1;       LEN bytes: payload
 * Nothing may follow. A topic appears at most once.
 * @module
 */
import { InvalidArgumentError, SaltwireError } from '../errors.js';
import type { StateStore } from '../peer/state-store.js';
import { CorruptRecordError } from '../rpc/errors.js';
import { RETAINED_MAX_BYTES_PER_DEVICE, RETAINED_MAX_TOPICS_PER_DEVICE } from './limits.js';

export const RETAINED_MAX_TOPICS = 10_000;
export const RETAINED_MAX_BYTES = 16 * 1024 * 1024;
export const RETAINED_KEY = 'retained';
export const RETAINED_FORMAT_VERSION = 1;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // U+FEFF is kept [SW-15.1-3]

export type Qos = 0 | 1 | 2;

export interface Retained {
  readonly payload: Uint8Array;
  readonly qos: Qos;
  /** The publisher's node id. */
  readonly from: string;
  /** `now` when it was stored. */
  readonly storedAt: number;
}

export interface RetainedOptions {
  readonly maxTopics?: number;
  readonly maxBytes?: number;
  /** Topics one publisher may hold, default RETAINED_MAX_TOPICS_PER_DEVICE (1,000) [SW-15.8-2]. */
  readonly maxTopicsPerDevice?: number;
  /** Bytes one publisher may hold, default RETAINED_MAX_BYTES_PER_DEVICE (1 MiB) [SW-15.8-2]. */
  readonly maxBytesPerDevice?: number;
  /** A publisher no per-device quota applies to (the hub's own id: its presence messages). */
  readonly exempt?: string;
}

/** Which limit a retained message would pass: the store's, or its publisher's quota [SW-15.8-2]. */
export type RetainedLimit = 'topics' | 'bytes' | 'device-topics' | 'device-bytes';

/**
 * Storing a retained message would pass a limit of the store or of its publisher; nothing changed.
 * @group Errors
 */
export class RetainedLimitError extends SaltwireError {
  readonly topic: string;
  readonly limit: RetainedLimit;
  constructor(topic: string, limit: RetainedLimit, max: number) {
    const what = limit === 'topics' || limit === 'bytes' ? `the store is at its limit of ${max} ${limit}` : `its publisher is at its quota of ${max} ${limit === 'device-topics' ? 'topics' : 'bytes'}`;
    super('ERR_RETAINED_LIMIT', `cannot retain a message on ${JSON.stringify(topic)}: ${what}`);
    this.topic = topic;
    this.limit = limit;
  }
}

interface Entry extends Retained {
  readonly size: number;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be an integer >= 1`);
  return v;
}

export class RetainedStore {
  readonly maxTopics: number;
  readonly maxBytes: number;
  readonly maxTopicsPerDevice: number;
  readonly maxBytesPerDevice: number;
  private readonly exempt: string | undefined;
  private readonly entries = new Map<string, Entry>();
  /** Topics and bytes held per publisher [SW-15.8-2]. */
  private readonly byPublisher = new Map<string, { topics: number; bytes: number }>();
  private total = 0;
  /** Entries `load` skipped because they did not fit this store's limits. */
  droppedOnLoad = 0;

  constructor(options: RetainedOptions = {}) {
    this.maxTopics = positiveInt(options.maxTopics, RETAINED_MAX_TOPICS, 'maxTopics');
    this.maxBytes = positiveInt(options.maxBytes, RETAINED_MAX_BYTES, 'maxBytes');
    this.maxTopicsPerDevice = positiveInt(options.maxTopicsPerDevice, RETAINED_MAX_TOPICS_PER_DEVICE, 'maxTopicsPerDevice');
    this.maxBytesPerDevice = positiveInt(options.maxBytesPerDevice, RETAINED_MAX_BYTES_PER_DEVICE, 'maxBytesPerDevice');
    this.exempt = options.exempt;
  }

  /** Topics and bytes `publisher` holds now [SW-15.8-2]. */
  heldBy(publisher: string): { readonly topics: number; readonly bytes: number } {
    return this.byPublisher.get(publisher) ?? { topics: 0, bytes: 0 };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes accounted against maxBytes. */
  get bytes(): number {
    return this.total;
  }

  /**
   * Applies a retained publication: a non-empty payload replaces the topic's value (a copy is
   * kept), an empty one deletes it. Returns 'stored' or 'deleted' ('deleted' also when there was
   * nothing to delete). Throws RetainedLimitError as described in the module comment.
   */
  set(topic: string, payload: Uint8Array, qos: Qos, from: string, now: number): 'stored' | 'deleted' {
    if (typeof topic !== 'string' || topic.length === 0) throw new InvalidArgumentError('topic must be a non-empty string');
    if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload must be a Uint8Array');
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidArgumentError(`qos must be 0, 1 or 2, got ${String(qos)}`);
    if (typeof from !== 'string' || enc.encode(from).length > 255) throw new InvalidArgumentError('from must be a string of at most 255 UTF-8 bytes');
    const topicLen = enc.encode(topic).length;
    if (topicLen > 0xffff) throw new InvalidArgumentError('topic is over 65535 UTF-8 bytes');
    if (payload.length === 0) {
      this.delete(topic);
      return 'deleted';
    }
    if (payload.length > 0xffff_ffff) throw new InvalidArgumentError('payload is over 2^32-1 bytes');
    const size = payload.length + topicLen;
    this.check(topic, from, size);
    this.put(topic, { payload: payload.slice(), qos, from, storedAt: now, size });
    return 'stored';
  }

  /** Throws RetainedLimitError if storing `size` bytes on `topic` for `from` would pass a limit. */
  private check(topic: string, from: string, size: number): void {
    const old = this.entries.get(topic);
    if (old === undefined && this.entries.size >= this.maxTopics) throw new RetainedLimitError(topic, 'topics', this.maxTopics);
    const oldSize = old?.size ?? 0;
    if (size > oldSize && this.total - oldSize + size > this.maxBytes) throw new RetainedLimitError(topic, 'bytes', this.maxBytes);
    if (from === this.exempt) return;
    const mine = old?.from === from;
    const held = this.heldBy(from);
    if (!mine && held.topics >= this.maxTopicsPerDevice) throw new RetainedLimitError(topic, 'device-topics', this.maxTopicsPerDevice);
    const after = held.bytes - (mine ? oldSize : 0) + size;
    if (after > this.maxBytesPerDevice && !(mine && size <= oldSize)) throw new RetainedLimitError(topic, 'device-bytes', this.maxBytesPerDevice);
  }

  /** The topic's retained message, or undefined. Its payload must not be mutated. */
  get(topic: string): Retained | undefined {
    return this.entries.get(topic);
  }

  /** Removes the topic's value; whether there was one. */
  delete(topic: string): boolean {
    const old = this.entries.get(topic);
    if (old === undefined) return false;
    this.entries.delete(topic);
    this.total -= old.size;
    this.charge(old.from, -1, -old.size);
    return true;
  }

  private charge(from: string, topics: number, bytes: number): void {
    const h = this.byPublisher.get(from) ?? { topics: 0, bytes: 0 };
    h.topics += topics;
    h.bytes += bytes;
    if (h.topics === 0) this.byPublisher.delete(from);
    else this.byPublisher.set(from, h);
  }

  /** Every retained message whose topic satisfies `matches` (e.g. a subscription filter), oldest first. */
  match(matches: (topic: string) => boolean): Array<Retained & { readonly topic: string }> {
    const out: Array<Retained & { readonly topic: string }> = [];
    for (const [topic, e] of this.entries) {
      if (matches(topic)) out.push({ topic, payload: e.payload, qos: e.qos, from: e.from, storedAt: e.storedAt });
    }
    return out;
  }

  /** The store as bytes (format above), ages counted at `now`. */
  encode(now: number): Uint8Array {
    const parts: Array<{ topic: Uint8Array; from: Uint8Array; e: Entry }> = [];
    let size = 5;
    for (const [topic, e] of this.entries) {
      const p = { topic: enc.encode(topic), from: enc.encode(e.from), e };
      size += 2 + p.topic.length + 1 + 1 + p.from.length + 4 + 4 + e.payload.length;
      parts.push(p);
    }
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    out[0] = RETAINED_FORMAT_VERSION;
    dv.setUint32(1, parts.length);
    let o = 5;
    for (const { topic, from, e } of parts) {
      dv.setUint16(o, topic.length);
      out.set(topic, o + 2);
      o += 2 + topic.length;
      out[o] = e.qos;
      out[o + 1] = from.length;
      out.set(from, o + 2);
      o += 2 + from.length;
      dv.setUint32(o, Math.min(Math.max(0, now - e.storedAt), 0xffff_ffff));
      dv.setUint32(o + 4, e.payload.length);
      out.set(e.payload, o + 8);
      o += 8 + e.payload.length;
    }
    return out;
  }

  /**
   * Builds a store from bytes of `encode`, ages counted back from `now`. Entries that do not fit
   * `options`' limits (e.g. they were lowered) are skipped in record order and counted in
   * `droppedOnLoad`. Throws CorruptRecordError if the bytes are not a valid record.
   */
  static decode(bytes: Uint8Array, now: number, options: RetainedOptions = {}): RetainedStore {
    const parsed = parse(bytes);
    const store = new RetainedStore(options);
    for (const p of parsed) {
      const size = p.payload.length + p.topicLen;
      try {
        store.check(p.topic, p.from, size);
      } catch {
        store.droppedOnLoad++;
        continue;
      }
      store.put(p.topic, { payload: p.payload, qos: p.qos, from: p.from, storedAt: now - p.age, size });
    }
    return store;
  }

  /** Persists the store under RETAINED_KEY; resolves once the StateStore says it is durable. */
  async save(store: StateStore, now: number): Promise<void> {
    await store.save(RETAINED_KEY, this.encode(now));
  }

  /** The store persisted under RETAINED_KEY, or an empty one if there is none. See `decode`. */
  static async load(store: StateStore, now: number, options: RetainedOptions = {}): Promise<RetainedStore> {
    const bytes = await store.load(RETAINED_KEY);
    return bytes === undefined ? new RetainedStore(options) : RetainedStore.decode(bytes, now, options);
  }

  private put(topic: string, e: Entry): void {
    const old = this.entries.get(topic);
    // Delete first so that Map order is "last stored", which `match` reports.
    if (old !== undefined) {
      this.entries.delete(topic);
      this.total -= old.size;
      this.charge(old.from, -1, -old.size);
    }
    this.entries.set(topic, e);
    this.total += e.size;
    this.charge(e.from, 1, e.size);
  }
}

interface ParsedEntry {
  readonly topic: string;
  readonly topicLen: number;
  readonly qos: Qos;
  readonly from: string;
  readonly age: number;
  readonly payload: Uint8Array;
}

function parse(bytes: Uint8Array): ParsedEntry[] {
  const fail = (offset: number, problem: string): never => {
    throw new CorruptRecordError(RETAINED_KEY, offset, problem);
  };
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes must be a Uint8Array');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (o: number, n: number, what: string): void => {
    if (o + n > bytes.length) fail(o, `truncated: ${what} needs ${n} bytes, ${bytes.length - o} left`);
  };
  const text = (o: number, n: number, what: string): string => {
    need(o, n, what);
    try {
      return dec.decode(bytes.subarray(o, o + n));
    } catch {
      return fail(o, `${what} is not UTF-8`);
    }
  };
  need(0, 1, 'version');
  if (bytes[0] !== RETAINED_FORMAT_VERSION) fail(0, `unknown version ${bytes[0]}`);
  need(1, 4, 'entry count');
  const n = dv.getUint32(1);
  let o = 5;
  const out: ParsedEntry[] = [];
  const topics = new Set<string>();
  for (let k = 0; k < n; k++) {
    need(o, 2, 'topic length');
    const topicLen = dv.getUint16(o);
    if (topicLen === 0) fail(o, 'empty topic');
    const topic = text(o + 2, topicLen, 'topic');
    if (topics.has(topic)) fail(o, `topic ${JSON.stringify(topic)} appears twice`);
    topics.add(topic);
    o += 2 + topicLen;
    need(o, 2, 'qos and publisher id length');
    const qos = bytes[o]!;
    if (qos > 2) fail(o, `qos ${qos}`);
    const fromLen = bytes[o + 1]!;
    const from = text(o + 2, fromLen, 'publisher id');
    o += 2 + fromLen;
    need(o, 8, 'age and payload length');
    const age = dv.getUint32(o);
    const len = dv.getUint32(o + 4);
    if (len === 0) fail(o + 4, 'empty payload');
    o += 8;
    need(o, len, 'payload');
    out.push({ topic, topicLen, qos: qos as Qos, from, age, payload: bytes.slice(o, o + len) });
    o += len;
  }
  if (o !== bytes.length) fail(o, `${bytes.length - o} bytes after the end`);
  return out;
}
