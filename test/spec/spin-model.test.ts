// The Promela models of spec/model/ (issue 14), checked with spin: the answer rules never loop
// ([SW-9.4-5], [SW-12.3-2], [SW-14.10-4]), no (key, nonce) pair is sealed twice across restarts
// and state loss ([SW-5.2-7]), nothing is delivered twice ([SW-9.3-7], [SW-14.3-1]) and every
// message is delivered or its sender told ([SW-14.7-1]). scripts/spin-check.sh runs every check
// and exits non-zero on any violation, on an incomplete search, and when a guard no longer finds
// the known violation of the pre-fix rules (a model broken into passing vacuously).
// Skips, saying why, where spin or gcc is not installed (CI installs both: .ci/run).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function missing(): string | undefined {
  for (const tool of ['spin', 'gcc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (Debian: apt-get install -y spin gcc); the spec models are not checked here`;
    }
  }
  return undefined;
}

describe('spec/model (spin)', () => {
  const why = missing();

  it.skipIf(why !== undefined)(
    `every model check passes${why ? ` (skipped: ${why})` : ''}`,
    () => {
      const run = spawnSync('bash', [join(ROOT, 'scripts', 'spin-check.sh')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
      });
      const report = `${run.stdout}\n${run.stderr}`;
      expect(run.error, report).toBeUndefined();
      expect(run.status, report).toBe(0);
      expect(report).toMatch(/spin-check: ok/);
      expect(report).not.toMatch(/^FAIL/m);
    },
    180_000,
  );
});
