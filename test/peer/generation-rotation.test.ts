// Key generations at the peer layer (spec 3.6): once a node rotates a peer from generation g to
// g+1 it seals nothing more under g ([SW-3.6-3]), though it holds a live sender of g for its current
// epoch; the peer, which accepts g only until the grace deadline, keeps hearing it past that deadline.
// The messages are reliable: a context of the new generation starts freshness-unknown at a receiver
// without durable floors (5.6), so data waits for the challenge that proves it fresh (12.3).
// A receiver that cannot establish the time treats a previous generation as past its grace ([SW-3.6-6]).
import { describe, expect, it } from 'vitest';
import { deriveDeviceKey, PairKeyring, tweetnaclSuite } from '../../src/core.js';
import { Generations } from '../../src/session/generations.js';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { Harness, SITE, text } from './harness.js';

/** The generation of the receive context a datagram landed in at `rx` (FULL: its header; SHORT: the context its index names). */
const senderGen = (node: SaltwireNode, peer: string): number | undefined =>
  (node as unknown as { table: { get(id: string): { sender?: { gen: number } } } }).table.get(peer).sender?.gen;

describe('generation rotation', () => {
  it('after rotating a peer from g to g+1 a node sends under g no more, and traffic goes on past the grace deadline [SW-3.6-3]', async () => {
    const h = new Harness();
    const hub = await h.hub();
    const keyring = new PairKeyring().add('hub', 0, deriveDeviceKey(tweetnaclSuite, SITE, 'sensor-1', 0));
    const dev = await h.device('sensor-1', { keyring });
    await h.run(50);
    void hub.send('sensor-1', text('before'), { reliable: true });
    void dev.send('hub', text('up before'), { reliable: true });
    await h.run(50);
    expect([senderGen(hub, 'sensor-1'), senderGen(dev, 'hub')]).toEqual([0, 0]); // live senders of generation 0

    const t = h.net.scheduler.now();
    keyring.add('hub', 1, deriveDeviceKey(tweetnaclSuite, SITE, 'sensor-1', 1));
    keyring.generations.rotate('hub', 1, t, 1_000);
    (hub as unknown as { o: { keyring: { generations: Generations } } }).o.keyring.generations.rotate('sensor-1', 1, t, 1_000);
    const wire: CapturedDatagram[] = [];
    h.net.onCapture((d) => !d.injected && wire.push(d));
    void hub.send('sensor-1', text('after'), { reliable: true });
    void dev.send('hub', text('up after'), { reliable: true });
    await h.run(500);
    expect([senderGen(hub, 'sensor-1'), senderGen(dev, 'hub')]).toEqual([1, 1]);
    // the first datagram each way after the rotation is FULL under generation 1 (byte 1 of a FULL header)
    for (const from of ['hub', 'sensor-1']) {
      const first = wire.find((d) => d.from.host === from)!;
      expect([first.bytes[0], first.bytes[1]]).toEqual([0x50, 1]);
    }
    await h.run(2_000, 20); // past the grace deadline of generation 0
    void hub.send('sensor-1', text('later'), { reliable: true });
    void dev.send('hub', text('up later'), { reliable: true });
    await h.run(500);
    expect(h.texts('sensor-1')).toEqual(['before', 'after', 'later']);
    expect(h.texts('hub')).toEqual(['up before', 'up after', 'up later']);
    expect(hub.stats.drops['RETIRED_KEY'] ?? 0).toBe(0);
    expect(dev.stats.drops['RETIRED_KEY'] ?? 0).toBe(0);
  });

  it('a previous generation whose grace deadline is unknown (no clock) is past its grace [SW-3.6-6]', () => {
    const g = new Generations();
    g.set('hub', { current: 1, previous: 0 }); // restored without a deadline it can place in time
    expect(g.check('hub', 1, 0)).toBe('ok');
    expect(g.check('hub', 0, 0)).toBe('RETIRED_KEY');
    expect(g.expired(0)).toEqual([{ peer: 'hub', gen: 0 }]);
  });
});
