// The kit's vector mode (issue 19): the SDK's adapter passes every vector of the adapter protocol,
// faulty adapters are caught with the spec ids they break, unsupported is never a failure, and the
// all-or-nothing rule of a group holds. Adapters run as processes, as an implementer's would.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { runVectors, VECTOR_DIR, type VectorReport } from '../../conformance/kit/vectors.js';

const TSX = 'node --import tsx';
const SDK = `${TSX} conformance/kit/adapters/sdk.ts`;
const FAULTY = (f: string): string => `${TSX} conformance/kit/adapters/faulty.ts ${f}`;
const failingIds = (r: VectorReport): Set<string> => new Set(r.results.filter((x) => x.status === 'fail').flatMap((x) => x.specRefs));
/** The number of tests in conformance/vectors (each file's numberOfTests). */
const vectorTests = (): number =>
  readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.json'))
    .reduce((n, f) => n + (JSON.parse(readFileSync(join(VECTOR_DIR, f), 'utf8')) as { numberOfTests: number }).numberOfTests, 0);
const tmp = mkdtempSync(join(tmpdir(), 'saltwire-kit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.concurrent('conformance vectors --adapter', () => {
  it('the SDK adapter passes every test of the protocol through the CLI, with JSON and JUnit reports', async () => {
    const out: string[] = [];
    const code = await run(['conformance', 'vectors', '--adapter', SDK, '--json', join(tmp, 'r.json'), '--junit', join(tmp, 'r.xml')], {
      out: (l) => out.push(l),
      err: () => {},
      env: process.env,
      stdin: process.stdin,
      isTTY: false,
      stopped: new Promise(() => {}),
    });
    expect(out.join('\n')).toContain('result: PASS');
    expect(code).toBe(0);
    const rep = JSON.parse(readFileSync(join(tmp, 'r.json'), 'utf8'));
    expect(rep.total.fail).toBe(0);
    expect(rep.total.unsupported).toBe(0);
    // every test of every vector file is passed, or (a group type newer than the kit) counted outside
    expect(rep.total.pass + rep.total.outside).toBe(vectorTests());
    expect(rep.total.pass).toBeGreaterThan(1100);
    for (const g of Object.values(rep.groups) as Array<{ pass: number }>) expect(g.pass).toBeGreaterThan(0);
    expect(rep.specIds['SW-5.4-1'].pass).toBeGreaterThan(0);
    const xml = readFileSync(join(tmp, 'r.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites name="saltwire conformance vectors" tests="\d+" failures="0"/);
  });

  it('a window that accepts a replay is caught under [SW-5.4-1], and only in the replay group; the HTML report shows it with its text', async () => {
    const html = join(tmp, 'replay.html');
    const code = await run(['conformance', 'vectors', '--adapter', FAULTY('accept-replay'), '--only', 'replay_window.json', '--html', html], {
      out: () => {},
      err: () => {},
      env: process.env,
      stdin: process.stdin,
      isTTY: false,
      stopped: new Promise(() => {}),
    });
    expect(code).toBe(1);
    expect(readFileSync(html, 'utf8')).toMatch(/<b>\[SW-5\.4-1\]<\/b> [A-Z]* The verdict for a counter c is/);
    const r = await runVectors(FAULTY('accept-replay'));
    expect(r.exitCode).toBe(1);
    expect(failingIds(r)).toContain('SW-5.4-1');
    expect(r.groups['replay']!.fail).toBeGreaterThan(0);
    expect(r.groups['envelope']!.fail).toBe(0);
    const f = r.results.find((x) => x.status === 'fail')!;
    expect(f.detail).toMatch(/REPLAY/);
  });

  it('a sender that reuses a nonce across counters is caught under [SW-4.6-1] and [SW-4.5-1]', async () => {
    const r = await runVectors(FAULTY('reuse-nonce'), { files: ['datagram_seal.json'] });
    expect(r.exitCode).toBe(1);
    expect(failingIds(r)).toContain('SW-4.6-1');
    expect(failingIds(r)).toContain('SW-4.5-1');
    // counter 0 itself is sealed right: the fault shows only where the counter is not 0
    expect(r.results.filter((x) => x.status === 'pass').length).toBeGreaterThan(0);
  });

  it('an implementation of the crypto group alone passes, the rest reported unsupported, never failed', async () => {
    const r = await runVectors(FAULTY('only-crypto'));
    expect(r.exitCode).toBe(0);
    expect(r.groups['crypto']).toMatchObject({ fail: 0, unsupported: 0 });
    expect(r.groups['crypto']!.pass).toBeGreaterThan(40);
    expect(r.groups['envelope']).toMatchObject({ pass: 0, fail: 0 });
    expect(r.groups['envelope']!.unsupported).toBeGreaterThan(500);
  });

  it('a group half answered breaks the all-or-nothing rule: the unsupported half fails', async () => {
    const r = await runVectors(FAULTY('unsupported-open'), { files: ['datagram_seal.json', 'datagram_open.json'] });
    expect(r.exitCode).toBe(1);
    expect(r.groups['envelope']!.fail).toBe(r.results.filter((x) => x.file === 'datagram_open.json').length);
    expect(r.results.find((x) => x.status === 'fail')!.detail).toMatch(/all-or-nothing/);
  });

  it('an adapter that exits 127 at once is unsupported as a whole: exit 127, no failure', async () => {
    const r = await runVectors('exit 127');
    expect(r.exitCode).toBe(127);
    expect(r.total.fail).toBe(0);
    expect(r.total.pass).toBe(0);
  });

  it('an adapter that hangs is killed at the timeout, its tests failed with why', async () => {
    const r = await runVectors('sleep 30', { files: ['secretbox.json'], timeoutMs: 500 });
    expect(r.exitCode).toBe(1);
    expect(r.adapterExit).toBeNull();
    expect(r.results[0]!.detail).toMatch(/no reply within 500 ms/);
  });

  it('an adapter that crashes fails, with what happened', async () => {
    const r = await runVectors('head -n 3 >/dev/null; exit 3', { files: ['secretbox.json'] });
    expect(r.exitCode).toBe(1);
    expect(r.results[0]!.detail).toMatch(/exited \(code 3\) after 0/);
  });
});
