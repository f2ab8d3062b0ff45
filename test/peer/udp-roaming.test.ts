/**
 * Roaming over real UDP (spec 10): the device's datagrams start coming from a new source port, as
 * after a NAT rebinding; the hub follows authenticated datagrams only, and only once the new address
 * echoed a token sent there [SW-10.2-6]; it sends a candidate address at most 3x what it received
 * from there, and a spoofed copy never takes the path from the validated address [SW-10.1-8]. The ChaosProxy
 * plays the NAT (SaltwireNode cannot swap its transport, so the port changes in the proxy). A new IP
 * inside a network namespace is in netns.test.ts; the same on a MemoryNetwork in recovery.test.ts.
 */
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, PairKeyring, SiteKeyring } from '../../src/core.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { startNode } from '../../src/node/start.js';
import { ChaosProxy, type ProxyCapture } from '../../src/transport/chaos-proxy.js';
import type { Address } from '../../src/transport/transport.js';
import { UdpTransport } from '../../src/transport/udp.js';
import { removeTempDirs, sleep, tempDir, waitUntil } from './process-helpers.js';

const DEV = 'sensor-1';
const SITE = new Uint8Array(32).fill(7);
const suite = defaultCryptoSuite();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  await removeTempDirs();
});

/** A plain UDP socket that counts what arrives: the old address, or a spoofing victim. */
async function listener(port = 0): Promise<{ sock: Socket; address: Address; got: Uint8Array[] }> {
  const sock = createSocket('udp4');
  const got: Uint8Array[] = [];
  sock.on('message', (m) => got.push(new Uint8Array(m)));
  await new Promise<void>((res, rej) => {
    sock.once('error', rej);
    sock.bind(port, '127.0.0.1', () => res());
  });
  cleanup.push(() => new Promise<void>((res) => sock.close(() => res())));
  const a = sock.address();
  return { sock, address: { host: a.address, port: a.port }, got };
}

/** Hub and device in this process, each on its own UDP socket; the device reaches the hub through a proxy. */
async function setup() {
  const dir = await tempDir('saltwire-roam-');
  const hubT = await UdpTransport.bind({ host: '127.0.0.1' });
  cleanup.push(() => hubT.close()); // idempotent; covers a failed start
  const hub = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), suite, transport: hubT, stateDir: join(dir, 'hub'), provisioning: true });
  cleanup.push(() => hub.close());
  const proxy = await ChaosProxy.start({ target: hubT.local });
  cleanup.push(() => proxy.close());
  const devT = await UdpTransport.bind({ host: '127.0.0.1' });
  cleanup.push(() => devT.close());
  const dev = await startNode({
    id: DEV,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, DEV, 0)),
    suite,
    transport: devT,
    stateDir: join(dir, 'dev'),
    provisioning: true,
    peers: [{ id: 'hub', address: proxy.address }],
  });
  cleanup.push(() => dev.close());
  const inbox = { hub: [] as string[], dev: [] as string[] };
  hub.on('message', (m) => inbox.hub.push(dec(m.data)));
  dev.on('message', (m) => inbox.dev.push(dec(m.data)));
  const ready = await waitUntil(() => hub.peer(DEV)?.validated === true && dev.reachability('hub') === 'reachable' && hub.reachability(DEV) === 'reachable', 3000, 5);
  expect(ready).toBe(true);
  expect(hub.peer(DEV)?.address).toEqual(proxy.upstreamAddressOf(devT.local));
  return { hub, dev, devT, proxy, inbox };
}

/** Waits (bounded) for `text` in `box`. */
async function arrives(box: string[], text: string, ms = 2000): Promise<boolean> {
  return waitUntil(() => box.includes(text), ms, 5);
}

describe('roaming over real UDP', () => {
  it('new source port: the hub validates the new address, moves there, replies there, and the old address gets nothing after [SW-10.1-1] [SW-10.2-6]', async () => {
    const { hub, dev, devT, proxy, inbox } = await setup();
    const oldUp = proxy.upstreamAddressOf(devT.local)!;
    const moves: Array<{ port: number; validated: boolean }> = [];
    hub.on('address', (e) => e.change === 'moved' && moves.push({ port: e.address.port, validated: e.validated }));

    const newUp = await proxy.rebindClient(devT.local); // the old upstream socket is closed
    expect(newUp.port).not.toBe(oldUp.port);
    // Someone else now holds the old address: once the new one is validated it hears nothing more.
    const old = await listener(oldUp.port);

    const sentBefore = hub.stats.sent.datagrams;
    expect(dev.send('hub', enc('from the new port'))).toBe(true);
    expect(await arrives(inbox.hub, 'from the new port')).toBe(true);
    // The path moves once the new address echoed the candidate's token, validated.
    expect(await waitUntil(() => moves.length > 0, 2000, 5)).toBe(true);
    expect(moves).toEqual([{ port: newUp.port, validated: true }]);
    expect(hub.peer(DEV)?.address).toEqual(newUp);
    expect(hub.peer(DEV)?.validated).toBe(true);
    await sleep(50);
    const oldBefore = old.got.length; // the PING of [SW-10.2-7], sent while the candidate was pending
    expect(oldBefore).toBeLessThanOrEqual(1);

    for (let i = 0; i < 5; i++) expect(hub.send(DEV, enc(`reply ${i}`))).toBe(true);
    for (let i = 0; i < 5; i++) expect(await arrives(inbox.dev, `reply ${i}`)).toBe(true);
    expect(hub.stats.sent.datagrams - sentBefore).toBeGreaterThanOrEqual(6); // challenge + 5 replies
    await sleep(200);
    expect(old.got).toHaveLength(oldBefore);
    expect(hub.stats.sent.amplificationLimited).toBe(0);
  });

  it('a spoofed copy of a withheld datagram takes nothing: the victim gets a challenge within 3x, the device everything [SW-10.1-8] [SW-10.3-1] [SW-10.2-7]', async () => {
    const { hub, dev, devT, proxy, inbox } = await setup();
    const devUp = proxy.upstreamAddressOf(devT.local)!;
    const moves: unknown[] = [];
    hub.on('address', (e) => moves.push(e));
    // An on-path attacker withholds the device's next datagram ...
    const seq = proxy.captured.at(-1)!.seq + 1;
    proxy.setFaults({ loss: 1 }, 'toTarget');
    expect(dev.send('hub', enc('withheld'))).toBe(true);
    let held: ProxyCapture | undefined;
    expect(await waitUntil(() => (held = proxy.captured.find((c) => c.seq >= seq && c.direction === 'toTarget')) !== undefined, 1000, 5)).toBe(true);
    proxy.setFaults({}, 'toTarget');
    // ... and sends it from a victim's address (the proxy relays replies to the victim).
    const victim = await listener();
    await proxy.inject(held!.bytes, 'toTarget', victim.address);
    expect(await arrives(inbox.hub, 'withheld')).toBe(true); // authentic and never seen: delivered, once
    expect(await waitUntil(() => victim.got.length > 0, 1000, 5)).toBe(true); // the candidate's challenge
    expect(hub.peer(DEV)?.address).toEqual(devUp); // the path never moved
    expect(hub.peer(DEV)?.validated).toBe(true);
    // The application keeps talking to the device: all of it reaches the device, none the victim.
    const big = new Uint8Array(hub.maxPayload).fill(0x41);
    const before = dev.stats.received;
    for (let i = 0; i < 10; i++) expect(hub.send(DEV, big)).toBe(true);
    expect(await waitUntil(() => dev.stats.received >= before + 10, 2000, 5)).toBe(true);
    await sleep(300);
    const toVictim = victim.got.reduce((n, d) => n + d.length, 0);
    expect(toVictim).toBeLessThanOrEqual(3 * held!.bytes.length);

    // The real device speaks again: the candidate is over, the victim hears nothing more [SW-10.2-7].
    expect(dev.send('hub', enc('real'))).toBe(true);
    expect(await arrives(inbox.hub, 'real')).toBe(true);
    expect(hub.send(DEV, enc('back'))).toBe(true);
    expect(await arrives(inbox.dev, 'back')).toBe(true);
    await sleep(1_200); // past a candidate resend
    expect(victim.got.reduce((n, d) => n + d.length, 0)).toBe(toVictim);
    expect(inbox.hub.filter((t) => t === 'withheld')).toHaveLength(1);
    expect(moves).toEqual([]);
  });
});
