import { describe, expect, it } from 'vitest';
import { FAST, Harness, HUB, text } from './harness.js';
import { PeerUnreachableError, UnknownPeerError } from '../../src/errors.js';

describe('SaltwireNode on a MemoryNetwork', () => {
  it('first contact: both sides verify each other in one round trip, then data flows fresh [SW-12.3-1] [SW-10.2-2]', async () => {
    const h = new Harness();
    const hub = await h.hub();
    const dev = await h.device('sensor-1');
    await h.run(50); // one-way delay is 0 on a perfect network: a few ticks settle everything
    expect(hub.reachability('sensor-1')).toBe('reachable');
    expect(dev.reachability('hub')).toBe('reachable');
    expect(hub.peer('sensor-1')?.validated).toBe(true);
    dev.send('hub', text('t=21.5'));
    hub.send('sensor-1', text('ack'));
    await h.run(10);
    expect(h.texts('hub')).toEqual(['t=21.5']);
    expect(h.texts('sensor-1')).toEqual(['ack']);
    expect(h.inbox.get('hub')![0]!.fresh).toBe(true);
    // first contact cost: PING+CHALLENGE, reply with INDEX+ECHO+CHALLENGE, ECHO: 3 datagrams
    expect(hub.stats.sent.datagrams + dev.stats.sent.datagrams).toBeLessThanOrEqual(5);
  });

  it('typed errors: unknown peer, unreachable peer', async () => {
    const h = new Harness();
    const dev = await h.device('sensor-1'); // no hub on the network
    expect(() => dev.send('nobody', text('x'))).toThrow(UnknownPeerError);
    expect(() => dev.assertReachable('hub')).not.toThrow(); // unknown yet, not unreachable
    await h.run(3_000);
    expect(dev.reachability('hub')).toBe('unreachable');
    expect(() => dev.assertReachable('hub')).toThrow(PeerUnreachableError);
  });

  it('hub comes up after the device: the device finds it with no user code [SW-11.3-3]', async () => {
    const h = new Harness();
    const dev = await h.device('sensor-1');
    await h.run(3_000);
    expect(dev.reachability('hub')).toBe('unreachable');
    const hub = await h.hub();
    await h.run(1_500);
    expect(dev.reachability('hub')).toBe('reachable');
    expect(hub.reachability('sensor-1')).toBe('reachable');
  });
});

describe('idle senders are set aside and resumed (spec 9.5)', () => {
  it('a parked sender resumes its counter: nothing is dropped as a replay, and it survives a peer restart [SW-9.5-2] [SW-5.1-4]', async () => {
    const h = new Harness();
    const hub = await h.hub({ senderIdleMs: 300 }); // shorter than the device's probe cadence (FAST: 1.5 s)
    const dev = await h.device('sensor-1');
    await h.run(50);
    const internals = (n: unknown) => (n as { table: { get(id: string): { sender?: unknown; parked?: { counter: number } } } }).table;
    hub.send('sensor-1', text('one'));
    await h.run(10);
    await h.run(8_000, 50); // keepalives flow device -> hub; the hub sends nothing
    const entry = internals(hub).get('sensor-1');
    expect(entry.sender).toBeUndefined();
    expect(entry.parked!.counter).toBeGreaterThan(0); // the key is gone, its next counter kept [SW-9.5-2]
    hub.send('sensor-1', text('two'));
    await h.run(10);
    expect(internals(hub).get('sensor-1').sender).toBeDefined();
    expect(h.texts('sensor-1')).toEqual(['one', 'two']);
    expect(dev.stats.drops['REPLAY'] ?? 0).toBe(0); // the key derived anew seals on from that counter: no nonce again [SW-5.1-4]
    await h.run(8_000, 50); // parked again
    await dev.close();
    await h.device('sensor-1'); // restart: the hub drops the index of its parked sender
    await h.run(20);
    hub.send('sensor-1', text('three'));
    await h.run(10);
    expect(h.texts('sensor-1')).toEqual(['one', 'two', 'three']);
  });
});

describe('liveness traffic in the steady state', () => {
  it('a SHORT PING is answered even when nothing else is owed, so probes never escalate to FULL [SW-11.2-3] [SW-11.2-5]', async () => {
    const h = new Harness();
    await h.hub();
    // keepalives more often than INDEX_SILENCE: the hub is never silent that long, so [SW-4.8-9] keeps SHORT too
    const dev = await h.device('sensor-1', { liveness: { ...FAST, keepaliveMs: 600 } });
    await h.run(50);
    const forms: number[] = [];
    h.net.onCapture((d) => d.from.host === 'sensor-1' && forms.push(d.bytes[0]!));
    await h.run(10_000, 50);
    expect(forms.length).toBeGreaterThan(5); // keepalives and probes flowed
    expect(forms.filter((b) => b === 0x50)).toEqual([]); // never FULL: every probe was answered
    expect(dev.reachability('hub')).toBe('reachable');
  });
});
