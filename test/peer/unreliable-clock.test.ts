// The ACK clock of unreliable messages sent with back-pressure [SW-14.8-7]: no more than
// CLOCK_MARKERS batches of CLOCK_BATCH leave beyond the last marker the receiver acknowledged, so a
// sender that overruns its receiver (here: a receiver whose acknowledgements are lost) stops
// instead of sending into its socket buffer; once acknowledgements come back, the rest follows.
import { describe, expect, it } from 'vitest';
import { Harness, HUB, text } from './harness.js';

describe('ACK-clocked unreliable messages (spec 14.8)', () => {
  it('stop after 8 batches of 64 while nothing is acknowledged, and all arrive once ACKs return [SW-14.8-7] [SW-14.8-6]', async () => {
    const h = new Harness(undefined, 7);
    const hub = await h.hub();
    const dev = await h.device('dev-a');
    const hello = dev.send('hub', text('hello'), { reliable: true }); // first contact: both know each other
    await h.run(300);
    await hello;
    const devAddr = hub.peer('dev-a')!.address!;
    h.net.partition(HUB, devAddr, { oneWay: true }); // the hub's ACKs are lost; the device's datagrams go
    const N = 1_000;
    let failed = 0;
    for (let i = 0; i < N; i++) dev.sendWhenRoom('hub', text(`u${i}`))?.catch(() => void failed++);
    await h.run(300);
    const during = h.texts('hub').filter((t) => t.startsWith('u')).length;
    expect(during).toBe(8 * 64); // before the clock: 1000
    h.net.heal();
    await h.run(3_000);
    const got = h.texts('hub').filter((t) => t.startsWith('u'));
    expect(failed).toBe(0);
    expect(new Set(got).size).toBe(N);
    expect(got.length).toBe(N); // each once
  });
});
