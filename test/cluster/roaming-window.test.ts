// A RoamingClient keeps one QoS 2 window across its hubs [SW-18.3-9]: a QoS 2 copy that a hub
// delivered and the next hub owes again (a dead hub's journal taken over, whose DONE for it was not
// yet durable) keeps its FROM and PUB_ID, and the device drops it; a new one still arrives. Two hubs
// and a device in this process over UDP loopback; the next hub's copy is owed by PubSubHub.oweCopy,
// as the cluster's take-over does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RoamingClient } from '../../src/cluster/index.js';
import { deriveDeviceKey, Hub, PairKeyring, SiteKeyring, startNode } from '../../src/internals.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { until } from '../bridge/fixture.js';

const SITE = new Uint8Array(32).fill(3);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

describe('RoamingClient: one QoS 2 window across hubs', () => {
  it('drops a QoS 2 copy the next hub owes again with the same FROM and PUB_ID; takes a new one', { timeout: 15_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-roam-window-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const suite = defaultCryptoSuite();
    const hubs: Record<string, { hub: Hub; port: number }> = {};
    for (const id of ['hub-a', 'hub-b']) {
      const node = await startNode({ id, keyring: new SiteKeyring(suite, SITE), listen: { host: '127.0.0.1' }, stateDir: join(dir, id), provisioning: true, suite });
      const hub = await Hub.start(node);
      cleanup.push(async () => {
        await hub.close();
        await node.close();
      });
      hubs[id] = { hub, port: node.local.port };
    }
    const key = deriveDeviceKey(suite, SITE, 'dev', 0);
    const node = await startNode({
      id: 'dev', keyring: new PairKeyring().add('hub-a', 0, key).add('hub-b', 0, key), listen: { host: '127.0.0.1' }, stateDir: join(dir, 'dev'), provisioning: true, suite,
      peers: ['hub-a', 'hub-b'].map((h) => ({ id: h, address: { host: '127.0.0.1', port: hubs[h]!.port }, keepalive: h === 'hub-a' })),
    });
    const client = await RoamingClient.start(node, { hubs: ['hub-a', 'hub-b'] });
    cleanup.push(async () => {
      await client.close();
      await node.close();
    });
    const got: string[] = [];
    client.subscribe('x/#', { qos: 2 }, (p) => got.push(`${p.topic} ${p.text()}`));
    await client.ready(3000);
    const copy = { from: 'pub-1', topic: 'x/1', payload: new TextEncoder().encode('once'), qos: 2 as const, copy: false, pubId: (5n << 32n) | 7n };
    await hubs['hub-a']!.hub.pubsub.oweCopy('dev', copy);
    await until(() => got.length === 1, 3000, 'the copy from hub-a');
    await client.roam();
    await client.ready(3000);
    expect(client.hub).toBe('hub-b');
    await hubs['hub-b']!.hub.pubsub.oweCopy('dev', copy); // owed again by the next hub: same FROM and PUB_ID
    await hubs['hub-b']!.hub.pubsub.oweCopy('dev', { ...copy, topic: 'x/2', payload: new TextEncoder().encode('new'), pubId: copy.pubId + 1n });
    await until(() => got.length >= 2, 3000, 'the new copy from hub-b');
    await until(() => hubs['hub-b']!.hub.stats().deliveries.delivered === 2, 3000, 'hub-b delivered both');
    expect(got).toEqual(['x/1 once', 'x/2 new']);
  });
});
