/**
 * Writes the scenario files into conformance/scenarios/ (`tsx conformance/scenarios/generate/main.ts`).
 * Deterministic: run twice, same bytes. `--check` compares instead of writing and exits 1 on a difference.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFile, type FileDef } from './dsl.js';
import { firstContactFile } from './first-contact.js';
import { restartFile } from './restart.js';
import { roamingFile } from './roaming.js';
import { answersFile } from './silence.js';

export const SCENARIO_OUT = join(import.meta.dirname, '..');
export const FILES: readonly FileDef[] = [firstContactFile, restartFile, roamingFile, answersFile];

/** Every file's name and its JSON text, as written. */
export function renderScenarioFiles(): Array<[string, string]> {
  return FILES.map((f) => [f.name, JSON.stringify(buildFile(f), null, 1) + '\n']);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const checkOnly = process.argv.includes('--check');
  let differs = 0;
  for (const [name, text] of renderScenarioFiles()) {
    const path = join(SCENARIO_OUT, name);
    if (checkOnly) {
      let old = '';
      try {
        old = readFileSync(path, 'utf8');
      } catch {
        // missing: differs
      }
      if (old !== text) differs++, console.log(`${name}: differs from the generator`);
    } else writeFileSync(path, text);
    const n = (JSON.parse(text) as { numberOfTests: number }).numberOfTests;
    console.log(`${name.padEnd(20)} ${String(n).padStart(3)} scenarios`);
  }
  process.exit(differs === 0 ? 0 : 1);
}
