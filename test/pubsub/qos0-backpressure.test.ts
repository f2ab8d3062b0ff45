// QoS 0 publishing with back-pressure [SW-15.4-5] [SW-14.8-6]: a loop of publications that finds the
// peer's unreliable queue full waits for room instead of failing, at the publisher and at the hub.
import { describe, expect, it } from 'vitest';
import { collector, World } from './world.js';

describe('QoS 0 back-pressure (spec 14.8, 15.4)', () => {
  it('1,000 QoS 0 publications in a loop, not awaited, all reach the subscriber through the hub [SW-15.4-5] [SW-14.8-5] [SW-14.8-6]', async () => {
    const w = await World.create(41);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    expect(await w.granted(sub.subscribe('load/#', { qos: 0 }, c.fn))).toBe(0);
    const N = 1_000;
    let refused = 0;
    for (let i = 0; i < N; i++) pub.publish('load/x', `m${i}`).catch(() => void refused++);
    await w.until(() => c.got.length === N, 30_000);
    await w.run(1_000);
    expect(refused).toBe(0);
    expect(c.got.length).toBe(N);
    // each once; not necessarily in order: the clock's markers go in reliable MSGs [SW-14.8-7]
    expect(new Set(c.texts())).toEqual(new Set(Array.from({ length: N }, (_, i) => `m${i}`)));
    expect(w.hub.pubsub.forwarder.dropped).toBe(0);
  });
});
