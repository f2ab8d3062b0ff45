// The hub's services (spec 15.7 to 15.9, 17, 18): retained messages, wills, presence, aliases on
// the wire, access control, bounded subscription buffers.
import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/acl/acl.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { RpcRejectedError } from '../../src/rpc/errors.js';
import { decodeOp } from '../../src/messaging/op-codec.js';
import { PUBLISH_CHANNEL } from '../../src/messaging/ops.js';
import { AccessDeniedError, SubscriptionRefusedError } from '../../src/pubsub/errors.js';
import { LocalSubscription } from '../../src/pubsub/local-subscription.js';
import { publication } from '../../src/pubsub/publication.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { collector, enc, World } from './world.js';

/** Records the operations a node sends on PUBLISH_CHANNEL, as bytes. */
function publishBytes(node: SaltwireNode): Uint8Array[] {
  const out: Uint8Array[] = [];
  type Send = (peer: string, data: Uint8Array, o?: { channel?: number }) => unknown;
  type SendWhenRoom = (peer: string, data: Uint8Array, channel?: number) => Promise<void> | undefined;
  const target = node as unknown as { send: Send; sendWhenRoom: SendWhenRoom };
  const orig = target.send.bind(node);
  target.send = (peer, data, o) => {
    if (o?.channel === PUBLISH_CHANNEL) out.push(data);
    return orig(peer, data, o);
  };
  // QoS 0 operations go through sendWhenRoom (back-pressure, [SW-14.8-6])
  const origWhenRoom = target.sendWhenRoom.bind(node);
  target.sendWhenRoom = (peer, data, channel) => {
    if (channel === PUBLISH_CHANNEL) out.push(data);
    return origWhenRoom(peer, data, channel);
  };
  return out;
}

describe('retained messages (spec 15.8)', () => {
  it('a new subscription gets the retained publication with retained=true after its SUBACK; live ones are retained=false; an empty payload deletes [SW-15.8-1]', async () => {
    const w = await World.create(21);
    const pub = await w.device('dev-a');
    await w.settle(pub.publish('state/lamp', 'on', { qos: 1, retain: true }));
    await w.settle(pub.publish('state/fan', 'off', { qos: 0, retain: true }));
    await w.run(300);
    expect(w.hub.pubsub.retained.match((t) => t.startsWith('state/')).length).toBe(2);
    expect(w.hub.pubsub.retained.get('$presence/dev-a')).toBeDefined(); // presence is retained [SW-15.9-2]
    const sub = await w.device('dev-b');
    const c = collector();
    expect(await w.granted(sub.subscribe('state/#', { qos: 1 }, c.fn))).toBe(1);
    await w.until(() => c.got.length === 2, 5_000);
    const byTopic = new Map(c.got.map((p) => [p.topic, p]));
    expect(byTopic.get('state/lamp')).toMatchObject({ retained: true, qos: 1, from: 'dev-a' });
    expect(byTopic.get('state/fan')).toMatchObject({ retained: true, qos: 0, from: 'dev-a' });
    expect(byTopic.get('state/lamp')!.text()).toBe('on');
    // live: retained flag clear on forward, store updated
    await w.settle(pub.publish('state/lamp', 'off', { qos: 1, retain: true }));
    await w.until(() => c.got.length === 3, 5_000);
    expect(c.got[2]).toMatchObject({ topic: 'state/lamp', retained: false });
    expect(new TextDecoder().decode(w.hub.pubsub.retained.get('state/lamp')!.payload)).toBe('off');
    // empty payload deletes
    await w.settle(pub.publish('state/lamp', new Uint8Array(0), { qos: 1, retain: true }));
    await w.run(300);
    expect(w.hub.pubsub.retained.get('state/lamp')).toBeUndefined();
    // the hub's own application gets retained messages too
    const local = collector();
    w.hub.subscribe('state/+', {}, local.fn);
    await w.run(10);
    expect(local.got.map((p) => [p.topic, p.retained])).toEqual([['state/fan', true]]);
    await w.close();
  });
});

describe('wills and presence (spec 15.9)', () => {
  it('the will is published FROM the device when the hub declares it unreachable, once per disappearance; presence goes online then offline [SW-15.9-3] [SW-15.9-2]', async () => {
    const w = await World.create(22);
    const watcher = await w.device('dev-w');
    const wills = collector();
    const presence = collector();
    await w.granted(watcher.subscribe('wills/#', { qos: 1 }, wills.fn));
    await w.granted(watcher.subscribe('$presence/+', { qos: 1 }, presence.fn));
    const all = collector();
    await w.granted(watcher.subscribe('#', { qos: 1 }, all.fn));
    const dev = await w.device('dev-x');
    await w.settle(dev.setWill('wills/dev-x', 'gone', { qos: 1 }));
    await w.until(() => presence.got.some((p) => p.topic === '$presence/dev-x'), 5_000);
    expect(presence.got.find((p) => p.topic === '$presence/dev-x')!.text()).toBe('online');
    expect(wills.got).toEqual([]);
    w.h.net.partition(w.nodes.get('dev-x')!.local);
    await w.until(() => wills.got.length > 0, 30_000);
    await w.run(5_000);
    expect(wills.got.map((p) => [p.topic, p.text(), p.from, p.qos])).toEqual([['wills/dev-x', 'gone', 'dev-x', 1]]);
    const last = presence.got.filter((p) => p.topic === '$presence/dev-x').map((p) => p.text());
    expect(last).toEqual(['online', 'offline']);
    expect(new TextDecoder().decode(w.hub.pubsub.retained.get('$presence/dev-x')!.payload)).toBe('offline');
    // '#' does not match $presence topics [SW-15.2-3]
    expect(all.got.some((p) => p.topic.startsWith('$'))).toBe(false);
    w.h.net.heal();
    await w.until(() => presence.got.filter((p) => p.topic === '$presence/dev-x').length === 3, 30_000);
    expect(presence.got.filter((p) => p.topic === '$presence/dev-x').at(-1)!.text()).toBe('online');
    // the hub kept the will: the next disappearance publishes it again
    w.h.net.partition(w.nodes.get('dev-x')!.local);
    await w.until(() => wills.got.length > 1, 30_000);
    expect(wills.got.map((p) => p.text())).toEqual(['gone', 'gone']);
    await w.close();
  });
});

describe('topic aliases (spec 15.7)', () => {
  it('steady-state QoS 0 publications carry OP+FLAGS+ALIAS+payload only, after the ALIAS was acknowledged; the subscriber still gets the topic [SW-15.7-1]', async () => {
    const w = await World.create(23);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('plant/line-1/telemetry/temperature', {}, c.fn));
    const wire = publishBytes(w.nodes.get('dev-a')!);
    const fwd = publishBytes(w.hubNode);
    const topic = 'plant/line-1/telemetry/temperature';
    await w.settle(pub.publish(topic, 'v0'));
    await w.run(500); // the ALIAS is acknowledged meanwhile
    for (let i = 1; i <= 5; i++) {
      await w.settle(pub.publish(topic, `v${i}`));
      await w.run(100);
    }
    await w.until(() => c.got.length === 6, 5_000);
    expect(c.texts()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(c.got.every((p) => p.topic === topic)).toBe(true);
    const first = decodeOp(wire[0]!)!;
    expect(first).toMatchObject({ op: 'PUBLISH', alias: 1, topic });
    const steady = wire.at(-1)!;
    // OP 0x88 (PUBLISH, QoS 0, ALIAS present), ALIAS 1 as a one-byte UVAR [SW-15.3-5]
    expect([...steady]).toEqual([0x88, 0x01, ...enc('v5')]);
    expect(steady.length).toBe(2 + 2);
    expect(wire[0]!.length - steady.length).toBe(1 + topic.length); // TOPIC: a one-byte UVAR length and the bytes
    // the hub's forwards towards the subscriber use its own alias (with FROM)
    const fwdSteady = decodeOp(fwd.at(-1)!)!;
    expect(fwdSteady).toMatchObject({ op: 'PUBLISH', alias: 1, from: 'dev-a' });
    expect('topic' in fwdSteady).toBe(false);
    await w.close();
  });
});

describe('access control (spec 17, 18.1)', () => {
  const acl = AccessControl.fromConfig({
    revoked: ['dev-r'],
    rules: [{ devices: ['*'], publish: ['devices/{id}/#'], subscribe: ['devices/+/status'] }],
  });

  it('a refused subscription rejects granted with SubscriptionRefusedError (SUBACK 0x80) and is not recorded [SW-17.5-1] [SW-17.8-3] [SW-17.1-2]', async () => {
    const w = await World.create(24, { acl });
    const dev = await w.device('dev-b');
    const ok = dev.subscribe('devices/+/status');
    const bad = dev.subscribe('devices/#');
    expect(await w.granted(ok)).toBe(0);
    await w.run(500);
    const err = await bad.granted.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubscriptionRefusedError);
    expect((err as SubscriptionRefusedError).code).toBe('ERR_SUBSCRIPTION_REFUSED');
    expect((err as SubscriptionRefusedError).subackCode).toBe(0x80);
    expect([...w.hub.pubsub.sessions.filtersOf('dev-b').keys()]).toEqual(['devices/+/status']);
    await w.close();
  });

  it('a publication to a denied topic is dropped and counted at the hub, and its publisher told (AccessDeniedError); a revoked device is dropped whatever it sends, told nothing [SW-17.4-1] [SW-17.8-4] [SW-18.1-1] [SW-18.2-1] [SW-17.1-2]', async () => {
    const w = await World.create(25, { acl });
    const sub = await w.device('dev-b');
    const c = collector();
    await w.granted(sub.subscribe('devices/+/status', { qos: 1 }, c.fn));
    const a = await w.device('dev-a');
    // not under devices/dev-a: the policy is evaluated for the authenticated sender, never for the id the topic names [SW-17.1-1]
    const denied = await w.settle(a.publish('devices/dev-b/status', 'spoof', { qos: 1 }).catch((e: unknown) => e));
    expect(denied).toBeInstanceOf(AccessDeniedError);
    await w.settle(a.publish('devices/dev-a/status', 'mine', { qos: 1 }));
    const r = await w.device('dev-r');
    await w.settle(r.publish('devices/dev-r/status', 'revoked', { qos: 1 }));
    await w.until(() => c.got.length >= 1, 5_000);
    await w.run(1_000);
    expect(c.texts()).toEqual(['mine']);
    expect(w.hub.pubsub.drops.denied).toBe(1);
    expect(w.hub.pubsub.drops.revoked).toBeGreaterThanOrEqual(2); // its SYNC and its PUBLISH
    expect(w.hub.pubsub.sessions.filtersOf('dev-r').size).toBe(0);
    await w.close();
  });
});

describe('a policy changed at run time (Hub.setAcl)', () => {
  it('removes the subscriptions it no longer allows before routing anything else, and decides later publications and calls by the new rules [SW-17.5-6]', async () => {
    const before = AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: ['a/#', 'b/#'], subscribe: ['a/#', 'b/#'], call: ['m'] }] });
    const after = AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: ['a/#', 'b/#'], subscribe: ['b/#'] }] });
    const w = await World.create(27, { acl: before });
    w.hub.serve('m', () => 'ok');
    const sub = await w.device('dev-b');
    const got = collector();
    await w.granted(sub.subscribe('a/#', { qos: 1 }, got.fn));
    await w.granted(sub.subscribe('b/#', { qos: 1 }, got.fn));
    const pub = await w.device('dev-a');
    await w.settle(pub.publish('a/1', 'one', { qos: 1 }));
    await w.until(() => got.got.length === 1, 5_000);
    expect(await w.settle(pub.call('hub', 'm'))).toBe('ok');

    w.hub.setAcl(after);
    // at once, with no time passing: the filter the new policy refuses is gone, the other stays
    expect([...w.hub.pubsub.sessions.filtersOf('dev-b').keys()]).toEqual(['b/#']);
    await w.settle(pub.publish('a/2', 'two', { qos: 1 })); // still allowed to publish, no longer routed to dev-b
    await w.settle(pub.publish('b/1', 'three', { qos: 1 }));
    await w.until(() => got.got.length >= 2, 5_000);
    await w.run(500);
    expect(got.texts()).toEqual(['one', 'three']);
    const err = await w.settle(pub.call('hub', 'm').catch((e: unknown) => e));
    expect(err).toBeInstanceOf(RpcRejectedError);
    expect(() => w.hub.setAcl({} as AccessControl)).toThrow(InvalidArgumentError);
    await w.close();
  });
});

describe('subscription buffers (api.ts)', () => {
  const pub = (t: string, qos: 0 | 1 | 2) => publication('t', enc(t), qos, false, 'x');

  it('at bufferLimit the oldest QoS 0 publication is dropped and counted; QoS 1 and 2 are kept', async () => {
    const s = new LocalSubscription('t', 2, 3, undefined, async () => undefined);
    for (const [t, q] of [['a', 0], ['b', 1], ['c', 0], ['d', 0], ['e', 2], ['f', 1], ['g', 0]] as const) s.deliver(pub(t, q));
    // a dropped for d, c for e, d for f; g is QoS 0 with no QoS 0 left waiting: dropped itself
    expect(s.dropped).toBe(4);
    await s.unsubscribe();
    const got: string[] = [];
    for await (const p of s) got.push(p.text());
    expect(got).toEqual(['b', 'e', 'f']);
  });

  it('a Client subscription with bufferLimit 2 and no reader drops the oldest QoS 0 publications', async () => {
    const w = await World.create(26);
    const a = await w.device('dev-a');
    const b = await w.device('dev-b', { bufferLimit: 2 });
    const s = b.subscribe('t');
    await w.granted(s);
    for (let i = 0; i < 5; i++) {
      await w.settle(a.publish('t', `m${i}`));
      await w.run(50);
    }
    await w.run(500);
    expect(s.dropped).toBe(3);
    const it = s[Symbol.asyncIterator]();
    expect((await it.next()).value?.text()).toBe('m3');
    expect((await it.next()).value?.text()).toBe('m4');
    await w.close();
  });
});
