// The spec's requirement ids (spec/README.md): each defined once, and every id that code, tests,
// vectors and docs cite is defined, so a citation always leads to the sentence it means.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ID = /SW-\d+\.\d+-\d+/g;
/** A definition: the id in brackets, then a space and the sentence (or "(retired"); a citation is anything else. */
const DEFINITION = /\[(SW-\d+\.\d+-\d+)\] (?![a-z),.;:|\s]|\((?!retired))/g;

function files(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

function definitions(): Map<string, string[]> {
  const defs = new Map<string, string[]>();
  for (const f of files(join(ROOT, 'spec'), /\.md$/)) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      for (const m of line.matchAll(DEFINITION)) defs.set(m[1]!, [...(defs.get(m[1]!) ?? []), `${f.slice(ROOT.length + 1)}:${i + 1}`]);
    });
  }
  return defs;
}

describe('requirement ids', () => {
  const defs = definitions();

  it('the spec defines each id once', () => {
    expect(defs.size).toBeGreaterThan(300);
    expect([...defs].filter(([, at]) => at.length > 1)).toEqual([]);
  });

  it('every id cited in src, test, conformance, examples, bench, docs and the README is defined in spec/', () => {
    const undefinedIds: string[] = [];
    const where = [...['src', 'test', 'conformance', 'examples', 'bench', 'docs'].flatMap((d) => files(join(ROOT, d), /\.(ts|json|md)$/)), join(ROOT, 'README.md')];
    for (const f of where) {
      for (const id of new Set(readFileSync(f, 'utf8').match(ID) ?? [])) if (!defs.has(id)) undefinedIds.push(`${id} in ${f.slice(ROOT.length + 1)}`);
    }
    expect(undefinedIds).toEqual([]);
  });
});
