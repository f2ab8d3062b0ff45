// The publisher's side of refusals [SW-15.4-4]: QoS 1 and 2 publications carry a REF, a PUBNACK from
// the hub turns the acknowledgement into a typed error, and only the hub is believed; a device
// never answers a peer's publication (the silence towards strangers stays).
import { describe, expect, it } from 'vitest';
import type { PublishOp } from '../../src/messaging/ops.js';
import { AccessDeniedError, PublicationRefusedError } from '../../src/pubsub/errors.js';
import { PubSubClient } from '../../src/pubsub/client-pubsub.js';
import { FakePort } from '../messaging/fake-port.js';

const lastPublish = (port: FakePort): PublishOp => port.sent.map((s) => s.op).filter((o): o is PublishOp => o.op === 'PUBLISH').at(-1)!;

describe('refusals at the publisher [SW-15.4-4]', () => {
  it('a PUBNACK from the hub rejects the publication with its reason; one from another peer, or for no waiting REF, is ignored and counted', async () => {
    const port = new FakePort('dev-a');
    const client = new PubSubClient(port, { hub: 'hub' });
    const denied = client.publish('t/1', 'x', { qos: 1 });
    const ref = lastPublish(port).ref!;
    expect(ref).toBeTypeOf('number');
    port.deliver('dev-z', { op: 'PUBNACK', ref, reason: 0x80 }); // a stranger cannot refuse for the hub
    port.deliver('hub', { op: 'PUBNACK', ref, reason: 0x80 });
    await expect(denied).rejects.toBeInstanceOf(AccessDeniedError);
    const limited = client.publish('t/2', 'x', { qos: 2, retain: true });
    port.deliver('hub', { op: 'PUBNACK', ref: lastPublish(port).ref!, reason: 0x82 });
    const e = await limited.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PublicationRefusedError);
    expect((e as PublicationRefusedError).refusal).toBe('limit');
    await client.publish('t/3', 'x', { qos: 1 }); // no PUBNACK: acknowledged as before
    port.deliver('hub', { op: 'PUBNACK', ref: 9999, reason: 0x83 }); // nobody waits for it
    expect(client.drops.pubnack).toBe(2);
    client.publish('t/4', 'x', { qos: 0 });
    expect(lastPublish(port).ref).toBeUndefined(); // QoS 0 carries no REF
    client.close();
  });

  it('a device answers no publication from a peer, REF or not: only a hub refuses', () => {
    const port = new FakePort('dev-a');
    const client = new PubSubClient(port, { hub: 'hub' });
    client.subscribe('#');
    const before = port.sent.length;
    port.deliver('dev-z', { op: 'PUBLISH', qos: 1, retain: false, topic: 'x', ref: 5, payload: new Uint8Array(1) });
    port.deliver('dev-z', { op: 'PUBLISH', qos: 1, retain: true, topic: '$SYS/x', ref: 6, payload: new Uint8Array(1) });
    expect(port.sent.slice(before).filter((s) => s.peer === 'dev-z')).toEqual([]);
    client.close();
  });
});
