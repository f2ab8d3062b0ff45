// A hub that stops gracefully while publications keep arriving (spec 18.3, 14.8): what its node
// acknowledged was taken, so it must reach the subscriber (QoS 1, at least once) even though the
// hub's engines stop before the node does. A publication arriving while the hub stops must not be
// acknowledged: the publisher keeps it and sends it to the next hub process [SW-14.7-4].
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import type { Scheduler } from '../../src/time/scheduler.js';
import { collector, track, World, type Tracked } from './world.js';

const BIG_OUTBOX = { reliability: { send: { outboxMessages: 4096, outboxBytes: 1 << 22 } } };

/**
 * A StateStore whose saves of the message layer's keys take `ms` of virtual time (the node's own
 * epoch record is saved at once, before virtual time runs): a hub's last save then overlaps arrivals.
 */
class SlowStore extends MemoryStateStore {
  constructor(private readonly scheduler: Scheduler, private readonly ms: number) {
    super();
  }
  override async save(key: string, value: Uint8Array): Promise<void> {
    if (key !== 'epoch' && key !== 'peers') await new Promise<void>((r) => this.scheduler.at(this.scheduler.now() + this.ms, r));
    return super.save(key, value);
  }
}

describe('a hub that stops while publications arrive (spec 18.3)', () => {
  it.each([0, 0.1])('loss %s: every QoS 1 publication reaches the subscriber and every QoS 2 one exactly once across a graceful restart [SW-18.3-2] [SW-14.7-6]', async (LOSS) => {
    const w = new World(41);
    const store = new SlowStore(w.h.net.scheduler, 400);
    await w.startHub({}, { ...BIG_OUTBOX, state: store });
    const pub = await w.device('dev-a', {}, BIG_OUTBOX);
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('s/#', { qos: 1 }, c.fn));
    const c2 = collector();
    await w.granted(sub.subscribe('x/#', { qos: 2 }, c2.fn));
    w.h.net.setFaults({ loss: LOSS, reorder: LOSS / 2, reorderDelayMs: 30 });
    const N = 120;
    const results: Tracked<void>[] = [];
    let stopping: Promise<void> | undefined;
    let refused = 0;
    for (let i = 0; i < N; i++) {
      // retained: every publication makes the hub save, so a save is in flight when it stops
      results.push(track(pub.publish(`s/${i % 7}`, `m${i}`, { qos: 1, retain: true, deadlineMs: 300_000 })));
      results.push(track(pub.publish(`x/${i % 3}`, `q${i}`, { qos: 2, deadlineMs: 300_000 })));
      await w.run(10);
      if (i === 40) {
        const node = w.hubNode;
        stopping = w.hub.close().then(() => ((refused = node.stats.refused), node.close()));
      }
      if (i === 80) {
        await w.settle(stopping!);
        await w.startHub({}, { ...BIG_OUTBOX, state: store });
      }
    }
    const got = (): Set<string> => new Set(c.texts());
    await w.until(() => results.every((r) => r.state !== 'pending') && got().size === N && c2.got.length >= N, 180_000);
    await w.run(5_000);
    expect(results.filter((r) => r.state !== 'ok').length).toBe(0);
    const missing = Array.from({ length: N }, (_, i) => `m${i}`).filter((m) => !got().has(m));
    expect(missing).toEqual([]);
    // QoS 2: each exactly once, across the stop (the new process loads the persisted window)
    const twice = c2.texts().filter((t, k, all) => all.indexOf(t) !== k);
    expect(twice).toEqual([]);
    expect(new Set(c2.texts()).size).toBe(N);
    // the stop did refuse publications (they reached the next process instead)
    expect(refused).toBeGreaterThan(0);
    await w.close();
  }, 60_000);
});
