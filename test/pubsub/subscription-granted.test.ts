// Subscription.granted reports only the hub's grant [SW-15.5-6]: it resolves with the QoS of the
// hub's SUBACK, waits while the hub does not answer, and rejects with SubscriptionEndedError when
// the subscription ends unanswered (before, unsubscribe() resolved it with the QoS asked for, so a
// caller saw a grant nobody made). MemoryNetwork, virtual time.
import { describe, expect, it } from 'vitest';
import { SubscriptionEndedError } from '../../src/pubsub/errors.js';
import { track, World } from './world.js';

describe('Subscription.granted [SW-15.5-6]', () => {
  it('no hub: pending while unanswered; unsubscribe() rejects it with SubscriptionEndedError, never a made-up QoS', { timeout: 10_000 }, async () => {
    const w = new World(41); // nothing listens at the hub's address
    const dev = await w.device('dev-a');
    const sub = dev.subscribe('cmd/#', { qos: 1 });
    const g = track(sub.granted);
    await w.run(3000);
    expect(g.state).toBe('pending');
    void sub.unsubscribe(); // its UNSUBSCRIBE is unanswered too
    await Promise.resolve();
    expect(g.state).toBe('failed');
    expect(g.error).toBeInstanceOf(SubscriptionEndedError);
    expect(g.error).toMatchObject({ code: 'ERR_SUBSCRIPTION_ENDED', filter: 'cmd/#' });
    await dev.close();
  });

  it('no hub: an abort or the Client closing rejects it too (it never stays pending after the end)', { timeout: 10_000 }, async () => {
    const w = new World(42);
    const dev = await w.device('dev-a');
    const ac = new AbortController();
    const aborted = track(dev.subscribe('a', { qos: 1, signal: ac.signal }).granted);
    const closed = track(dev.subscribe('b', { qos: 2 }).granted);
    await w.run(500);
    ac.abort();
    await dev.close();
    await Promise.resolve();
    expect(aborted.error).toBeInstanceOf(SubscriptionEndedError);
    expect(closed.error).toBeInstanceOf(SubscriptionEndedError);
  });

  it('with a hub: the QoS of its SUBACK, also for a hub that comes up late; unsubscribe afterwards changes nothing', { timeout: 10_000 }, async () => {
    const w = new World(43);
    const dev = await w.device('dev-a');
    const sub = dev.subscribe('cmd/#', { qos: 2 });
    const g = track(sub.granted);
    await w.run(1000);
    expect(g.state).toBe('pending');
    await w.startHub();
    await w.until(() => g.state !== 'pending', 30_000);
    expect(g).toMatchObject({ state: 'ok', value: 2 });
    await w.settle(sub.unsubscribe());
    expect(await sub.granted).toBe(2);
    await w.close();
  });
});
