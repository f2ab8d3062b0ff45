/**
 * Roaming to a new IP address (spec 10) with a real kernel in the middle: the device runs in its own
 * network namespace, joined to the host by a veth pair, and its address changes under it (a new
 * address added, the old one deleted), as when a device moves to another network. Its socket,
 * bound to 0.0.0.0, keeps working; its datagrams now leave from the new address. The hub must follow
 * the authenticated datagrams there [SW-10.1-1] once the new address echoed its token [SW-10.2-6], and
 * reach the device at it. Needs root and `ip netns`; skipped (with the reason printed) otherwise.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SiteKeyring } from '../../src/core.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { startNode } from '../../src/node/start.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { UdpTransport } from '../../src/transport/udp.js';
import { killAll, removeTempDirs, sleep, spawnNode, tempDir, waitUntil } from './process-helpers.js';

const DEV = 'sensor-ns';
const SITE = new Uint8Array(32).fill(7);

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
}

/** Why the test cannot run here, or undefined if it can. */
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
if (skip !== undefined) console.log(`[netns] skipped: ${skip}`);

// Unique per process: names (at most 15 characters for links) and a /24 unlikely to be in use.
const NS = `swns${process.pid}`;
const HOST_IF = `swh${process.pid}`.slice(0, 15);
const NS_IF = `swn${process.pid}`.slice(0, 15);
const NET = `10.213.${process.pid % 250}`;
const HUB_IP = `${NET}.1`;
const OLD_IP = `${NET}.2`;
const NEW_IP = `${NET}.3`;

let created = false;
function createNamespace(): void {
  const inUse = run('ip', ['-4', 'addr', 'show']);
  if (inUse.includes(` ${NET}.`)) throw new Error(`${NET}.0/24 is already in use on this host`);
  created = true;
  run('ip', ['netns', 'add', NS]);
  run('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF]);
  run('ip', ['link', 'set', NS_IF, 'netns', NS]);
  run('ip', ['addr', 'add', `${HUB_IP}/24`, 'dev', HOST_IF]);
  run('ip', ['link', 'set', HOST_IF, 'up']);
  const inNs = (...args: string[]) => run('ip', ['netns', 'exec', NS, ...args]);
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('ip', 'addr', 'add', `${OLD_IP}/24`, 'dev', NS_IF);
  inNs('ip', 'link', 'set', NS_IF, 'up');
  // Without this, deleting the primary address deletes the secondary (the new one) with it.
  inNs('sysctl', '-q', '-w', `net.ipv4.conf.${NS_IF}.promote_secondaries=1`);
}

function destroyNamespace(): void {
  if (!created) return;
  created = false;
  for (const args of [['link', 'del', HOST_IF], ['netns', 'del', NS]]) {
    try {
      run('ip', args);
    } catch {
      // already gone (deleting one end of a veth pair deletes both; the namespace may not exist)
    }
  }
}

let hub: SaltwireNode | undefined;
let closeHubT: (() => Promise<void>) | undefined;
afterEach(async () => {
  await killAll();
  await hub?.close();
  hub = undefined;
  await closeHubT?.();
  closeHubT = undefined;
  destroyNamespace();
  await removeTempDirs();
});
afterAll(() => destroyNamespace());

describe('roaming to a new IP in a network namespace', () => {
  it.skipIf(skip !== undefined)(
    'the device moves from .2 to .3: the hub validates the new address, follows, and reaches the device there [SW-10.1-1] [SW-10.2-6]',
    async () => {
      createNamespace();
      const dir = await tempDir('saltwire-netns-');
      const suite = defaultCryptoSuite();
      const hubT = await UdpTransport.bind({ host: HUB_IP });
      closeHubT = () => hubT.close(); // covers a failed start
      hub = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), suite, transport: hubT, stateDir: join(dir, 'hub'), provisioning: true });
      const moves: Array<{ host: string; port: number; validated: boolean }> = [];
      hub.on('address', (e) => e.change === 'moved' && moves.push({ host: e.address.host, port: e.address.port, validated: e.validated }));
      const inbox: string[] = [];
      hub.on('message', (m) => inbox.push(new TextDecoder().decode(m.data)));

      const dev = await spawnNode({ role: 'device', id: DEV, stateDir: join(dir, 'dev'), provisioning: true, host: '0.0.0.0', netns: NS, peer: { id: 'hub', address: hubT.local } });
      await dev.waitFor('reachable', (l) => l['peer'] === 'hub', 5000);
      expect(await waitUntil(() => hub!.peer(DEV)?.validated === true, 2000, 5)).toBe(true);
      expect(hub.peer(DEV)?.address).toEqual({ host: OLD_IP, port: dev.port });
      expect(moves).toEqual([{ host: OLD_IP, port: dev.port, validated: false }]);

      // The device's network changes under its socket.
      run('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', `${NEW_IP}/24`, 'dev', NS_IF]);
      run('ip', ['netns', 'exec', NS, 'ip', 'addr', 'del', `${OLD_IP}/24`, 'dev', NS_IF]);
      const addrs = run('ip', ['netns', 'exec', NS, 'ip', '-4', '-o', 'addr', 'show', 'dev', NS_IF]);
      expect(addrs).toContain(`${NEW_IP}/24`);
      expect(addrs).not.toContain(`${OLD_IP}/24`);

      expect(await dev.sendText('hub', 'from the new address')).toBe(true);
      expect(await waitUntil(() => inbox.includes('from the new address'), 3000, 5)).toBe(true);
      // the path moves once the new address echoed the candidate's token: one move, validated
      expect(await waitUntil(() => moves.length === 2, 3000, 5)).toBe(true);
      expect(moves[1]).toEqual({ host: NEW_IP, port: dev.port, validated: true });
      expect(hub.peer(DEV)?.validated).toBe(true);
      expect(hub.peer(DEV)?.address).toEqual({ host: NEW_IP, port: dev.port });
      expect(moves).toHaveLength(2);

      const mark = dev.mark();
      for (let i = 0; i < 3; i++) expect(hub.send(DEV, new TextEncoder().encode(`to the new address ${i}`))).toBe(true);
      for (let i = 0; i < 3; i++) await dev.waitFor('message', (l) => l['text'] === `to the new address ${i}` && l['fresh'] === true, 3000, mark);
      await sleep(100);
      expect(dev.events('unreachable')).toEqual([]);
      expect(hub.stats.sent.transportErrors).toBe(0);
    },
    30_000,
  );
});
