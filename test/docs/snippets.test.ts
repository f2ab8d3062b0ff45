/**
 * Code that runs as written (issue 18): every fenced code block of README.md and docs/*.md is
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
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'sw-snippets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Snippet {
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

const sources = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const snippets = sources.flatMap((f) => extract(readFileSync(join(ROOT, f), 'utf8'), f));
const runnable = snippets.filter((s) => s.skip === undefined);

async function freePort(): Promise<number> {
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
function exec(cmd: string, args: string[], o: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<{ code: number; out: string; err: string }> {
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
function shimDir(): string {
  const dir = join(work, 'bin');
  mkdirSync(dir, { recursive: true });
  const shim = join(dir, 'saltwire');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${join(ROOT, 'src/cli/main.ts')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

describe('code blocks in README.md and docs/', () => {
  it('every block declares a language, and every skipped one says why', () => {
    expect(snippets.length).toBeGreaterThan(4);
    for (const s of snippets) {
      expect(s.lang, `${s.name}: a fence without a language`).not.toBe('');
      if (s.skip !== undefined) expect(s.skip.length, `${s.name}: a skip without a reason`).toBeGreaterThan(10);
      if (s.checkOnly !== undefined) expect([s.lang, s.checkOnly.length > 10], `${s.name}: type-check only needs ts and a reason`).toEqual(['ts', true]);
      if (s.skip === undefined) expect(['ts', 'sh', 'json', 'text'], `${s.name}: language ${s.lang}`).toContain(s.lang);
    }
  });

  it('the ts blocks type-check', { timeout: 120_000 }, async () => {
    const dir = join(work, 'typecheck');
    mkdirSync(dir, { recursive: true });
    const files = runnable.filter((s) => s.lang === 'ts').map((s, i) => {
      const f = join(dir, `snippet-${i}.mts`);
      writeFileSync(f, `// ${s.name}\n${s.code}\n`);
      return f;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), compilerOptions: { noEmit: true, rootDir: '/', typeRoots: [join(ROOT, 'node_modules/@types')] }, include: [], files }),
    );
    const r = await exec(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { cwd: ROOT, timeoutMs: 110_000 });
    expect(r.out + r.err, 'tsc').toBe('');
    expect(r.code).toBe(0);
  });

  it('each ts and sh block runs to exit 0 and prints what it says', { timeout: 120_000 }, async () => {
    const bin = shimDir();
    const results = await Promise.all(
      runnable.map(async (s, i) => {
        if (s.checkOnly !== undefined) return undefined;
        if (s.lang === 'json') {
          expect(() => JSON.parse(s.code), s.name).not.toThrow();
          return undefined;
        }
        if (s.lang !== 'ts' && s.lang !== 'sh') return undefined;
        const port = String(await freePort());
        const code = s.code.replace(/\b4000\b/g, port);
        const cwd = join(work, `run-${i}`);
        mkdirSync(cwd, { recursive: true });
        const env = { XDG_STATE_HOME: join(cwd, '.state'), PATH: `${bin}:${process.env['PATH'] ?? ''}`, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') };
        const file = join(cwd, s.lang === 'ts' ? 'snippet.mts' : 'snippet.sh');
        writeFileSync(file, code);
        const r = s.lang === 'ts'
          ? await exec(process.execPath, ['--import', TSX, file], { cwd, env, timeoutMs: 30_000 })
          : await exec('bash', ['-e', '-o', 'pipefail', file], { cwd, env, timeoutMs: 90_000 });
        const logs = readdirSync(cwd).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(cwd, f), 'utf8')).join('\n');
        const promised = [...code.matchAll(/# prints "([^"]+)"/g)].map((m) => m[1]!);
        return { s, r, seen: `${r.out}\n${logs}`, promised };
      }),
    );
    for (const x of results) {
      if (x === undefined) continue;
      expect(x.r.code, `${x.s.name} exited ${x.r.code}\n--- stdout\n${x.r.out}\n--- stderr\n${x.r.err}`).toBe(0);
      for (const p of x.promised) expect(x.seen, `${x.s.name} promises to print ${p}`).toContain(p);
    }
  });
});
