/**
 * UdpTransport.afterInput [SW-8.4-3]: work that must see the input already received (a node's timers)
 * waits until a read of the socket found it empty, bounded by maxWaitMs. The datagrams come from
 * another process, so they queue in the socket while this one is busy.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { busy, floodSender, sleep } from './udp-flood.js';
import { UdpTransport, UV_READS_PER_TURN } from '../../src/transport/udp.js';

const children: ChildProcess[] = [];
const transports: UdpTransport[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const t of transports.splice(0)) await t.close();
});


describe('UdpTransport.afterInput [SW-8.4-3]', () => {
  it('runs at once (next check phase) when nothing is queued', async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1' });
    transports.push(t);
    const t0 = performance.now();
    await new Promise<void>((r) => t.afterInput(r, 1000));
    expect(performance.now() - t0).toBeLessThan(100);
    expect(t.stats.inputWaits).toBe(0);
  });

  it('after a stall, waits until everything queued meanwhile was handed over, over several turns', { timeout: 20_000 }, async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1' });
    transports.push(t);
    let received = 0;
    t.onReceive(() => void received++);
    const c = await floodSender(children, t.local.port, { count: 3000, perMs: 3000, size: 40 });
    const seen = await new Promise<number>((res) => {
      setImmediate(() => {
        c.stdin!.write('go\n');
        busy(400); // the sender's 3,000 datagrams queue in the socket meanwhile
        t.afterInput(() => res(received), 5000);
      });
    });
    await sleep(300);
    expect(received, 'datagrams the kernel kept (all, with a large enough buffer)').toBeGreaterThan(UV_READS_PER_TURN * 3);
    expect(seen, 'every queued datagram was handled before fn ran').toBe(received);
    expect(t.stats.inputWaits, 'turns waited: more than one read of 32').toBeGreaterThan(1);
    expect(t.stats.inputWaitsExpired).toBe(0);
  });

  it('input faster than it is read: fn still runs after maxWaitMs, counted', { timeout: 20_000 }, async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1' });
    transports.push(t);
    t.onReceive(() => busy(0.2)); // 32 a turn take 6.4 ms; 60 arrive meanwhile
    const c = await floodSender(children, t.local.port, { count: 40_000, perMs: 10, size: 40 });
    c.stdin!.write('go\n');
    await sleep(200);
    const t0 = performance.now();
    await new Promise<void>((r) => t.afterInput(r, 300));
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1500);
    expect(t.stats.inputWaitsExpired).toBe(1);
  });
});
