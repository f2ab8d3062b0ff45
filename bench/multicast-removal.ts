/**
 * The removal bound of spec 19.8, measured end to end with the SDK's defaults (ACTIVATE 250 ms,
 * GRACE 2 s): a hub and three members (their own Saltwire clients on UDP loopback, their group on
 * loopback multicast); members a and b publish every 10 ms; at t0 the hub removes x and delivers the
 * new grants by RPC (D: until the last call returned). Reported: D, the last datagram of a or b that
 * x decrypted after t0, and the last of x's own datagrams (it keeps sending under its old key) that
 * b accepted. Run: npx tsx bench/multicast-removal.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveDeviceKey } from '../src/crypto/keys.js';
import { tweetnaclSuite } from '../src/crypto/tweetnacl.js';
import { GROUP_ACTIVATE_MS, GROUP_GRACE_MS } from '../src/multicast/constants.js';
import { GroupManager } from '../src/multicast/manager.js';
import { GroupEndpoint } from '../src/node/group-endpoint.js';
import { startClient, startHub } from '../src/node/quick-start.js';
import { MemoryStateStore } from '../src/peer/state-store.js';

const suite = tweetnaclSuite;
const site = suite.randomBytes(32);
const dir = mkdtempSync(join(tmpdir(), 'sw-removal-'));
const net = { group: '239.255.85.1', port: 47_000 + (process.pid % 1000), interface: '127.0.0.1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: join(dir, 'hub'), suite });
const addr = `127.0.0.1:${hub.port.node.local.port}`;
const mgr = new GroupManager({ suite, gid: 1 });
const hubEp = await GroupEndpoint.open({ ...net, store: new MemoryStateStore(), suite });
mgr.add('hub');
await hubEp.grant(mgr.grantFor('hub'));
const ids = ['a', 'b', 'x'];
const eps = new Map<string, GroupEndpoint>();
const clients = [];
for (const id of ids) {
  const client = await startClient({ hub: addr, id, key: deriveDeviceKey(suite, site, id, 0), stateDir: join(dir, id), suite });
  const ep = await GroupEndpoint.open({ ...net, store: new MemoryStateStore(), suite });
  client.serve('saltwire/group-grant', (g, ctx) => ctx.from === 'hub' && ep.grant(g as Uint8Array));
  mgr.add(id);
  await hub.call(id, 'saltwire/group-grant', mgr.grantBytesFor(id));
  eps.set(id, ep);
  clients.push(client);
}
const xMember = mgr.grantFor('x').member;
let t0 = 0;
let lastRead = -1;
let lastForgery = -1;
eps.get('x')!.on((d) => {
  // the send time, in the payload: the bound of 19.8 is on what was sent after the rotation
  if (t0 > 0 && d.member !== xMember && d.message.kind === 'publish') lastRead = Math.max(lastRead, Number(new TextDecoder().decode(d.message.payload)));
});
eps.get('b')!.on((d) => {
  if (t0 > 0 && d.member === xMember) lastForgery = performance.now() - t0;
});
let running = true;
const traffic = (async () => {
  while (running) {
    for (const id of ids) await eps.get(id)!.publish(1, `state/${id}`, String(t0 > 0 ? performance.now() - t0 : -1)).catch(() => 0);
    await sleep(10);
  }
})();
await sleep(300);
t0 = performance.now();
const grants = mgr.remove('x');
await hubEp.grant(grants.get('hub')!);
await Promise.all(['a', 'b'].map((id) => hub.call(id, 'saltwire/group-grant', mgr.grantBytesFor(id))));
const d = performance.now() - t0;
await sleep(GROUP_ACTIVATE_MS + GROUP_GRACE_MS + 500);
running = false;
await traffic;
console.log(`grants delivered by RPC (D): ${d.toFixed(1)} ms`);
console.log(`the last datagram of another member that the removed one decrypted was sent ${lastRead.toFixed(0)} ms after t0 (bound D + ACTIVATE = ${(d + GROUP_ACTIVATE_MS).toFixed(0)} ms)`);
console.log(`its last datagram accepted by a remaining member: ${lastForgery.toFixed(0)} ms after t0 (bound D + ACTIVATE + GRACE = ${(d + GROUP_ACTIVATE_MS + GROUP_GRACE_MS).toFixed(0)} ms)`);
console.log(`b's drops: ${JSON.stringify(eps.get('b')!.receiver.drops.snapshot())}`);
await Promise.all([...clients.map((c) => c.close()), ...[...eps.values()].map((e) => e.close()), hubEp.close()]);
await hub.close();
rmSync(dir, { recursive: true, force: true });
