// CLI: npx tsx conformance/check/independent/main.ts [vectorDir] [--verbose]
// Prints a table (file, tests, failures) and the failures; exits 1 if any failure or no vector file.
import { fileURLToPath } from 'node:url';
import { checkIndependent } from './index.js';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../../vectors/', import.meta.url));
const maxShown = args.includes('--verbose') ? Infinity : 50;

const results = await checkIndependent(dir);
if (results.length === 0) {
  console.error(`independent checker: no vector files found in ${dir}`);
  process.exit(1);
}
const w = Math.max(4, ...results.map((r) => r.file.length));
console.log(`${'file'.padEnd(w)}  ${'tests'.padStart(6)}  ${'failures'.padStart(8)}`);
for (const r of results) console.log(`${r.file.padEnd(w)}  ${String(r.tests).padStart(6)}  ${String(r.failures.length).padStart(8)}`);
let total = 0;
for (const r of results) {
  total += r.failures.length;
  if (r.failures.length === 0) continue;
  console.log(`\n${r.file}:`);
  for (const f of r.failures.slice(0, maxShown)) console.log(`  ${f}`);
  if (r.failures.length > maxShown) console.log(`  … ${r.failures.length - maxShown} more (--verbose)`);
}
console.log(total === 0 ? '\nindependent checker: all vectors agree' : `\nindependent checker: ${total} failure(s)`);
process.exit(total === 0 ? 0 : 1);
