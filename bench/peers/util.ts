/**
 * Small helpers shared by the peer benchmarks: latency summaries, free ports, bounded waits, and a
 * table printer that later Saltwire benches reuse to print their figures beside the peers'.
 */
import { createServer, connect } from 'node:net';

/** Summary of a latency sample, in microseconds. */
export interface LatencyResult {
  /** round trips measured (after warm-up) */
  count: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  maxUs: number;
  /** true when the time limit ended the run before the requested count */
  timedOut: boolean;
}

/** A one-way throughput figure: what was offered, what arrived, and the rate where it arrived. */
export interface ThroughputResult {
  sent: number;
  received: number;
  elapsedMs: number;
  /** messages received per second, measured where they arrive */
  msgsPerSec: number;
  /** sent - received once the run ended: dropped somewhere (or still in flight at the time limit) */
  lost: number;
  /** true when the time limit ended the run (else it ended when everything arrived, or nothing more
   *  arrived for 1 s after the last send: a loss) */
  timedOut: boolean;
}

/** The run with the median rate (the lower middle for an even count). */
export function medianByRate<T extends { msgsPerSec: number }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Latency summary from samples in nanoseconds. */
export function summarizeNs(samplesNs: number[], timedOut: boolean): LatencyResult {
  const us = Float64Array.from(samplesNs, (n) => n / 1000).sort();
  let sum = 0;
  for (const v of us) sum += v;
  return {
    count: us.length,
    p50Us: percentile(us, 50),
    p99Us: percentile(us, 99),
    meanUs: us.length ? sum / us.length : NaN,
    maxUs: us.length ? us[us.length - 1]! : NaN,
    timedOut,
  };
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). Another
 * process may take it before the caller binds it: callers that hand it to a child process retry.
 */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Resolves once a TCP connect to host:port succeeds; rejects after timeoutMs or when `abort()` says so. */
export async function waitForTcp(port: number, timeoutMs: number, host = '127.0.0.1', abort?: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stop = abort?.();
    if (stop) throw stop;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host });
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
      s.setTimeout(500, () => done(false));
    });
    if (ok) return;
    if (Date.now() >= deadline) throw new Error(`nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Races a promise against a timer; the timer never keeps the process alive. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    t.unref();
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(t));
}

/** A random suffix so that topics of concurrent or leftover runs never cross. */
export function runId(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** Right-aligned columns, first row is the header; the first column is left-aligned. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Human figures: 123456 -> "123.5k", 1234567 -> "1.23M". */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function fmtUs(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}ms` : n.toFixed(0);
}

/** ours / theirs as "1.23x" (for throughput; invert for latency), "-" when either is missing. */
export function fmtRatio(ours: number, theirs: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return '-';
  return `${(ours / theirs).toFixed(2)}x`;
}

/** A message of a forked child: `type` names it. */
export type ChildMsg = { type: string; [k: string]: unknown };

/**
 * The next IPC message of `type` from child `c`; rejects after `timeoutMs`, or at once if the child
 * exits first.
 */
export function nextMessage(c: import('node:child_process').ChildProcess, type: string, timeoutMs: number): Promise<ChildMsg> {
  return new Promise((res, rej) => {
    // every listener is removed however it ends: a bench that waits for hundreds of messages from one
    // child would otherwise pile up 'exit' listeners (MaxListenersExceededWarning)
    const done = (): void => {
      clearTimeout(t);
      c.off('message', on);
      c.off('exit', exited);
    };
    const t = setTimeout(() => (done(), rej(new Error(`no ${type} from child in ${timeoutMs} ms`))), timeoutMs);
    const on = (m: unknown): void => {
      if ((m as ChildMsg).type !== type) return;
      done();
      res(m as ChildMsg);
    };
    const exited = (code: number | null): void => (done(), rej(new Error(`child exited (${code}) before ${type}`)));
    c.on('message', on);
    c.once('exit', exited);
  });
}
