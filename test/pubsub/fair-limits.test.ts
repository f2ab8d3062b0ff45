// Issue 14, failures 4 and 5, in virtual time on the in-memory network: per-device retained quotas
// and refusals told to the publisher [SW-15.8-2] [SW-15.4-4], bounded delivery queues that lose
// nothing a short absence owes [SW-18.2-3], and a journal that fails and recovers [SW-18.3-8].
import { describe, expect, it } from 'vitest';
import { MemoryJournal } from '../../src/peer/journal-store.js';
import { PublicationRefusedError } from '../../src/pubsub/errors.js';
import { RetainedStore, RETAINED_MAX_BYTES, RETAINED_MAX_TOPICS } from '../../src/pubsub/retained-store.js';
import { DELIVERY_QUEUE, RETAINED_MAX_BYTES_PER_DEVICE, RETAINED_MAX_TOPICS_PER_DEVICE } from '../../src/pubsub/limits.js';
import type { PubSubHub } from '../../src/pubsub/hub-pubsub.js';
import { HUB } from '../peer/harness.js';
import { collector, track, World } from './world.js';

const refusal = (e: unknown): string | undefined => (e instanceof PublicationRefusedError ? e.refusal : undefined);

describe('retained quotas per device [SW-15.8-2]', () => {
  it('the defaults are below the hub-wide limits (1,000 topics, 1 MiB per device; 10,000 and 16 MiB in all)', () => {
    expect(RETAINED_MAX_TOPICS_PER_DEVICE).toBeLessThan(RETAINED_MAX_TOPICS);
    expect(RETAINED_MAX_BYTES_PER_DEVICE).toBeLessThan(RETAINED_MAX_BYTES);
    const s = new RetainedStore();
    for (let i = 0; i < RETAINED_MAX_TOPICS_PER_DEVICE; i++) s.set(`a/${i}`, new Uint8Array([1]), 1, 'dev-a', 0);
    expect(() => s.set('a/more', new Uint8Array([1]), 1, 'dev-a', 0)).toThrow(/quota of 1000 topics/);
    s.set('b/1', new Uint8Array([1]), 1, 'dev-b', 0); // another device is not held back
    s.set('a/0', new Uint8Array([2]), 1, 'dev-a', 0); // replacing one's own value never fails
    expect(s.heldBy('dev-a').topics).toBe(RETAINED_MAX_TOPICS_PER_DEVICE);
  });

  it('one device filling its own namespace stops at its quota, told at each refusal; the others keep retaining, and a full store refuses (told), never acknowledges as kept', async () => {
    const w = await World.create(151, { retained: { maxTopics: 30, maxTopicsPerDevice: 10 }, presence: false });
    const a = await w.device('dev-a');
    const results = [];
    for (let i = 0; i < 25; i++) results.push(await w.settle(a.publish(`devices/dev-a/r${i}`, 'x', { qos: 1, retain: true }).then(() => 'kept', refusal)));
    expect(results.filter((r) => r === 'kept')).toHaveLength(10);
    expect(results.filter((r) => r === 'limit')).toHaveLength(15);
    // another device still retains: its publication is acknowledged only because it was kept
    const b = await w.device('dev-b');
    await w.settle(b.publish('devices/dev-b/state', 'on', { qos: 1, retain: true }));
    expect(w.hub.pubsub.retained.get('devices/dev-b/state')).toBeDefined();
    // many devices, each within its quota, fill the store: the refusal is told, nothing acknowledged as kept
    const told: Array<string | undefined> = [];
    for (const id of ['dev-c', 'dev-d']) {
      const d = await w.device(id);
      for (let i = 0; i < 10; i++) told.push(await w.settle(d.publish(`devices/${id}/r${i}`, 'x', { qos: 1, retain: true }).then(() => 'kept', refusal)));
    }
    expect(w.hub.pubsub.retained.size).toBe(30);
    expect(told.filter((r) => r === 'kept')).toHaveLength(19);
    expect(told.filter((r) => r === 'limit')).toHaveLength(1);
    const stats = w.hub.pubsub.stats();
    expect(stats.drops.retainedQuota).toBe(15);
    expect(stats.drops.retainedLimit).toBe(1);
    expect(stats.refusals.told).toBe(16);
    await w.close();
  });

  it('a refused retained publication is not forwarded either (refused whole); QoS 0 is refused in silence, counted', async () => {
    const w = await World.create(152, { retained: { maxTopicsPerDevice: 1 }, presence: false });
    const sub = await w.device('dev-s');
    const c = collector();
    await w.granted(sub.subscribe('t/#', { qos: 1 }, c.fn));
    const a = await w.device('dev-a');
    await w.settle(a.publish('t/1', 'kept', { qos: 1, retain: true }));
    expect(refusal(await w.settle(a.publish('t/2', 'over', { qos: 1, retain: true }).catch((e: unknown) => e)))).toBe('limit');
    await w.settle(a.publish('t/3', 'over, qos 0', { qos: 0, retain: true }));
    await w.run(500);
    expect(c.texts()).toEqual(['kept']);
    expect(w.hub.pubsub.stats().drops.retainedQuota).toBe(2);
    await w.close();
  });
});

/** Publishes `n` QoS 1 publications every `everyMs` while the subscriber is cut off from `awayAt` for `awayMs`; returns how many it missed. */
async function awayRun(w: World, n: number, everyMs: number, awayAt: number, awayMs: number): Promise<{ lost: number; failed: number }> {
  const sub = await w.device('dev-sub');
  const got = new Set<string>();
  await w.granted(sub.subscribe('feed', { qos: 1 }, (p) => void got.add(p.text())));
  const pub = await w.device('dev-pub');
  await w.run(200);
  const sent: Array<ReturnType<typeof track<void>>> = [];
  const start = w.now();
  let away = false;
  for (let i = 0; i < n; i++) {
    const t = w.now() - start;
    if (!away && t >= awayAt && t < awayAt + awayMs) {
      away = true;
      w.h.net.partition(HUB, { host: 'dev-sub', port: subPort(w, 'dev-sub') });
    } else if (away && t >= awayAt + awayMs) {
      away = false;
      w.h.net.heal();
    }
    sent.push(track(pub.publish('feed', String(i), { qos: 1 })));
    await w.h.run(everyMs);
  }
  w.h.net.heal();
  await w.until(() => got.size === n, 60_000);
  await w.until(() => sent.every((s) => s.state !== 'pending'), 10_000);
  return { lost: n - got.size, failed: sent.filter((s) => s.state !== 'ok').length };
}

/** The port the hub knows `id` at. */
function subPort(w: World, id: string): number {
  return w.hubNode.peer(id)!.address!.port;
}

describe('delivery queues that say what they do [SW-18.2-3]', () => {
  it(`a subscriber away 5 s loses none of 2,000 QoS 1 publications (100/s), with or without a journal: the queue holds ${DELIVERY_QUEUE} per subscriber, not the node's 64 (491 lost before, memory-only hub)`, async () => {
    for (const [seed, persist] of [[153, false], [154, true]] as const) {
      const w = await World.create(seed, { persist, presence: false });
      const r = await awayRun(w, 2_000, 10, 5_000, 5_000);
      console.log(`subscriber away 5 s, 2,000 QoS 1 publications, hub ${persist ? 'with' : 'without'} journal: lost ${r.lost}, publisher failures ${r.failed}`);
      expect(r.failed).toBe(0);
      expect(r.lost).toBe(0);
      await w.until(() => w.hub.pubsub.stats().deliveries.owed === 0, 10_000); // the last acknowledgements
      expect(w.hub.pubsub.stats().deliveries, JSON.stringify(w.hub.pubsub.stats().deliveries)).toMatchObject({ owed: 0, refused: 0, givenUp: 0 });
      await w.close();
    }
  }, 60_000);

  it('a subscriber that never returns holds at most its bound; past it the policy (refuse) drops the new copy, counted and reported; the journal forgets what is dropped', async () => {
    const w = await World.create(155, { presence: false, delivery: { max: 100 } });
    const hub: PubSubHub = w.hub.pubsub;
    const drops: string[] = [];
    hub.on('delivery-drop', (d) => void drops.push(`${d.device}:${d.reason}`));
    const sub = await w.device('dev-gone');
    await w.granted(sub.subscribe('feed', { qos: 1 }));
    await w.stopDevice('dev-gone'); // never comes back
    const pub = await w.device('dev-pub');
    for (let i = 0; i < 300; i++) {
      await w.settle(pub.publish('feed', String(i), { qos: 1 }));
    }
    const s = hub.stats();
    expect(hub.queues.owedTo('dev-gone')).toBe(100);
    expect(s.deliveries.owed).toBe(100);
    expect(s.deliveries.refused).toBe(200);
    expect(drops).toHaveLength(200);
    expect(drops[0]).toBe('dev-gone:refused');
    // what the journal still owes is bounded the same way
    expect(hub.ledger!.owed().length).toBe(100);
    await w.close();
  }, 60_000);

  it("policy 'drop-oldest' keeps the newest copies", async () => {
    const w = await World.create(156, { presence: false, persist: false, delivery: { max: 50, policy: 'drop-oldest', inNode: 10 } });
    const sub = await w.device('dev-s');
    const got: string[] = [];
    await w.granted(sub.subscribe('feed', { qos: 1 }, (p) => void got.push(p.text())));
    w.h.net.partition(HUB, { host: 'dev-s', port: subPort(w, 'dev-s') });
    const pub = await w.device('dev-pub');
    for (let i = 0; i < 200; i++) await w.settle(pub.publish('feed', String(i), { qos: 1 }));
    expect(w.hub.pubsub.stats().deliveries.droppedOldest).toBe(150);
    w.h.net.heal();
    await w.until(() => got.length === 50, 30_000);
    // the 10 handed to the node first, then the newest 40
    expect(got.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(got.slice(10)).toEqual(Array.from({ length: 40 }, (_, i) => String(160 + i)));
    await w.close();
  }, 60_000);
});

/** A journal whose writes (appends and rewrites) fail `failures` times once armed, then succeed. */
function flakyJournal(failures: number): MemoryJournal & { armed: boolean } {
  const j = new MemoryJournal() as MemoryJournal & { armed: boolean };
  j.armed = false;
  let failed = 0;
  const append = j.append.bind(j);
  const replace = j.replace.bind(j);
  const maybeFail = (): void => {
    if (j.armed && failed < failures) {
      failed++;
      throw new Error('EIO');
    }
  };
  j.append = async (r) => (maybeFail(), append(r));
  j.replace = async (r) => (maybeFail(), replace(r));
  return j;
}

describe('a journal that fails [SW-18.3-8]', () => {
  it('a write that fails 3 times then succeeds is retried with backoff: the publication is acknowledged (no loss, no refusal)', async () => {
    const journal = flakyJournal(3);
    const w = await World.create(157, { journal, presence: false });
    const a = await w.device('dev-a');
    await w.run(300);
    journal.armed = true;
    const t0 = w.now();
    const p = track(a.publish('x', 'durable at the 4th try', { qos: 1, retain: true }));
    while (p.state === 'pending' && w.now() - t0 < 10_000) await w.h.run(5);
    expect(p.state).toBe('ok');
    console.log(`journal failing 3 times: acknowledged after ${w.now() - t0} ms (virtual)`);
    const s = w.hub.pubsub.stats();
    expect(s.journal!.retries).toBeGreaterThanOrEqual(3);
    expect(s.journal!.gaveUp).toBe(0);
    expect(s.drops.notDurable).toBe(0);
    await w.close();
  });

  it('a journal that keeps failing: after the last retry the publication is refused to its publisher (not-durable), not held forever', async () => {
    const journal = flakyJournal(1_000);
    const w = await World.create(158, { journal, presence: false });
    const a = await w.device('dev-a');
    await w.run(300);
    journal.armed = true;
    const t0 = w.now();
    const p = track(a.publish('x', 'never durable', { qos: 1 }));
    while (p.state === 'pending' && w.now() - t0 < 10_000) await w.h.run(5);
    console.log(`journal failing for good: refused (not-durable) after ${w.now() - t0} ms (virtual)`);
    expect(p.state).toBe('failed');
    expect(refusal(p.error)).toBe('not-durable');
    expect(w.now() - t0).toBeLessThan(5_000);
    const s = w.hub.pubsub.stats();
    expect(s.journal!.gaveUp).toBeGreaterThanOrEqual(1);
    expect(s.drops.notDurable).toBeGreaterThanOrEqual(1);
    expect(s.refusals.told).toBeGreaterThanOrEqual(1);
    await w.close().catch(() => undefined);
  });
});
