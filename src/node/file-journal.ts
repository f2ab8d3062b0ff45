/**
 * A JournalStore in one file [SW-18.3-4]: appends are written at the end and fdatasync'ed before
 * they resolve (so they survive kill -9 and a power cut); a replace writes a temporary file, fsyncs
 * it, renames it over the journal and fsyncs the directory, so a crash leaves the old journal or the
 * new one. At open, a torn tail (a crash in the middle of an append) is cut off: the file is
 * truncated to its last intact record before anything is appended after it.
 * @module
 */
import { mkdir, open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { frameRecords, journalBytes, parseJournal, type JournalStore } from '../peer/journal-store.js';

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export class FileJournal implements JournalStore {
  /** Bytes cut off at open (a torn tail), for diagnostics. */
  readonly cut: number;

  private constructor(
    readonly path: string,
    private fh: FileHandle,
    private bytes: number,
    private readonly loaded: readonly Uint8Array[],
    cut: number,
  ) {
    this.cut = cut;
  }

  /** Opens the journal at `path`, creating it (and its directory) if need be. Throws JournalFormatError for a file that is not a journal. */
  static async open(path: string): Promise<FileJournal> {
    await mkdir(dirname(path), { recursive: true });
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      bytes = new Uint8Array(0);
    }
    const { records, valid } = parseJournal(bytes);
    if (valid === 0) await writeWhole(path, journalBytes([]));
    else if (valid < bytes.length) {
      await truncate(path, valid);
      const f = await open(path, 'r+');
      try {
        await f.sync();
      } finally {
        await f.close();
      }
    }
    const size = valid === 0 ? journalBytes([]).length : valid;
    return new FileJournal(path, await open(path, 'r+'), size, records, bytes.length - valid);
  }

  /** The records read when the journal was opened. */
  records(): readonly Uint8Array[] {
    return this.loaded;
  }

  get size(): number {
    return this.bytes;
  }

  async append(records: readonly Uint8Array[]): Promise<void> {
    const b = frameRecords(records);
    let o = 0;
    while (o < b.length) {
      const { bytesWritten } = await this.fh.write(b, o, b.length - o, this.bytes + o);
      o += bytesWritten;
    }
    await this.fh.datasync();
    this.bytes += b.length;
  }

  async replace(records: readonly Uint8Array[]): Promise<void> {
    const b = journalBytes(records);
    await writeWhole(this.path, b);
    const old = this.fh;
    this.fh = await open(this.path, 'r+');
    this.bytes = b.length;
    await old.close();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

let seq = 0;

/** Writes `bytes` as the whole file at `path`, atomically and durably. */
async function writeWhole(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${seq++}.tmp`);
  const f = await open(tmp, 'w');
  try {
    await f.writeFile(bytes);
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}
