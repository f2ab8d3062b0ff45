// QoS 0 beside reliable traffic over a slow path [SW-14.8-7]: calls to the subscriber fill the
// outboxes on their way (the publisher's to the hub, the hub's to the subscriber), and the QoS 0
// stream must still flow, clocked by the ACKs of that reliable traffic. Found at 10,000 devices
// (issue 17): a batch boundary that found the outbox half full made no marker, the clock closed
// with none outstanding, and every later QoS 0 publication was refused (here: 512 of 2,000 arrived,
// then none, even after the calls stopped).
import { describe, expect, it } from 'vitest';
import { HUB } from '../peer/harness.js';
import { collector, World } from './world.js';

describe('QoS 0 beside reliable traffic (spec 14.8)', () => {
  it('a backlog of calls on a slow path does not shut the QoS 0 stream [SW-14.8-7] [SW-15.4-5]', async () => {
    const w = await World.create(43);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    sub.serve('echo', (x) => x);
    const q0 = collector();
    expect(await w.granted(sub.subscribe('q0/#', { qos: 0 }, q0.fn))).toBe(0);
    // the subscriber 500 ms from the hub each way: 64 reliable messages (its window) a second pass
    w.h.net.setLinkFaults(HUB, { host: 'dev-b', port: w.nodes.get('dev-b')!.local.port }, { delayMs: 500 });
    let refused = 0;
    let callsFailed = 0;
    // 3 s of 800 calls and 400 QoS 0 publications a second, then 2 s of QoS 0 alone; in each 50 ms
    // slice the calls go first, so that every batch boundary of the clock finds the outboxes refilled
    for (let t = 0; t < 5_000; t += 50) {
      if (t < 3_000) for (let i = 0; i < 40; i++) pub.call('dev-b', 'echo', i).catch(() => void callsFailed++);
      for (let i = 0; i < 20; i++) pub.publish('q0/x', `b${t}-${i}`).catch(() => void refused++);
      await w.run(50);
    }
    await w.run(20_000);
    expect(callsFailed).toBeGreaterThan(0); // the calls did overrun the path (typed, counted)
    expect(refused).toBe(0); // before: 1,488
    expect(q0.got.length).toBe(2_000); // before: 512
    expect(new Set(q0.texts()).size).toBe(2_000);
  });
});
