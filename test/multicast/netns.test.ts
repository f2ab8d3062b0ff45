/**
 * Discovery across a real kernel boundary (spec 19.6, 19.9): the device runs in its own network
 * namespace joined to the host by a veth pair; the hub and its discovery responder run on the host
 * side. The device, knowing only its key, finds the hub by multicast over the veth and then talks
 * to it by unicast; with multicast not delivered across the link, it falls back to the address
 * it was given [SW-19.9-3]. And a group socket whose veth is deleted and created again joins again
 * [SW-19.9-2]. Needs root and `ip netns`; skipped (with the reason printed) otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { tweetnaclSuite } from '../../src/crypto/tweetnacl.js';
import { startDiscoveryResponder, type RunningResponder } from '../../src/node/discovery.js';
import { MulticastSocket } from '../../src/node/multicast-socket.js';
import { startHub } from '../../src/node/quick-start.js';
import type { Hub } from '../../src/messaging/hub.js';
import { SiteKeyring } from '../../src/session/keyring.js';
import { toHex } from '../../src/util/bytes.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs CAP_NET_ADMIN';
  try {
    run('ip', ['netns', 'list']);
  } catch (e) {
    return `\`ip netns\` is unavailable: ${(e as Error).message.split('\n')[0]}`;
  }
  return undefined;
}
const skip = unavailable();
if (skip !== undefined) console.log(`[netns discovery] skipped: ${skip}`);

const REPO = resolve(import.meta.dirname, '../..');
const NS = `swmc${process.pid}`;
const HOST_IF = `swmh${process.pid}`.slice(0, 15);
const NS_IF = `swmn${process.pid}`.slice(0, 15);
const NET = `10.214.${process.pid % 250}`;
const HUB_IP = `${NET}.1`;
const DEV_IP = `${NET}.2`;
const suite = tweetnaclSuite;
const site = suite.randomBytes(32);
const dirs: string[] = [];
let created = false;
let hub: Hub | undefined;
let resp: RunningResponder | undefined;

const NET6 = `fd14:${(process.pid % 65000).toString(16)}::`;
const HUB_IP6 = `${NET6}1`;
const DEV_IP6 = `${NET6}2`;

function createNamespace(): void {
  if (run('ip', ['-4', 'addr', 'show']).includes(` ${NET}.`)) throw new Error(`${NET}.0/24 is already in use on this host`);
  created = true;
  run('ip', ['netns', 'add', NS]);
  run('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  createLink();
}
/** The veth pair with its addresses, up (deleting HOST_IF deletes both ends). */
function createLink(): void {
  run('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF]);
  run('ip', ['link', 'set', NS_IF, 'netns', NS]);
  // no duplicate address detection on the two ends: their link-local addresses (the source of
  // datagrams to ff02::) are usable at once instead of after a second or two
  run('sysctl', ['-q', '-w', `net.ipv6.conf.${HOST_IF}.accept_dad=0`]);
  run('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', `net.ipv6.conf.${NS_IF}.accept_dad=0`]);
  run('ip', ['addr', 'add', `${HUB_IP}/24`, 'dev', HOST_IF]);
  run('ip', ['-6', 'addr', 'add', `${HUB_IP6}/64`, 'dev', HOST_IF, 'nodad']);
  run('ip', ['link', 'set', HOST_IF, 'up']);
  for (const args of [
    ['ip', 'addr', 'add', `${DEV_IP}/24`, 'dev', NS_IF],
    ['ip', '-6', 'addr', 'add', `${DEV_IP6}/64`, 'dev', NS_IF, 'nodad'],
    ['ip', 'link', 'set', NS_IF, 'up'],
  ])
    run('ip', ['netns', 'exec', NS, ...args]);
}
function destroyNamespace(): void {
  if (!created) return;
  created = false;
  for (const args of [['link', 'del', HOST_IF], ['netns', 'del', NS]]) {
    try {
      run('ip', args);
    } catch {
      // already gone
    }
  }
}
afterEach(async () => {
  await resp?.close();
  await hub?.close();
  resp = undefined;
  hub = undefined;
  destroyNamespace();
});
afterAll(() => {
  destroyNamespace();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** Runs the device fixture in the namespace; resolves with its JSON lines once it exits. */
function device(options: Record<string, unknown>): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(REPO, 'test/multicast/fixtures/discovering-device.ts'), JSON.stringify(options)], { cwd: REPO, env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((r) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      r({ code, lines: out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) });
    }),
  );
}

async function hubSide(group: string, port: number, iface = HUB_IP, v6 = false): Promise<number> {
  const d = mkdtempSync(join(tmpdir(), 'sw-mcns-'));
  dirs.push(d);
  hub = await startHub({ listen: v6 ? `[${HUB_IP6}]:0` : `${HUB_IP}:0`, siteKey: site, stateDir: d, suite });
  hub.serve('ping', () => 'pong');
  const hubPort = hub.port.node.local.port;
  // over IPv6 the ANNOUNCE comes from a link-local address: the hub names its routable one
  const announce = v6 ? { port: hubPort, address: HUB_IP6 } : { port: hubPort };
  resp = await startDiscoveryResponder({ group, port, interface: iface, hubId: 'hub', keyring: new SiteKeyring(suite, site), announce, suite });
  return hubPort;
}

/** Sends one datagram from the device's namespace to an IPv4 group, out of the veth. */
function sendFromNamespace(group: string, port: number, text: string): void {
  const js = `const s=require('dgram').createSocket('udp4');s.bind(0,'${DEV_IP}',()=>{s.setMulticastInterface('${DEV_IP}');s.send('${text}',${port},'${group}',()=>s.close())})`;
  execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', js], { timeout: 10_000, env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('group membership across an interface that goes away and comes back', () => {
  it.skipIf(skip !== undefined)('the hub side re-creates its veth (a new ifindex: the kernel dropped the membership); the socket notices and joins again [SW-19.9-2]', async () => {
    createNamespace();
    const group = '239.255.84.3';
    const port = 48_000 + (process.pid % 1000);
    // no periodic join: only the interface watch can bring the membership back
    const sock = await MulticastSocket.open({ group, port, interface: HUB_IP, rejoinMs: 0, watchInterfacesMs: 100 });
    const got: string[] = [];
    sock.onMessage((d) => got.push(new TextDecoder().decode(d)));
    const until = async (f: () => boolean) => {
      for (let end = Date.now() + 10_000; !f() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      return f();
    };
    try {
      sendFromNamespace(group, port, 'before');
      expect(await until(() => got.includes('before'))).toBe(true);
      run('ip', ['link', 'del', HOST_IF]); // the link goes away (both ends)...
      expect(await until(() => sock.stats.interfaceRejoins >= 1)).toBe(true); // seen gone
      createLink(); // ...and comes back: same names and addresses, new interfaces
      expect(await until(() => sock.stats.interfaceRejoins >= 2)).toBe(true); // seen back: joined again
      // the join is on the new interface: a datagram over it arrives (retried: the first may race the report)
      expect(
        await until(() => {
          sendFromNamespace(group, port, 'after');
          return got.includes('after');
        }),
      ).toBe(true);
    } finally {
      await sock.close();
    }
  }, 30_000);
});

describe('discovery across network namespaces', () => {
  it.skipIf(skip !== undefined)('a device in another namespace finds the hub over the veth by multicast, then talks unicast [SW-19.6-8] [SW-19.9-1]', async () => {
    createNamespace();
    const group = '239.255.84.1';
    const port = 45_000 + (process.pid % 1000);
    const hubPort = await hubSide(group, port);
    const d = mkdtempSync(join(tmpdir(), 'sw-mcns-dev-'));
    dirs.push(d);
    const r = await device({ id: 'sensor-ns', key: toHex(deriveDeviceKey(suite, site, 'sensor-ns', 0)), group, port, interface: DEV_IP, stateDir: d });
    console.log(`netns discovery: ${JSON.stringify(r.lines[0])}`);
    expect(r.lines[0]).toMatchObject({ event: 'found', hubId: 'hub', host: HUB_IP, port: hubPort, via: 'announce' });
    expect(r.lines[0]!['elapsedMs'] as number).toBeLessThan(1_000);
    expect(r.lines[1]).toEqual({ event: 'called', result: 'pong' });
    expect(r.code).toBe(0);
  }, 30_000);

  it.skipIf(skip !== undefined)('with multicast filtered on the link, it falls back to the address it was given and talks unicast [SW-19.9-3]', async () => {
    createNamespace();
    // multicast does not cross the link: the hub's responder is a member of the group on its
    // loopback only, so the kernel drops the scouts arriving over the veth (as an access point that
    // forwards no multicast would); unicast is untouched
    const group = '239.255.84.2';
    const port = 46_000 + (process.pid % 1000);
    const hubPort = await hubSide(group, port, '127.0.0.1');
    const d = mkdtempSync(join(tmpdir(), 'sw-mcns-dev-'));
    dirs.push(d);
    const r = await device({ id: 'sensor-ns', key: toHex(deriveDeviceKey(suite, site, 'sensor-ns', 0)), group, port, interface: DEV_IP, stateDir: d, fallback: { host: HUB_IP, port: hubPort }, fallbackMs: 1_000 });
    expect(r.lines[0]).toMatchObject({ event: 'found', host: HUB_IP, port: hubPort, via: 'fallback' });
    expect(resp!.responder.stats.scouts).toBe(0); // no scout reached the hub
    expect(r.lines[1]).toEqual({ event: 'called', result: 'pong' });
    expect(r.code).toBe(0);
  }, 30_000);

  it.skipIf(skip !== undefined)('over IPv6: the link-scope group ff02::/16 on the veth, then unicast to the announced address [SW-19.9-1]', async () => {
    createNamespace();
    const group = 'ff02::5357';
    const port = 47_000 + (process.pid % 1000);
    const hubPort = await hubSide(group, port, `::%${HOST_IF}`, true);
    const d = mkdtempSync(join(tmpdir(), 'sw-mcns-dev-'));
    dirs.push(d);
    const r = await device({ id: 'sensor-ns', key: toHex(deriveDeviceKey(suite, site, 'sensor-ns', 0)), group, port, interface: `::%${NS_IF}`, stateDir: d });
    expect(r.lines[0]).toMatchObject({ event: 'found', hubId: 'hub', host: HUB_IP6, port: hubPort, via: 'announce' });
    expect(r.lines[1]).toEqual({ event: 'called', result: 'pong' });
    expect(r.code).toBe(0);
  }, 30_000);
});
