/**
 * Discovery and a secured group on one host: a hub answers scouts; a device that holds only its
 * key finds it (no address configured), connects, receives its group key over unicast, and reads
 * the hub's multicast publications. Loopback multicast (interface 127.0.0.1), so it runs anywhere.
 *
 *   npx tsx examples/discovery.ts
 */
import { deriveDeviceKey, discoverHub, generateKey, GroupController, GroupEndpoint, GroupManager, joinGroup, MemoryStateStore, SiteKeyring, startClient, startDiscoveryResponder, startHub, tweetnaclSuite } from 'saltwire';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const site = generateKey(tweetnaclSuite);
const lan = { group: '239.255.83.88', port: 5358, interface: '127.0.0.1' };
const dir = mkdtempSync(join(tmpdir(), 'saltwire-discovery-'));

// the hub: its unicast endpoint, and a responder that announces it to devices of its site only
const hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: join(dir, 'hub') });
const port = hub.port.node.local.port;
const responder = await startDiscoveryResponder({ ...lan, hubId: 'hub', keyring: new SiteKeyring(tweetnaclSuite, site), announce: { port, address: '127.0.0.1' } });

// the device knows its id and its key, nothing else
const key = deriveDeviceKey(tweetnaclSuite, site, 'lamp-1', 0);
const found = await discoverHub({ ...lan, id: 'lamp-1', key });
console.log(`found ${found.hubId} at ${found.host}:${found.port} in ${found.elapsedMs.toFixed(0)} ms (${found.scoutBytes} bytes of scouts)`);
const client = await startClient({ hub: `${found.host}:${found.port}`, hubId: found.hubId, id: 'lamp-1', key, stateDir: join(dir, 'lamp-1') });

// a group: the hub hands out its key over the secured unicast channel (RPC), members ask for it
const group = new GroupManager({ suite: tweetnaclSuite, gid: 1 });
group.add('hub');
group.add('lamp-1');
const net = { ...lan, port: 5359 };
const hubGroup = await GroupEndpoint.open({ ...net, store: new MemoryStateStore() });
await GroupController.start({ hub, endpoint: hubGroup, manager: group });
const lampGroup = await GroupEndpoint.open({ ...net, store: new MemoryStateStore() });
await joinGroup(client, lampGroup, { gid: 1 });

const heard = new Promise<void>((resolve) =>
  lampGroup.on((d) => {
    if (d.message.kind === 'publish') console.log(`group ${d.gid}: ${d.message.topic} = ${new TextDecoder().decode(d.message.payload)}`);
    resolve();
  }),
);
const bytes = await hubGroup.publish(1, 'site/mode', 'night');
console.log(`published one ${bytes}-byte datagram to the group`);
await heard;

await Promise.all([client.close(), hubGroup.close(), lampGroup.close(), responder.close()]);
await hub.close();
rmSync(dir, { recursive: true, force: true });
