// The hub's own QoS 2 publications across a restored epoch record (spec 15.6, 12.4): a hub whose
// epoch record was restored from an older copy starts again at an epoch it used before, so the
// PUB_IDs it stamps for its own publications before a device's STALE answer repeat those of its
// earlier life, which the device's dedupe window still holds. Moved to the renewed epoch before the
// device took them, they are stamped again [SW-15.6-4].
import { describe, expect, it } from 'vitest';
import type { MemoryStateStore } from '../../src/peer/state-store.js';
import { EPOCH_KEY } from '../../src/peer/state-store.js';
import { collector, track, World } from './world.js';

describe('the hub\'s own PUB_IDs under a stale start (spec 15.6)', () => {
  it('a restored hub\'s first QoS 2 publication of its new life is delivered, not dropped as the earlier life\'s [SW-15.6-4] [SW-12.4-3]', async () => {
    const w = await World.create(11);
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('cmd', { qos: 2 }, c.fn));
    await w.run(500);
    const store = w.h.states.get('hub')! as MemoryStateStore;
    const backup = await store.load(EPOCH_KEY); // the epoch record before the next start
    await w.restartHub();
    const epochFirst = w.hubNode.epoch;
    await w.settle(w.hub.publish('cmd', 'first life', { qos: 2 }));
    await w.until(() => c.texts().length === 1, 5000);

    await w.settle(w.hub.close());
    await w.hubNode.close();
    await store.save(EPOCH_KEY, backup!); // restored: the next start repeats the first life's epoch
    await w.startHub(); // the journal still routes 'cmd' to dev-b [SW-18.3-1]
    expect(w.hubNode.epoch).toBe(epochFirst);
    // stamped at once, under the repeated epoch: the same PUB_ID as the first life's publication
    const sent = track(w.hub.publish('cmd', 'second life', { qos: 2, deadlineMs: 20_000 }));
    await w.until(() => sent.state !== 'pending' && c.texts().length === 2, 20_000);
    expect(w.hubNode.epoch).toBeGreaterThan(epochFirst); // renewed by the device's STALE
    expect(c.texts()).toEqual(['first life', 'second life']); // not dropped as a duplicate
    await w.close();
  }, 30_000);
});
