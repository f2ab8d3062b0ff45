/**
 * Group commit over a JournalStore [SW-18.3-4]: records appended while a commit is in flight (or
 * in the same task) go to the journal together, with one fsync, and each caller's promise resolves
 * once its record is durable. The journal is compacted (replaced by a snapshot of the state it
 * describes) when it has grown past twice the last snapshot, and after a failed append (whose bytes
 * may be half written): a snapshot rewrites everything, so nothing after a failure is misread.
 *
 * A failed commit is retried [SW-18.3-8], as a compaction, after each of `retryDelaysMs` (when a
 * `sleep` is given), its waiters still waiting and later records joining it; once the last retry
 * failed too, its waiters are rejected (the hub refuses what they held back) and the next record
 * starts again.
 * @module
 */
import type { JournalStore } from '../peer/journal-store.js';
import { JOURNAL_RETRY_DELAYS_MS } from './limits.js';

/** A journal smaller than this is never compacted for its size. */
export const MIN_COMPACT_BYTES = 1024 * 1024;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/** How a GroupCommit retries a failed commit [SW-18.3-8]. */
export interface CommitRetry {
  /** Resolves after `ms` (the hub's scheduler): retries need it. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Delays before each retry; default JOURNAL_RETRY_DELAYS_MS. */
  readonly delaysMs?: readonly number[];
}

export class GroupCommit {
  /**
   * Appends (each one fsync), compactions, records written, failed attempts, retries of a failed
   * commit, and commits given up after their last retry (their waiters rejected).
   */
  readonly stats = { commits: 0, compactions: 0, records: 0, failures: 0, retries: 0, gaveUp: 0 };
  private pending: Uint8Array[] = [];
  private waiters: Waiter[] = [];
  /** The promise every caller of the batch being gathered shares (one allocation per commit, not per record). */
  private shared: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private compactDue = false;
  private snapshotBytes = 0;
  private closed = false;

  /**
   * `snapshot` returns records that describe the whole current state (everything appended so far
   * applied): it is called synchronously, between two appends, so it matches the journal exactly.
   */
  constructor(
    private readonly store: JournalStore,
    private readonly snapshot: () => Uint8Array[],
    private readonly minCompactBytes = MIN_COMPACT_BYTES,
    private readonly retry?: CommitRetry,
  ) {}

  /** Appends `record`; resolves once it is durable, rejects if the commit failed. */
  commit(record: Uint8Array): Promise<void> {
    this.add(record);
    return this.barrier();
  }

  /** Appends `record` with the next commit; nobody waits for it. */
  add(record: Uint8Array): void {
    if (this.closed) return;
    this.pending.push(record);
    this.running ??= this.run();
  }

  /** Resolves once everything appended so far is durable. */
  barrier(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pending.length === 0 && this.running === undefined) return Promise.resolve();
    this.shared ??= new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.running ??= this.run();
    return this.shared;
  }

  /** Rewrites the journal as a snapshot with the next commit (now if none is pending). */
  compact(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.compactDue = true;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.running ??= this.run();
    return p;
  }

  /** Finishes what is pending; later appends are ignored. */
  async close(): Promise<void> {
    while (this.running !== undefined) await this.running;
    this.closed = true;
    await this.store.close();
  }

  private async run(): Promise<void> {
    await Promise.resolve(); // the records of the same task share one commit
    const delays = this.retry === undefined ? [] : (this.retry.delaysMs ?? JOURNAL_RETRY_DELAYS_MS);
    let attempt = 0;
    try {
      while (this.pending.length > 0 || this.waiters.length > 0 || this.compactDue) {
        const batch = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        this.shared = undefined; // a barrier from now on waits for the next batch
        let failed = false;
        try {
          if (this.compactDue || this.store.size > Math.max(this.minCompactBytes, 2 * this.snapshotBytes)) {
            const snap = this.snapshot(); // includes the effect of `batch`: the hub applied it already
            this.compactDue = false;
            await this.store.replace(snap);
            this.snapshotBytes = this.store.size;
            this.stats.compactions++;
          } else if (batch.length > 0) {
            await this.store.append(batch);
            this.stats.commits++;
            this.stats.records += batch.length;
          }
          for (const w of waiters) w.resolve();
          attempt = 0;
        } catch (e) {
          this.stats.failures++;
          this.compactDue = true; // the next commit rewrites everything, over whatever was half written
          if (attempt < delays.length && !this.closed) {
            // the retry (a compaction: the snapshot holds `batch`'s effects) answers these waiters too
            this.waiters = waiters.concat(this.waiters);
            this.stats.retries++;
            await this.retry!.sleep(delays[attempt++]!);
            continue;
          }
          attempt = 0;
          failed = true;
          this.stats.gaveUp++;
          for (const w of waiters) w.reject(e as Error);
        }
        if (failed && this.pending.length === 0 && this.waiters.length === 0) break; // retried with the next record
      }
    } finally {
      this.running = undefined;
    }
  }
}
