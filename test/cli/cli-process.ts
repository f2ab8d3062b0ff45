/**
 * The `saltwire` command as a child process (node --import tsx src/cli/main.ts), for the end-to-end
 * CLI tests: its output as it comes, waits bounded in time, and every process started is tracked so
 * a test's afterEach can kill what is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Processes started and not yet exited. */
export const live = new Set<Cli>();

export class Cli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();
  constructor(readonly child: ChildProcess, readonly args: readonly string[]) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => ((this.stdout += s), this.wake()));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => ((this.stderr += s), this.wake()));
    this.exited = new Promise((r) => child.on('exit', (code) => (live.delete(this), this.wake(), r(code))));
  }
  get lines(): string[] {
    return this.stdout.split('\n').filter((l) => l !== '');
  }
  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
  /** The first match of `re` in stdout (or stderr); fails after `ms` or when the process exits first. */
  waitFor(re: RegExp, ms = 8000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    return new Promise((res, rej) => {
      const check = (): void => {
        const m = this[stream].match(re);
        if (m !== null) return done(() => res(m));
        if (this.child.exitCode !== null) done(() => rej(new Error(`exited ${this.child.exitCode} before ${re}: ${this.describe()}`)));
      };
      const timer = setTimeout(() => done(() => rej(new Error(`no ${re} within ${ms} ms: ${this.describe()}`))), ms);
      const done = (f: () => void): void => (clearTimeout(timer), this.waiters.delete(check), f());
      this.waiters.add(check);
      check();
    });
  }
  /** The exit code; fails (after a SIGKILL) if the process runs longer than `ms`. */
  async exit(ms = 8000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
    const code = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (code === 'late') {
      this.child.kill('SIGKILL');
      throw new Error(`still running after ${ms} ms: ${this.describe()}`);
    }
    return code;
  }
  describe(): string {
    return `saltwire ${this.args.join(' ')}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`;
  }
}

/** Starts `saltwire ARGS` with the test's environment `env` over process.env. */
export function spawnCli(args: readonly string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c = new Cli(child, args);
  live.add(c);
  return c;
}

export interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  /** From spawn to exit, process start (tsx) included. */
  readonly ms: number;
}

/** Runs a command to its end (killed after `ms`); its exit code, output and duration. */
export async function runCli(args: readonly string[], env: Record<string, string>, ms = 10_000): Promise<Ran> {
  const t0 = performance.now();
  const c = spawnCli(args, env);
  const code = await c.exit(ms);
  return { code, out: c.stdout, err: c.stderr, ms: performance.now() - t0 };
}

/** Kills every process still running and waits for them. */
export async function killAll(): Promise<void> {
  for (const c of live) c.child.kill('SIGKILL');
  await Promise.all([...live].map((c) => c.exited));
}
