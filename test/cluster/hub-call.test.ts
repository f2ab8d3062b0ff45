// The hub application's own calls across a cluster (issue 17): hub.call(device, ...) from hub-a to a
// device that hub-b holds, which hub-a's node has never heard from (so it has no address and no
// session for it), goes to hub-b over the broker like a device's call and comes back: a value, a
// handler's error typed, a device no hub holds Unreachable at once. Two hubs in this process, each
// bridged with "cluster" to one mosquitto process, and one device on hub-b.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttBridge } from '../../src/bridge/index.js';
import { Client, deriveDeviceKey, Hub, PairKeyring, RpcRemoteError, RpcUnreachableError, SiteKeyring, startNode } from '../../src/internals.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { until } from '../bridge/fixture.js';
import { MOSQUITTO, Mosquitto } from '../bridge/mosquitto-proc.js';

const SITE = new Uint8Array(32).fill(5);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

describe.skipIf(MOSQUITTO === undefined)('cluster: the hub application calls a device another hub holds', () => {
  it('hub.call reaches it through its hub: a value, a typed error, Unreachable for a device no hub holds', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-hub-call-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await Mosquitto.start();
    cleanup.push(() => broker.stop());
    const suite = defaultCryptoSuite();
    const hubs: Record<string, { hub: Hub; bridge: MqttBridge; port: number }> = {};
    for (const id of ['hub-a', 'hub-b']) {
      const node = await startNode({ id, keyring: new SiteKeyring(suite, SITE), listen: { host: '127.0.0.1' }, stateDir: join(dir, id), provisioning: true, suite });
      const hub = await Hub.start(node);
      const bridge = await MqttBridge.start(hub, { url: `mqtt://127.0.0.1:${broker.port}`, clientId: id, reconnect: { baseMs: 50, capMs: 200, stableMs: 1000 }, cluster: {} });
      cleanup.push(async () => {
        await bridge.close();
        await hub.close();
        await node.close();
      });
      hubs[id] = { hub, bridge, port: node.local.port };
    }
    const node = await startNode({
      id: 'dev-b', keyring: new PairKeyring().add('hub-b', 0, deriveDeviceKey(suite, SITE, 'dev-b', 0)), listen: { host: '127.0.0.1' },
      stateDir: join(dir, 'dev-b'), provisioning: true, suite, peers: [{ id: 'hub-b', address: { host: '127.0.0.1', port: hubs['hub-b']!.port } }],
    });
    const client = await Client.start(node, { hub: 'hub-b' });
    cleanup.push(async () => {
      await client.close();
      await node.close();
    });
    client.serve('whoami', (params, ctx) => ({ id: 'dev-b', caller: ctx.from, params }));
    client.serve('fail', () => {
      throw new Error('no such sensor');
    });
    await client.ready();
    const a = hubs['hub-a']!;
    await until(() => a.bridge.cluster!.routes.holder('dev-b') === 'hub-b', 5000, "hub-a learns hub-b's claim on dev-b");
    expect(a.hub.node.peer('dev-b'), "hub-a's node has no address for dev-b: no direct call").toBeUndefined();

    expect(await a.hub.call('dev-b', 'whoami', { n: 1 }, { timeoutMs: 3000 })).toEqual({ id: 'dev-b', caller: 'hub-a', params: { n: 1 } });
    const err = await a.hub.call('dev-b', 'fail', null, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcRemoteError);
    expect((err as RpcRemoteError).message).toContain('no such sensor');
    await expect(a.hub.call('dev-nowhere', 'whoami', null, { timeoutMs: 3000 })).rejects.toBeInstanceOf(RpcUnreachableError);
    // ten at once, each answered once
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => a.hub.call('dev-b', 'whoami', i, { timeoutMs: 3000 })));
    expect(many.map((r) => (r as { params: number }).params)).toEqual([...Array(10).keys()]);
    expect(a.bridge.cluster!.stats().callsOut).toBe(12);
  });
});
