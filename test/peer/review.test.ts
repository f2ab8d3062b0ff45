/**
 * Attacks and gaps found by the firmware review of spec 9-12 (spec ids cite the fixes), each on a
 * MemoryNetwork with virtual time, each asserting what must not happen.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import { Harness, HUB, text } from './harness.js';

async function pair(h: Harness, hubExtra = {}) {
  const hub = await h.hub(hubExtra);
  const dev = await h.device('sensor-1');
  await h.run(50);
  return { hub, dev };
}

describe('review findings', () => {
  it('a candidate made by a spoofed datagram never moves the path, and is forgotten after VALIDATION_TIMEOUT [SW-10.1-8] [SW-10.2-7]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    const devAddr = hub.peer('sensor-1')!.address!;
    let held: CapturedDatagram | undefined;
    h.net.onCapture((d) => { if (held === undefined && d.from.host === 'sensor-1' && !d.injected) held = d; });
    h.net.partition(devAddr, HUB); // the device hears nothing and says nothing: nothing ends the candidate but time
    dev.send('hub', text('withheld'));
    await h.run(5);
    const toVictim: number[] = [];
    h.net.onCapture((d) => d.to.host === 'victim' && toVictim.push(h.net.scheduler.now()));
    h.net.inject(held!.bytes, { host: 'victim', port: 9 }, HUB);
    await h.run(5);
    expect(hub.peer('sensor-1')!.address).toEqual(devAddr); // the path stays [SW-10.1-8]
    expect(hub.peer('sensor-1')!.validated).toBe(true);
    await h.run(5_500, 50);
    const peer = (hub as unknown as { table: { get(id: string): { candidate?: unknown } } }).table.get('sensor-1');
    expect(peer.candidate).toBeUndefined(); // forgotten [SW-10.2-7]
    // challenged at once, then every CANDIDATE_RETRY (within the 3x budget), never after the timeout
    expect(toVictim.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...toVictim) - toVictim[0]!).toBeLessThan(5_000);
    const sent = toVictim.length;
    h.net.heal();
    hub.send('sensor-1', text('still there?'));
    await h.run(5_000, 50);
    expect(h.texts('sensor-1')).toEqual(['still there?']);
    expect(toVictim).toHaveLength(sent);
  });

  it('replays of old restarts at a rebooted node are not reported as restarts, and move nothing [SW-9.3-5] [SW-9.3-6]', async () => {
    const h = new Harness();
    const captured: CapturedDatagram[] = [];
    h.net.onCapture((d) => d.from.host === 'hub' && !d.injected && captured.push(d));
    const { hub, dev } = await pair(h);
    hub.send('sensor-1', text('epoch 1'));
    await h.run(10);
    await hub.close();
    const hub2 = await h.hub(); // epoch 2
    await h.run(10);
    hub2.send('sensor-1', text('epoch 2'));
    await h.run(10);
    const old = captured.slice();
    await dev.close();
    const dev2 = await h.device('sensor-1'); // lost its context for the hub
    await h.run(10);
    const restarts: number[] = [];
    dev2.on('restart', (e) => restarts.push(e.epoch));
    const before = h.texts('sensor-1').length;
    for (const c of old) h.net.inject(c.bytes, { host: 'attacker', port: 7 }, c.to.host === 'sensor-1' ? dev2.local : c.to);
    await h.run(20);
    expect(restarts).toEqual([]);
    expect(h.texts('sensor-1').length).toBe(before); // nothing old delivered
    expect(dev2.peer('hub')!.address!.host).toBe('hub'); // replays from elsewhere did not move the path
  });

  it('a replayed datagram cannot evict a peer that was heard fresh [SW-9.3-6]', async () => {
    const h = new Harness();
    const captured: CapturedDatagram[] = [];
    h.net.onCapture((d) => d.from.host === 'old-dev' && !d.injected && captured.push(d));
    const hub = await h.hub({ maxPeers: 1 });
    const old = await h.device('old-dev');
    await h.run(20);
    await old.close();
    await hub.close();
    const hub2 = await h.hub({ maxPeers: 1, rememberPeers: false }); // lost all receive state
    const dev = await h.device('sensor-1');
    await h.run(20);
    expect(hub2.reachability('sensor-1')).toBe('reachable');
    for (const c of captured) h.net.inject(c.bytes, c.from, HUB);
    await h.run(20);
    expect(hub2.peer('sensor-1')).toBeDefined(); // not evicted by a replay
    expect(hub2.peer('old-dev')).toBeUndefined();
    expect(hub2.stats.drops['PEER_LIMIT']).toBeGreaterThan(0); // refused before any state changed
    dev.send('hub', text('still here'));
    await h.run(5);
    expect(h.texts('hub')).toContain('still here');
  });

  it('released withheld datagrams cannot keep a dead peer reachable: probing ends only with an echo [SW-11.2-6]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    const withheld: CapturedDatagram[] = [];
    h.net.onCapture((d) => d.from.host === 'sensor-1' && !d.injected && withheld.push(d));
    const devAddr = hub.peer('sensor-1')!.address!;
    h.net.partition(devAddr, HUB, { oneWay: true }); // the attacker keeps everything the device sends
    for (let i = 0; i < 10; i++) dev.send('hub', text(`r${i}`));
    await h.run(10);
    await dev.close(); // the device dies
    expect(withheld.length).toBeGreaterThanOrEqual(10);
    let sent = 0;
    for (let t = 0; t < 8_000; t += 500) {
      if (sent < withheld.length) h.net.inject(withheld[sent++]!.bytes, devAddr, HUB); // one every 0.5 s
      await h.run(500, 50);
    }
    expect(hub.reachability('sensor-1')).toBe('unreachable');
  });

  it('an echo in epoch E makes a later restart of the peer fresh at once, with no new challenge [SW-12.3-7]', async () => {
    const h = new Harness();
    const hub = await h.hub(); // memory-only peer epochs: the first contact needs a challenge
    const dev = await h.device('sensor-1');
    await h.run(20);
    expect(hub.stats.unverified).toBe(0);
    await dev.close();
    const dev2 = await h.device('sensor-1');
    dev2.send('hub', text('right after reboot')); // before any round trip
    await h.run(5);
    expect(h.texts('hub')).toEqual(['right after reboot']);
    expect(hub.stats.unverified).toBe(0);
  });
});
