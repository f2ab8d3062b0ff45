/**
 * Restarts over real UDP, each node in its own process (spec 12): kill -9 loses exactly what a crash
 * loses (everything but the state directory), and the kernel carries every datagram. The device
 * talks to the hub through a ChaosProxy (device -> proxy -> hub) so that its traffic can be captured
 * and replayed. The same scenarios on a MemoryNetwork with virtual time are in recovery.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosProxy, type ProxyCapture } from '../../src/transport/chaos-proxy.js';
import { addressKey, type Address } from '../../src/transport/transport.js';
import { killAll, rememberedPeers, removeTempDirs, spawnNode, tempDir, totalDrops, waitUntil, type NodeProc } from './process-helpers.js';

const DEV = 'sensor-1';
let proxy: ChaosProxy | undefined;

afterEach(async () => {
  await killAll();
  await proxy?.close();
  proxy = undefined;
  await removeTempDirs();
});

interface Setup {
  readonly hub: NodeProc;
  readonly dev: NodeProc;
  readonly proxy: ChaosProxy;
  readonly hubDir: string;
  readonly devDir: string;
}

/** A hub process, a proxy in front of it, and a device process that knows the hub at the proxy's address. */
async function setup(): Promise<Setup> {
  const dir = await tempDir('saltwire-restart-');
  const hubDir = join(dir, 'hub');
  const devDir = join(dir, 'dev');
  const hub = await spawnNode({ role: 'hub', id: 'hub', stateDir: hubDir, provisioning: true });
  proxy = await ChaosProxy.start({ target: hub.address, maxCapture: 4096 });
  const dev = await spawnNode({ role: 'device', id: DEV, stateDir: devDir, provisioning: true, peer: { id: 'hub', address: proxy.address } });
  // first contact: the device's start PING, the hub's answer, the device's echo [SW-12.3-1]
  await dev.waitFor('reachable', (l) => l['peer'] === 'hub', 5000);
  await hub.waitFor('reachable', (l) => l['peer'] === DEV, 5000);
  return { hub, dev, proxy, hubDir, devDir };
}

/** One message each way; both must be delivered, once. Single sends: no retry hides a loss. */
async function exchange(hub: NodeProc, dev: NodeProc, tag: string): Promise<void> {
  const hm = hub.mark();
  const dm = dev.mark();
  expect(await dev.sendText('hub', `${tag}-up`)).toBe(true);
  expect(await hub.sendText(DEV, `${tag}-down`)).toBe(true);
  await hub.waitFor('message', (l) => l['text'] === `${tag}-up` && l['fresh'] === true, 3000, hm);
  await dev.waitFor('message', (l) => l['text'] === `${tag}-down` && l['fresh'] === true, 3000, dm);
}

/** The direction of each captured datagram of `client`, in order, from capture sequence `fromSeq`. */
function flow(p: ChaosProxy, client: Address, fromSeq = 0): string[] {
  return p.captured.filter((c) => c.seq >= fromSeq && addressKey(c.client) === addressKey(client)).map((c) => (c.direction === 'toTarget' ? 'up' : 'down'));
}

/** Replays `replays` to the hub while real device->hub traffic is held back (injections bypass faults). */
async function replayAlone(p: ChaosProxy, replays: readonly ProxyCapture[]): Promise<void> {
  p.setFaults({ loss: 1 }, 'toTarget');
  try {
    for (const c of replays) await p.replay(c);
  } finally {
    // Let the last injections reach the hub before real traffic may pass again.
    await new Promise((r) => setTimeout(r, 300));
    p.setFaults({}, 'toTarget');
  }
}

function assertNoDuplicates(n: NodeProc): void {
  const texts = n.texts();
  expect(new Set(texts).size).toBe(texts.length);
}

describe('restart over real UDP, separate processes', () => {
  it('device kill -9 and restart: hub sees the restart at once, traffic resumes in one round trip, no replay is ever delivered [SW-12.2-1] [SW-12.3-1] [SW-6.3-1]', async () => {
    const { hub, dev, proxy: p, devDir } = await setup();
    for (let i = 0; i < 3; i++) await exchange(hub, dev, `pre${i}`);

    await dev.kill9();
    const hubMark = hub.mark();
    const seqBefore = p.captured.at(-1)!.seq + 1;
    // Same state directory, no provisioning: the epoch record must be there, and grows by one [SW-5.2-2].
    const dev2 = await spawnNode({ role: 'device', id: DEV, stateDir: devDir, peer: { id: 'hub', address: p.address } });
    expect(dev2.epoch).toBe(dev.epoch + 1);
    const tListen = dev2.lines[0]!.t;

    const restart = await hub.waitFor('restart', (l) => l['peer'] === DEV, 3000, hubMark);
    expect(restart['epoch']).toBe(dev2.epoch);
    const moved = await hub.waitFor('address', (l) => l['peer'] === DEV, 3000, hubMark);
    // the restarted process has a new port, so a new proxy mapping: the hub sees a new source port
    expect(moved['port']).toBe(p.upstreamAddressOf(dev2.address)!.port);
    const reachable = await dev2.waitFor('reachable', (l) => l['peer'] === 'hub', 3000);
    await waitUntil(() => flow(p, dev2.address, seqBefore).length >= 3, 1000, 5); // the device's echo

    // Both directions at once, as soon as the device heard the hub fresh: nothing is retried.
    const hm = hub.mark();
    const dm = dev2.mark();
    dev2.send({ cmd: 'send', to: 'hub', text: 'after-up' });
    hub.send({ cmd: 'send', to: DEV, text: 'after-down' });
    const up = await hub.waitFor('message', (l) => l['text'] === 'after-up', 3000, hm);
    const down = await dev2.waitFor('message', (l) => l['text'] === 'after-down', 3000, dm);
    expect(up['fresh']).toBe(true);
    expect(down['fresh']).toBe(true);
    const ms = (t: number) => Math.round((t - tListen) * 10) / 10;
    console.log(
      `[udp-restart] device restart: hub 'restart' ${ms(restart.t)} ms, device reachable ${ms(reachable.t)} ms, ` +
        `first device->hub message ${ms(up.t)} ms, first hub->device message ${ms(down.t)} ms after 'listening'`,
    );
    // One round trip: the hub answers the first datagram of the new epoch (PING + CHALLENGE) at once,
    // and that answer (ECHO + CHALLENGE) is what makes the device hear the hub fresh.
    expect(flow(p, dev2.address, seqBefore).slice(0, 3)).toEqual(['up', 'down', 'up']);
    expect(restart.t - tListen).toBeLessThan(1000);
    expect(reachable.t - tListen).toBeLessThan(1000);
    expect(up.t - tListen).toBeLessThan(2000);
    expect(down.t - tListen).toBeLessThan(2000);
    await exchange(hub, dev2, 'post');

    // Replay every device->hub datagram, from before and after the restart, each from the address
    // it first came from. Old epoch: STALE_EPOCH; new epoch: REPLAY. Nothing is delivered or answered.
    const replays = p.captured.filter((c) => c.direction === 'toTarget');
    expect(replays.length).toBeGreaterThanOrEqual(9); // 2 first contact + 3 + 2 restart handshake + 2
    expect(new Set(replays.map((c) => addressKey(c.client))).size).toBe(2); // both device processes
    const texts = hub.texts();
    const before = await hub.stats();
    await replayAlone(p, replays);
    expect(await waitUntil(async () => totalDrops(await hub.stats()) - totalDrops(before) >= replays.length, 3000, 50)).toBe(true);
    const after = await hub.stats();
    expect(totalDrops(after) - totalDrops(before)).toBe(replays.length);
    expect((after.drops['STALE_EPOCH'] ?? 0) - (before.drops['STALE_EPOCH'] ?? 0)).toBeGreaterThan(0);
    expect((after.drops['REPLAY'] ?? 0) - (before.drops['REPLAY'] ?? 0)).toBeGreaterThan(0);
    expect(after.received).toBe(before.received);
    // silence to all but one: a stale datagram authenticates as the device's own and may be told its
    // floor, at most once per STALE_ANSWER_INTERVAL per peer, asking for nothing back [SW-12.4-10] [SW-12.4-2]
    expect(after.sent.datagrams - before.sent.datagrams).toBeLessThanOrEqual(1);
    expect(hub.texts()).toEqual(texts);
    assertNoDuplicates(hub);
    assertNoDuplicates(dev2);
    await exchange(hub, dev2, 'end');
  });

  it('hub kill -9 and restart: it tells the devices it remembered, which see the restart; traffic resumes with no user code [SW-12.2-1] [SW-12.3-1]', async () => {
    const { hub, dev, proxy: p, hubDir } = await setup();
    await exchange(hub, dev, 'pre');
    // The hub saves remembered peers within 5 s of an address change (peer-memory.ts); a kill -9
    // before that loses them, like a crash would. Wait (bounded) for the record naming the device
    // at the address the hub sees (the proxy's upstream socket).
    const seen = p.upstreamAddressOf(dev.address)!;
    const saved = await waitUntil(async () => (await rememberedPeers(hubDir)).some((r) => r[0] === DEV && r[1] === seen.host && r[2] === seen.port), 8000, 100);
    expect(saved).toBe(true);

    await hub.kill9();
    const dm = dev.mark();
    const seqBefore = p.captured.at(-1)!.seq + 1;
    // The same port: the proxy (and so the device's configuration) points there.
    const hub2 = await spawnNode({ role: 'hub', id: 'hub', stateDir: hubDir, port: hub.port });
    expect(hub2.epoch).toBe(hub.epoch + 1);
    const tListen = hub2.lines[0]!.t;
    const restart = await dev.waitFor('restart', (l) => l['peer'] === 'hub', 3000, dm);
    expect(restart['epoch']).toBe(hub2.epoch);
    const reachable = await hub2.waitFor('reachable', (l) => l['peer'] === DEV, 3000);
    // The hub spoke first (its start PING to the remembered address), then one round trip; its
    // 'reachable' is printed just before its echo leaves, so wait (bounded) for that third datagram.
    await waitUntil(() => flow(p, dev.address, seqBefore).length >= 3, 1000, 5);
    expect(flow(p, dev.address, seqBefore).slice(0, 3)).toEqual(['down', 'up', 'down']);

    const hm = hub2.mark();
    const dm2 = dev.mark();
    dev.send({ cmd: 'send', to: 'hub', text: 'after-up' });
    hub2.send({ cmd: 'send', to: DEV, text: 'after-down' });
    const up = await hub2.waitFor('message', (l) => l['text'] === 'after-up', 3000, hm);
    const down = await dev.waitFor('message', (l) => l['text'] === 'after-down', 3000, dm2);
    expect(up['fresh']).toBe(true);
    expect(down['fresh']).toBe(true);
    const ms = (t: number) => Math.round((t - tListen) * 10) / 10;
    console.log(
      `[udp-restart] hub restart: device 'restart' ${ms(restart.t)} ms, hub reachable ${ms(reachable.t)} ms, ` +
        `first device->hub message ${ms(up.t)} ms, first hub->device message ${ms(down.t)} ms after 'listening'`,
    );
    expect(restart.t - tListen).toBeLessThan(1000);
    expect(reachable.t - tListen).toBeLessThan(1000);

    // The restarted hub lost its receive state: device datagrams recorded before its restart are of
    // unknown freshness to it. Replayed, they must not be delivered [SW-12.3-1]: each is dropped, or
    // accepted once and withheld (counted in `unverified`).
    const replays = p.captured.filter((c) => c.direction === 'toTarget');
    const texts = hub2.texts();
    const before = await hub2.stats();
    await replayAlone(p, replays);
    expect(
      await waitUntil(async () => {
        const s = await hub2.stats();
        return totalDrops(s) - totalDrops(before) + s.received - before.received >= replays.length;
      }, 3000, 50),
    ).toBe(true);
    const after = await hub2.stats();
    const dropped = totalDrops(after) - totalDrops(before);
    expect(dropped + after.received - before.received).toBe(replays.length);
    expect(dropped).toBeGreaterThan(0);
    expect(hub2.texts()).toEqual(texts);
    // real traffic still flows, and is delivered once
    await exchange(hub2, dev, 'fresh');
    expect(hub2.texts().slice(texts.length)).toEqual(['fresh-up']);
    assertNoDuplicates(hub2);
    assertNoDuplicates(dev);
  });
});
