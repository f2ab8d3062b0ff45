/**
 * `saltwire status` lists every device the hub knows (issue 18), not only those heard since it
 * started: those in the peer memory of its state directory (spec 12.1: heard before a restart) and
 * those its access control names, each with its state. The hub runs in-process (main.ts run()) and
 * is restarted on the same state directory and port; the devices talk to it over UDP loopback.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import type { HubStatus, PeerStatus } from '../../src/cli/commands/status.js';
import { run } from '../../src/cli/main.js';
import { deriveDeviceKey, generateKey, startClient, toHex, tweetnaclSuite } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-status-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const site = generateKey(tweetnaclSuite);
const key = (id: string): string => toHex(deriveDeviceKey(tweetnaclSuite, site, id, 0));
const until = async (f: () => boolean, ms = 5000): Promise<void> => {
  for (const end = Date.now() + ms; !f() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
};

/** A hub run in-process: its address once listening, and stop() (SIGTERM) resolving with its exit code. */
async function startHubCli(argv: string[]): Promise<{ addr: string; log: string[]; stop(): Promise<number> }> {
  const log: string[] = [];
  let stop!: (s: string) => void;
  let listening!: (addr: string) => void;
  const ready = new Promise<string>((r) => (listening = r));
  const io: Io = {
    out: (l) => l.startsWith('listening ') && listening(l.slice(10)),
    err: (l) => void log.push(l),
    env: { XDG_STATE_HOME: tmp, SALTWIRE_SITE_KEY: toHex(site) },
    stopped: new Promise((r) => (stop = r)),
  };
  const exit = run(['hub', ...argv], io);
  const addr = await Promise.race([ready, exit.then((c) => Promise.reject(new Error(`hub exited ${c}: ${log.join('\n')}`)))]);
  return { addr, log, stop: () => (stop('SIGTERM'), exit) };
}

async function status(addr: string, extra: string[] = []): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_STATE_HOME: tmp, SALTWIRE_KEY: key('console') }, stopped: new Promise(() => undefined) };
  const code = await run(['status', '--hub', addr, '--id', 'console', '--timeout', '3s', ...extra], io);
  return { code, out, err };
}

async function statusJson(addr: string): Promise<HubStatus> {
  const r = await status(addr, ['--json']);
  expect(r.code, r.err.join('\n')).toBe(0);
  return JSON.parse(r.out[0]!) as HubStatus;
}

const device = (s: HubStatus, id: string): PeerStatus | undefined => s.peers.find((p) => p.id === id);

describe('saltwire status: the devices a hub knows', () => {
  it('lists a device heard before a restart of the hub (its saved peer memory) and those access control names, each with its state', { timeout: 30_000 }, async () => {
    const config = join(tmp, 'hub.json');
    writeFileSync(config, JSON.stringify({ acl: { revoked: ['old-7'], rules: [
      { devices: ['*'], publish: ['sensors/{id}/#'] },
      { devices: ['console'], call: ['saltwire/status'] },
      { devices: ['pump-9'], publish: ['pumps/#'] },
    ] } }));
    const stateDir = join(tmp, 'hub-state');
    let hub = await startHubCli(['--listen', '127.0.0.1:0', '--state', stateDir, '--config', config]);
    const port = hub.addr.split(':')[1]!;

    // sensor-1 is heard, then stops for good; sensor-2 stays up across the hub's restart
    const sensor1 = await startClient({ hub: hub.addr, id: 'sensor-1', key: key('sensor-1'), stateDir: join(tmp, 'sensor-1') });
    let sensor1Closed = false;
    const sensor2 = await startClient({ hub: hub.addr, id: 'sensor-2', key: key('sensor-2'), stateDir: join(tmp, 'sensor-2') });
    try {
      await sensor1.publish('sensors/sensor-1/t', '1', { qos: 1 });
      await sensor2.publish('sensors/sensor-2/t', '1', { qos: 1 });
      const before = await statusJson(hub.addr);
      expect(device(before, 'sensor-1')).toMatchObject({ state: 'reachable', knownFrom: ['heard'], epoch: expect.any(Number), lastHeardMsAgo: expect.any(Number) });
      expect(device(before, 'pump-9')).toEqual({ id: 'pump-9', state: 'unheard', reachability: 'unknown', address: null, validated: false, lastHeardMsAgo: null, epoch: null, knownFrom: ['acl'], revoked: false });
      expect(device(before, 'old-7')).toMatchObject({ state: 'unheard', knownFrom: ['acl'], revoked: true });
      expect(device(before, 'console')).toMatchObject({ state: 'reachable', knownFrom: ['heard', 'acl'] });
      expect(device(before, 'hub')).toBeUndefined();
      const sensor1Address = device(before, 'sensor-1')!.address!;
      // the hub saves a validated new peer within 100 ms (NEW_PEER_SAVE_DELAY_MS)
      const peersFile = (): string => { try { return readFileSync(join(stateDir, 'peers'), 'utf8'); } catch { return ''; } };
      await until(() => peersFile().includes('sensor-1') && peersFile().includes('sensor-2'));
      await sensor1.close();
      sensor1Closed = true;

      expect(await hub.stop()).toBe(0);
      hub = await startHubCli(['--listen', `127.0.0.1:${port}`, '--state', stateDir, '--config', config]);
      // the restarted hub tells the devices it remembers (spec 12.2): sensor-2 answers, sensor-1 cannot
      let after = await statusJson(hub.addr);
      for (const end = Date.now() + 8000; device(after, 'sensor-2')?.state !== 'reachable' && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 100));
        after = await statusJson(hub.addr);
      }
      expect(device(after, 'sensor-1')).toEqual({ id: 'sensor-1', state: 'unheard', reachability: expect.stringMatching(/^(unknown|unreachable)$/), address: sensor1Address, validated: true, lastHeardMsAgo: null, epoch: null, knownFrom: ['saved'], revoked: false });
      expect(device(after, 'sensor-2')).toMatchObject({ state: 'reachable', knownFrom: ['heard', 'saved'], epoch: expect.any(Number), lastHeardMsAgo: expect.any(Number) });
      expect(device(after, 'pump-9')).toMatchObject({ state: 'unheard', knownFrom: ['acl'] });

      const text = await status(hub.addr);
      expect(text.code, text.err.join('\n')).toBe(0);
      expect(text.out[0]).toMatch(/^hub hub at 127\.0\.0\.1:\d+, epoch \d+, up \d+s, 5 devices \(2 reachable, 0 unreachable, 3 unheard since start\)$/);
      expect(text.out[1]).toMatch(/^DEVICE\s+STATE\s+ADDRESS\s+LAST HEARD$/);
      expect(text.out).toContainEqual(expect.stringMatching(/^sensor-1\s+unheard\s+127\.0\.0\.1:\d+\s+-$/));
      expect(text.out).toContainEqual(expect.stringMatching(/^pump-9\s+unheard\s+-\s+-$/));
      expect(text.out).toContainEqual(expect.stringMatching(/^old-7\s+unheard,revoked\s+-\s+-$/));
      const wide = await status(hub.addr, ['--wide']);
      expect(wide.out[1]).toMatch(/^DEVICE\s+STATE\s+ADDRESS\s+LAST HEARD\s+EPOCH\s+KNOWN FROM$/);
      expect(wide.out).toContainEqual(expect.stringMatching(/^sensor-2\s+reachable\s+127\.0\.0\.1:\d+\s+\d+\.\ds ago\s+\d+\s+heard,saved$/));
      expect(wide.out).toContainEqual(expect.stringMatching(/^sensor-1\s+unheard\s+127\.0\.0\.1:\d+\s+-\s+-\s+saved$/));
      expect((await status(hub.addr, ['--json', '--wide'])).code).toBe(1);
    } finally {
      if (!sensor1Closed) await sensor1.close();
      await sensor2.close();
      expect(await hub.stop()).toBe(0);
    }
  });
});
