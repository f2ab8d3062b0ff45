/**
 * A node sets a peer's reliable link aside once it has been unused for LINK_IDLE and the
 * link is quiescent (spec 14.13), and everything carries on when the peer sends or is sent to again:
 * ordered messages both ways continue their chains, unreliable messages arrive without rebuilding
 * the link, and a restart of the peer still makes its FORWARD and resends work ([SW-14.13-2]).
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/peer/node-events.js';
import { Harness, text } from './harness.js';

const dec = (d: Uint8Array): string => new TextDecoder().decode(d);
const reliableTexts = (msgs: readonly Message[], channel: number): string[] => msgs.filter((m) => m.reliable && m.channel === channel).map((m) => dec(m.data));

describe('reliable links set aside while quiescent (spec 14.13)', () => {
  it('are parked after LINK_IDLE, carry on in order both ways when used again, and unreliable data leaves them parked', async () => {
    const h = new Harness(undefined, 3);
    const hub = await h.hub();
    const devs = await Promise.all(['d1', 'd2', 'd3'].map((id) => h.device(id)));
    await h.run(200);
    for (let round = 0; round < 3; round++) {
      const sends: Array<Promise<void>> = [];
      for (const d of devs) {
        for (let i = 0; i < 5; i++) sends.push(d.send('hub', text(`${d.id}-${round}-${i}`), { reliable: true, ordered: true, channel: 4 }));
        for (let i = 0; i < 3; i++) sends.push(hub.send(d.id, text(`hub-${round}-${i}`), { reliable: true, ordered: true, channel: 5 }));
      }
      await h.run(2_000);
      await Promise.all(sends);
      // idle: past LINK_IDLE (2 s; the devices' keepalives every second are answered meanwhile) the hub's links to all three devices are set aside
      await h.run(12_000);
      expect(hub.stats.links.parked, `round ${round}`).toBe(3);
      expect(hub.stats.links.live).toBe(0);
      // unreliable data from a device is delivered and leaves its link parked
      devs[0]!.send('hub', text(`u-${round}`), { reliable: false, channel: 6 });
      await h.run(200);
      expect(h.inbox.get('hub')!.some((m) => !m.reliable && dec(m.data) === `u-${round}`)).toBe(true);
      expect(hub.stats.links.parked).toBe(3);
    }
    expect(hub.stats.links.parks).toBeGreaterThanOrEqual(9);
    // a minute of keepalives (each device's PING every second, its CHALLENGEs for freshness): answered
    // without rebuilding a parked link, so none is set aside again
    const parks = hub.stats.links.parks;
    await h.run(60_000);
    expect(hub.stats.links.parks).toBe(parks);
    expect(hub.stats.links.parked).toBe(3);
    for (const d of devs) {
      expect(reliableTexts(h.inbox.get('hub')!, 4).filter((t) => t.startsWith(`${d.id}-`))).toEqual([0, 1, 2].flatMap((r) => [0, 1, 2, 3, 4].map((i) => `${d.id}-${r}-${i}`)));
      expect(reliableTexts(h.inbox.get(d.id)!, 5)).toEqual([0, 1, 2].flatMap((r) => [0, 1, 2].map((i) => `hub-${r}-${i}`)));
    }
    const r = hub.stats.retransmits;
    expect(r.transmissions).toBeGreaterThanOrEqual(27); // the totals of parked links are still counted
  });

  it('a new epoch of the hub replaces its parked links: the new ids start at 1, what the devices send still arrives once and in order [SW-14.13-4]', async () => {
    const h = new Harness(undefined, 11);
    const hub = await h.hub();
    const devs = await Promise.all(['d1', 'd2'].map((id) => h.device(id)));
    await h.run(200);
    const round = async (tag: string): Promise<void> => {
      const sends = devs.flatMap((d) => [
        d.send('hub', text(`${d.id}-${tag}`), { reliable: true, ordered: true, channel: 4 }),
        hub.send(d.id, text(`hub-${tag}`), { reliable: true, ordered: true, channel: 5 }),
      ]);
      await h.run(2_000);
      await Promise.all(sends);
    };
    await round('a');
    await h.run(4_000);
    expect(hub.stats.links.parked).toBe(2);
    const epoch = hub.epoch;
    await (hub as unknown as { renewEpoch(): Promise<void> }).renewEpoch();
    expect(hub.epoch).toBeGreaterThan(epoch);
    await h.run(2_000);
    await round('b');
    for (const d of devs) {
      expect(reliableTexts(h.inbox.get('hub')!, 4).filter((t) => t.startsWith(`${d.id}-`))).toEqual([`${d.id}-a`, `${d.id}-b`]);
      expect(reliableTexts(h.inbox.get(d.id)!, 5)).toEqual(['hub-a', 'hub-b']);
    }
  });

  it('a device that lost its state while its link was parked receives what follows, in order', async () => {
    const h = new Harness(undefined, 5);
    const hub = await h.hub();
    let dev = await h.device('d1');
    await h.run(200);
    const first = [0, 1, 2].map((i) => hub.send('d1', text(`a${i}`), { reliable: true, ordered: true, channel: 2 }));
    await h.run(2_000);
    await Promise.all(first);
    await h.run(2_000);
    expect(hub.stats.links.parked).toBe(1);
    await dev.close();
    h.states.delete('d1'); // state lost: a new epoch with empty reliability state [SW-14.1-1]
    h.inbox.delete('d1');
    dev = await h.device('d1');
    await h.run(2_000);
    const sent = [0, 1, 2].map((i) => hub.send('d1', text(`b${i}`), { reliable: true, ordered: true, channel: 2 }));
    await h.run(5_000);
    await Promise.all(sent);
    expect(reliableTexts(h.inbox.get('d1')!, 2)).toEqual(['b0', 'b1', 'b2']);
    await dev.close();
  });
});
