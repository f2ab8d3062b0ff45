/**
 * A hub that lost its state (wiped, or killed before it saved the device) holds no index for the
 * device and no record of its address: it cannot tell the device, and drops its SHORT datagrams in
 * silence. The device's first datagram that asks for an answer after the hub was silent
 * INDEX_SILENCE goes in the FULL form [SW-4.8-9], so delivery resumes within one round trip of it,
 * not after a retransmission timeout [SW-4.8-8].
 */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { FAST, Harness, HUB, text } from './harness.js';

describe('a device towards a hub that lost its state [SW-4.8-9]', () => {
  it('delivers its next reliable message within one round trip of sending it', async () => {
    const h = new Harness();
    const DEV = { host: 'd', port: 7000 };
    h.net.setLinkFaults(DEV, HUB, { delayMs: 10 }); // 20 ms round trip
    let hub = await h.hub();
    // default-like timers: nothing asks during the outage (a keepalive's PING would, [SW-4.8-8])
    const dev = await h.device('d', { address: DEV, liveness: { ...FAST, keepaliveMs: 25_000, probeAfterMs: 30_000, unreachableAfterMs: 60_000 } });
    const p = dev.send('hub', text('before'), { reliable: true, deadlineMs: 3000 });
    await h.run(300);
    await p;
    await hub.close();
    h.states.set('hub', new MemoryStateStore()); // wiped: no index, no remembered device
    await h.run(1500); // the hub is down a while, as a process restart takes
    hub = await h.hub();
    await h.run(20);
    const t0 = h.net.scheduler.now();
    let at = -1;
    void dev.send('hub', text('after'), { reliable: true, deadlineMs: 5000 }).then(() => (at = h.net.scheduler.now()));
    while (!h.texts('hub').includes('after') && h.net.scheduler.now() - t0 < 3000) await h.run(1, 1);
    const delivered = h.net.scheduler.now() - t0;
    if (process.env.DBG) console.log(`delivered after ${delivered} ms`);
    expect(h.texts('hub')).toContain('after');
    // one round trip (20 ms) and a challenge round for freshness; before [SW-4.8-9]: an RTO (200 ms+) first
    expect(delivered).toBeLessThan(80);
    await h.run(200);
    expect(at).toBeGreaterThan(0);
    await dev.close();
    await hub.close();
  });
});
