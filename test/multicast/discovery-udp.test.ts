// Authenticated discovery over UDP multicast on loopback (spec 19.6, 19.7, 19.9): a device with
// only its key finds its hub, talks to it by unicast and gets its group grant over RPC; silence
// to unauthenticated scouts and junk, no amplification, suppression, and the unicast fallback.
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupPort } from './group-port.js';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { tweetnaclSuite } from '../../src/crypto/tweetnacl.js';
import { encodeGrant } from '../../src/multicast/grant.js';
import { GroupManager } from '../../src/multicast/manager.js';
import { Scouter } from '../../src/multicast/scout.js';
import { discoverHub, startDiscoveryResponder } from '../../src/node/discovery.js';
import { GroupEndpoint } from '../../src/node/group-endpoint.js';
import { startClient, startHub } from '../../src/node/quick-start.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { SiteKeyring } from '../../src/session/keyring.js';

const suite = tweetnaclSuite;
const site = suite.randomBytes(32);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sw-disc-'));
  dirs.push(d);
  return d;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const net = () => ({ group: `239.254.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`, port: groupPort(), interface: '127.0.0.1' });

/** A socket on the LAN that sends to the group and counts what comes back to it. */
async function probe(n: { group: string; port: number }) {
  const s = dgram.createSocket('udp4');
  let bytes = 0;
  let datagrams = 0;
  s.on('message', (m) => {
    bytes += m.length;
    datagrams++;
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.setMulticastInterface('127.0.0.1');
  return {
    send: (d: Uint8Array) => new Promise<void>((r) => s.send(d, n.port, n.group, () => r())),
    get bytes() {
      return bytes;
    },
    get datagrams() {
      return datagrams;
    },
    close: () => s.close(),
  };
}

describe('discovery over UDP multicast on loopback', () => {
  it('a device with only its key finds its hub in well under a second, then talks unicast and gets its group grant [SW-19.6-8] [SW-19.3-1]', async () => {
    const n = net();
    const hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: tmp() });
    const hubPort = hub.port.node.local.port;
    const resp = await startDiscoveryResponder({ ...n, hubId: 'hub', keyring: new SiteKeyring(suite, site), announce: { port: hubPort, address: '127.0.0.1' }, suite });
    const key = deriveDeviceKey(suite, site, 'sensor-1', 0);
    const found = await discoverHub({ ...n, id: 'sensor-1', key, suite });
    console.log(`discovery: ${found.elapsedMs.toFixed(1)} ms, ${found.scouts} scout(s) of ${found.scoutBytes / found.scouts} bytes, announce ${resp.responder.stats.answerBytes} bytes`);
    expect(found).toMatchObject({ hubId: 'hub', host: '127.0.0.1', port: hubPort, via: 'announce' });
    expect(found.elapsedMs).toBeLessThan(1_000);
    expect(resp.responder.stats.answerBytes).toBeLessThanOrEqual(found.scoutBytes);
    // unicast to the hub it found; the hub grants the device its group key over RPC
    const client = await startClient({ hub: `${found.host}:${found.port}`, hubId: found.hubId, id: 'sensor-1', key, stateDir: tmp() });
    const mgr = new GroupManager({ suite, gid: 3 });
    mgr.add('hub');
    mgr.add('sensor-1');
    const hubEp = await GroupEndpoint.open({ ...n, port: n.port + 1, store: new MemoryStateStore(), suite });
    await hubEp.grant(mgr.grantFor('hub'));
    const devEp = await GroupEndpoint.open({ ...n, port: n.port + 1, store: new MemoryStateStore(), suite });
    client.serve('saltwire/group-grant', async (p) => devEp.grant(p as Uint8Array));
    expect(await hub.call('sensor-1', 'saltwire/group-grant', encodeGrant(mgr.grantFor('sensor-1')))).toBe(true);
    const got = new Promise<string>((r) => devEp.on((d) => d.message.kind === 'publish' && r(d.message.topic)));
    await hubEp.publish(3, 'site/mode', 'night');
    expect(await got).toBe('site/mode');
    await Promise.all([client.close(), hubEp.close(), devEp.close(), resp.close()]);
    await hub.close();
  });

  it('nothing answers an unauthenticated scout or a flood of junk: zero bytes sent, every datagram counted [SW-19.7-1] [SW-19.1-3]', async () => {
    const n = net();
    const heard: string[] = [];
    const resp = await startDiscoveryResponder({ ...n, hubId: 'hub', keyring: new SiteKeyring(suite, site), announce: { port: 4000 }, suite, onDrop: (r) => heard.push(r) });
    const attacker = await probe(n);
    const wrongSite = new Scouter({ suite, id: 'sensor-1', pairKey: suite.randomBytes(32) });
    for (let i = 0; i < 10; i++) await attacker.send(wrongSite.next());
    for (let i = 0; i < 2_000; i++) {
      const junk = suite.randomBytes(10 + (i % 90));
      if (i % 2 === 0) junk.set([0x70, 0x01, 0, 0], 0);
      await attacker.send(junk);
      if (i % 50 === 0) await sleep(2); // paced, so the receive buffer holds most of it
    }
    await sleep(300); // past the longest reply delay
    // every datagram that reached the hub's socket is counted under a drop reason (UDP may lose some on the way);
    // the socket counts a datagram before the responder handles it, so the last ones may still be on their way
    for (let t = 0; t < 50 && resp.responder.drops.total !== resp.socket.stats.received; t++) await sleep(20);
    expect(resp.socket.stats.received).toBeGreaterThan(1_000);
    expect(resp.responder.drops.total).toBe(resp.socket.stats.received); // each dropped GROUP datagram counted once [SW-19.1-3]
    expect(heard).toHaveLength(resp.responder.drops.total); // and each one heard by onDrop, with its reason
    expect(heard.filter((r) => r === 'AUTH').length).toBe(resp.responder.drops.get('AUTH'));
    expect(resp.socket.stats.bytesSent).toBe(0);
    expect(attacker.bytes).toBe(0);
    attacker.close();
    await resp.close();
  });

  it('a replayed scout is answered at most once per second per source, never with more bytes than it carried [SW-19.7-2] [SW-19.7-3]', async () => {
    const n = net();
    const resp = await startDiscoveryResponder({ ...n, hubId: 'hub', keyring: new SiteKeyring(suite, site), announce: { port: 4000, address: '127.0.0.1' }, suite });
    const attacker = await probe(n);
    const dev = new Scouter({ suite, id: 'sensor-1', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0) });
    dev.next(); // the first scout asks for a group answer; the captured one asks for unicast (U)
    const captured = dev.next();
    for (let i = 0; i < 50; i++) await attacker.send(captured);
    await sleep(300);
    expect(attacker.datagrams).toBe(1);
    expect(attacker.bytes).toBeLessThanOrEqual(captured.length);
    await sleep(800);
    for (let i = 0; i < 50; i++) await attacker.send(captured);
    await sleep(300);
    expect(attacker.datagrams).toBe(2);
    expect(attacker.bytes).toBeLessThanOrEqual(2 * captured.length);
    expect(resp.responder.drops.get('REPLY_BUDGET')).toBe(98);
    attacker.close();
    await resp.close();
  });

  it('two hubs of a site: the later one stays silent when the first answered the same scout [SW-19.7-4]', async () => {
    const n = net();
    const mk = (id: string, r: number) =>
      startDiscoveryResponder({ ...n, hubId: id, keyring: new SiteKeyring(suite, site), announce: { port: 4000 }, suite, responder: { random: () => r } });
    const a = await mk('hub-a', 0); // answers after 20 ms
    const b = await mk('hub-b', 0.99); // would answer after 119 ms
    const found = await discoverHub({ ...n, id: 'sensor-1', key: deriveDeviceKey(suite, site, 'sensor-1', 0), suite });
    expect(found.hubId).toBe('hub-a');
    await sleep(200);
    expect(a.responder.stats.answered).toBe(1);
    expect(b.responder.stats.suppressed).toBe(1);
    expect(b.socket.stats.sent).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('with multicast filtered, a device falls back to its remembered address [SW-19.9-3]', async () => {
    const n = net(); // no hub listens on this group
    const found = await discoverHub({ ...n, id: 'sensor-1', key: deriveDeviceKey(suite, site, 'sensor-1', 0), suite, fallback: { hubId: 'hub', host: '127.0.0.1', port: 4000 }, fallbackMs: 600 });
    expect(found).toMatchObject({ via: 'fallback', host: '127.0.0.1', port: 4000 });
    expect(found.elapsedMs).toBeGreaterThanOrEqual(590);
    expect(found.scouts).toBeGreaterThanOrEqual(2); // it kept scouting meanwhile (at 0 and 250 ms)
  });
});
