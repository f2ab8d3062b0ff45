// Budgets as results (issue 19): the adapter's optional `budget` operation, asked after the vectors.
// The C device's adapter reports the device build's real figures (make build/budget.h: code that a
// firmware links, its static RAM, the per-peer state, no allocator called), shown beside the device
// profile's targets (spec 14.12.5, [SW-14.12-18]); the SDK's adapter answers it unsupported, which
// is reported as such and fails nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summaryLines, jsonReport } from '../../conformance/kit/report.js';
import { readRequirements } from '../../conformance/kit/spec-text.js';
import { runVectors } from '../../conformance/kit/vectors.js';
import { cToolchainMissing } from './c-toolchain.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CDIR = join(ROOT, 'conformance', 'c');
const TSX = `node --import tsx ${join(ROOT, 'conformance', 'kit', 'adapters', 'sdk.ts')}`;
const reqs = readRequirements();

const cMissing = cToolchainMissing();

describe('conformance budgets', () => {
  it.skipIf(cMissing !== undefined)('the C adapter reports the device build: code, RAM per peer within about 2.4 KB, no allocation', async () => {
    execFileSync('make', ['-s', '-C', CDIR, 'adapter'], { stdio: 'ignore', timeout: 120_000 });
    const rep = await runVectors(join(CDIR, 'build', 'adapter'), { files: ['hmac_hkdf_sha512.json'] });
    const b = rep.budget.reported!;
    expect(b.codeBytes).toBeGreaterThan(10_000);
    expect(b.codeBytes).toBeLessThan(40_000);
    expect(b.ramPerPeerBytes).toBeGreaterThan(623);
    expect(rep.budget.verdicts).toEqual({ ramPerPeer: true, allocatesOnDataPath: true });
    expect(b.allocatesOnDataPath).toBe(false);
    const text = summaryLines(rep, reqs).join('\n');
    expect(text).toMatch(/RAM per peer +2,\d{3} bytes +target 2,458 .* within/);
    expect(JSON.parse(jsonReport(rep, reqs)).budget.reported.ramNodeBytes).toBe(b.ramNodeBytes);
  }, 60_000);

  it('the SDK adapter answers budget unsupported: reported, nothing failed', async () => {
    const rep = await runVectors(TSX, { files: ['hmac_hkdf_sha512.json'] });
    expect(rep.budget.reported).toBeNull();
    expect(rep.exitCode).toBe(0);
    expect(summaryLines(rep, reqs).join('\n')).toContain('budget: unsupported by the adapter');
  }, 20_000);
});
