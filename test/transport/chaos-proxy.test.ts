// ChaosProxy over loopback: relaying both ways through a NAT-like mapping, seeded loss, blackout,
// upstream rebinding (NAT rebinding as the server sees it), capture and replay.
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosProxy, InvalidArgumentError, UdpTransport } from '../../src/internals.js';
import type { Address } from '../../src/transport/transport.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (d: Uint8Array) => Buffer.from(d).toString();
const bytes = (s: string) => new TextEncoder().encode(s);

/** An echo server behind a proxy, and one client in front of it. */
async function setup(options: Partial<Parameters<typeof ChaosProxy.start>[0]> = {}, host = '127.0.0.1') {
  const server = await UdpTransport.bind({ host });
  const atServer: Array<{ data: string; from: Address }> = [];
  server.onReceive((d, from) => {
    atServer.push({ data: text(d), from });
    void server.send(d, from).catch(() => undefined);
  });
  const proxy = await ChaosProxy.start({ target: server.local, host, ...options });
  const client = await UdpTransport.bind({ host });
  const atClient: string[] = [];
  client.onReceive((d, from) => {
    expect(from).toEqual(proxy.address);
    atClient.push(text(d));
  });
  closers.push(() => server.close(), () => proxy.close(), () => client.close());
  return { server, proxy, client, atServer, atClient };
}

describe('ChaosProxy', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`relays both ways through one upstream socket per client (${host})`, async () => {
      const { proxy, client, atServer, atClient } = await setup({}, host);
      for (let i = 0; i < 20; i++) await client.send(bytes(`hello ${i}`), proxy.address);
      expect(await waitFor(() => atClient.length === 20)).toBe(true);
      expect(new Set(atClient).size).toBe(20);
      const up = proxy.upstreamAddressOf(client.local)!;
      expect(up.port).not.toBe(client.local.port);
      expect(atServer.every((x) => x.from.port === up.port && x.from.host === up.host)).toBe(true);
      expect(proxy.stats.toTarget).toMatchObject({ received: 20, forwarded: 20, dropped: 0 });
      expect(proxy.stats.toClient).toMatchObject({ received: 20, forwarded: 20, dropped: 0 });
      expect(proxy.stats.mappingsCreated).toBe(1);
    });
  }

  it('loses datagrams at roughly the configured rate', async () => {
    const { proxy, client, atServer } = await setup({ seed: 'loss', faults: { loss: 0.3 } });
    const N = 2000;
    for (let i = 0; i < N; i++) {
      await client.send(bytes(`d${i}`), proxy.address);
      if (i % 100 === 99) await sleep(1); // paced: the kernel must not be the one losing
    }
    expect(await waitFor(() => proxy.stats.toTarget.received === N)).toBe(true);
    await waitFor(() => atServer.length === N - proxy.stats.toTarget.dropped, 2000);
    expect(atServer.length).toBe(N - proxy.stats.toTarget.dropped);
    expect(Math.abs(proxy.stats.toTarget.dropped / N - 0.3)).toBeLessThan(0.05);
    expect(proxy.faults.counters.lost).toBe(proxy.stats.toTarget.dropped + proxy.stats.toClient.dropped);
  });

  it('a blackout drops everything in both directions until it is lifted', async () => {
    const { proxy, client, atServer, atClient } = await setup();
    await client.send(bytes('before'), proxy.address);
    expect(await waitFor(() => atClient.length === 1)).toBe(true);
    proxy.blackout = true;
    for (let i = 0; i < 20; i++) await client.send(bytes(`dark ${i}`), proxy.address);
    await waitFor(() => proxy.stats.toTarget.received === 21);
    await sleep(100);
    expect(atServer).toHaveLength(1);
    expect(proxy.stats.toTarget.dropped).toBe(20);
    proxy.blackout = false;
    await client.send(bytes('after'), proxy.address);
    expect(await waitFor(() => atClient.length === 2)).toBe(true);
    expect(atClient).toEqual(['before', 'after']);
  });

  it('delays and duplicates on real timers', async () => {
    const { proxy, client, atServer } = await setup({ faults: { delayMs: 40, duplicate: 1 } });
    const t0 = performance.now();
    await client.send(bytes('x'), proxy.address);
    expect(await waitFor(() => atServer.length === 2)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    proxy.setFaults({}, 'toTarget');
    await client.send(bytes('y'), proxy.address);
    expect(await waitFor(() => atServer.length === 3)).toBe(true);
  });

  it('rebindClient changes the source port the target sees; replies to the old port are lost', async () => {
    const { server, proxy, client, atServer, atClient } = await setup();
    await client.send(bytes('one'), proxy.address);
    expect(await waitFor(() => atClient.length === 1)).toBe(true);
    const oldUp = atServer[0]!.from;
    const newUp = await proxy.rebindClient(client.local);
    expect(newUp.port).not.toBe(oldUp.port);
    expect(proxy.upstreamAddressOf(client.local)).toEqual(newUp);
    await client.send(bytes('two'), proxy.address);
    expect(await waitFor(() => atClient.length === 2)).toBe(true);
    expect(atServer[1]!.from).toEqual(newUp);
    await server.send(bytes('to the old mapping'), oldUp);
    await sleep(100);
    expect(atClient).toEqual(['one', 'two']);
    expect(proxy.stats.rebinds).toBe(1);
    await expect(proxy.rebindClient({ host: '127.0.0.1', port: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('captures what it relays and inject() replays a captured datagram to either side', async () => {
    const { proxy, client, atServer, atClient } = await setup({ faults: { loss: 1 } });
    proxy.setFaults({}, 'toClient');
    await client.send(bytes('secret'), proxy.address);
    await waitFor(() => proxy.captured.length === 1);
    await sleep(50);
    expect(atServer).toHaveLength(0); // lost on the way, but captured
    const [c] = proxy.captured;
    expect(c).toMatchObject({ direction: 'toTarget', client: client.local });
    expect(text(c!.bytes)).toBe('secret');
    await proxy.replay(c!);
    expect(await waitFor(() => atServer.length === 1)).toBe(true);
    expect(atServer[0]).toEqual({ data: 'secret', from: proxy.upstreamAddressOf(client.local) });
    expect(await waitFor(() => atClient.length === 1)).toBe(true); // the echo, relayed back
    await proxy.inject(bytes('forged'), 'toClient');
    expect(await waitFor(() => atClient.length === 2)).toBe(true);
    expect(atClient).toEqual(['secret', 'forged']);
    expect(proxy.stats.injected).toBe(2);
  });

  it('bounds its mappings (LRU) and its capture', async () => {
    const { proxy } = await setup({ maxMappings: 2, maxCapture: 10 });
    const clients = await Promise.all([0, 1, 2].map(() => UdpTransport.bind({ host: '127.0.0.1' })));
    closers.push(...clients.map((c) => () => c.close()));
    for (const c of clients) {
      c.onReceive(() => undefined);
      for (let i = 0; i < 5; i++) await c.send(bytes(`${c.local.port}/${i}`), proxy.address);
      // echoes included, so that the order of use (and so the eviction) is fixed
      await waitFor(() => proxy.stats.toClient.received === (clients.indexOf(c) + 1) * 5);
    }
    expect(proxy.stats.mappingsCreated).toBe(3);
    expect(proxy.stats.mappingsEvicted).toBe(1);
    expect(proxy.clients.map((a) => a.port)).toEqual([clients[1]!.local.port, clients[2]!.local.port]);
    expect(proxy.upstreamAddressOf(clients[0]!.local)).toBeUndefined();
    expect(proxy.stats.toClient.received).toBe(15);
    expect(proxy.captured).toHaveLength(10);
    expect(proxy.stats.captureOverflow).toBe(proxy.stats.toTarget.received + proxy.stats.toClient.received - 10);
  });
});
