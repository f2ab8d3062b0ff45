// UdpTransport's busyPollUs: the event loop keeps polling for that long after each datagram either
// way, then sleeps again; off by default; bounded; stopped by close().
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UdpTransport } from '../../src/internals.js';

const open: UdpTransport[] = [];
const bind = async (busyPollUs?: number) => {
  const t = await UdpTransport.bind({ host: '127.0.0.1', ...(busyPollUs !== undefined && { busyPollUs }) });
  open.push(t);
  return t;
};
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a sends one datagram to b; resolves once b received it. */
async function oneDatagram(a: UdpTransport, b: UdpTransport): Promise<void> {
  const got = new Promise<void>((r) => b.onReceive(() => r()));
  await a.send(new Uint8Array([1, 2, 3]), b.local);
  await got;
}

describe('UdpTransport busyPollUs', () => {
  it('is off by default: no polling after traffic', async () => {
    const a = await bind();
    const b = await bind();
    await oneDatagram(a, b);
    expect(a.busyPolling).toBe(false);
    expect(b.busyPolling).toBe(false);
    await sleep(5);
    expect(a.stats.busyPollTurns + b.stats.busyPollTurns).toBe(0);
  });

  it('polls after a datagram sent and one received, for about the window, then stops', async () => {
    const a = await bind(40_000); // 40 ms
    const b = await bind(40_000);
    const plain = await bind();
    await oneDatagram(a, plain); // sent only
    await oneDatagram(plain, b); // received only
    expect(a.busyPolling).toBe(true);
    expect(b.busyPolling).toBe(true);
    await sleep(10);
    const turns = b.stats.busyPollTurns;
    expect(turns).toBeGreaterThan(10); // the loop turned without sleeping
    expect(a.stats.busyPollTurns).toBeGreaterThan(10);
    await sleep(150);
    expect(a.busyPolling).toBe(false);
    expect(b.busyPolling).toBe(false);
    const settled = b.stats.busyPollTurns;
    await sleep(20);
    expect(b.stats.busyPollTurns).toBe(settled); // idle: no polling at all
  });

  it('each datagram extends the window; close() ends polling at once', async () => {
    const a = await bind();
    const b = await bind(150_000);
    const t0 = performance.now();
    for (let i = 0; i < 8; i++) {
      await oneDatagram(a, b);
      await sleep(30);
    }
    // 240 ms or more after the first datagram, past one window of 150: only the later ones kept it
    // open (a 30 ms gap leaves 5x the room for a loaded machine's late timers; 20 of 30 failed there)
    expect(performance.now() - t0).toBeGreaterThan(150);
    expect(b.busyPolling).toBe(true);
    await b.close();
    await sleep(5);
    expect(b.busyPolling).toBe(false);
  });

  it('refuses a window that is not an integer from 0 to 1 s', async () => {
    for (const v of [-1, 1.5, 1_000_001, Number.NaN]) {
      await expect(UdpTransport.bind({ host: '127.0.0.1', busyPollUs: v })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });
});
