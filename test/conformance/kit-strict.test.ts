// --strict in vector mode (issue 19, h2spec's --strict): a failing test whose every spec id is a
// SHOULD by the spec's text is NON-STRICT (a warning, exit 0) by default and a failure under
// --strict. The vectors cite MUSTs almost everywhere, so the test rewrites replay_window.json's
// specRefs to a SHOULD ([SW-5.6-1]) and runs the adapter whose window accepts a replay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRequirements } from '../../conformance/kit/spec-text.js';
import { runVectors, VECTOR_DIR } from '../../conformance/kit/vectors.js';
import { summaryLines } from '../../conformance/kit/report.js';

const dir = mkdtempSync(join(tmpdir(), 'saltwire-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FAULTY = 'node --import tsx conformance/kit/adapters/faulty.ts accept-replay';

describe('conformance vectors --strict', () => {
  it('a SHOULD-only failure: NON-STRICT by default, a failure under --strict', async () => {
    expect(readRequirements().get('SW-5.6-1')?.level).toBe('SHOULD');
    const v = JSON.parse(readFileSync(join(VECTOR_DIR, 'replay_window.json'), 'utf8')) as { testGroups: Array<{ tests: Array<{ specRefs: string[] }> }> };
    for (const g of v.testGroups) for (const t of g.tests) t.specRefs = ['SW-5.6-1'];
    writeFileSync(join(dir, 'replay_window.json'), JSON.stringify(v));
    const lax = await runVectors(FAULTY, { vectorDir: dir });
    expect(lax.total.nonstrict).toBeGreaterThan(0);
    expect(lax.total.fail).toBe(0);
    expect(lax.exitCode).toBe(0);
    expect(summaryLines(lax, readRequirements()).join('\n')).toContain('NON-STRICT');
    const strict = await runVectors(FAULTY, { vectorDir: dir, strict: true });
    expect(strict.total.fail).toBe(lax.total.nonstrict);
    expect(strict.exitCode).toBe(1);
  }, 20_000);
});
