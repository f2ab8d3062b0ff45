/**
 * Runs an adapter command (`sh -c`, its own process group) and exchanges lines with it: every request
 * is written at once (the adapter reads them in order), replies are matched to requests by position
 * (a line that is not a JSON object is an error reply in its place; logs belong on stderr).
 * The adapter exiting with 127 at any point makes every request still unanswered unsupported; any
 * other early exit, a line that is not a JSON object, or the timeout makes them errors.
 */
import { spawn } from 'node:child_process';
import type { Json } from './protocol.js';

export const UNSUPPORTED_EXIT = 127;

export type Reply = { kind: 'reply'; value: { [k: string]: Json } } | { kind: 'unsupported' } | { kind: 'error'; message: string };

export interface AdapterRun {
  replies: Reply[];
  /** The adapter's exit code (null: killed at the timeout). */
  exitCode: number | null;
  stderr: string;
  ms: number;
}

/** `onReply(n)` is called with the count of replies so far (for a progress line). */
export async function runAdapter(command: string, requests: ReadonlyArray<{ [k: string]: Json }>, timeoutMs = 120_000, onReply?: (n: number) => void): Promise<AdapterRun> {
  const t0 = performance.now();
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const replies: Reply[] = [];
  let buf = '';
  let stderr = '';
  let fatal: string | undefined;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line === '') continue;
      let v: Json;
      try {
        v = JSON.parse(line) as Json;
      } catch {
        replies.push({ kind: 'error', message: `a reply that is not JSON: ${line.slice(0, 120)}` });
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) replies.push({ kind: 'error', message: `a reply that is not an object: ${line.slice(0, 120)}` });
      else replies.push(v.unsupported === true ? { kind: 'unsupported' } : { kind: 'reply', value: v });
    }
    onReply?.(replies.length);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 20_000) stderr += d;
  });
  child.stdin.on('error', () => {}); // an adapter that exits early closes its stdin: reported by its exit code
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => {
    fatal ??= `no reply within ${timeoutMs} ms`;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, timeoutMs);
  child.stdin.end(requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const exitCode = await exited;
  clearTimeout(timer);
  const missing: Reply =
    exitCode === UNSUPPORTED_EXIT
      ? { kind: 'unsupported' }
      : { kind: 'error', message: fatal ?? `the adapter exited (code ${exitCode}) after ${replies.length} of ${requests.length} replies` };
  while (replies.length < requests.length) replies.push(missing);
  return { replies: replies.slice(0, requests.length), exitCode, stderr, ms: performance.now() - t0 };
}
