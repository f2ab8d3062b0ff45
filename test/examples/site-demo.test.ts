// `npm start`: the bridged site demo runs on loopback with no setup, shows a device reboot and a
// broker restart, and loses no reading; its duration ends it cleanly.
import { describe, expect, it } from 'vitest';
import { runSiteDemo } from '../../examples/site-demo.js';

describe('npm start (examples/site-demo.ts)', () => {
  it('bridges a site through a reboot and a broker restart with nothing lost', { timeout: 40_000 }, async () => {
    const lines: string[] = [];
    const r = await runSiteDemo(12, (s) => lines.push(s));
    expect(r.rebooted).toBe(true);
    expect(r.brokerRestarted).toBe(true);
    expect(r.published).toBeGreaterThan(30);
    expect(r.lost).toBe(0);
    expect(r.received).toBe(r.published);
    expect(r.rpcOk).toBeGreaterThanOrEqual(4);
    expect(r.sleepyCommands).toBeGreaterThanOrEqual(2); // the retained mode, and the command kept while it slept
    expect(lines.some((l) => l.includes('status:'))).toBe(true);
    expect(lines.some((l) => l.includes('again (reconnect 1)'))).toBe(true);
  });
});
