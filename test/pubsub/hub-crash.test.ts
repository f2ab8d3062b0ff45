// A hub that crashes (its node closed without Hub.close: nothing drained, nothing saved beyond
// what its journal already holds) loses nothing it acknowledged [SW-18.3-3] [SW-18.3-5]: the
// in-memory counterpart of test/messaging/hub-crash-udp.test.ts, in virtual time.
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { collector, track, World, type Tracked } from './world.js';

const BIG_OUTBOX = { reliability: { send: { outboxMessages: 4096, outboxBytes: 1 << 22 } } };

describe('a hub that crashes (spec 18.3)', () => {
  it.each([1, 2] as const)('QoS %s: every publication the hub acknowledged reaches the subscriber after crashes, QoS 2 exactly once', async (qos) => {
    const w = new World(51 + qos);
    const store = new MemoryStateStore();
    await w.startHub({}, { ...BIG_OUTBOX, state: store });
    const pub = await w.device('dev-a', {}, BIG_OUTBOX);
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('s/#', { qos }, c.fn));
    const N = 150;
    const results: Array<Tracked<void>> = [];
    for (let i = 0; i < N; i++) {
      results.push(track(pub.publish(`s/${i % 7}`, `m${i}`, { qos, retain: i % 10 === 0, deadlineMs: 300_000 })));
      await w.run(7);
      // the subscriber is cut off for a while: what the hub acknowledged waits in its outbox
      if (i % 50 === 10) w.h.net.partition(w.nodes.get('dev-b')!.local);
      if (i % 50 === 25) {
        await w.hubNode.close(); // the crash: the engines never stop, nothing is drained or flushed
        w.h.net.heal();
        await w.run(300);
        await w.startHub({}, { ...BIG_OUTBOX, state: store });
      }
    }
    await w.until(() => results.every((r) => r.state !== 'pending'), 180_000);
    const ok = results.map((r, i) => (r.state === 'ok' ? `m${i}` : '')).filter((t) => t !== '');
    await w.until(() => ok.every((t) => c.texts().includes(t)), 120_000);
    await w.run(5_000);
    expect(ok.filter((t) => !c.texts().includes(t))).toEqual([]);
    expect(ok.length).toBe(N);
    if (qos === 2) expect(c.texts().filter((t, k, all) => all.indexOf(t) !== k)).toEqual([]);
    await w.close();
  }, 60_000);
});
