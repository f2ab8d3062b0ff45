// Grants over the real unicast channel (spec 19.3, 19.8) with a hub and three members on UDP
// loopback: members join by asking the hub, a member that lost its store is re-granted with the
// epoch floor the hub learned from the group (so it is heard at once, its contexts marked), and a
// removal rotates with the grants pushed by RPC (D measured) so the removed member reads nothing new.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupPort } from './group-port.js';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { tweetnaclSuite } from '../../src/crypto/tweetnacl.js';
import type { Client } from '../../src/messaging/client.js';
import { GroupManager } from '../../src/multicast/manager.js';
import type { GroupDelivery } from '../../src/multicast/receiver.js';
import { GroupController, joinGroup } from '../../src/node/group-controller.js';
import { GroupEndpoint } from '../../src/node/group-endpoint.js';
import { startClient, startHub } from '../../src/node/quick-start.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { FileStateStore } from '../../src/node/file-state-store.js';

const suite = tweetnaclSuite;
const site = suite.randomBytes(32);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sw-gctl-'));
  dirs.push(d);
  return d;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (f: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await sleep(5);
  return f();
};

describe('grants over unicast (GroupController, joinGroup)', () => {
  it('join, re-grant after a lost store with the epoch floor, and removal with grants pushed by RPC [SW-19.3-1] [SW-19.3-4] [SW-19.5-11] [SW-19.8-1]', async () => {
    const net = { group: `239.253.${1 + Math.floor(Math.random() * 250)}.9`, port: groupPort(), interface: '127.0.0.1' };
    const hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: tmp(), suite });
    const addr = `127.0.0.1:${hub.port.node.local.port}`;
    const manager = new GroupManager({ suite, gid: 1, activateMs: 100, graceMs: 200 });
    manager.add('hub');
    const hubEp = await GroupEndpoint.open({ ...net, store: new MemoryStateStore(), suite });
    const ctl = await GroupController.start({ hub, endpoint: hubEp, manager });
    const members = new Map<string, { client: Client; ep: GroupEndpoint; got: GroupDelivery[] }>();
    const join1 = async (id: string) => {
      const client = await startClient({ hub: addr, id, key: deriveDeviceKey(suite, site, id, 0), stateDir: tmp(), suite });
      const ep = await GroupEndpoint.open({ ...net, store: new MemoryStateStore(), suite });
      const got: GroupDelivery[] = [];
      ep.on((d) => got.push(d));
      manager.add(id);
      await joinGroup(client, ep, { gid: 1 });
      members.set(id, { client, ep, got });
      return members.get(id)!;
    };
    for (const id of ['a', 'b', 'x']) await join1(id);
    const b0 = members.get('b')!;
    await b0.ep.publish(1, 'state/b', 'first');
    expect(await until(() => members.get('a')!.got.length === 1)).toBe(true);
    const oldEpoch = b0.ep.currentEpoch;

    // b loses everything (its group store and its node's state) and joins again
    await b0.client.close();
    await b0.ep.close();
    const b = await join1('b');
    expect(b.ep.currentEpoch).toBeGreaterThan(oldEpoch); // the grant's EPOCH_FLOOR [SW-19.3-4]
    await b.ep.publish(1, 'state/b', 'again');
    expect(await until(() => members.get('a')!.got.length === 2)).toBe(true);
    expect(members.get('a')!.ep.receiver.drops.get('STALE_EPOCH')).toBe(0);
    await members.get('a')!.ep.publish(1, 'state/a', 'hi b');
    expect(await until(() => b.got.length === 1)).toBe(true);
    expect(b.got[0]!.fresh).toBe(false); // re-granted: freshness unknown until the next generation [SW-19.5-11]

    // removal: the new grants go out by RPC; x reads nothing sent after the others switched
    const report = await ctl.remove('x');
    console.log(`rotation: grants delivered to ${report.delivered.join(', ')} in ${report.elapsedMs.toFixed(1)} ms`);
    expect([...report.delivered].sort()).toEqual(['a', 'b', 'hub']);
    expect(report.failed).toEqual([]);
    await sleep(120); // past ACTIVATE
    const x = members.get('x')!;
    const before = x.got.length;
    await members.get('a')!.ep.publish(1, 'state/a', 'after');
    expect(await until(() => b.got.some((d) => d.gen === 1))).toBe(true);
    await sleep(50);
    expect(x.got.length).toBe(before);
    expect(x.ep.receiver.drops.get('UNKNOWN_KEY')).toBeGreaterThan(0);
    expect(b.got.find((d) => d.gen === 1)!.fresh).toBe(true); // the new generation is fresh again

    for (const m of members.values()) await Promise.all([m.client.close(), m.ep.close()]);
    await hubEp.close();
    await hub.close();
  }, 30_000);

  it('a hub that restarts with its store continues the generation its members hold, and rotates from there', async () => {
    const net = { group: `239.253.${1 + Math.floor(Math.random() * 250)}.10`, port: groupPort(), interface: '127.0.0.1' };
    const hubDir = tmp();
    const groupStore = new FileStateStore(join(hubDir, 'group'));
    const options = { suite, gid: 2, activateMs: 50, graceMs: 100 };
    const startSide = async (port: number) => {
      const hub = await startHub({ listen: `127.0.0.1:${port}`, siteKey: site, stateDir: join(hubDir, 'node'), suite });
      const manager = (await GroupController.loadManager(groupStore, options)) ?? new GroupManager(options);
      manager.add('hub');
      const ep = await GroupEndpoint.open({ ...net, store: groupStore, gids: [2], suite });
      const ctl = await GroupController.start({ hub, endpoint: ep, manager, store: groupStore });
      return { hub, ep, ctl };
    };
    let h = await startSide(0);
    const port = h.hub.port.node.local.port;
    const client = await startClient({ hub: `127.0.0.1:${port}`, id: 'm', key: deriveDeviceKey(suite, site, 'm', 0), stateDir: tmp(), suite });
    const ep = await GroupEndpoint.open({ ...net, store: new MemoryStateStore(), suite });
    const got: GroupDelivery[] = [];
    ep.on((d) => got.push(d));
    h.ctl.manager.add('m');
    await joinGroup(client, ep, { gid: 2 });
    await h.ep.publish(2, 'site/mode', 'day');
    expect(await until(() => got.length === 1)).toBe(true);
    // the hub restarts on the same port with the same store: same generation, same key, its own epoch above
    await h.ep.close();
    await h.hub.close();
    h = await startSide(port);
    expect(h.ctl.manager.generation).toBe(0);
    await h.ep.publish(2, 'site/mode', 'night');
    expect(await until(() => got.length === 2)).toBe(true);
    expect(got[1]!.gen).toBe(0);
    // and rotates from there: the member gets generation 1 by RPC (once the two talk again)
    await client.publish('m/alive', '1', { qos: 1 });
    h.ctl.manager.add('gone');
    const report = await h.ctl.remove('gone');
    expect(report.delivered).toContain('m');
    await sleep(80);
    await h.ep.publish(2, 'site/mode', 'rotated');
    expect(await until(() => got.some((d) => d.gen === 1))).toBe(true);
    await Promise.all([client.close(), ep.close(), h.ep.close()]);
    await h.hub.close();
  }, 30_000);
});
