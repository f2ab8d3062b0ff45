// The hub's persistence (spec 18.3) and the receivers' drops of bad aliases (spec 15.7).
import { describe, expect, it } from 'vitest';
import { MemoryStateStore, type StateStore } from '../../src/peer/state-store.js';
import { HubPersistence, loadHubState } from '../../src/pubsub/hub-persist.js';
import { HubSessions } from '../../src/pubsub/hub-sessions.js';
import { collector, enc, World } from './world.js';

/** A store whose saves complete only when the test says so. */
class SlowStore implements StateStore {
  readonly values = new Map<string, Uint8Array>();
  inFlight = 0;
  maxInFlight = 0;
  saves = 0;
  private readonly waiting: Array<() => void> = [];
  async load(key: string): Promise<Uint8Array | undefined> {
    return this.values.get(key);
  }
  async save(key: string, value: Uint8Array): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise<void>((r) => this.waiting.push(r));
    this.values.set(key, value);
    this.saves++;
    this.inFlight--;
  }
  release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

const tick = async (n = 10): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('hub persistence (spec 18.3)', () => {
  it('saves are coalesced: at most one in flight, and the last state is the one stored [SW-18.3-1]', async () => {
    const store = new SlowStore();
    let version = 0;
    const p = new HubPersistence(store, { subscriptions: () => enc(`v${version}`) });
    for (let i = 1; i <= 50; i++) {
      version = i;
      p.dirty('subscriptions');
      if (i % 10 === 0) {
        await tick();
        store.release();
      }
    }
    const done = p.flush();
    for (let i = 0; i < 20; i++) {
      await tick();
      store.release();
    }
    await done;
    expect(store.maxInFlight).toBe(1);
    expect(store.saves).toBeLessThan(10); // 50 changes, a handful of saves
    expect(new TextDecoder().decode(store.values.get('subscriptions'))).toBe('v50');
  });

  it('subscriptions round-trip through their record; a corrupt record starts that key empty, counted', async () => {
    const s = new HubSessions();
    s.set('dev-a', 'a/#', 1);
    s.set('dev-a', '$SYS/x', 0);
    s.set('dev-b', '+/b', 2);
    const back = HubSessions.decode(s.encode());
    expect([...back.filtersOf('dev-a')]).toEqual([['a/#', 1], ['$SYS/x', 0]]);
    expect([...back.match('q/b')]).toEqual([['dev-b', 2]]);
    const store = new MemoryStateStore();
    await store.save('subscriptions', Uint8Array.from([1, 0, 0, 0, 9])); // 9 devices, none there
    await store.save('dedupe', Uint8Array.from([7]));
    const loaded = await loadHubState(store, 0, {});
    expect(loaded.corrupt).toBe(2); // subscriptions and dedupe; the window stays empty
    expect(loaded.sessions.size).toBe(0);
    expect(loaded.dedupe.size).toBe(0);
  });

  it('a subscription over the per-device limit is answered SUBACK 0x82 [SW-15.3-2]', async () => {
    const w = await World.create(41, { maxFiltersPerDevice: 2 });
    const dev = await w.device('dev-a');
    const subs = ['a', 'b', 'c'].map((f) => dev.subscribe(f));
    expect(await w.granted(subs[0]!)).toBe(0);
    const err = await subs[2]!.granted.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SUBSCRIPTION_REFUSED', subackCode: 0x82 });
    expect(w.hub.pubsub.sessions.filtersOf('dev-a').size).toBe(2);
    await w.close();
  });
});

describe('aliases at the receiver (spec 15.7)', () => {
  it('an alias-only PUBLISH with an alias the receiver has no topic for is dropped and counted [SW-15.7-2]', async () => {
    const w = await World.create(42);
    const dev = await w.device('dev-b');
    const c = collector();
    await w.granted(dev.subscribe('#', {}, c.fn));
    await w.settle(w.hub.port.send('dev-b', { op: 'PUBLISH', qos: 1, retain: false, alias: 7, from: 'hub', payload: enc('x') }, { qos: 1 }));
    await w.settle(w.hub.port.send('dev-b', { op: 'PUBLISH', qos: 1, retain: false, alias: 65, topic: 't', from: 'hub', payload: enc('y') }, { qos: 1 }));
    // a device's PUBLISH with an undefined alias, at the hub
    await w.settle(dev.port.send('hub', { op: 'PUBLISH', qos: 1, retain: false, alias: 3, payload: enc('z') }, { qos: 1 }));
    await w.run(500);
    expect(c.got).toEqual([]);
    expect(dev.drops.alias).toBe(2);
    expect(w.hub.pubsub.drops.alias).toBe(1);
    await w.close();
  });
});
