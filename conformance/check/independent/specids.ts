// Requirement ids defined in spec/*.md ([SW-<section>.<subsection>-<n>], spec/README.md).
// Contract: returns every id that appears in brackets in any spec file, except retired ones: an id
// whose bracket is followed by " (retired" marks where a removed requirement was, and a vector must
// not cite it. The README's example `[SW-4.5-1]` is itself a real id, so including spec/README.md
// adds nothing spurious.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPEC_DIR = fileURLToPath(new URL('../../../spec/', import.meta.url));

export function loadSpecIds(specDir = SPEC_DIR): Set<string> {
  const ids = new Set<string>();
  const retired = new Set<string>();
  for (const f of readdirSync(specDir).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(specDir, f), 'utf8');
    for (const m of text.matchAll(/\[(SW-\d+\.\d+-\d+)\]( \(retired)?/g)) (m[2] ? retired : ids).add(m[1]);
  }
  for (const r of retired) ids.delete(r);
  return ids;
}
