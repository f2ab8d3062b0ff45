/**
 * Restart, roaming, blackout, replay and junk on a MemoryNetwork with virtual time (spec 10 to 12).
 * The same behaviours over real UDP and separate processes are in test/peer/udp-*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import { Harness, HUB, text } from './harness.js';

async function pair(h: Harness) {
  const hub = await h.hub();
  const dev = await h.device('sensor-1');
  await h.run(50);
  return { hub, dev };
}

describe('peer recovery', () => {
  it('device restart: the hub sees the new epoch at once and traffic resumes in one round trip [SW-12.2-1]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    const restarts: string[] = [];
    hub.on('restart', (e) => restarts.push(e.peer));
    dev.send('hub', text('before'));
    await h.run(10);
    await dev.close();
    const t0 = h.net.scheduler.now();
    const dev2 = await h.device('sensor-1'); // same state store: epoch + 1
    expect(dev2.epoch).toBe(dev.epoch + 1);
    await h.run(1); // zero one-way delay: a round trip fits in one tick
    expect(restarts).toEqual(['sensor-1']);
    hub.send('sensor-1', text('cmd'));
    dev2.send('hub', text('after'));
    await h.run(1);
    expect(h.net.scheduler.now() - t0).toBeLessThan(5);
    expect(h.texts('hub')).toEqual(['before', 'after']);
    expect(h.texts('sensor-1')).toEqual(['cmd']);
  });

  it('hub restart: remembered devices are told at once; nothing recorded before is accepted after [SW-12.2-3] [SW-12.3-1]', async () => {
    const h = new Harness();
    const captured: CapturedDatagram[] = [];
    h.net.onCapture((d) => captured.push(d));
    const { hub, dev } = await pair(h);
    for (let i = 0; i < 5; i++) dev.send('hub', text(`m${i}`));
    await h.run(10);
    expect(h.texts('hub')).toHaveLength(5);
    await hub.close(); // saves remembered peers
    const restarts: string[] = [];
    dev.on('restart', (e) => restarts.push(e.peer));
    const hub2 = await h.hub();
    await h.run(1);
    expect(restarts).toEqual(['hub']);
    // replay everything the device sent to the hub before and after the restart, from its address
    const before = h.texts('hub').length;
    const replays = captured.filter((c) => c.to.host === 'hub' && !c.injected);
    const dropsBefore = Object.values(hub2.stats.drops).reduce((a, b) => a + b, 0);
    const receivedBefore = hub2.stats.received;
    const devAddr = replays[0]!.from;
    h.net.partition(devAddr, HUB, { oneWay: true }); // only the replays reach the hub meanwhile (inject bypasses partitions)
    for (const c of replays) h.net.inject(c.bytes, c.from, c.to);
    await h.run(10);
    h.net.heal();
    expect(h.texts('hub').length).toBe(before); // none delivered
    // every replay is accounted for: dropped by the envelope, or accepted once with unknown freshness
    // (its data withheld: nothing was delivered above)
    const drops = Object.values(hub2.stats.drops).reduce((a, b) => a + b, 0) - dropsBefore;
    expect(drops + hub2.stats.received - receivedBefore).toBe(replays.length);
    expect(drops).toBeGreaterThan(0);
    dev.send('hub', text('fresh'));
    await h.run(5);
    expect(h.texts('hub').slice(before)).toEqual(['fresh']);
  });

  it('roaming: traffic follows the device to a new address once validated; the old one gets nothing after [SW-10.1-1] [SW-10.1-8] [SW-10.2-6]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    const tr = (dev as unknown as { o: { transport: { rebind(a: object): { host: string; port: number }; local: { port: number } } } }).o.transport;
    const oldPort = tr.local.port;
    const moved: Array<{ port: number; validated: boolean }> = [];
    hub.on('address', (e) => moved.push({ port: e.address.port, validated: e.validated }));
    const toOld: number[] = [];
    h.net.onCapture((d) => d.from.host === 'hub' && d.to.port === oldPort && toOld.push(d.bytes.length));
    const next = tr.rebind({ port: 0 });
    dev.send('hub', text('from new address'));
    await h.run(5);
    // one move, once the new address echoed its token [SW-10.2-6]
    expect(moved).toEqual([{ port: next.port, validated: true }]);
    expect(hub.peer('sensor-1')?.validated).toBe(true);
    expect(hub.peer('sensor-1')?.address?.port).toBe(next.port);
    // until then the validated address got the PING of [SW-10.2-7] and nothing more
    expect(toOld).toHaveLength(1);
    const beforeTraffic = toOld.length;
    hub.send('sensor-1', text('reply'));
    await h.run(5_000, 50); // keepalives, probes, data: all to the new address
    expect(h.texts('sensor-1')).toEqual(['reply']);
    expect(toOld.length).toBe(beforeTraffic);
  });

  it('a spoofed copy of a fresh datagram moves nothing: the victim gets a challenge within 3x, the real peer\'s next datagram ends it [SW-10.1-8] [SW-10.3-1] [SW-10.2-7]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    let held: CapturedDatagram | undefined;
    // an on-path attacker withholds the device's next datagram and replays it from a victim address
    h.net.onCapture((d) => {
      if (held === undefined && d.from.host === 'sensor-1' && !d.injected) held = d;
    });
    h.net.partition({ host: 'sensor-1', port: dev.peer('hub') ? (hub.peer('sensor-1')!.address!.port) : 0 }, HUB, { oneWay: true });
    dev.send('hub', text('withheld'));
    await h.run(5);
    h.net.heal();
    const victim = { host: 'victim', port: 9 };
    const victimBytes: number[] = [];
    h.net.onCapture((d) => d.to.host === 'victim' && victimBytes.push(d.bytes.length));
    h.net.inject(held!.bytes, victim, HUB);
    await h.run(5);
    // authentic and never seen: delivered, once, from an address the hub never saw, and attributed by the envelope alone [SW-8.2-3]
    expect(h.texts('hub')).toEqual(['withheld']);
    const received = held!.bytes.length;
    expect(victimBytes).toHaveLength(1); // the candidate's challenge [SW-10.2-6]
    expect(victimBytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3 * received);
    expect(hub.peer('sensor-1')?.address?.host).toBe('sensor-1'); // the path never moved [SW-10.1-8]
    expect(hub.peer('victim')).toBeUndefined(); // no peer by source address [SW-8.2-3]
    expect(hub.peer('sensor-1')?.validated).toBe(true);
    const victimTotal = victimBytes.length;
    dev.send('hub', text('real')); // the real device's next datagram ends the candidate [SW-10.2-7]
    await h.run(5);
    expect(hub.peer('sensor-1')?.address?.host).toBe('sensor-1');
    expect(hub.peer('sensor-1')?.validated).toBe(true);
    hub.send('sensor-1', text('reply'));
    await h.run(5);
    expect(h.texts('sensor-1')).toContain('reply');
    await h.run(6_000, 50); // past every resend and VALIDATION_TIMEOUT
    expect(victimBytes.length).toBe(victimTotal); // nothing more to the victim
  });

  it('blackout: unreachable within probeAfter + unreachableAfter, reachable again when it heals, with no user code [SW-11.3-1]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    const events: Array<[string, string, number]> = [];
    for (const [n, node] of [['hub', hub], ['dev', dev]] as const) {
      node.on('unreachable', () => events.push([n, 'unreachable', h.net.scheduler.now()]));
      node.on('reachable', () => events.push([n, 'reachable', h.net.scheduler.now()]));
    }
    const start = h.net.scheduler.now();
    h.net.partition({ host: 'sensor-1', port: hub.peer('sensor-1')!.address!.port }, HUB);
    await h.run(60_000, 50);
    const down = events.filter((e) => e[1] === 'unreachable');
    expect(down.map((e) => e[0]).sort()).toEqual(['dev', 'hub']);
    for (const e of down) expect(e[2] - start).toBeLessThanOrEqual(1_500 + 2_000 + 1_000 + 50); // keepalive gap + probeAfter + unreachableAfter
    h.net.heal();
    const healed = h.net.scheduler.now();
    await h.run(3_000, 50);
    expect(dev.reachability('hub')).toBe('reachable');
    expect(hub.reachability('sensor-1')).toBe('reachable');
    const up = events.filter((e) => e[1] === 'reachable' && e[2] >= healed);
    expect(up.length).toBe(2);
    for (const e of up) expect(e[2] - healed).toBeLessThanOrEqual(1_200); // one recovery probe interval
  });

  it('junk and mutated datagrams get no answer and create no state [SW-6.3-1]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    const valid: Uint8Array[] = [];
    h.net.onCapture((d) => d.from.host === 'sensor-1' && valid.push(d.bytes));
    dev.send('hub', text('x'));
    await h.run(5);
    const answers: number[] = [];
    h.net.onCapture((d) => d.from.host === 'hub' && d.to.host === 'attacker' && answers.push(d.bytes.length));
    const sentBefore = hub.stats.sent.datagrams;
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 3000; i++) {
      let b: Uint8Array;
      if (i % 2 === 0) {
        b = new Uint8Array(1 + Math.floor(rnd() * 100)).map(() => Math.floor(rnd() * 256));
      } else {
        b = valid[i % valid.length]!.slice();
        b[Math.floor(rnd() * b.length)]! ^= 1 << Math.floor(rnd() * 8);
      }
      h.net.inject(b, { host: 'attacker', port: 1 + (i % 1000) }, HUB);
    }
    await h.run(20);
    expect(answers).toEqual([]);
    expect(hub.stats.sent.datagrams).toBe(sentBefore);
    expect(hub.stats.peers).toBe(1);
    expect(Object.values(hub.stats.drops).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3000);
  });
});
