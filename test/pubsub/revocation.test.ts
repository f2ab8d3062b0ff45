// A revocation that takes effect at run time (Hub.setAcl with the device in `revoked`): the hub
// removes the device's subscriptions at once, routes it nothing more, and no longer lets it serve or
// be called ([SW-17.7-2], [SW-17.5-6]).
import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/acl/acl.js';
import { RpcRejectedError } from '../../src/rpc/errors.js';
import { collector, World } from './world.js';

describe('revocation at run time', () => {
  it("removes the revoked device's subscriptions and served methods [SW-17.7-2]", async () => {
    const rules = [{ devices: ['*'], publish: ['a/#'], subscribe: ['a/#'], call: ['*'], serve: ['{id}.*'] }];
    const w = await World.create(31, { acl: AccessControl.fromConfig({ rules }) });
    const b = await w.device('dev-b');
    const got = collector();
    await w.granted(b.subscribe('a/#', { qos: 1 }, got.fn));
    b.serve('dev-b.read', () => 'b');
    const a = await w.device('dev-a');
    await w.settle(a.publish('a/1', 'one', { qos: 1 }));
    await w.until(() => got.got.length === 1, 5_000);
    expect(await w.settle(a.call('dev-b', 'dev-b.read'))).toBe('b');

    w.hub.setAcl(AccessControl.fromConfig({ revoked: ['dev-b'], rules }));
    expect(w.hub.pubsub.sessions.filtersOf('dev-b').size).toBe(0); // at once, before anything else is routed
    await w.settle(a.publish('a/2', 'two', { qos: 1 }));
    await w.run(1_000);
    expect(got.texts()).toEqual(['one']);
    const err = await w.settle(a.call('dev-b', 'dev-b.read').catch((e: unknown) => e));
    expect(err).toBeInstanceOf(RpcRejectedError);
    await w.close();
  });
});
