// The vectors: the SDK passes every one on every backend, the generator reproduces them byte for
// byte, and every specRefs id exists in spec/.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSdk } from '../../conformance/check/sdk.js';
import { writeVectors } from '../../conformance/generate/main.js';
import { suites } from '../suites.js';

const dir = join(import.meta.dirname, '..', '..', 'conformance', 'vectors');
// An id whose bracket is followed by " (retired" marks a removed requirement (spec/README.md): it
// stays reserved, and no vector may cite it.
const specMentions = readdirSync(join(import.meta.dirname, '..', '..', 'spec'))
  .filter((f) => f.endsWith('.md')) // spec/model/ holds the spin models
  .map((f) => readFileSync(join(import.meta.dirname, '..', '..', 'spec', f), 'utf8'))
  .flatMap((t) => [...t.matchAll(/\[(SW-\d+\.\d+-\d+)\]( \(retired)?/g)]);
const retiredIds = new Set(specMentions.filter((m) => m[2] !== undefined).map((m) => m[1]!));
const specIds = new Set(specMentions.map((m) => m[1]!).filter((id) => !retiredIds.has(id)));

describe('conformance vectors', () => {
  for (const suite of suites) {
    it(`the SDK passes every vector with ${suite.name}`, () => {
      const results = checkSdk(dir, suite);
      // every file in vectors/ is checked, whatever is added later
      expect(results.map((r) => r.file).sort()).toEqual(readdirSync(dir).filter((f) => f.endsWith('.json')).sort());
      for (const r of results) expect(r.failures, r.file).toEqual([]);
      expect(results.reduce((n, r) => n + r.tests, 0)).toBeGreaterThanOrEqual(150);
    });
  }

  it('regenerating gives byte-identical files', () => {
    const out = mkdtempSync(join(tmpdir(), 'sw-vectors-'));
    writeVectors(out);
    for (const f of readdirSync(dir)) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(dir, f), 'utf8'));
  });

  it('every specRefs id exists in spec/ and is not retired, and ids are continuous', () => {
    for (const f of readdirSync(dir)) {
      const v = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      let n = 0;
      for (const g of v.testGroups)
        for (const t of g.tests) {
          expect(t.tcId).toBe(++n);
          for (const ref of t.specRefs) expect(specIds.has(ref), `${f} tcId ${t.tcId}: ${ref}${retiredIds.has(ref) ? ' (retired)' : ''}`).toBe(true);
          for (const flag of t.flags) expect(v.notes[flag], `${f}: note for ${flag}`).toBeDefined();
        }
      expect(v.numberOfTests).toBe(n);
    }
  });

  it('scenario tests are always valid: their verdicts are per step', () => {
    const v = JSON.parse(readFileSync(join(dir, 'replay_window.json'), 'utf8'));
    for (const g of v.testGroups) for (const t of g.tests) expect(t.result, `tcId ${t.tcId}`).toBe('valid');
  });
});
