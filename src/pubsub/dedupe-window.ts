/**
 * QoS 2 (exactly once) support: per publisher, the publication ids seen in the last `windowMs`.
 * A publication whose id is in the window is a duplicate (a retransmission, or a copy relayed twice)
 * and is not delivered again.
 *
 * Publication ids are u64, held as bigint. Why u64 and not u32: ids must stay unique per publisher
 * across its restarts for at least `windowMs`, or a new publication after a restart would be taken
 * for a duplicate and lost. The natural construction is `epoch << 32 | counter` (the epoch is
 * durable, spec 5.2), which needs 64 bits. Why bigint and not a pair of u32: it is exact, a valid
 * Map key by value, compares with `<`, and reads/writes with DataView in one call.
 *
 * An id's window runs from when it was first seen (a duplicate does not extend it), so memory is
 * bounded in time. Limits: `maxPerPublisher` ids per publisher and `maxTotal` ids in all; at a limit
 * the oldest id (of that publisher, or of all) is evicted early and counted in `evictions`: a
 * duplicate of an evicted id would be delivered again, so a hub should size the limits to its
 * traffic and alarm on evictions.
 *
 * Pure: `now` (ms, non-decreasing) is passed in. `export(now)` / `import(bytes, now)` persist the
 * window through a StateStore across the owner's restart; they record ages, not clock values,
 * because a node's clock does not survive a restart (downtime is not counted: ids live longer,
 * which is the safe side).
 *
 * Byte format, version 1 (all integers big-endian):
 *   u8  version = 0x01
 *   u32 P: number of publishers
 *   P times:
 *     u8  L: length of the publisher id in bytes, 1..255
 *     L bytes: publisher id, UTF-8
 *     u32 N: number of ids of this publisher, >= 1
 *     N times: u64 publication id, u32 age in ms (now - first seen, < windowMs of the exporter)
 * Nothing may follow. A publisher appears at most once; an id at most once per publisher.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { CorruptRecordError } from '../rpc/errors.js';

export const DEDUPE_WINDOW_MS = 5 * 60_000;
export const DEDUPE_MAX_PER_PUBLISHER = 1024;
export const DEDUPE_MAX_TOTAL = 65_536;
export const DEDUPE_FORMAT_VERSION = 1;
/** The StateStore key a hub should use for its window. */
export const DEDUPE_KEY = 'dedupe';

const U64_MAX = (1n << 64n) - 1n;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // U+FEFF is kept [SW-15.1-3]

export interface DedupeWindowOptions {
  readonly windowMs?: number;
  readonly maxPerPublisher?: number;
  readonly maxTotal?: number;
}

interface Seen {
  readonly publisher: string;
  readonly id: bigint;
  readonly at: number;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be an integer >= 1`);
  return v;
}

function checkPublisher(publisher: string): void {
  if (typeof publisher !== 'string' || publisher.length === 0 || enc.encode(publisher).length > 255) {
    throw new InvalidArgumentError('publisher must be a string of 1 to 255 UTF-8 bytes');
  }
}

export class DedupeWindow {
  readonly windowMs: number;
  readonly maxPerPublisher: number;
  readonly maxTotal: number;
  /** Per publisher: id -> entry, in first-seen order. */
  private readonly byPublisher = new Map<string, Map<bigint, Seen>>();
  /** Every entry in first-seen order (the global eviction and expiry order). */
  private readonly all = new Set<Seen>();
  /** Ids evicted before their window ended (by a limit): their duplicates would not be caught. */
  evictions = 0;

  constructor(options: DedupeWindowOptions = {}) {
    this.windowMs = positiveInt(options.windowMs, DEDUPE_WINDOW_MS, 'windowMs');
    this.maxPerPublisher = positiveInt(options.maxPerPublisher, DEDUPE_MAX_PER_PUBLISHER, 'maxPerPublisher');
    this.maxTotal = positiveInt(options.maxTotal, DEDUPE_MAX_TOTAL, 'maxTotal');
  }

  /** Ids held, over all publishers. */
  get size(): number {
    return this.all.size;
  }

  /** Publishers with at least one id held. */
  get publishers(): number {
    return this.byPublisher.size;
  }

  /**
   * Whether `pubId` of `publisher` was already seen within the window; if not, records it now.
   * Throws InvalidArgumentError for a publisher id that is empty or over 255 UTF-8 bytes, or an id
   * outside u64: the caller has checked the frame before (bad network input is a drop, not this).
   */
  seen(publisher: string, pubId: bigint, now: number): boolean {
    checkPublisher(publisher);
    if (typeof pubId !== 'bigint' || pubId < 0n || pubId > U64_MAX) throw new InvalidArgumentError('pubId must be a u64 bigint');
    this.tick(now);
    const ids = this.byPublisher.get(publisher);
    if (ids?.has(pubId)) return true;
    this.insert(publisher, pubId, now);
    return false;
  }

  /** Forgets ids whose window ended at or before `now`. */
  tick(now: number): void {
    for (const e of this.all) {
      if (e.at + this.windowMs > now) break;
      this.remove(e);
    }
  }

  /** When the oldest id's window ends; Infinity if none. */
  nextDeadline(): number {
    for (const e of this.all) return e.at + this.windowMs;
    return Infinity;
  }

  /** The window as bytes (format above). Expires first, so only live ids are written. */
  export(now: number): Uint8Array {
    this.tick(now);
    const names = [...this.byPublisher.keys()].map((p) => enc.encode(p));
    let size = 1 + 4;
    let i = 0;
    for (const ids of this.byPublisher.values()) size += 1 + names[i++]!.length + 4 + ids.size * 12;
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    out[0] = DEDUPE_FORMAT_VERSION;
    dv.setUint32(1, this.byPublisher.size);
    let o = 5;
    i = 0;
    for (const ids of this.byPublisher.values()) {
      const name = names[i++]!;
      out[o] = name.length;
      out.set(name, o + 1);
      o += 1 + name.length;
      dv.setUint32(o, ids.size);
      o += 4;
      for (const e of ids.values()) {
        dv.setBigUint64(o, e.id);
        dv.setUint32(o + 8, Math.min(Math.max(0, now - e.at), 0xffff_ffff));
        o += 12;
      }
    }
    return out;
  }

  /**
   * Replaces the window's content with `bytes` from `export`, ages counted from `now`. Ids whose
   * age is at or over this window's `windowMs` are dropped; if the record holds more ids than this
   * window's limits, the oldest go (counted in `evictions`). Throws CorruptRecordError (and changes
   * nothing) if the bytes are not a valid record.
   */
  import(bytes: Uint8Array, now: number): void {
    const entries = parse(bytes);
    // Oldest first, so the limits evict the oldest and first-seen order holds.
    entries.sort((a, b) => b.age - a.age);
    this.byPublisher.clear();
    this.all.clear();
    for (const e of entries) {
      if (e.age >= this.windowMs) continue;
      this.insert(e.publisher, e.id, now - e.age);
    }
  }

  private insert(publisher: string, id: bigint, at: number): void {
    let ids = this.byPublisher.get(publisher);
    if (ids === undefined) {
      ids = new Map();
      this.byPublisher.set(publisher, ids);
    }
    if (ids.size >= this.maxPerPublisher) {
      for (const oldest of ids.values()) {
        this.remove(oldest);
        this.evictions++;
        break;
      }
    }
    if (this.all.size >= this.maxTotal) {
      for (const oldest of this.all) {
        this.remove(oldest);
        this.evictions++;
        break;
      }
    }
    const e: Seen = { publisher, id, at };
    // The publisher's map may have been emptied and deleted by the evictions above.
    const live = this.byPublisher.get(publisher) ?? ids;
    this.byPublisher.set(publisher, live);
    live.set(id, e);
    this.all.add(e);
  }

  private remove(e: Seen): void {
    this.all.delete(e);
    const ids = this.byPublisher.get(e.publisher);
    if (ids === undefined) return;
    ids.delete(e.id);
    if (ids.size === 0) this.byPublisher.delete(e.publisher);
  }
}

interface Parsed {
  readonly publisher: string;
  readonly id: bigint;
  readonly age: number;
}

function parse(bytes: Uint8Array): Parsed[] {
  const fail = (offset: number, problem: string): never => {
    throw new CorruptRecordError(DEDUPE_KEY, offset, problem);
  };
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes must be a Uint8Array');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (o: number, n: number, what: string): void => {
    if (o + n > bytes.length) fail(o, `truncated: ${what} needs ${n} bytes, ${bytes.length - o} left`);
  };
  need(0, 1, 'version');
  if (bytes[0] !== DEDUPE_FORMAT_VERSION) fail(0, `unknown version ${bytes[0]}`);
  need(1, 4, 'publisher count');
  const p = dv.getUint32(1);
  let o = 5;
  const out: Parsed[] = [];
  const publishers = new Set<string>();
  for (let k = 0; k < p; k++) {
    need(o, 1, 'publisher id length');
    const len = bytes[o]!;
    if (len === 0) fail(o, 'empty publisher id');
    need(o + 1, len, 'publisher id');
    let publisher = '';
    try {
      publisher = dec.decode(bytes.subarray(o + 1, o + 1 + len));
    } catch {
      fail(o + 1, 'publisher id is not UTF-8');
    }
    if (publishers.has(publisher)) fail(o, `publisher ${JSON.stringify(publisher)} appears twice`);
    publishers.add(publisher);
    o += 1 + len;
    need(o, 4, 'id count');
    const n = dv.getUint32(o);
    if (n === 0) fail(o, 'publisher with no ids');
    o += 4;
    // Checked before the loop, so a huge N in a short record fails at once.
    need(o, n * 12, `${n} ids`);
    const ids = new Set<bigint>();
    for (let j = 0; j < n; j++, o += 12) {
      const id = dv.getBigUint64(o);
      if (ids.has(id)) fail(o, `id ${id} appears twice`);
      ids.add(id);
      out.push({ publisher, id, age: dv.getUint32(o + 8) });
    }
  }
  if (o !== bytes.length) fail(o, `${bytes.length - o} bytes after the end`);
  return out;
}
