// Issue 14, failure 1, over real UDP with real processes: the hub (the `saltwire hub` command) frozen
// with SIGSTOP for 30 s while a device publishes QoS 1 every 200 ms, then SIGCONT. Before the fix
// (c72c3a6) hub and device went on exchanging tens of thousands of datagrams a second and the device
// stayed unreachable; now traffic is back to normal from the second after the burst.
// [SW-9.4-4] [SW-12.3-2] [SW-12.3-9] [SW-14.4-14] [SW-14.7-10]. The virtual-time version of all
// outages is storm.test.ts; the long runs (45 s, 120 s, a held path) are bench/freeze.ts. About 45 s.
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren } from '../../bench/freeze-procs.js';
import { runScenario } from '../../bench/freeze-scenario.js';

afterAll(() => killChildren());

describe('no storm after the hub was frozen, over UDP (issue 14) [SW-9.4-4] [SW-12.3-2] [SW-14.4-14]', () => {
  it('hub SIGSTOPped 30 s: from 1 s after SIGCONT at most 3x the normal rate, the device reachable, nothing acknowledged missing', async () => {
    const r = await runScenario({ kind: 'freeze', outageMs: 30_000, warmupMs: 3000, afterMs: 5000, drainMs: 1000 });
    const info = JSON.stringify(r);
    const normal = r.normal.toHub + r.normal.toDevice; // publications, calls and their acknowledgements
    expect(normal, info).toBeGreaterThanOrEqual(5);
    for (let s = 1; s < r.after.toHub.length; s++) expect(r.after.toHub[s]! + r.after.toDevice[s]!, `second ${s}: ${info}`).toBeLessThanOrEqual(3 * normal);
    // reachable again: a publication made after SIGCONT acknowledged within 2 s of it
    expect(r.firstPubAckMs, info).not.toBeNull();
    expect(r.firstPubAckMs!, info).toBeLessThanOrEqual(2000);
    expect(r.pubs.acked, info).toBeGreaterThan(0);
    expect(r.missing, info).toBe(0);
  }, 75_000);
});
