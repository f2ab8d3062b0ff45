// Requirement ids defined in spec/*.md ([SW-<section>.<subsection>-<n>], spec/README.md).
// Contract: returns every id that appears in brackets in any spec file; the README's example
// `[SW-4.5-1]` is itself a real id, so including spec/README.md adds nothing spurious.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPEC_DIR = fileURLToPath(new URL('../../../spec/', import.meta.url));

export function loadSpecIds(specDir = SPEC_DIR): Set<string> {
  const ids = new Set<string>();
  for (const f of readdirSync(specDir).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(specDir, f), 'utf8');
    for (const m of text.matchAll(/\[(SW-\d+\.\d+-\d+)\]/g)) ids.add(m[1]);
  }
  return ids;
}
