/**
 * Keys on the command line (issue 18): from a file or the environment, written with mode 0600, and
 * a warning when one is given as an argument (every local user sees it in `ps`); --version.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, type Flags } from '../../src/cli/args.js';
import type { Io } from '../../src/cli/command.js';
import { pub } from '../../src/cli/commands/pub.js';
import { clientSettings } from '../../src/cli/endpoint.js';
import { run } from '../../src/cli/main.js';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { fromHex, toHex } from '../../src/util/bytes.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-keys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SITE = 'c3'.repeat(32);

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env, stopped: new Promise(() => undefined) };
  return { code: await run(argv, io), out, err };
}

describe('key files and the environment', () => {
  it('keygen --out and derive --out write the key with mode 0600, print nothing, never overwrite', async () => {
    const site = join(tmp, 'site.key');
    expect(await cli(['keygen', '--out', site])).toEqual({ code: 0, out: [], err: [] });
    expect(statSync(site).mode & 0o777).toBe(0o600);
    const hex = readFileSync(site, 'utf8');
    expect(hex).toMatch(/^[0-9a-f]{64}\n$/);
    const again = await cli(['keygen', '--out', site]);
    expect(again.code).toBe(1);
    expect(again.err[0]!.split('\n')[0]).toBe(`saltwire keygen: --out: ${site} exists: a key is never overwritten (remove it first)`);
    expect(readFileSync(site, 'utf8')).toBe(hex);

    const dev = join(tmp, 'sensor-1.key');
    expect(await cli(['derive', '--site-file', site, '--device', 'sensor-1', '--out', dev])).toEqual({ code: 0, out: [], err: [] });
    expect(statSync(dev).mode & 0o777).toBe(0o600);
    expect(readFileSync(dev, 'utf8').trim()).toBe(toHex(deriveDeviceKey(defaultCryptoSuite(), fromHex(hex.trim()), 'sensor-1', 0)));
  });

  it('derive takes the site key from SALTWIRE_SITE_KEY quietly, from --site with a warning, not from both flags', async () => {
    const expected = toHex(deriveDeviceKey(defaultCryptoSuite(), fromHex(SITE), 'd', 0));
    expect(await cli(['derive', '--device', 'd'], { SALTWIRE_SITE_KEY: SITE })).toEqual({ code: 0, out: [expected], err: [] });
    const inline = await cli(['derive', '--site', SITE, '--device', 'd']);
    expect(inline.out).toEqual([expected]);
    expect(inline.err).toEqual(['warning: --site puts the site key in the process list and shell history: use --site-file FILE or SALTWIRE_SITE_KEY']);
    const file = join(tmp, 'both.key');
    writeFileSync(file, SITE, { mode: 0o600 });
    const both = await cli(['derive', '--site', SITE, '--site-file', file, '--device', 'd']);
    expect(both.code).toBe(1);
    expect(both.err[0]!.split('\n')[0]).toBe('saltwire derive: --site and --site-file are two sources of one key: give one');
    const none = await cli(['derive', '--device', 'd']);
    expect(none.err[0]!.split('\n')[0]).toBe('saltwire derive: missing the site key: --site-file FILE, environment variable SALTWIRE_SITE_KEY, or --site HEX');
  });

  it('a device key from --key-file; a file other users can read is used, with a warning', () => {
    const file = join(tmp, 'open.key');
    writeFileSync(file, `  ${SITE}\n`);
    chmodSync(file, 0o644);
    const flags = parseArgs(pub.spec, ['--hub', '127.0.0.1:4000', '--id', 'd1', '--key-file', file, '--topic', 't', '--message', 'm']) as Flags;
    const s = clientSettings(flags, { env: {} });
    expect(toHex(s.key)).toBe(SITE);
    expect(s.warnings).toEqual([`warning: ${file} is readable by other users (mode 0644): chmod 600 ${file}`]);
    const missing = parseArgs(pub.spec, ['--hub', '127.0.0.1:4000', '--id', 'd1', '--key-file', join(tmp, 'nope'), '--topic', 't', '--message', 'm']) as Flags;
    expect(() => clientSettings(missing, { env: {} })).toThrow(/--key-file: cannot read ".*nope": ENOENT/);
  });

  it('--json: one object with the key (and the device and generation for derive)', async () => {
    const k = await cli(['keygen', '--json']);
    expect(JSON.parse(k.out[0]!)).toEqual({ key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const d = await cli(['derive', '--device', 'd', '--gen', '3', '--json'], { SALTWIRE_SITE_KEY: SITE });
    expect(JSON.parse(d.out[0]!)).toEqual({ device: 'd', gen: 3, key: toHex(deriveDeviceKey(defaultCryptoSuite(), fromHex(SITE), 'd', 3)) });
    expect((await cli(['keygen', '--json', '--out', join(tmp, 'j.key')])).code).toBe(1);
  });

  it('--version prints the package version; hub --help says a second signal exits 130', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, out: [`saltwire ${pkg.version}`], err: [] });
    const help = await cli(['hub', '--help']);
    expect(help.out.join('\n')).toMatch(/a second signal exits at once with 130/);
  });
});
