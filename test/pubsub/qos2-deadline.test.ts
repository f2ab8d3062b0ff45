// A QoS 2 publication's reliable deadline never exceeds DEDUPE_WINDOW [SW-15.6-3]: retransmitted
// after it, the receiver's dedupe window may have forgotten its PUB_ID and take it twice. The
// publisher refuses a longer deadline; the hub gives a QoS 2 copy up at DEDUPE_WINDOW, where a QoS 1
// copy keeps FORWARD_DEADLINE (10 min) [SW-18.2-2].
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { DEDUPE_WINDOW_MS } from '../../src/pubsub/dedupe-window.js';
import { collector, World } from './world.js';

describe('QoS 2 deadlines and the dedupe window [SW-15.6-3]', () => {
  it('a publisher refuses a QoS 2 deadline beyond DEDUPE_WINDOW, with a typed error', async () => {
    const w = await World.create(51);
    const pub = await w.device('dev-a');
    await expect(pub.publish('t', 'x', { qos: 2, deadlineMs: DEDUPE_WINDOW_MS + 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await w.settle(pub.publish('t', 'x', { qos: 2, deadlineMs: DEDUPE_WINDOW_MS })); // at the window: taken
    await w.settle(pub.publish('t', 'y', { qos: 1, deadlineMs: DEDUPE_WINDOW_MS + 1 })); // QoS 1 has no such bound
    await w.close();
  }, 30_000);

  it('the hub gives a QoS 2 copy up at DEDUPE_WINDOW while a QoS 1 copy waits its 10 min', async () => {
    const w = await World.create(52);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('cmd/#', { qos: 2 }, c.fn));
    w.h.net.partition(w.nodes.get('dev-b')!.local);
    await w.settle(pub.publish('cmd/two', 'q2', { qos: 2 }));
    await w.settle(pub.publish('cmd/one', 'q1', { qos: 1 }));
    await w.run(DEDUPE_WINDOW_MS + 60_000); // 6 min away
    w.h.net.heal();
    await w.until(() => c.texts().includes('q1'), 120_000);
    await w.run(5000);
    expect(c.texts()).toEqual(['q1']); // the QoS 2 copy was not sent after the window
    expect(w.hub.stats().deliveries.givenUp).toBeGreaterThanOrEqual(1);
    await w.close();
  }, 60_000);
});
