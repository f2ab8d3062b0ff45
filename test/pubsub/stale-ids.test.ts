// PUB_ID and CALL_ID across a wiped epoch (spec 15.6, 16.1, 12.4): a device whose state was wiped
// starts again at an epoch it used before, so the ids it stamps before its hub's STALE answer repeat
// ids of its earlier life that the hub still holds (the QoS 2 dedupe window, the result cache). They
// are stamped again under the epoch the hub accepts when the node renews it [SW-15.6-4] [SW-16.1-5].
import { describe, expect, it } from 'vitest';
import { collector, track, World } from './world.js';

describe('ids stamped under a stale start (spec 15.6, 16.1)', () => {
  it('a wiped publisher and caller: its first QoS 2 publication and call after the wipe are taken as new, not as the earlier life\'s [SW-15.6-4] [SW-16.1-5] [SW-12.4-3]', async () => {
    const w = await World.create(7);
    let calls = 0;
    w.hub.serve('count', () => ++calls);
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('data', { qos: 2 }, c.fn));
    let pub = await w.device('dev-a');
    await w.settle(pub.publish('data', 'first life', { qos: 2 }));
    expect(await w.settle(pub.call('hub', 'count', null, { timeoutMs: 5000 }))).toBe(1);
    await w.until(() => c.texts().length === 1, 5000);
    const epochBefore = w.nodes.get('dev-a')!.epoch;

    await w.stopDevice('dev-a');
    w.h.states.delete('dev-a'); // wiped: the next start is epoch 1 again, stale at the hub
    pub = await w.device('dev-a');
    expect(w.nodes.get('dev-a')!.epoch).toBe(epochBefore); // the same epoch as the first life's
    // stamped at once, under the stale epoch: the same PUB_ID and CALL_ID as in the first life
    const sent = track(pub.publish('data', 'second life', { qos: 2, deadlineMs: 20_000 }));
    const called = track(pub.call('hub', 'count', null, { timeoutMs: 20_000 }));
    await w.until(() => sent.state !== 'pending' && called.state !== 'pending' && c.texts().length === 2, 20_000);
    expect(w.nodes.get('dev-a')!.epoch).toBeGreaterThan(epochBefore); // renewed by the hub's STALE
    expect(sent.state).toBe('ok');
    expect(c.texts()).toEqual(['first life', 'second life']); // not dropped as a duplicate
    expect(called.value).toBe(2); // run again, not the first life's cached result
    expect(calls).toBe(2);
    await w.close();
  }, 30_000);
});
