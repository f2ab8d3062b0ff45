// The ACK clock of unreliable messages sent with back-pressure [SW-14.8-7]: no more than
// CLOCK_MARKERS batches of CLOCK_BATCH leave beyond the last marker the receiver acknowledged, so a
// sender that overruns its receiver (here: a receiver whose acknowledgements are lost) stops
// instead of sending into its socket buffer; once acknowledgements come back, the rest follows.
import { describe, expect, it } from 'vitest';
import type { SaltwireNode } from '../../src/peer/node.js';
import { Harness, HUB, text } from './harness.js';

/**
 * A hub and a device that know each other (one reliable message both ways), then the hub's ACKs
 * lost: the device's datagrams still arrive, nothing it sends is acknowledged.
 */
async function ackless(): Promise<{ h: Harness; dev: SaltwireNode }> {
  const h = new Harness(undefined, 7);
  const hub = await h.hub();
  const dev = await h.device('dev-a');
  const hello = dev.send('hub', text('hello'), { reliable: true });
  await h.run(300);
  await hello;
  h.net.partition(HUB, hub.peer('dev-a')!.address!, { oneWay: true });
  return { h, dev };
}

describe('ACK-clocked unreliable messages (spec 14.8)', () => {
  it('stop after 8 batches of 64 while nothing is acknowledged, and all arrive once ACKs return [SW-14.8-7] [SW-14.8-6]', async () => {
    const { h, dev } = await ackless();
    const N = 1_000;
    let failed = 0;
    for (let i = 0; i < N; i++) dev.sendWhenRoom('hub', text(`u${i}`))?.catch(() => void failed++);
    await h.run(300);
    const during = h.texts('hub').filter((t) => t.startsWith('u')).length;
    // 8 * 64 unreliable frames no ACK covers, and the 8 markers sent among them (reliable MSGs,
    // which the windows govern, not the clock); before the clock: 1000
    expect(during).toBe(8 * 64 + 8);
    h.net.heal();
    await h.run(3_000);
    const got = h.texts('hub').filter((t) => t.startsWith('u'));
    expect(failed).toBe(0);
    expect(new Set(got).size).toBe(N);
    expect(got.length).toBe(N); // each once
  });

  // Found at 10,000 devices (issue 17): a batch boundary passed while the outbox was half full made
  // no marker, and the count since the last one went on growing, so the clock closed with no marker
  // to open it, and every QoS 0 message to that peer was refused from then on. Now every reliable
  // fragment's ACK covers the unreliable messages sent before it.
  it('reliable traffic clocks the stream: a backlog that made no marker does not close the clock for good [SW-14.8-7]', async () => {
    const { h, dev } = await ackless();
    const reliable: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) reliable.push(dev.send('hub', text(`r${i}`), { reliable: true }));
    await h.run(50); // those fill the hub's window; the next 64 wait in the outbox
    for (let i = 64; i < 128; i++) reliable.push(dev.send('hub', text(`r${i}`), { reliable: true }));
    let failed = 0;
    for (let i = 0; i < 600; i++) dev.sendWhenRoom('hub', text(`u${i}`))?.catch(() => void failed++);
    await h.run(300);
    h.net.heal();
    await h.run(3_000);
    await Promise.all(reliable);
    for (let i = 0; i < 300; i++) dev.sendWhenRoom('hub', text(`v${i}`))?.catch(() => void failed++);
    await h.run(3_000);
    const got = h.texts('hub');
    expect(got.filter((t) => t.startsWith('v')).length).toBe(300); // before: 0, all expired
    expect(got.filter((t) => t.startsWith('u')).length).toBe(600);
    expect(failed).toBe(0);
    expect(dev.stats.unreliable.expired).toBe(0);
  });

  it('a closed clock that nothing in flight or queued could open sends one marker [SW-14.8-7]', async () => {
    const { h, dev } = await ackless();
    const reliable: Promise<unknown>[] = [];
    for (let i = 0; i < 64; i++) reliable.push(dev.send('hub', text(`r${i}`), { reliable: true }));
    await h.run(50);
    // these make the batch boundaries skip their markers, then are given up unsent: no ACK of
    // theirs will ever cover the unreliable messages sent meanwhile
    for (let i = 64; i < 128; i++) reliable.push(dev.send('hub', text(`r${i}`), { reliable: true, deadlineMs: 1_000 }).catch((e: Error) => e));
    let failed = 0;
    for (let i = 0; i < 600; i++) dev.sendWhenRoom('hub', text(`u${i}`))?.catch(() => void failed++);
    await h.run(1_500);
    h.net.heal();
    await h.run(3_000);
    await Promise.all(reliable);
    const got = h.texts('hub').filter((t) => t.startsWith('u'));
    expect(new Set(got).size).toBe(600); // without the marker: 512, the rest expired waiting
    expect(failed).toBe(0);
  });

  // Markers given up (no ACK within the message's wait, UNRELIABLE_WAIT) cover what was handed over
  // before them: evidence that never comes must not close the clock for good, and it reopens one
  // window per wait, no faster (the pace the first version had).
  it('a given-up marker reopens the clock, one window per UNRELIABLE_WAIT [SW-14.8-7] [SW-14.8-6]', async () => {
    const { h, dev } = await ackless();
    let k = 0;
    for (let t = 0; t < 12_000; t += 50) {
      for (let i = 0; i < 20; i++) dev.sendWhenRoom('hub', text(`u${k++}`))?.catch(() => undefined);
      await h.run(50);
    }
    const during = h.texts('hub').filter((x) => x.startsWith('u')).length;
    // one window at once, then one more each time the markers' 5 s wait ends (at 5 and 10 s)
    expect(during).toBeGreaterThan(2 * 520); // without the cover: 520
    expect(during).toBeLessThanOrEqual(3 * 520);
  });

  // A receiver that withholds its acknowledgements ([SW-14.3-9], Message.hold) of an ordered stream
  // fills its window with fragments whose ACK never comes: no marker can pass it either, so the
  // clock opens as with no ACK at all, one window per UNRELIABLE_WAIT (markers given up), never
  // shut for good, and what waits longer than that is refused, counted.
  it('a window the receiver fills with withheld messages: the clock opens one window per wait [SW-14.8-7]', async () => {
    const h = new Harness(undefined, 7);
    const hub = await h.hub();
    hub.deferAcks(9);
    hub.on('message', (m) => void (m.channel === 9 && m.hold?.())); // held for good: never released
    const dev = await h.device('dev-a');
    const hello = dev.send('hub', text('hello'), { reliable: true });
    await h.run(300);
    await hello;
    for (let i = 0; i < 64; i++) dev.send('hub', text(`r${i}`), { reliable: true, ordered: true, channel: 9 }).catch(() => undefined);
    await h.run(200);
    let failed = 0;
    let k = 0;
    for (let t = 0; t < 12_000; t += 50) {
      for (let i = 0; i < 20; i++) dev.sendWhenRoom('hub', text(`u${k++}`))?.catch(() => void failed++);
      await h.run(50);
    }
    const got = new Set(h.texts('hub').filter((t) => t.startsWith('u'))).size;
    expect(got).toBeGreaterThan(2 * 512); // a window at once, then one per wait
    expect(got).toBeLessThanOrEqual(3 * 520);
    expect(failed).toBe(dev.stats.unreliable.refused + dev.stats.unreliable.expired); // the rest refused, counted
  });
});
