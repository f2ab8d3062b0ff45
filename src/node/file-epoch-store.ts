/**
 * An EpochStore in a file, durable across power loss: write a temporary file, fsync it, rename it
 * over the old one, fsync the directory (spec 5.2-2 "confirm that the write is durable").
 * @module
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CorruptEpochError, type EpochStore } from '../session/epoch.js';

export class FileEpochStore implements EpochStore {
  constructor(private readonly path: string) {}

  async load(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const m = /^epoch (\d+)\n$/.exec(text);
    if (m === null) throw new CorruptEpochError(`corrupt epoch file ${this.path}`);
    return Number(m[1]);
  }

  async save(epoch: number): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.epoch-${process.pid}.tmp`);
    const f = await open(tmp, 'w');
    try {
      await f.writeFile(`epoch ${epoch}\n`);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, this.path);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
