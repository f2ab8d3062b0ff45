/**
 * Checks every vector with the SDK, once per installed backend. Exits 1 on any failure.
 * `npm run vectors:check` runs this and then independent/main.ts (node:crypto + libsodium, no SDK code).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tweetnaclSuite } from '../../src/core.js';
import { loadSodiumSuite } from '../../src/node/crypto.js';
import { checkSdk, type FileResult } from './sdk.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
const runs: Array<[string, FileResult[]]> = [['sdk/tweetnacl', checkSdk(dir, tweetnaclSuite)]];
const sodium = loadSodiumSuite();
if (sodium !== undefined) runs.push(['sdk/sodium-native', checkSdk(dir, sodium)]);

let failed = 0;
for (const [who, results] of runs) {
  for (const r of results) {
    console.log(`${who.padEnd(18)} ${r.file.padEnd(24)} ${String(r.tests).padStart(4)} tests  ${r.failures.length} failures`);
    for (const f of r.failures.slice(0, 5)) console.log(`    ${f}`);
    failed += r.failures.length;
  }
  if (results.length === 0) {
    console.log(`${who}: no vector files found`);
    failed++;
  }
}
console.log(failed === 0 ? 'all vectors agree' : `${failed} failures`);
process.exit(failed === 0 ? 0 : 1);
