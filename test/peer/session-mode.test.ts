/**
 * Session mode in the peer layer (spec 13.6 to 13.9) on a MemoryNetwork with virtual time: nodes
 * configured for it run the handshake, seal data under sessions, rekey, and recover from restarts,
 * loss and partitions with no user code; a mixed hub serves both modes.
 */
import { describe, expect, it } from 'vitest';
import type { SaltwireNode } from '../../src/peer/node.js';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import { readU32 } from '../../src/util/bytes.js';
import { Harness, HUB, text } from './harness.js';

const SESSION = { session: { peers: 'all' as const } };
const INITIATION = 'initiation';
const RESPONSE = 'response';

/** What a datagram on the wire is, from its first bytes (spec 4.2, 13.4, 13.5). */
function kind(d: CapturedDatagram): 'initiation' | 'response' | 'SHORT' | 'FULL' | 'other' {
  const b = d.bytes;
  if (b[0] === 0x60) return b[1] === 0x01 ? INITIATION : b[1] === 0x02 ? RESPONSE : 'other';
  return b[0] === 0x40 ? 'SHORT' : b[0] === 0x50 ? 'FULL' : 'other';
}

/** Records every datagram put on the wire (MemoryNetwork has one capture hook). */
function tap(h: Harness): CapturedDatagram[] {
  const wire: CapturedDatagram[] = [];
  h.net.onCapture((d) => wire.push(d));
  return wire;
}

const between = (a: string, b: string) => (d: CapturedDatagram) =>
  (d.from.host === a && d.to.host === b) || (d.from.host === b && d.to.host === a);

async function pair(h: Harness, extra: object = SESSION): Promise<{ hub: SaltwireNode; dev: SaltwireNode }> {
  const hub = await h.hub(extra);
  const dev = await h.device('sensor-1', extra);
  await h.run(50);
  return { hub, dev };
}

describe('session mode: handshake and data (spec 13.6 to 13.8)', () => {
  it('two nodes exchange data both ways over handshake + SHORT session datagrams, never FULL [SW-13.8-2] [SW-13.8-12]', async () => {
    const h = new Harness();
    h.net.setFaults({ delayMs: 10 }); // one-way delay: round trips become visible in virtual time
    const wire = tap(h);
    const hub = await h.hub(SESSION);
    const dev = await h.device('sensor-1', SESSION);
    const t0 = h.net.scheduler.now();
    let devReady = -1;
    dev.on('reachable', () => (devReady = h.net.scheduler.now() - t0));
    let hubReady = -1;
    hub.on('reachable', () => (hubReady = h.net.scheduler.now() - t0));
    await h.run(100);
    // the initiator can send after one round trip, the responder after one and a half [SW-13.8-8]
    expect(devReady).toBe(20);
    expect(hubReady).toBe(30);
    for (let i = 0; i < 3; i++) {
      dev.send('hub', text(`up${i}`));
      hub.send('sensor-1', text(`down${i}`));
    }
    await h.run(50);
    expect(h.texts('hub')).toEqual(['up0', 'up1', 'up2']);
    expect(h.texts('sensor-1')).toEqual(['down0', 'down1', 'down2']);
    expect(h.inbox.get('hub')!.every((m) => m.fresh)).toBe(true); // session datagrams are fresh [SW-13.8-6]
    const kinds = wire.map(kind);
    expect(kinds.filter((k) => k === 'FULL' || k === 'other')).toEqual([]);
    expect(kinds.slice(0, 3)).toEqual([INITIATION, RESPONSE, 'SHORT']);
    expect(kinds.filter((k) => k === INITIATION).length).toBe(1);
    expect(kinds.filter((k) => k === RESPONSE).length).toBe(1);
    // one complete handshake for an 8-character id: 72 + 58 + an empty confirmation of 25 bytes
    expect(wire.slice(0, 3).map((d) => d.bytes.length)).toEqual([72, 58, 25]);
    // the confirmation is counter 0 under the index the responder assigned [SW-13.8-3] [SW-13.5-3]
    const idxR = readU32(wire[2]!.bytes, 1);
    expect(readU32(wire[2]!.bytes, 5)).toBe(0);
    const idxI = readU32(wire[1]!.bytes, 2);
    for (const d of wire.slice(2)) expect(readU32(d.bytes, 1)).toBe(d.from.host === 'hub' ? idxI : idxR);
    expect(hub.stats.drops).toEqual({});
    expect(dev.stats.drops).toEqual({});
  });

  it('a replayed initiation is dropped as HANDSHAKE_REPLAY and gets no response, from any address [SW-13.6-2] [SW-13.6-6] [SW-13.10-1]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const { hub, dev } = await pair(h);
    const init = wire.find((d) => kind(d) === INITIATION)!;
    const before = wire.length;
    h.net.inject(init.bytes, init.from, HUB);
    h.net.inject(init.bytes, { host: 'victim', port: 9 }, HUB);
    await h.run(20);
    expect(hub.stats.drops['HANDSHAKE_REPLAY']).toBe(2); // counted as 6.2's reasons are, and nothing on the wire says so [SW-13.10-1]
    const after = wire.slice(before).filter((d) => !d.injected);
    expect(after.filter((d) => d.from.host === 'hub' && kind(d) === RESPONSE)).toEqual([]);
    expect(after.filter((d) => d.to.host === 'victim')).toEqual([]);
    expect(hub.stats.sessions.responsesSent).toBe(1);
    dev.send('hub', text('still here')); // the session in use is untouched
    await h.run(10);
    expect(h.texts('hub')).toEqual(['still here']);
  });

  it('the response is never larger than the initiation, even to a spoofed source; an initiation moves no path [SW-13.5-2] [SW-13.6-8]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const hub = await h.hub(SESSION);
    const ids = ['a', 'sensor-1', 'x'.repeat(32)];
    for (const id of ids) await h.device(id, SESSION);
    await h.run(50);
    for (const id of ids) {
      const init = wire.find((d) => kind(d) === INITIATION && d.from.host === id)!;
      const resp = wire.find((d) => kind(d) === RESPONSE && d.to.host === id)!;
      expect(init.bytes.length).toBe(64 + id.length);
      expect(resp.bytes.length).toBe(58);
      expect(resp.bytes.length).toBeLessThanOrEqual(init.bytes.length);
    }
    // A fresh initiation withheld from the hub, then sent from a victim's address by an attacker.
    const devAddr = hub.peer('a')!.address!;
    h.net.partition(HUB); // nothing reaches or leaves the hub (inject still does)
    const dev2 = await h.device('a', SESSION); // a restart: a new initiation, lost
    void dev2;
    await h.run(10);
    const fresh = wire.filter((d) => kind(d) === INITIATION && d.from.host === 'a').at(-1)!;
    const victim = { host: 'victim', port: 9 };
    h.net.inject(fresh.bytes, victim, HUB);
    await h.run(10);
    const toVictim = wire.filter((d) => d.to.host === 'victim' && !d.injected);
    expect(toVictim.map((d) => d.bytes.length)).toEqual([58]);
    expect(toVictim[0]!.bytes.length).toBeLessThan(fresh.bytes.length);
    expect(hub.peer('a')!.address).toEqual(devAddr); // [SW-13.6-8]
  });

  it('a FULL datagram from a peer configured for session mode is dropped as SESSION_REQUIRED, and nothing answers it [SW-13.8-12]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const hub = await h.hub({ session: { peers: ['sensor-1'] } });
    const dev = await h.device('sensor-1'); // misconfigured: PSK mode only
    dev.send('hub', text('0-RTT'));
    await h.run(3_000);
    expect(hub.stats.drops['SESSION_REQUIRED']).toBeGreaterThan(0);
    expect(h.texts('hub')).toEqual([]);
    expect(wire.filter((d) => d.from.host === 'hub')).toEqual([]);
    expect(hub.stats.peers).toBe(0); // no entry, no receive context [SW-9.2-1]
    expect(dev.reachability('hub')).toBe('unreachable');
  });

  it('a mixed hub serves a session-mode device and a PSK device side by side [SW-13.1-1] [SW-13.8-13]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const hub = await h.hub({ session: { peers: (id: string) => id.startsWith('fs-') } });
    const fs = await h.device('fs-1', SESSION);
    const psk = await h.device('psk-1');
    await h.run(50); // first contact: a handshake for fs-1, FULL PING + CHALLENGE for psk-1
    fs.send('hub', text('from fs'));
    psk.send('hub', text('from psk'));
    await h.run(50);
    hub.send('fs-1', text('to fs'));
    hub.send('psk-1', text('to psk'));
    await h.run(50);
    expect(h.texts('hub').sort()).toEqual(['from fs', 'from psk']);
    expect(h.texts('fs-1')).toEqual(['to fs']);
    expect(h.texts('psk-1')).toEqual(['to psk']);
    const fsKinds = new Set(wire.filter(between('fs-1', 'hub')).map(kind));
    const pskKinds = new Set(wire.filter(between('psk-1', 'hub')).map(kind));
    expect([...fsKinds].sort()).toEqual(['SHORT', INITIATION, RESPONSE].sort());
    expect(pskKinds.has('FULL')).toBe(true); // 0-RTT first datagram of the default mode
    expect(pskKinds.has(INITIATION) || pskKinds.has(RESPONSE)).toBe(false);
    expect(hub.stats.drops).toEqual({});
    // a session-mode device talking to a hub that has it in PSK mode gets nothing back [SW-13.8-13]
    const other = await h.device('other-1', SESSION);
    other.send('hub', text('lost'));
    await h.run(20);
    expect(hub.stats.drops['SESSION_DISABLED']).toBeGreaterThan(0);
    expect(wire.filter((d) => d.to.host === 'other-1')).toEqual([]);
    expect(wire.filter((d) => d.from.host === 'other-1').map(kind)).toEqual([INITIATION]);
  });
});

describe('session mode: limits (spec 13.6-4, 13.7-2, 13.8-11)', () => {
  it('at most HANDSHAKE_RESPONSE_ATTEMPTS responses per initiation; then it is abandoned and a new one is sent [SW-13.7-2] [SW-13.4-5]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const hub = await h.hub(SESSION);
    const dev = await h.device('sensor-1', SESSION);
    const devAddr = (dev as unknown as { o: { transport: { local: { host: string; port: number } } } }).o.transport.local;
    h.net.partition(HUB, devAddr, { oneWay: true }); // the response is withheld; the attacker sees it
    await h.run(5);
    const real = wire.find((d) => kind(d) === RESPONSE)!;
    for (let i = 0; i < 4; i++) {
      const forged = real.bytes.slice();
      forged[40 + i] = forged[40 + i]! ^ 1; // right index, wrong box: costs the device one X25519 each
      h.net.inject(forged, HUB, devAddr);
    }
    h.net.inject(real.bytes, HUB, devAddr);
    await h.run(5);
    expect(dev.stats.drops['AUTH']).toBe(4);
    expect(dev.stats.drops['UNKNOWN_INDEX']).toBe(1); // the genuine one came too late: abandoned
    expect(dev.stats.sessions.established).toBe(0);
    h.net.heal();
    await h.run(6_000, 50);
    expect(dev.stats.sessions.initiationsSent).toBe(2);
    expect(dev.stats.sessions.established).toBe(1);
    expect(hub.reachability('sensor-1')).toBe('reachable');
  });

  it('the responder answers at most HANDSHAKE_RATE initiations per second; the others retry and get through [SW-13.6-4]', async () => {
    const h = new Harness();
    const hub = await h.hub({ session: { peers: 'all', handshakeRate: 1 } });
    const ids = ['d-1', 'd-2', 'd-3'];
    const devs = await Promise.all(ids.map((id) => h.device(id, SESSION)));
    await h.run(50);
    expect(hub.stats.drops['HANDSHAKE_RATE']).toBe(2);
    expect(hub.stats.sessions.responsesSent).toBe(1);
    await h.run(15_000, 50);
    expect(hub.stats.sessions.responsesSent).toBe(3);
    for (const d of devs) expect(d.reachability('hub')).toBe('reachable');
    for (const id of ids) expect(hub.reachability(id)).toBe('reachable');
  });

  it('revoking a peer ends its sessions: their datagrams are dropped and the index is released [SW-13.8-11] [SW-13.8-5]', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h);
    (hub as unknown as { o: { keyring: { revoke(id: string): void } } }).o.keyring.revoke('sensor-1');
    dev.send('hub', text('one'));
    await h.run(5);
    expect(hub.stats.drops['UNKNOWN_KEY']).toBe(1); // checks 2 to 4 of [SW-6.1-6] on the session's (peer, gen)
    dev.send('hub', text('two'));
    await h.run(5);
    expect(hub.stats.drops['UNKNOWN_INDEX']).toBe(1); // the session was erased with its index
    expect(h.texts('hub')).toEqual([]);
    await h.run(6_000, 50); // the device finds the hub silent and initiates: refused at step 6
    expect(hub.stats.drops['UNKNOWN_KEY']).toBeGreaterThan(1);
    expect(hub.stats.sessions.responsesSent).toBe(1);
  });
});

describe('session mode: timers and recovery (spec 13.8-16, 13.9)', () => {
  it('rekeys at REKEY_AFTER_TIME without losing a message sent around the switch [SW-13.9-1] [SW-13.8-9]', async () => {
    const h = new Harness();
    h.net.setFaults({ delayMs: 20 }); // datagrams of the old session are in flight when the new one starts
    const wire = tap(h);
    const { hub, dev } = await pair(h);
    await h.run(3_598_000, 1_000); // keepalives under the first session for almost an hour
    expect(dev.stats.sessions.established).toBe(1);
    const from = wire.length;
    const up: string[] = [];
    const down: string[] = [];
    for (let i = 0; i < 400; i++) {
      up.push(`u${i}`);
      down.push(`d${i}`);
      expect(dev.send('hub', text(`u${i}`))).toBe(true);
      expect(hub.send('sensor-1', text(`d${i}`))).toBe(true);
      await h.run(10, 5);
    }
    await h.run(200);
    expect(dev.stats.sessions.established).toBe(2); // the initiator rekeyed once, at 3600 s
    expect(hub.stats.sessions.confirmed).toBe(2);
    expect(h.texts('hub')).toEqual(up);
    expect(h.texts('sensor-1')).toEqual(down);
    // both directions used both sessions during the window
    const idx = (a: string) => new Set(wire.slice(from).filter((d) => d.from.host === a && kind(d) === 'SHORT').map((d) => readU32(d.bytes, 1)));
    expect(idx('sensor-1').size).toBe(2);
    expect(idx('hub').size).toBe(2);
    expect(hub.stats.drops).toEqual({});
    expect(dev.stats.drops).toEqual({});
  });

  it('device restart: a new handshake, the hub reports the restart, traffic resumes with no user code [SW-13.8-16]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const { hub, dev } = await pair(h);
    const restarts: Array<{ peer: string; epoch: number }> = [];
    hub.on('restart', (e) => restarts.push(e));
    dev.send('hub', text('before'));
    await h.run(10);
    await dev.close();
    const dev2 = await h.device('sensor-1', SESSION);
    expect(dev2.epoch).toBe(dev.epoch + 1);
    dev2.send('hub', text('after')); // held until the session exists [SW-13.8-14]
    await h.run(5);
    hub.send('sensor-1', text('cmd'));
    await h.run(5);
    expect(h.texts('hub')).toEqual(['before', 'after']);
    expect(h.texts('sensor-1')).toEqual(['cmd']);
    expect(restarts).toEqual([{ peer: 'sensor-1', epoch: dev2.epoch }]);
    expect(hub.stats.sessions.responsesSent).toBe(2);
    expect(wire.map(kind).filter((k) => k === 'FULL')).toEqual([]);
  });

  it('hub restart: the hub initiates to its remembered devices, traffic resumes at once [SW-13.8-16] [SW-12.2-3]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const { hub, dev } = await pair(h);
    dev.send('hub', text('before'));
    await h.run(10);
    await hub.close(); // saves the remembered peers
    const hub2 = await h.hub(SESSION);
    await h.run(5);
    dev.send('hub', text('after'));
    hub2.send('sensor-1', text('cmd'));
    await h.run(5);
    expect(h.texts('hub')).toEqual(['before', 'after']);
    expect(h.texts('sensor-1')).toEqual(['cmd']);
    expect(hub2.stats.sessions.initiationsSent).toBe(1); // the restart hint is an initiation
    expect(dev.stats.sessions.responsesSent).toBe(1);
    expect(wire.map(kind).filter((k) => k === 'FULL')).toEqual([]);
  });

  it('hub restart without remembered peers: the device finds the hub silent and initiates itself', async () => {
    const h = new Harness();
    const { hub, dev } = await pair(h, { ...SESSION, rememberPeers: false });
    await hub.close();
    const hub2 = await h.hub({ ...SESSION, rememberPeers: false });
    const t0 = h.net.scheduler.now();
    let back = -1;
    dev.on('reachable', () => (back = h.net.scheduler.now() - t0));
    await h.run(8_000, 50);
    expect(hub2.stats.drops['UNKNOWN_INDEX']).toBeGreaterThan(0); // the old session's datagrams
    expect(back).toBeGreaterThan(0);
    expect(back).toBeLessThan(1_500 + 2_000 + 1_500); // probeAfter + unreachableAfter + a recovery probe
    hub2.send('sensor-1', text('cmd'));
    await h.run(10);
    expect(h.texts('sensor-1')).toEqual(['cmd']);
  });

  it('60 s partition with the session still valid: unreachable, then recovery over the old session [SW-11.3-1]', async () => {
    const h = new Harness();
    const wire = tap(h);
    const { hub, dev } = await pair(h);
    const events: string[] = [];
    for (const [n, node] of [['hub', hub], ['dev', dev]] as const) {
      node.on('unreachable', () => events.push(`${n} unreachable`));
      node.on('reachable', () => events.push(`${n} reachable`));
    }
    h.net.partition({ host: 'sensor-1', port: hub.peer('sensor-1')!.address!.port }, HUB);
    await h.run(60_000, 50);
    expect(events.sort()).toEqual(['dev unreachable', 'hub unreachable']);
    // heal just after an initiation went out (the device looks for a hub that may have lost the
    // session), so the next one is 5 s away: recovery must not need it
    const inits = () => wire.filter((d) => kind(d) === INITIATION).length;
    const n = inits();
    for (let i = 0; i < 200 && inits() === n; i++) await h.run(50, 50);
    expect(inits()).toBe(n + 1);
    h.net.heal();
    const responses = hub.stats.sessions.responsesSent;
    events.length = 0;
    await h.run(1_200, 50);
    expect(events.sort()).toEqual(['dev reachable', 'hub reachable']);
    expect(hub.stats.sessions.responsesSent).toBe(responses); // no handshake: the old session carried it
    await h.run(10_000, 50);
    expect(dev.stats.sessions.established).toBe(1); // and the abandoned attempt stays abandoned
    dev.send('hub', text('after'));
    await h.run(10);
    expect(h.texts('hub')).toEqual(['after']);
  });

  it('60 s partition across the session expiry: unreachable, then recovery with a new handshake [SW-13.8-10] [SW-13.9-3]', async () => {
    const h = new Harness();
    const timers = { rekeyAfterMs: 20_000, rekeyResponderDelayMs: 1_000, rejectAfterMs: 30_000 };
    const wire = tap(h);
    const { hub, dev } = await pair(h, { session: { peers: 'all', timers } });
    const old = new Set(wire.filter((d) => kind(d) === 'SHORT').map((d) => readU32(d.bytes, 1)));
    await h.run(19_000, 50);
    expect(dev.stats.sessions.established).toBe(1);
    const events: string[] = [];
    for (const [n, node] of [['hub', hub], ['dev', dev]] as const) {
      node.on('unreachable', () => events.push(`${n} unreachable`));
      node.on('reachable', () => events.push(`${n} reachable`));
    }
    h.net.partition({ host: 'sensor-1', port: hub.peer('sensor-1')!.address!.port }, HUB);
    await h.run(60_000, 50); // the rekey at 20 s fails; the session expires at 30 s on both sides
    expect(events.sort()).toEqual(['dev unreachable', 'hub unreachable']);
    h.net.heal();
    const healedAt = wire.length;
    events.length = 0;
    await h.run(6_000, 50); // the attempt's next initiation (every 5 s + jitter) gets through
    expect(events.sort()).toEqual(['dev reachable', 'hub reachable']);
    expect(dev.stats.sessions.established).toBe(2);
    const after = wire.slice(healedAt).filter((d) => kind(d) === 'SHORT' && !d.injected);
    expect(after.length).toBeGreaterThan(0);
    for (const d of after) expect(old.has(readU32(d.bytes, 1))).toBe(false); // nothing under the expired session
    dev.send('hub', text('after'));
    await h.run(10);
    expect(h.texts('hub')).toEqual(['after']);
  });
});
