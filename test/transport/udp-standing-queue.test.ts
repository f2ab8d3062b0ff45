/**
 * UdpTransport's bound on the standing queue [SW-8.4-4]: a receiver that stays behind its input
 * (here: 0.2 ms per datagram against 10 a millisecond from another process) shrinks its receive
 * buffer after standingQueueMs, so what it reads is a fraction of a second old instead of seconds;
 * once the input stops and the socket drains, the large buffer is back. The datagrams carry their
 * send time, so the test measures the age of what the receiver handles.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { busy, floodSender, sleep } from './udp-flood.js';
import { UdpTransport } from '../../src/transport/udp.js';

const children: ChildProcess[] = [];
const transports: UdpTransport[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const t of transports.splice(0)) await t.close();
});


/** Receives for `ms` while busy 0.2 ms per datagram; the ages (ms) of what was handled in the last second. */
async function behind(t: UdpTransport, ms: number): Promise<number[]> {
  const ages: Array<[number, number]> = [];
  t.onReceive((d) => {
    busy(0.2);
    const now = Date.now();
    ages.push([now, now - new DataView(d.buffer, d.byteOffset, d.length).getFloat64(0, true)]);
  });
  const c = await floodSender(children, t.local.port, { count: 100_000, perMs: 10, size: 64, stamp: true });
  const start = Date.now();
  c.stdin!.write('go\n');
  await sleep(ms);
  c.kill('SIGKILL');
  return ages.filter(([at]) => at >= start + ms - 1_000).map(([, age]) => age).sort((a, b) => a - b);
}

describe('UdpTransport: bounded standing queue [SW-8.4-4]', () => {
  it('a receiver behind its input shrinks its buffer and handles datagrams a fraction of a second old', { timeout: 30_000 }, async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1', standingQueueMs: 200 });
    transports.push(t);
    const full = t.getRecvBufferSize();
    const ages = await behind(t, 4_000);
    expect(t.stats.inputShrinks).toBeGreaterThanOrEqual(1);
    expect(t.inputBehind).toBe(true);
    expect(t.getRecvBufferSize()).toBeLessThan(full);
    const p50 = ages[Math.floor(ages.length / 2)]!;
    console.log('median age', p50, 'ms over', ages.length, 'datagrams; shrinks', t.stats.inputShrinks);
    expect(p50, 'median age of what was handled in the last second').toBeLessThan(400);
    // the input stops: the socket drains and the next read that finds it empty restores the buffer
    t.onReceive(() => undefined);
    await sleep(300);
    const again = await UdpTransport.bind({ host: '127.0.0.1' }); // a datagram to make a turn happen
    transports.push(again);
    await again.send(new Uint8Array(64), t.local);
    await sleep(100);
    expect(t.inputBehind).toBe(false);
    expect(t.getRecvBufferSize()).toBe(full);
  });

  it('without the bound (standingQueueMs 0) the same receiver handles datagrams seconds old', { timeout: 30_000 }, async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1', standingQueueMs: 0 });
    transports.push(t);
    const ages = await behind(t, 4_000);
    expect(t.stats.inputShrinks).toBe(0);
    const p50 = ages[Math.floor(ages.length / 2)]!;
    console.log('median age', p50, 'ms over', ages.length, 'datagrams; shrinks', t.stats.inputShrinks);
    expect(p50).toBeGreaterThan(1_000);
  });
});
