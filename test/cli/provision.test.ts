/**
 * `saltwire provision` (issue 18): a device's credentials for firmware as a C header, JSON or env
 * lines, each with the never-commit warning; the C header compiles and holds the derived key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { NEVER_COMMIT } from '../../src/cli/commands/provision.js';
import { run } from '../../src/cli/main.js';
import { deriveDeviceKey, fromHex, toHex, tweetnaclSuite } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-provision-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SITE = '5a'.repeat(32);
const DK = toHex(deriveDeviceKey(tweetnaclSuite, fromHex(SITE), 'sensor-1', 0));
const siteFile = join(tmp, 'site.key');
writeFileSync(siteFile, SITE, { mode: 0o600 });

async function provision(args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, stopped: new Promise(() => undefined) };
  return { code: await run(['provision', '--site-file', siteFile, '--device', 'sensor-1', ...args], io), out: out.join('\n'), err };
}

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('saltwire provision', () => {
  it('json and env: the id, the derived key, the hub; the warning on stderr', async () => {
    const j = await provision(['--format', 'json', '--hub', '192.0.2.10:4000']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual({ id: 'sensor-1', key: DK, gen: 0, hubId: 'hub', hub: '192.0.2.10:4000', warning: NEVER_COMMIT });
    expect(j.err).toEqual([`warning: ${NEVER_COMMIT}`]);
    const e = await provision(['--format', 'env']);
    expect(e.out.split('\n')).toEqual([`# ${NEVER_COMMIT}`, 'SALTWIRE_ID=sensor-1', `SALTWIRE_KEY=${DK}`, 'SALTWIRE_KEY_GEN=0', 'SALTWIRE_HUB_ID=hub']);
  });

  it.skipIf(!hasCompiler())('c: a header that compiles, holding the key; --out writes it with mode 0600', async () => {
    const header = join(tmp, 'saltwire_credentials.h');
    const r = await provision(['--format', 'c', '--hub', '192.0.2.10:4000', '--out', header]);
    expect([r.code, r.out]).toEqual([0, '']);
    expect(statSync(header).mode & 0o777).toBe(0o600);
    expect(readFileSync(header, 'utf8')).toContain('SECRET: ' + NEVER_COMMIT);
    const main = join(tmp, 'main.c');
    writeFileSync(main, '#include <stdio.h>\n#include "saltwire_credentials.h"\nint main(void) { printf("%s %s %s %d ", SALTWIRE_DEVICE_ID, SALTWIRE_HUB_ID, SALTWIRE_HUB_HOST, SALTWIRE_HUB_PORT); for (int i = 0; i < 32; i++) printf("%02x", SALTWIRE_DEVICE_KEY[i]); return 0; }\n');
    execFileSync('cc', ['-Wall', '-Werror', '-o', join(tmp, 'main'), main], { cwd: tmp });
    expect(execFileSync(join(tmp, 'main'), { encoding: 'utf8' })).toBe(`sensor-1 hub 192.0.2.10 4000 ${DK}`);
  });

  it('a wrong format is a usage error', async () => {
    const r = await provision(['--format', 'yaml']);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^saltwire provision: --format must be c, json or env, not yaml/);
  });
});
