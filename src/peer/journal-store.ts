/**
 * JournalStore: an append-only log of records whose appends are durable when they resolve (spec
 * 18.3: durable before acknowledged, [SW-18.3-3]), behind an interface so the core never touches a
 * file system (src/node/file-journal.ts is Node's; MemoryJournal serves tests and memory stores).
 *
 * Bytes of a journal: the 4-byte magic `SWJ1`, then records, each
 *   u32 LEN (1 to MAX_RECORD), u32 CRC (CRC-32 of the LEN bytes and the payload), LEN bytes payload
 * (big-endian). A crash in the middle of an append leaves a torn tail: a record cut short, or
 * garbage or zeros where it was being written. Reading stops at the first record that is short,
 * has a LEN out of range or a CRC that does not match, and the journal is cut there: a torn tail is
 * ignored, never misread, and what was appended after it was never acknowledged (an append resolves
 * only after its bytes and everything before them are durable).
 * @module
 */
import { crc32 } from '../util/crc32.js';

export const JOURNAL_MAGIC = new Uint8Array([0x53, 0x57, 0x4a, 0x31]); // "SWJ1"
/** Largest record payload: a retained store snapshot is at most 16 MiB plus topics. */
export const MAX_RECORD = 64 * 1024 * 1024;
const HEADER = 8;

export interface JournalStore {
  /** The journal's records in order; a torn tail was cut off when the journal was opened. */
  records(): readonly Uint8Array[];
  /** Bytes in the journal now. */
  readonly size: number;
  /**
   * Appends `records` after everything appended before, and resolves once they are durable (would
   * survive a power cut: written and fsynced). One call at a time (the caller batches: group commit).
   */
  append(records: readonly Uint8Array[]): Promise<void>;
  /** Replaces the whole journal by `records`, atomically and durably: a crash leaves the old or the new. */
  replace(records: readonly Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}

/** The framed bytes of `records` (without the magic). */
export function frameRecords(records: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const r of records) n += HEADER + r.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const r of records) {
    if (r.length < 1 || r.length > MAX_RECORD) throw new RangeError(`journal record of ${r.length} bytes (1 to ${MAX_RECORD})`);
    dv.setUint32(o, r.length);
    out.set(r, o + HEADER);
    dv.setUint32(o + 4, crc32(r, crc32(out.subarray(o, o + 4))));
    o += HEADER + r.length;
  }
  return out;
}

/** A whole journal file's bytes: magic and records. */
export function journalBytes(records: readonly Uint8Array[]): Uint8Array {
  const body = frameRecords(records);
  const out = new Uint8Array(JOURNAL_MAGIC.length + body.length);
  out.set(JOURNAL_MAGIC);
  out.set(body, JOURNAL_MAGIC.length);
  return out;
}

export class JournalFormatError extends Error {}

/**
 * Parses a journal's bytes: the intact records and the length of the intact prefix (where the
 * journal is cut). Empty bytes are an empty journal; bytes that do not start with the magic are not
 * a journal at all (JournalFormatError: never guessed at).
 */
export function parseJournal(bytes: Uint8Array): { records: Uint8Array[]; valid: number } {
  if (bytes.length === 0) return { records: [], valid: 0 };
  for (let i = 0; i < JOURNAL_MAGIC.length; i++) if (bytes[i] !== JOURNAL_MAGIC[i]) throw new JournalFormatError('not a Saltwire journal (bad magic)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let o = JOURNAL_MAGIC.length;
  while (o + HEADER <= bytes.length) {
    const len = dv.getUint32(o);
    if (len < 1 || len > MAX_RECORD || o + HEADER + len > bytes.length) break;
    const payload = bytes.subarray(o + HEADER, o + HEADER + len);
    if (crc32(payload, crc32(bytes.subarray(o, o + 4))) !== dv.getUint32(o + 4)) break;
    records.push(payload.slice());
    o += HEADER + len;
  }
  return { records, valid: o };
}

/** A StateStore that also keeps journals (append-only logs) by name: FileStateStore, MemoryStateStore. */
export interface JournalingStore {
  /** Opens (creating it empty if need be) the journal `name`; its torn tail, if any, is cut. */
  journal(name: string): Promise<JournalStore>;
}

export function isJournalingStore(s: unknown): s is JournalingStore {
  return typeof (s as Partial<JournalingStore> | undefined)?.journal === 'function';
}

/** A journal in memory: durable for the life of the object (tests; a MemoryStateStore's hub). */
export class MemoryJournal implements JournalStore {
  private chunks: Uint8Array[] = [journalBytes([])];
  private bytes = JOURNAL_MAGIC.length;
  appends = 0;

  records(): readonly Uint8Array[] {
    return parseJournal(this.raw()).records;
  }

  get size(): number {
    return this.bytes;
  }

  async append(records: readonly Uint8Array[]): Promise<void> {
    const add = frameRecords(records);
    this.chunks.push(add);
    this.bytes += add.length;
    this.appends++;
  }

  async replace(records: readonly Uint8Array[]): Promise<void> {
    const b = journalBytes(records);
    this.chunks = [b];
    this.bytes = b.length;
  }

  async close(): Promise<void> {}

  /** The journal's raw bytes (tests: tear them). */
  raw(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let o = 0;
    for (const c of this.chunks) (out.set(c, o), (o += c.length));
    return out;
  }

  /** A journal holding `bytes` as a crash left them: the torn tail is cut, as at an open. */
  static fromBytes(bytes: Uint8Array): MemoryJournal {
    const j = new MemoryJournal();
    const { valid } = parseJournal(bytes);
    if (valid > 0) (j.chunks = [bytes.slice(0, valid)]), (j.bytes = valid);
    return j;
  }
}
