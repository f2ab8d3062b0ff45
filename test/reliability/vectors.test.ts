// reliability.json: the SDK checker hook agrees with every vector and catches a changed expectation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReliabilityVector } from '../../conformance/check/reliability.js';

const file = join(import.meta.dirname, '..', '..', 'conformance', 'vectors', 'reliability.json');

describe('reliability vectors', () => {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  const all = v.testGroups.flatMap((g: any) => g.tests.map((t: any) => [g, t]));

  it('has frame and scenario tests, and the SDK agrees with each', () => {
    expect(v.testGroups.map((g: any) => g.type)).toEqual(['RelFrameTest', 'RelScenario']);
    expect(all.length).toBeGreaterThanOrEqual(25);
    for (const [g, t] of all) expect(checkReliabilityVector(g, t), `tcId ${t.tcId}`).toBeUndefined();
  });

  it('a changed decision in a scenario is reported', () => {
    const [g, t] = all.find(([g]: any) => g.type === 'RelScenario');
    const bad = structuredClone(t);
    bad.steps[bad.steps.length - 1].expect.sender.cwnd += 1;
    expect(checkReliabilityVector(g, bad)).toMatch(/^step /);
  });
});
