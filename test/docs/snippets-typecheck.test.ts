/** README.md and docs/: every block has a language or a reason, and the ts blocks type-check (see snippets.ts). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exec, ROOT, runnable, snippets, TSC } from './snippets.js';

const work = mkdtempSync(join(tmpdir(), 'sw-snippets-tc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

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

});
