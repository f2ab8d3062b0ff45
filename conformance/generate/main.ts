/** Writes every vector file into conformance/vectors/. Deterministic: run twice, same bytes. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VectorFile } from './common.js';
import { cookieVectors } from './cookie.js';
import { handshakeVectors } from './handshake.js';
import { hmacHkdfVectors } from './hmac-hkdf.js';
import { keyVectors } from './keys.js';
import { messageOpVectors } from './message-ops.js';
import { multicastVectors } from './multicast.js';
import { openVectors } from './open.js';
import { reliabilityVectors } from './reliability.js';
import { reliabilityDeviceVectors } from './reliability-device.js';
import { replayVectors } from './replay.js';
import { sealVectors } from './seal.js';
import { secretboxVectors } from './secretbox.js';

export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

/** Writes every vector file into `out`; returns [file, numberOfTests] pairs. */
export function writeVectors(out: string): Array<[string, number]> {
  const files: VectorFile[] = [hmacHkdfVectors(), keyVectors(), secretboxVectors(), sealVectors(), openVectors(), replayVectors(), handshakeVectors(), reliabilityVectors(), reliabilityDeviceVectors(), messageOpVectors(), cookieVectors(), multicastVectors()];
  return files.map((f) => {
    const json = f.toJSON() as { numberOfTests: number };
    writeFileSync(join(out, f.name), JSON.stringify(json, null, 1) + '\n');
    return [f.name, json.numberOfTests];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let total = 0;
  for (const [name, n] of writeVectors(VECTOR_DIR)) {
    console.log(`${name.padEnd(24)} ${String(n).padStart(4)} tests`);
    total += n;
  }
  console.log(`${'total'.padEnd(24)} ${String(total).padStart(4)} tests`);
}
