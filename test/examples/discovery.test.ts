/**
 * examples/discovery.ts runs as written (`npx tsx examples/discovery.ts`, importing 'saltwire' by
 * name): it finds the hub by multicast on loopback, gets its group key over RPC, and prints the
 * hub's group publication.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

it('discovery.ts: finds the hub, joins the group, hears the publication', () => {
  const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'examples', 'discovery.ts')], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^found hub at 127\.0\.0\.1:\d+ in \d+ ms \(96 bytes of scouts\)$/m);
  expect(r.stdout).toMatch(/^published one 55-byte datagram to the group$/m);
  expect(r.stdout).toMatch(/^group 1: site\/mode = night$/m);
}, 30_000);
