// Spec coverage (issue 19): the share of the spec's MUST statements that a vector, a scenario or a
// test cites stays at or above COVERAGE_FLOOR (conformance/kit/coverage.ts says how it was measured),
// and `saltwire conformance coverage` prints it and fails below a floor it is given.
import { describe, expect, it } from 'vitest';
import { COVERAGE_FLOOR, measureCoverage } from '../../conformance/kit/coverage.js';
import { run } from '../../src/cli/main.js';

const io = (out: string[]) => ({ out: (l: string) => out.push(l), err: () => {}, env: process.env, stdin: process.stdin, isTTY: false, stopped: new Promise<string>(() => {}) });

describe('spec coverage', () => {
  const c = measureCoverage();

  it(`at least ${COVERAGE_FLOOR}% of MUST statements are cited by a vector, a scenario or a test`, () => {
    expect(c.byLevel.MUST.total).toBeGreaterThan(300);
    expect(c.mustPercent).toBeGreaterThanOrEqual(COVERAGE_FLOOR);
  });

  it('knows where each id is cited: [SW-4.6-1] by datagram_seal.json and by the kit test of a nonce reused', () => {
    const r = c.requirements.find((x) => x.id === 'SW-4.6-1')!;
    expect(r.level).toBe('MUST');
    expect(r.cited.vectors.some((v) => v.startsWith('datagram_seal.json#'))).toBe(true);
    expect(r.cited.tests).toContain('test/conformance/kit-vectors.test.ts');
    // a statement without a keyword of RFC 2119 is counted apart from the MUSTs, its list included
    expect(c.requirements.find((x) => x.id === 'SW-5.4-1')!.text).toContain('REPLAY');
    expect(c.requirements.some((x) => x.retired)).toBe(false);
  });

  it('saltwire conformance coverage prints the figure and exits 1 below the floor it is given', async () => {
    const out: string[] = [];
    expect(await run(['conformance', 'coverage'], io(out))).toBe(0);
    expect(out.join('\n')).toMatch(/MUST coverage: \d+ of \d+ \(\d+(\.\d)?%\)/);
    expect(await run(['conformance', 'coverage', '--floor', '100'], io([]))).toBe(1);
  });
});
