// Publish/subscribe through a hub (spec 15, 18.2) with Client and Hub over the MemoryNetwork and
// virtual time.
import { describe, expect, it } from 'vitest';
import { InvalidTopicError } from '../../src/pubsub/topic-errors.js';
import { collector, track, World } from './world.js';

describe('publish/subscribe through a hub (spec 15.4, 18.2)', () => {
  it('QoS 0, 1 and 2 device -> hub -> device: delivered with topic, payload, FROM and QoS = min(publication, subscription) [SW-15.4-1] [SW-15.4-3] [SW-18.2-1]', async () => {
    const w = await World.create(11);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c2 = collector();
    const c1 = collector();
    const s2 = sub.subscribe('sensors/+/temp', { qos: 2 }, c2.fn);
    const s1 = sub.subscribe('sensors/#', { qos: 1 }, c1.fn);
    expect(await w.granted(s2)).toBe(2);
    expect(await w.granted(s1)).toBe(1);
    for (const qos of [0, 1, 2] as const) await w.settle(pub.publish('sensors/s1/temp', `q${qos}`, { qos }));
    await w.until(() => c2.got.length === 3 && c1.got.length === 3, 10_000);
    expect(c2.texts()).toEqual(['q0', 'q1', 'q2']);
    expect(c2.got.map((p) => p.qos)).toEqual([0, 1, 2]);
    expect(c1.got.map((p) => p.qos)).toEqual([0, 1, 1]);
    expect(c2.got.every((p) => p.from === 'dev-a' && p.topic === 'sensors/s1/temp' && !p.retained)).toBe(true);
    // the hub took each publication once and sent each subscriber device one copy of it
    expect(w.hub.pubsub.forwarder.sent).toBe(3);
    await w.close();
  });

  it('PUB_ID of QoS 2 is EPOCH x 2^32 + N, N from 1 [SW-15.6-1]; a duplicate PUB_ID is not delivered twice [SW-15.6-2]', async () => {
    const w = await World.create(12);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('x', { qos: 2 }, c.fn));
    const node = w.nodes.get('dev-a')!;
    const sent: bigint[] = [];
    const port = pub.port;
    const orig = port.send.bind(port);
    port.send = (peer, op, o) => {
      if (op.op === 'PUBLISH' && op.pubId !== undefined) sent.push(op.pubId);
      return orig(peer, op, o);
    };
    await w.settle(pub.publish('x', 'one', { qos: 2 }));
    await w.settle(pub.publish('x', 'two', { qos: 2 }));
    const base = BigInt(node.epoch) << 32n;
    expect(sent).toEqual([base + 1n, base + 2n]);
    // the same PUB_ID again (as after a restart of the receiver): the hub drops it
    await w.settle(orig('hub', { op: 'PUBLISH', qos: 2, retain: false, topic: 'x', pubId: base + 2n, payload: new TextEncoder().encode('two again') }, { qos: 2 }));
    await w.run(1_000);
    expect(c.texts()).toEqual(['one', 'two']);
    expect(w.hub.pubsub.drops.duplicate).toBe(1);
    await w.close();
  });

  it('wildcards and the $ rule: # and + do not match $ topics, a literal $ first level does [SW-15.2-1] [SW-15.2-2] [SW-15.2-3]', async () => {
    const w = await World.create(13);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const all = collector();
    const plus = collector();
    const sys = collector();
    const a = collector();
    await w.granted(sub.subscribe('#', {}, all.fn));
    await w.granted(sub.subscribe('+/b', {}, plus.fn));
    await w.granted(sub.subscribe('$SYS/#', {}, sys.fn));
    await w.granted(sub.subscribe('a/#', {}, a.fn));
    for (const t of ['a', 'a/b', '$SYS/b', '$SYS', 'x/b/c']) await w.settle(pub.publish(t, t, { qos: 1 }));
    await w.until(() => all.got.length >= 3 && sys.got.length >= 2, 10_000);
    await w.run(500);
    expect(all.texts().sort()).toEqual(['a', 'a/b', 'x/b/c']);
    expect(plus.texts()).toEqual(['a/b']);
    expect(sys.texts().sort()).toEqual(['$SYS', '$SYS/b']);
    expect(a.texts().sort()).toEqual(['a', 'a/b']);
    await w.close();
  });

  it('invalid topics and filters are refused at the API with InvalidTopicError, nothing sent [SW-15.1-9] [SW-15.3-4]', async () => {
    const w = await World.create(14);
    const dev = await w.device('dev-a');
    let sends = 0;
    const orig = dev.port.send.bind(dev.port);
    dev.port.send = (...args) => (sends++, orig(...args));
    await w.run(500);
    sends = 0;
    for (const t of ['a/+', 'a/#', '', 'x\u0000y', 'a'.repeat(257)]) await expect(dev.publish(t, 'p')).rejects.toBeInstanceOf(InvalidTopicError);
    for (const f of ['a/#/b', 'a+', '', '#/a']) expect(() => dev.subscribe(f)).toThrow(InvalidTopicError);
    await expect(dev.setWill('bad/+', 'x')).rejects.toBeInstanceOf(InvalidTopicError);
    expect(sends).toBe(0);
    await w.close();
  });

  it('unsubscribe (and an AbortSignal) ends the subscription at the hub; the iterator ends [SW-15.5-1]', async () => {
    const w = await World.create(15);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const ac = new AbortController();
    const s = sub.subscribe('t/1', { qos: 1, signal: ac.signal });
    const s2 = sub.subscribe('t/2', { qos: 1 });
    await w.granted(s);
    await w.granted(s2);
    expect(w.hub.pubsub.sessions.filtersOf('dev-b')).toEqual(new Map([['t/1', 1], ['t/2', 1]]));
    await w.settle(pub.publish('t/1', 'before', { qos: 1 }));
    await w.run(500);
    ac.abort();
    await w.settle(s2.unsubscribe());
    await w.run(500);
    expect(w.hub.pubsub.sessions.filtersOf('dev-b').size).toBe(0);
    await w.settle(pub.publish('t/1', 'after', { qos: 1 }));
    await w.run(500);
    const got: string[] = [];
    for await (const p of s) got.push(p.text());
    expect(got).toEqual(['before']);
    const done = track(s2[Symbol.asyncIterator]().next());
    await w.run(10);
    expect(done.value?.done).toBe(true);
    await w.close();
  });
});
