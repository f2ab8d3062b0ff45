/**
 * Shared by test/docs/snippets-*.test.ts. Code that runs as written (issue 18): every fenced code block of README.md and docs/*.md is
 * extracted and run as a reader would run it. `ts` blocks are type-checked together (tsc, 'saltwire'
 * resolved to src/ by tsconfig.json's paths) and each run with tsx; `sh` blocks run with bash, the
 * `saltwire` command on PATH, and what their comments say they print (`# prints "X"`) must appear
 * in their output or the logs they write; `json` blocks must parse; `text` blocks are pictures. A
 * block preceded by `<!-- snippet: not run ...: REASON -->` is skipped, and must say why; one preceded
 * by `<!-- snippet: type-check only: REASON -->` (it needs a running hub, say) is type-checked and
 * not run. The only
 * change made to a block: port 4000 becomes a free port, so that runs in parallel cannot collide.
 * Each runs in a directory of its own, with its own XDG_STATE_HOME.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export interface Snippet {
  readonly name: string;
  readonly lang: string;
  readonly code: string;
  /** The reason given for not running it. */
  readonly skip?: string;
  /** Type-checked, not run: the reason. */
  readonly checkOnly?: string;
}

/** The fenced blocks of a markdown file, with the skip marker of the line before each. */
export function extract(markdown: string, file: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i]!);
    const marker = /^<!-- snippet: not run[^:]*:\s*(.*?)\s*-->$/.exec(lines[start - 1] ?? '');
    const check = /^<!-- snippet: type-check only:\s*(.*?)\s*-->$/.exec(lines[start - 1] ?? '');
    out.push({ name: `${file}:${start + 1}`, lang: open[1]!, code: body.join('\n'), ...(marker !== null && { skip: marker[1]! }), ...(check !== null && { checkOnly: check[1]! }) });
  }
  return out;
}

export const sources = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
export const snippets = sources.flatMap((f) => extract(readFileSync(join(ROOT, f), 'utf8'), f));
export const runnable = snippets.filter((s) => s.skip === undefined);

export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

/**
 * Runs to the exit of `cmd` itself (not of what it left in the background), then kills its whole
 * process group: a block that forgets a background hub fails on its own merits instead of hanging.
 */
export function exec(cmd: string, args: string[], o: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: { ...process.env, NODE_OPTIONS: '', ...o.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const timer = setTimeout(() => (err += `\n(timed out after ${o.timeoutMs} ms)`, killGroup()), o.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      setTimeout(() => (killGroup(), res({ code: code ?? -1, out, err })), 50);
    });
  });
}

/** A directory with a `saltwire` that runs this checkout's CLI. */
export function shimDir(work: string): string {
  const dir = join(work, 'bin');
  mkdirSync(dir, { recursive: true });
  const shim = join(dir, 'saltwire');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${join(ROOT, 'src/cli/main.ts')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

