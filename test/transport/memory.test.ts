// MemoryNetwork: deterministic delivery through a VirtualScheduler, each fault kind measured at the
// receiver against its configured probability, partitions, roaming, copy-on-send [SW-8.1-1..3].
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  MemoryNetwork,
  TransportError,
  toHex,
  type CapturedDatagram,
  type FaultConfig,
} from '../../src/core.js';
import type { Address } from '../../src/transport/transport.js';

const N = 10_000;

const tagged = (i: number, len = 16): Uint8Array => {
  const b = new Uint8Array(len);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};
/** The tag, or -1 for a datagram truncated below it. */
const idOf = (b: Uint8Array): number => (b.length < 4 ? -1 : new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0));

interface Arrival {
  id: number;
  sentAt: number;
  at: number;
  bytes: Uint8Array;
  from: Address;
}

/** Sends N tagged datagrams a→b, one per virtual millisecond, and returns what b received. */
function run(faults: FaultConfig, seed: number | string = 1, count = N) {
  const net = new MemoryNetwork({ seed, faults });
  const a = net.bind({ host: 'a', port: 1 });
  const b = net.bind({ host: 'b', port: 2 });
  const arrivals: Arrival[] = [];
  b.onReceive((bytes, from) => arrivals.push({ id: idOf(bytes), sentAt: -1, at: net.scheduler.now(), bytes, from }));
  for (let i = 0; i < count; i++) {
    void a.send(tagged(i), b.local);
    net.advance(1);
  }
  net.advance(10_000);
  for (const x of arrivals) x.sentAt = x.id; // datagram i was sent at virtual time i
  return { net, a, b, arrivals };
}

describe('MemoryNetwork', () => {
  it('is deterministic: the same seed gives the same deliveries, another seed others', () => {
    const faults: FaultConfig = { loss: 0.1, duplicate: 0.1, reorder: 0.1, jitterMs: 5, corrupt: 0.05, corruptResize: 0.3 };
    const trace = (seed: number) =>
      run(faults, seed, 2000).arrivals.map((x) => `${x.at.toFixed(6)} ${toHex(x.bytes)}`).join('\n');
    const first = trace(11);
    expect(first.length).toBeGreaterThan(0);
    expect(trace(11)).toBe(first);
    expect(trace(12)).not.toBe(first);
  });

  it('delivers through the scheduler, never inside send()', async () => {
    const net = new MemoryNetwork();
    const a = net.bind();
    const b = net.bind();
    const got: number[] = [];
    b.onReceive((d) => got.push(d[0]!));
    await a.send(new Uint8Array([7]), b.local);
    expect(got).toEqual([]);
    net.advance(0);
    expect(got).toEqual([7]);
    expect(b.stats.datagramsReceived).toBe(1);
    expect(a.stats).toMatchObject({ datagramsSent: 1, bytesSent: 1 });
  });

  it('loses datagrams at the configured rate', () => {
    for (const loss of [0.05, 0.3]) {
      const { arrivals, net } = run({ loss });
      expect(Math.abs(1 - arrivals.length / N - loss)).toBeLessThan(0.02);
      expect(net.faults.counters.lost).toBe(N - arrivals.length);
    }
  });

  it('duplicates at the configured rate, each copy with its own delay', () => {
    const { arrivals } = run({ duplicate: 0.2, jitterMs: 20 });
    const seen = new Map<number, number[]>();
    for (const x of arrivals) seen.set(x.id, [...(seen.get(x.id) ?? []), x.at]);
    const dups = [...seen.values()].filter((t) => t.length === 2);
    expect(seen.size).toBe(N);
    expect(Math.abs(dups.length / N - 0.2)).toBeLessThan(0.02);
    expect(dups.filter(([t1, t2]) => t1 !== t2).length).toBeGreaterThan(dups.length * 0.9);
  });

  it('delays by delayMs plus uniform jitter', () => {
    const { arrivals } = run({ delayMs: 20, jitterMs: 10 });
    const lat = arrivals.map((x) => x.at - x.sentAt);
    expect(Math.min(...lat)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...lat)).toBeLessThan(30);
    const mean = lat.reduce((s, v) => s + v, 0) / lat.length;
    expect(Math.abs(mean - 25)).toBeLessThan(0.3);
  });

  it('reorders at the configured rate: held-back datagrams are overtaken', () => {
    const { arrivals } = run({ delayMs: 5, reorder: 0.1, reorderDelayMs: 50 });
    expect(arrivals).toHaveLength(N);
    const held = arrivals.filter((x) => x.at - x.sentAt > 5).length;
    expect(Math.abs(held / N - 0.1)).toBeLessThan(0.02);
    let inversions = 0;
    for (let i = 1; i < arrivals.length; i++) if (arrivals[i]!.id < arrivals[i - 1]!.id) inversions++;
    expect(inversions).toBeGreaterThan(N * 0.05);
  });

  it('corrupts at the configured rate, by bit flips or by resizing', () => {
    const { arrivals } = run({ corrupt: 0.1, corruptResize: 0.5 });
    expect(arrivals).toHaveLength(N);
    let changed = 0;
    let resized = 0;
    arrivals.forEach((x, i) => {
      const sent = tagged(i); // no delay: arrivals are in send order
      if (x.bytes.length !== sent.length) resized++;
      if (toHex(x.bytes) !== toHex(sent)) changed++;
    });
    expect(Math.abs(changed / N - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(resized / changed - 0.5)).toBeLessThan(0.06);
  });

  it('applies per-link faults over the global ones', () => {
    const net = new MemoryNetwork({ faults: { loss: 1 } });
    const a = net.bind();
    const b = net.bind();
    const c = net.bind();
    net.setLinkFaults(a.local, b.local, {});
    const got: string[] = [];
    b.onReceive(() => got.push('b'));
    c.onReceive(() => got.push('c'));
    void a.send(new Uint8Array(1), b.local);
    void a.send(new Uint8Array(1), c.local);
    net.advance(0);
    expect(got).toEqual(['b']);
    net.setLinkFaults(a.local, b.local, undefined);
    void a.send(new Uint8Array(1), b.local);
    net.advance(0);
    expect(got).toEqual(['b']);
  });

  it('partition drops everything between two addresses until heal; isolation drops one address', () => {
    const net = new MemoryNetwork();
    const [a, b, c] = [net.bind(), net.bind(), net.bind()];
    const got: string[] = [];
    b.onReceive((d) => got.push(`b${d[0]}`));
    c.onReceive((d) => got.push(`c${d[0]}`));
    a.onReceive((d) => got.push(`a${d[0]}`));
    net.partition(a.local, b.local);
    void a.send(new Uint8Array([1]), b.local);
    void b.send(new Uint8Array([2]), a.local);
    void a.send(new Uint8Array([3]), c.local);
    net.advance(0);
    expect(got).toEqual(['c3']);
    net.heal();
    void a.send(new Uint8Array([4]), b.local);
    net.advance(0);
    expect(got).toEqual(['c3', 'b4']);
    net.partition(c.local);
    void a.send(new Uint8Array([5]), c.local);
    void c.send(new Uint8Array([6]), b.local);
    net.advance(0);
    expect(got).toEqual(['c3', 'b4']);
    net.heal(c.local);
    void c.send(new Uint8Array([7]), b.local);
    net.advance(0);
    expect(got).toEqual(['c3', 'b4', 'b7']);
    expect(net.faults.counters.blocked).toBe(4);
  });

  it('rebind moves a transport: the old address (in flight included) gets nothing, the peer sees the new source', () => {
    const net = new MemoryNetwork({ faults: { delayMs: 10 } });
    const device = net.bind({ host: '10.0.0.5', port: 4000 });
    const server = net.bind({ host: 'server', port: 1 });
    const atDevice: number[] = [];
    const atServer: Address[] = [];
    device.onReceive((d) => atDevice.push(d[0]!));
    server.onReceive((_, from) => atServer.push(from));
    void server.send(new Uint8Array([1]), device.local); // in flight across the move
    const old = device.local;
    const moved = device.rebind({ host: '192.168.1.9' });
    expect(moved.host).toBe('192.168.1.9');
    expect(moved.port).toBeGreaterThan(0);
    expect(device.local).toEqual(moved);
    expect(net.lookup(old)).toBeUndefined();
    void server.send(new Uint8Array([2]), old);
    void device.send(new Uint8Array([3]), server.local);
    net.advance(20);
    expect(atDevice).toEqual([]);
    expect(atServer).toEqual([moved]);
    expect(net.stats.noRoute).toBe(2);
    void server.send(new Uint8Array([4]), moved);
    net.advance(20);
    expect(atDevice).toEqual([4]);
    expect(() => device.rebind({ host: 'server', port: 1 })).toThrow(TransportError);
  });

  it('copies on send: neither side shares memory with the other', () => {
    const net = new MemoryNetwork({ faults: { duplicate: 1 } });
    const a = net.bind();
    const b = net.bind();
    const got: Uint8Array[] = [];
    b.onReceive((d) => got.push(d));
    const buf = new Uint8Array([1, 2, 3]);
    void a.send(buf, b.local);
    buf.fill(9); // the sender reuses its buffer before delivery
    net.advance(0);
    expect(got).toHaveLength(2);
    expect([...got[0]!]).toEqual([1, 2, 3]);
    got[0]!.fill(0); // a receiver scribbling on its copy
    expect([...got[1]!]).toEqual([1, 2, 3]);
    expect(got[0]!.buffer).not.toBe(buf.buffer);
  });

  it('refuses misuse with typed errors and counts datagrams without a handler', async () => {
    const net = new MemoryNetwork({ mtu: 600 });
    const a = net.bind({ host: 'h', port: 5 });
    const b = net.bind();
    expect(() => net.bind({ host: 'h', port: 5 })).toThrow(TransportError);
    expect(() => net.bind({ port: 70000 })).toThrow(InvalidArgumentError);
    expect(() => new MemoryNetwork({ mtu: 100 })).toThrow(InvalidArgumentError);
    await expect(a.send(new Uint8Array(601), b.local)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(a.send(new Uint8Array(600), b.local)).resolves.toBeUndefined();
    net.advance(0);
    expect(b.stats.droppedNoHandler).toBe(1); // nothing could take it: dropped and counted [SW-8.4-2]
    await a.close();
    await a.close();
    await expect(a.send(new Uint8Array(1), b.local)).rejects.toBeInstanceOf(TransportError);
    expect(a.stats.sendErrors).toBe(1);
    expect(net.lookup({ host: 'h', port: 5 })).toBeUndefined();
  });

  it('captures the wire, and inject() replays a captured datagram from a spoofed source', () => {
    const captured: CapturedDatagram[] = [];
    const net = new MemoryNetwork({ capture: (d) => captured.push(d), faults: { loss: 1 } });
    const a = net.bind();
    const b = net.bind();
    const got: Array<[string, Address]> = [];
    b.onReceive((d, from) => got.push([toHex(d), from]));
    void a.send(new Uint8Array([0xca, 0xfe]), b.local);
    net.advance(0);
    expect(got).toEqual([]); // lost on the wire, but captured
    expect(captured).toHaveLength(1);
    expect(captured[0]).toMatchObject({ at: 0, from: a.local, to: b.local, injected: false });
    const evil = { host: 'attacker', port: 666 };
    net.inject(captured[0]!.bytes, evil, b.local, 5);
    net.advance(4);
    expect(got).toEqual([]);
    net.advance(1);
    expect(got).toEqual([['cafe', evil]]);
    expect(captured[1]).toMatchObject({ from: evil, injected: true });
  });
});
