// Restarts of subscribers and of the hub, under loss (spec 15.5, 15.6, 18.2, 18.3): counted
// exactly, every QoS 1 publication delivered at least once and every QoS 2 one exactly once.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/messaging/client.js';
import { HUB_JOURNAL } from '../../src/messaging/hub.js';
import type { MemoryStateStore } from '../../src/peer/state-store.js';
import { decodeHubRecord } from '../../src/pubsub/hub-records.js';
import { HUB } from '../peer/harness.js';
import { collector, track, World, type Tracked } from './world.js';

const BIG_OUTBOX = { reliability: { send: { outboxMessages: 4096, outboxBytes: 1 << 22 } } };

function counts(texts: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of texts) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** Publishes `n` messages `${prefix}${i}`, one every `gapMs` of virtual time. */
async function publishSeries(w: World, c: () => Client, topic: string, prefix: string, n: number, qos: 1 | 2, gapMs: number, during?: (i: number) => Promise<void>, out: Tracked<void>[] = []): Promise<Tracked<void>[]> {
  for (let i = 0; i < n; i++) {
    out.push(track(c().publish(topic, `${prefix}${i}`, { qos, deadlineMs: 300_000 })));
    await w.run(gapMs);
    await during?.(i);
  }
  return out;
}

describe('restarts (spec 15.5, 18.3)', () => {
  it('a subscriber that restarts keeps its subscription at the hub until its SYNC: 60 QoS 1 publications under 10% loss all arrive at least once [SW-15.5-3] [SW-18.2-2] [SW-15.4-1]', async () => {
    const w = await World.create(31, {}, BIG_OUTBOX);
    const pub = await w.device('dev-a', {}, BIG_OUTBOX);
    let sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('data', { qos: 1 }, c.fn));
    w.h.net.setFaults({ loss: 0.1, reorder: 0.05, reorderDelayMs: 30 });
    const results = await publishSeries(w, () => pub, 'data', 'm', 60, 1, 300, async (i) => {
      if (i === 20) await w.stopDevice('dev-b'); // down for 10 s of publications
      if (i === 50) {
        sub = await w.device('dev-b');
        sub.subscribe('data', { qos: 1 }, c.fn); // made right after start: in its first SYNC
      }
    });
    await w.until(() => results.every((r) => r.state !== 'pending') && counts(c.texts()).size === 60, 120_000);
    expect(results.every((r) => r.state === 'ok')).toBe(true);
    const got = counts(c.texts());
    const missing = Array.from({ length: 60 }, (_, i) => `m${i}`).filter((m) => !got.has(m));
    expect(missing).toEqual([]);
    expect([...w.hub.pubsub.sessions.filtersOf('dev-b')]).toEqual([['data', 1]]);
    expect(w.h.net.faults.counters.lost).toBeGreaterThan(0);
    // a device that restarts and wants nothing sends an empty SYNC: the hub forgets its subscriptions
    w.h.net.setFaults({});
    await w.stopDevice('dev-b');
    await w.device('dev-b');
    await w.until(() => w.hub.pubsub.sessions.filtersOf('dev-b').size === 0, 10_000);
    expect(w.hub.pubsub.sessions.filtersOf('dev-b').size).toBe(0);
    await w.close();
  }, 60_000);

  it('a hub restart under 10% loss: QoS 1 at least once, QoS 2 exactly once, subscriptions back by SYNC with no user code [SW-15.5-2] [SW-15.6-2] [SW-18.3-1]', async () => {
    const w = await World.create(32, {}, BIG_OUTBOX);
    const pub = await w.device('dev-a', {}, BIG_OUTBOX);
    const sub = await w.device('dev-b');
    const c1 = collector();
    const c2 = collector();
    await w.granted(sub.subscribe('q1', { qos: 1 }, c1.fn));
    await w.granted(sub.subscribe('q2', { qos: 2 }, c2.fn));
    w.h.net.setFaults({ loss: 0.1 });
    const restartAt = 15;
    const r1: Tracked<void>[] = [];
    const z: Tracked<void>[] = [];
    const r2: Tracked<void>[] = [];
    await publishSeries(w, () => pub, 'q2', 'x', 40, 2, 150, async (i) => {
      r1.push(track(pub.publish('q1', `y${i}`, { qos: 1, deadlineMs: 300_000 })));
      if (i === restartAt) {
        // the hub takes and forwards 5 QoS 2 publications but its acknowledgements are lost: the
        // publisher sends them again to the new hub process, whose persisted window drops them.
        // First everything so far acknowledged (under loss the publisher may be backing off, its
        // window full), then the five in one flight: with no acknowledgement coming back, a sender
        // sends nothing beyond its window, so five sent one by one may never reach this hub at all.
        await w.until(() => [...r1, ...r2].every((r) => r.state !== 'pending'), 30_000);
        w.h.net.partition(HUB, w.nodes.get('dev-a')!.local, { oneWay: true });
        for (let k = 0; k < 5; k++) z.push(track(pub.publish('q2', `z${k}`, { qos: 2, deadlineMs: 300_000 })));
        await w.until(() => c2.texts().filter((t) => t.startsWith('z')).length === 5, 20_000);
        expect(c2.texts().filter((t) => t.startsWith('z'))).toHaveLength(5); // the old process took all five
        await w.settle(w.hub.close());
        await w.hubNode.close();
        w.h.net.heal();
        await w.run(3_000); // the hub is down; publications wait in the publisher's outbox
        await w.startHub({}, BIG_OUTBOX);
      }
    }, r2);
    await w.until(() => [...r1, ...r2, ...z].every((r) => r.state !== 'pending') && counts(c1.texts()).size === 40 && counts(c2.texts()).size === 45, 180_000);
    await w.run(5_000);
    expect([...r1, ...r2, ...z].every((r) => r.state === 'ok')).toBe(true);
    expect(w.hub.pubsub.drops.duplicate).toBeGreaterThanOrEqual(5); // the new process caught the resends
    const g1 = counts(c1.texts());
    const g2 = counts(c2.texts());
    expect(Array.from({ length: 40 }, (_, i) => `y${i}`).filter((m) => !g1.has(m))).toEqual([]);
    const names = [...Array.from({ length: 40 }, (_, i) => `x${i}`), ...Array.from({ length: 5 }, (_, k) => `z${k}`)];
    expect(names.map((m) => [m, g2.get(m) ?? 0]).filter(([, n]) => n !== 1)).toEqual([]);
    expect(c2.got.length).toBe(45);
    // the new hub process holds the subscriptions again
    expect(new Map(w.hub.pubsub.sessions.filtersOf('dev-b'))).toEqual(new Map([['q1', 1], ['q2', 2]]));
    expect(w.h.net.faults.counters.lost).toBeGreaterThan(0);
    await w.close();
  }, 60_000);

  it('after a hub restart without persistence, the subscriber SYNCs by itself and publications flow again [SW-15.5-2]', async () => {
    const w = await World.create(33, { persist: false });
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('t/#', { qos: 1 }, c.fn));
    await w.restartHub({ persist: false });
    expect(w.hub.pubsub.sessions.filtersOf('dev-b').size).toBe(0); // nothing persisted
    await w.until(() => w.hub.pubsub.sessions.filtersOf('dev-b').size === 1, 20_000);
    expect([...w.hub.pubsub.sessions.filtersOf('dev-b')]).toEqual([['t/#', 1]]);
    await w.settle(pub.publish('t/x', 'after', { qos: 1 }));
    await w.until(() => c.got.length === 1, 10_000);
    expect(c.texts()).toEqual(['after']);
    await w.close();
  }, 30_000);

  it('a hub persists subscriptions, retained and dedupe and loads them before routing: a publication that arrives before the SYNC is routed as before [SW-18.3-1]', async () => {
    const w = await World.create(34);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('cmd', { qos: 1 }, c.fn));
    await w.settle(pub.publish('cfg', 'v1', { qos: 2, retain: true }));
    await w.run(500);
    // in the hub's journal [SW-18.3-3]: the subscription is there before the SUBACK was sent
    const store = w.h.states.get('hub')! as MemoryStateStore;
    const records = (await store.journal(HUB_JOURNAL)).records().map(decodeHubRecord);
    expect(records.filter((r) => r.type === 'SUBS' && r.device === 'dev-b').at(-1)).toEqual({ type: 'SUBS', device: 'dev-b', filters: [['cmd', 1]] });
    // the subscriber cannot reach the new hub process: its SYNC waits, the persisted subscription routes
    w.h.net.partition(w.nodes.get('dev-b')!.local);
    await w.restartHub();
    expect([...w.hub.pubsub.sessions.filtersOf('dev-b')]).toEqual([['cmd', 1]]);
    expect(w.hub.pubsub.retained.get('cfg')).toBeDefined();
    await w.settle(pub.publish('cmd', 'go', { qos: 1 }));
    w.h.net.heal();
    await w.until(() => c.got.length === 1, 30_000);
    expect(c.texts()).toEqual(['go']);
    await w.close();
  }, 30_000);
});

describe('a hub away longer than a control deadline [SW-15.5-5]', () => {
  it('a subscription made while the hub is unreachable for over the deadline is sent again by SYNC once it is back; publications then flow', async () => {
    const w = await World.create(41, {}, {});
    const pub = await w.device('dev-p');
    const sub = await w.device('dev-s', {}, { reliability: { send: { defaultDeadlineMs: 5_000 } } });
    await w.run(500);
    w.h.net.partition(HUB); // the hub goes dark for 20 s, four times the SUBSCRIBE's deadline
    const got = collector();
    const s = sub.subscribe('late/#', { qos: 1 }, got.fn);
    await w.run(20_000);
    expect(sub.pubsub.drops.sendFailed).toBeGreaterThan(0); // the SUBSCRIBE gave up while the hub was away
    w.h.net.heal();
    await w.granted(s, 30_000); // granted by the SUBACK of the SYNC sent when the hub was reachable again
    await w.settle(pub.publish('late/x', 'hello', { qos: 1 }), 10_000);
    await w.until(() => got.got.length > 0, 10_000);
    expect(got.got.map((p) => p.text())).toEqual(['hello']);
    await w.close();
  }, 60_000);
});
