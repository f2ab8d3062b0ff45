// The kit's property mode (issue 19): fast-check drives the adapter and the SDK side by side; a
// disagreement is shrunk to a minimal case and written as a vector file that the vector mode runs.
// A window that accepts a replay shrinks to two steps (counter 0 twice: accept, then REPLAY), the
// file fails the faulty adapter and passes the SDK's; the SDK's own adapter agrees with itself.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProperties } from '../../conformance/kit/property.js';
import { runVectors } from '../../conformance/kit/vectors.js';

const TSX = 'node --import tsx';
const tmp = mkdtempSync(join(tmpdir(), 'saltwire-property-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.concurrent('conformance property --adapter', () => {
  it('a replay accepted is found, shrunk to two steps under [SW-5.4-1], and kept as a vector file the vector mode runs', async () => {
    const out = join(tmp, 'cex');
    const res = await runProperties(`${TSX} conformance/kit/adapters/faulty.ts accept-replay`, { seed: 1, outDir: out, ops: ['window.run', 'op.decode'] });
    const w = res.find((r) => r.op === 'window.run')!;
    expect(w.status).toBe('fail');
    const steps = (w.request as { steps: Array<{ counter: number }> }).steps;
    expect(steps).toHaveLength(2);
    expect(steps[0]!.counter).toBe(steps[1]!.counter);
    expect(w.reference).toEqual({ verdicts: ['accept', 'REPLAY'] }); // the window's pre-check, authentic or not
    expect(res.find((r) => r.op === 'op.decode')!.status).toBe('pass');
    const vec = JSON.parse(readFileSync(w.file!, 'utf8'));
    expect(vec.testGroups[0].type).toBe('WindowScenario');
    expect(vec.testGroups[0].tests[0].specRefs).toContain('SW-5.4-1');
    const [faulty, sdk] = await Promise.all([
      runVectors(`${TSX} conformance/kit/adapters/faulty.ts accept-replay`, { vectorDir: out }),
      runVectors(`${TSX} conformance/kit/adapters/sdk.ts`, { vectorDir: out }),
    ]);
    expect(faulty.total).toMatchObject({ fail: 1, pass: 0 });
    expect(sdk.total).toMatchObject({ fail: 0, pass: 1 });
  });

  it("the SDK's adapter agrees with the SDK on every property", async () => {
    const res = await runProperties(`${TSX} conformance/kit/adapters/sdk.ts`, { runs: 100, outDir: join(tmp, 'none') });
    expect(res.map((r) => `${r.op}: ${r.status}`)).toEqual(['window.run: pass', 'op.decode: pass', 'frames.decode: pass']);
  });
});
