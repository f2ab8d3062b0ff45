// FROM in a PUBLISH is believed only from the node's hub [SW-15.4-2]: a direct peer cannot speak for
// another publisher (what the application sees as `from`, and the key of QoS 2 deduplication).
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/messaging/ops.js';
import { PubSubClient } from '../../src/pubsub/client-pubsub.js';
import type { Publication } from '../../src/messaging/api.js';
import { FakePort } from '../messaging/fake-port.js';

describe('PUBLISH FROM [SW-15.4-2]', () => {
  it('is taken from the hub, dropped and counted from any other peer; a direct PUBLISH without FROM names its sender', () => {
    const port = new FakePort('dev-a');
    const client = new PubSubClient(port, { hub: 'hub' });
    const got: Publication[] = [];
    client.subscribe('t/#', { qos: 2 }, (p) => got.push(p));
    const pub = (from: string | undefined, pubId: bigint): Op => ({ op: 'PUBLISH', qos: 2, retain: false, topic: 't/1', ...(from !== undefined && { from }), pubId, payload: new Uint8Array([1]) });
    port.deliver('hub', pub('dev-y', 1n));
    port.deliver('dev-z', pub('dev-y', 2n)); // a peer speaking for dev-y
    port.deliver('dev-z', pub(undefined, 3n)); // a peer speaking for itself
    expect(got.map((p) => p.from)).toEqual(['dev-y', 'dev-z']);
    expect(client.drops.untrustedFrom).toBe(1);
    // the forged one did not enter dev-y's deduplication window: the real one with id 2 still arrives
    port.deliver('hub', pub('dev-y', 2n));
    expect(got.map((p) => p.from)).toEqual(['dev-y', 'dev-z', 'dev-y']);
  });
});
