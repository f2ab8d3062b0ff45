// The conformance kit against the project's C device (issue 19): `make adapter` builds
// conformance/c/build/adapter from the vector checker's code and the library, and the kit's vector
// mode runs every vector of the adapter protocol through it, as an implementer's CI would. Its
// skeleton (conformance/c/adapter_skeleton.c) compiles and answers everything unsupported: exit 127,
// no failure. Skips, saying why, where cc, make or libsodium's headers are missing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runProperties } from '../../conformance/kit/property.js';
import { runVectors } from '../../conformance/kit/vectors.js';
import { cToolchainMissing } from './c-toolchain.js';

const CDIR = join(import.meta.dirname, '..', '..', 'conformance', 'c');


const why = cToolchainMissing();
const note = why ? ` (skipped: ${why})` : '';

describe('conformance vectors --adapter conformance/c/build/adapter', () => {
  beforeAll(() => {
    if (why === undefined) execFileSync('make', ['-s', '-C', CDIR, 'adapter'], { stdio: 'ignore', timeout: 120_000 });
  }, 130_000);

  it.skipIf(why !== undefined)(`the C device passes every group it answers; the groups it does not implement are unsupported as a whole${note}`, async () => {
    const r = await runVectors(join(CDIR, 'build', 'adapter'));
    expect(r.results.filter((x) => x.status === 'fail').map((x) => `${x.file}#${x.tcId}: ${x.detail}`)).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (const g of ['crypto', 'keys', 'envelope', 'replay', 'reliability-frames', 'message-ops', 'reliability-device', 'cookies']) expect(r.groups[g]).toMatchObject({ fail: 0, unsupported: 0 });
    expect(r.groups['cookies']!.pass).toBeGreaterThan(0);
    expect(r.groups['cookie-answer']).toMatchObject({ pass: 0, fail: 0, unsupported: expect.any(Number) }); // a node under load's: a device never makes COOKIEs
    expect(r.groups['session']).toMatchObject({ pass: 0, fail: 0, unsupported: expect.any(Number) }); // the device has no session mode (spec 13)
    expect(r.groups['multicast']).toMatchObject({ pass: 0, fail: 0, unsupported: expect.any(Number) }); // nor multicast (spec 19)
    for (const g of ['reliability-full', 'cookie-answer', 'session', 'multicast']) expect(r.groups[g]!.unsupported).toBeGreaterThan(0);
    expect(r.groups['envelope']!.pass).toBe(r.results.filter((x) => x.file === 'datagram_seal.json' || x.file === 'datagram_open.json').length);
    expect(r.groups['reliability-device']!.pass).toBeGreaterThan(0);
    // [SW-14.12-19]: every test of reliability.json's RelFrameTest group, decoded and written back by the library's writers
    expect(r.groups['reliability-frames']!.pass).toBe(r.results.filter((x) => x.file === 'reliability.json' && x.type === 'RelFrameTest').length);
    expect(r.groups['reliability-full']).toMatchObject({ pass: 0, fail: 0, unsupported: expect.any(Number) }); // the device implements the device profile only
  });

  it.skipIf(why !== undefined)(`property mode: the C device agrees with the SDK on generated windows and operations${note}`, async () => {
    const res = await runProperties(join(CDIR, 'build', 'adapter'), { runs: 300, outDir: join(CDIR, 'build', 'counterexamples') });
    expect(res.map((r) => `${r.op}: ${r.status}`)).toEqual(['window.run: pass', 'op.decode: pass', 'frames.decode: pass']);
  });

  it.skipIf(why !== undefined)(`the C skeleton compiles and supports nothing: exit 127, no failure${note}`, async () => {
    const r = await runVectors(join(CDIR, 'build', 'adapter_skeleton'));
    expect(r.total.fail).toBe(0);
    expect(r.exitCode).toBe(127);
  });
});
