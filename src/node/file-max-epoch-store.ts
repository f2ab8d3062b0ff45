/**
 * A durable MaxEpochStore (spec 5.6, 12.1) in an append-only log file: one line "gen peer epoch" per
 * new epoch, written and fdatasync'ed before the datagram that brought it is handed on. Synchronous on
 * purpose: the receive path cannot wait, and a new epoch is rare (a peer restart), so one small
 * synchronous write per restart is the price of knowing, after this node restarts, that a peer's newer
 * epochs are fresh without a challenge, and that a brand-new peer's first datagram is fresh (0-RTT).
 * @module
 */
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MaxEpochStore } from '../session/context.js';

const LINE = /^(\d{1,3}) ([A-Za-z0-9_-]{1,32}) (\d{1,10})$/;

/**
 * First line of a log created at provisioning: the log has held every epoch this node accepted
 * since it first ran with its keys, so a peer with no record sent it nothing (floor 0, [SW-5.6-6]).
 * A log created at any other start (a wiped or mistyped state directory looks like a new one) lacks
 * it and never gains it: it cannot know what an earlier life accepted.
 */
const COMPLETE = 'complete';

export class FileMaxEpochStore implements MaxEpochStore {
  readonly durable = true;
  /** True if the log existed when opened. */
  readonly existed: boolean;
  /** True if the log was created at provisioning and has been kept since ([SW-5.6-6], [SW-12.1-3]). */
  readonly complete: boolean;
  private readonly values = new Map<string, number>();
  private fd: number;

  /** `provisioning`: this node never ran with its keys before; a log created now is complete. */
  constructor(private readonly path: string, options: { provisioning?: boolean } = {}) {
    mkdirSync(dirname(path), { recursive: true });
    this.existed = existsSync(path);
    let lines = 0;
    let complete = false;
    if (!this.existed && options.provisioning === true) {
      const fd = openSync(path, 'w');
      try {
        writeSync(fd, `${COMPLETE}\n`);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      complete = true;
    } else if (this.existed) {
      const text = readFileSync(path, 'utf8');
      complete = text.startsWith(`${COMPLETE}\n`);
      for (const line of text.split('\n')) {
        const m = LINE.exec(line);
        if (m === null) continue; // a torn last line after a crash: that epoch was never handed on
        lines++;
        const key = `${m[1]} ${m[2]}`;
        const e = Number(m[3]);
        if (e > (this.values.get(key) ?? 0)) this.values.set(key, e);
      }
    }
    this.complete = complete;
    if (lines > 2 * this.values.size + 64) this.compact();
    this.fd = openSync(path, 'a');
  }

  get(peer: string, gen: number): number | undefined {
    return this.values.get(`${gen} ${peer}`);
  }

  /** Appends and syncs the record before returning; throws if the disk refuses (never silently lost). */
  set(peer: string, gen: number, epoch: number): void {
    const key = `${gen} ${peer}`;
    if (epoch <= (this.values.get(key) ?? 0)) return;
    writeSync(this.fd, `${key} ${epoch}\n`);
    fdatasyncSync(this.fd);
    this.values.set(key, epoch);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Rewrites the log with one line per (peer, gen): write a temporary file, sync, rename. */
  private compact(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let text = this.complete ? `${COMPLETE}\n` : '';
      for (const [key, e] of this.values) text += `${key} ${e}\n`;
      writeSync(fd, text);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
