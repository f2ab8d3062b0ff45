/**
 * A StateStore in a directory, one file per key, durable across power loss: write a temporary file,
 * fsync it, rename it over the old one, fsync the directory (spec 5.2 "confirm that the write is
 * durable"). Keys are restricted to [a-z0-9-] so they are safe file names.
 * @module
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { JournalingStore, JournalStore } from '../peer/journal-store.js';
import type { StateStore } from '../peer/state-store.js';
import { FileJournal } from './file-journal.js';

/** @group Transports, state and time */
export class FileStateStore implements StateStore, JournalingStore {
  private seq = 0;
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    if (!/^[a-z0-9-]{1,64}$/.test(key)) throw new InvalidArgumentError(`state key must match [a-z0-9-]{1,64}: ${key}`);
    return join(this.dir, key);
  }

  /** The journal `name` in this directory (file `<name>.journal`), durable per append [SW-18.3-4]. */
  async journal(name: string): Promise<JournalStore> {
    return FileJournal.open(join(this.dir, `${this.path(name).slice(this.dir.length + 1)}.journal`));
  }

  async load(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async save(key: string, value: Uint8Array): Promise<void> {
    const target = this.path(key);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${key}.${process.pid}.${this.seq++}.tmp`);
    const f = await open(tmp, 'w');
    try {
      await f.writeFile(value);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, target);
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
