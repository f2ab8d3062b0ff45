/** README.md and docs/: each ts and sh block runs to exit 0 and prints what it says (see snippets.ts). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exec, freePort, ROOT, runnable, shimDir, TSX } from './snippets.js';

const work = mkdtempSync(join(tmpdir(), 'sw-snippets-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('code blocks in README.md and docs/', () => {
  it('each ts and sh block runs to exit 0 and prints what it says', { timeout: 120_000 }, async () => {
    const bin = shimDir(work);
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
