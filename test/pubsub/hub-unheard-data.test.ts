// Publications a hub must not acknowledge without routing them (spec 14.7, 18.3):
// - while it stops gracefully and holds back an ordered publication: the publications after a lost
//   one were taken and acknowledged, so the publisher will not send them again; the stopping hub must
//   still take the lost one's retransmission and route the whole chain before it stops routing
//   [SW-14.7-6] [SW-14.7-8] [SW-18.3-2];
// - while it starts and still loads its saved state: nothing listens yet, so it takes nothing, and
//   the publishers send again once it listens [SW-14.7-9].
import { describe, expect, it } from 'vitest';
import type { JournalStore } from '../../src/peer/journal-store.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import type { Scheduler } from '../../src/time/scheduler.js';
import { HUB } from '../peer/harness.js';
import { collector, track, World } from './world.js';

/** A StateStore whose loads of the message layer's keys take `delayMs` of virtual time. */
class SlowLoadStore extends MemoryStateStore {
  delayMs = 0;
  constructor(private readonly scheduler: Scheduler) {
    super();
  }
  override async load(key: string): Promise<Uint8Array | undefined> {
    if (this.delayMs > 0 && key !== 'epoch' && key !== 'peers') await new Promise<void>((r) => this.scheduler.at(this.scheduler.now() + this.delayMs, r));
    return super.load(key);
  }
  /** The hub's journal is read as slowly [SW-18.3-3]. */
  override async journal(name: string): Promise<JournalStore> {
    if (this.delayMs > 0) await new Promise<void>((r) => this.scheduler.at(this.scheduler.now() + this.delayMs, r));
    return super.journal(name);
  }
}

describe('publications a hub acknowledges are routed (spec 14.7, 18.3)', () => {
  it('routes the held-back chain once the missing publication arrives during the stop [SW-14.7-6] [SW-18.3-2]', async () => {
    const w = new World(7);
    await w.startHub();
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('s/#', { qos: 1 }, c.fn));
    await w.settle(pub.publish('s/t', 'warm', { qos: 1 })); // aliases and the link settled first
    await w.run(500);
    const from = w.nodes.get('dev-a')!.local;
    // m0 is lost on its way to the hub; m1..m5 arrive 20 ms later and are held back for it
    w.h.net.setLinkFaults(from, HUB, { loss: 1 }, { oneWay: true });
    const results = [track(pub.publish('s/t', 'm0', { qos: 1, deadlineMs: 60_000 }))];
    await w.run(1);
    w.h.net.setLinkFaults(from, HUB, { delayMs: 20 }, { oneWay: true });
    for (let i = 1; i <= 5; i++) results.push(track(pub.publish('s/t', `m${i}`, { qos: 1, deadlineMs: 60_000 })));
    for (let t = 0; t < 100 && w.hubNode.undelivered() < 5; t++) await w.run(1);
    const held = w.hubNode.undelivered();
    expect(held).toBe(5);
    // the hub stops now, before m0's retransmission can arrive (the ACKs of m1..m5 are on their way)
    const node = w.hubNode;
    const stopped = w.hub.close().then(() => node.close());
    await w.settle(stopped);
    await w.startHub();
    await w.until(() => results.every((r) => r.state !== 'pending') && c.texts().length >= 7, 60_000);
    expect(results.map((r) => r.state)).toEqual(Array(6).fill('ok'));
    const missing = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'].filter((m) => !c.texts().includes(m));
    expect(missing).toEqual([]);
    // in order: the chain was delivered whole, m0 first
    const order = c.texts().filter((t) => t.startsWith('m'));
    expect(order.slice(0, 6)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    await w.close();
  }, 30_000);

  it('a hub that still loads its state takes no publication; they arrive once it listens [SW-14.7-9] [SW-18.3-1]', async () => {
    const w = new World(11);
    const store = new SlowLoadStore(w.h.net.scheduler);
    await w.startHub({}, { state: store }, false);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('s/#', { qos: 1 }, c.fn));
    await w.settle(pub.publish('s/t', 'before', { qos: 1 }));
    await w.settle(w.hub.close());
    await w.hubNode.close();
    store.delayMs = 500; // the next process loads its subscriptions for half a second
    const starting = w.startHub({}, { state: store }, false);
    const results = Array.from({ length: 5 }, (_, i) => track(pub.publish('s/t', `m${i}`, { qos: 1, deadlineMs: 60_000 })));
    await w.run(300);
    expect(results.every((r) => r.state === 'pending')).toBe(true); // nothing acknowledged while it loads
    await w.settle(starting);
    expect(w.hubNode.stats.refused).toBeGreaterThan(0);
    await w.until(() => results.every((r) => r.state !== 'pending') && c.texts().length >= 6, 30_000);
    expect(results.map((r) => r.state)).toEqual(Array(5).fill('ok'));
    expect(c.texts()).toEqual(['before', 'm0', 'm1', 'm2', 'm3', 'm4']);
    await w.close();
  }, 30_000);
});
