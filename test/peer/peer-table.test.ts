// The peer table's declared limit (spec 9.2): when full, a new peer evicts the learned entry heard from
// least recently, with its receive contexts; a configured entry is never evicted, and with every entry
// configured the newcomer's datagram is dropped as PEER_LIMIT and its receive context erased.
import { describe, expect, it } from 'vitest';
import { MemoryMaxEpochStore } from '../../src/core.js';
import { Peer } from '../../src/peer/peer.js';
import { PeerTable } from '../../src/peer/peer-table.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { Harness, text } from './harness.js';

const contextOf = (node: SaltwireNode, id: string): unknown => (node as unknown as { receiver: { context(id: string, gen: number): unknown } }).receiver.context(id, 0);

describe('the peer table', () => {
  it('a node declares a limit, MAX_PEERS (16384) by default [SW-9.2-2]', async () => {
    const h = new Harness();
    const hub = await h.hub();
    expect((hub as unknown as { table: PeerTable }).table.limit).toBe(16384);
    const small = new Harness();
    const capped = await small.hub({ maxPeers: 2 });
    for (const id of ['d1', 'd2', 'd3']) await small.device(id);
    await small.run(100);
    expect(capped.stats.peers).toBe(2);
  });

  it('full: evicts the learned peer heard from least recently, never a configured one; all configured: refuses [SW-9.2-3]', () => {
    const t = new PeerTable(3);
    const peer = (id: string, heard: number, configured = false): Peer => {
      const p = new Peer(id, { configured });
      p.lastHeard = heard;
      return p;
    };
    t.add(peer('c', 0, true));
    t.add(peer('old', 5));
    t.add(peer('recent', 10));
    expect(t.add(peer('new', 20))!.id).toBe('old');
    expect(t.add(peer('newer', 30))!.id).toBe('recent');
    expect(t.get('c')).toBeDefined();
    const all = new PeerTable(1);
    all.add(peer('c', 0, true));
    const refused = peer('x', 1);
    expect(all.add(refused)).toBe(refused);
    expect(all.get('x')).toBeUndefined();
  });

  it('a node at its limit evicts the least recently heard learned peer with its receive context [SW-9.2-3]', async () => {
    const h = new Harness();
    // durable floors from provisioning on: a new peer's first datagram is fresh, so it may evict one heard fresh ([SW-9.3-6])
    const hub = await h.hub({ maxPeers: 2, maxEpochs: new MemoryMaxEpochStore(true), durableMaxEpochs: true });
    const d1 = await h.device('d1');
    await h.device('d2');
    await h.run(50);
    d1.send('hub', text('d1 again')); // d2 is now the one heard from least recently
    await h.run(50);
    expect(contextOf(hub, 'd2')).toBeDefined();
    await h.device('d3');
    await h.run(50);
    expect(hub.peer('d2')).toBeUndefined();
    expect(contextOf(hub, 'd2')).toBeUndefined();
    expect(hub.peer('d1')).toBeDefined();
    expect(hub.peer('d3')).toBeDefined();
  });

  it('with every entry configured, a new peer is dropped as PEER_LIMIT and its receive context erased [SW-9.2-3]', async () => {
    const h = new Harness();
    const hub = await h.hub({ maxPeers: 1, peers: [{ id: 'd1', address: { host: 'd1', port: 1 } }] });
    await h.device('d2');
    await h.run(100);
    expect(hub.peer('d2')).toBeUndefined();
    expect(hub.peer('d1')).toBeDefined();
    expect(hub.stats.drops['PEER_LIMIT']).toBeGreaterThan(0);
    expect(contextOf(hub, 'd2')).toBeUndefined();
  });
});
