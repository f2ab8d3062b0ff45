/**
 * A long-lived adapter process for modes that ask one operation at a time and decide what to ask next
 * (property mode): `ask` writes one request line and resolves with its reply line. Same protocol and
 * rules as adapter-process.ts (exit 127: unsupported from then on).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { UNSUPPORTED_EXIT, type Reply } from './adapter-process.js';
import type { Json } from './protocol.js';

export class AdapterSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private buf = '';
  private readonly waiting: Array<(r: Reply) => void> = [];
  private exitCode: number | null | undefined;
  private next = 1;

  constructor(
    command: string,
    private readonly replyTimeoutMs = 10_000,
  ) {
    this.child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line === '') continue;
        let r: Reply;
        try {
          const v = JSON.parse(line) as Json;
          r = v === null || typeof v !== 'object' || Array.isArray(v) ? { kind: 'error', message: `not an object: ${line.slice(0, 120)}` } : v.unsupported === true ? { kind: 'unsupported' } : { kind: 'reply', value: v };
        } catch {
          r = { kind: 'error', message: `not JSON: ${line.slice(0, 120)}` };
        }
        this.waiting.shift()?.(r);
      }
    });
    this.child.stderr.resume();
    this.child.stdin.on('error', () => {});
    this.child.on('close', (code) => {
      this.exitCode = code;
      const r: Reply = code === UNSUPPORTED_EXIT ? { kind: 'unsupported' } : { kind: 'error', message: `the adapter exited (code ${code})` };
      for (const w of this.waiting.splice(0)) w(r);
    });
  }

  ask(request: { [k: string]: Json }): Promise<Reply> {
    if (this.exitCode !== undefined) return Promise.resolve(this.exitCode === UNSUPPORTED_EXIT ? { kind: 'unsupported' } : { kind: 'error', message: `the adapter exited (code ${this.exitCode})` });
    return new Promise((resolve) => {
      // a reply that never comes (an adapter that buffers its stdout) is an error, not a hang
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(done);
        if (i >= 0) this.waiting.splice(i, 1, () => {});
        resolve({ kind: 'error', message: `no reply within ${this.replyTimeoutMs} ms (is every reply flushed?)` });
      }, this.replyTimeoutMs);
      const done = (r: Reply): void => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiting.push(done);
      this.child.stdin.write(`${JSON.stringify({ id: this.next++, ...request })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const done = new Promise<void>((r) => this.child.on('close', () => r()));
    this.child.stdin.end();
    const t = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 5000);
    await done;
    clearTimeout(t);
  }
}
