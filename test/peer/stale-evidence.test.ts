/**
 * No false "two processes" report (spec 12.4, the model's trail (e) in spec/model/README.md): a
 * STALE frame counts, and an INDEX shows the peer accepted this start, only in a datagram that echoes
 * a token this node made in its current epoch [SW-12.4-11]. A straggler of the previous start, or
 * an INDEX the hub sent to it, replayed or delayed, is no evidence of a second process.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { Harness, HUB, text } from './harness.js';

const DEV = { host: 'd', port: 7000 };

describe('stale evidence needs an echo of this epoch [SW-12.4-11] [SW-12.4-5]', () => {
  it('a delayed datagram of the previous start draws a STALE that the new start neither reports nor acts on', async () => {
    const h = new Harness();
    const hub = await h.hub();
    const held: CapturedDatagram[] = [];
    h.net.onCapture((c) => {
      if (c.to.host === 'hub' && !c.injected && c.from.host === 'd') held.push(c);
    });
    h.net.partition(DEV, HUB, { oneWay: true }); // the first start's datagrams are held on the path
    const first = await h.device('d', { address: DEV });
    await h.run(50);
    const straggler = held.slice();
    expect(straggler.length).toBeGreaterThan(0);
    await first.close();
    h.net.heal();
    h.net.onCapture(undefined);
    const dev = await h.device('d', { address: DEV }); // epoch 2, another BOOT
    const conflicts: string[] = [];
    dev.on('conflict', (e) => conflicts.push(e.kind));
    const p = dev.send('hub', text('second-start'), { reliable: true, deadlineMs: 3000 });
    await h.run(200);
    await p;
    const epoch = dev.epoch;
    // the first start's hint (FULL, epoch 1, its CHALLENGE) arrives now: the hub answers STALE + ECHO
    for (const c of straggler) h.net.inject(c.bytes, c.from, c.to);
    await h.run(200);
    expect(hub.stats.stale.answered).toBeGreaterThanOrEqual(1);
    expect(conflicts).toEqual([]); // before [SW-12.4-11]: ['self'], and the device refused to renew
    expect(dev.epoch).toBe(epoch); // not a STALE for this start: nothing to renew
    const q = dev.send('hub', text('still-fine'), { reliable: true, deadlineMs: 3000 });
    await h.run(200);
    await q;
    expect(h.texts('hub')).toEqual(['second-start', 'still-fine']);
    await dev.close();
    await hub.close();
  });

  it('an INDEX the hub sent to a wiped start at the same epoch is not proof: the new start heals', async () => {
    const h = new Harness();
    const hub = await h.hub();
    const fromHub: CapturedDatagram[] = [];
    h.net.onCapture((c) => {
      if (c.from.host === 'hub' && c.to.host === 'd' && !c.injected) fromHub.push(c);
    });
    const first = await h.device('d', { address: DEV });
    const p = first.send('hub', text('first-start'), { reliable: true, deadlineMs: 3000 });
    await h.run(200);
    await p;
    await first.close();
    h.net.onCapture(undefined);
    h.states.set('d', new MemoryStateStore()); // wiped: the next start is at epoch 1 again, another BOOT
    const dev = await h.device('d', { address: DEV });
    expect(dev.epoch).toBe(1);
    const conflicts: string[] = [];
    dev.on('conflict', (e) => conflicts.push(e.kind));
    // the hub's earlier datagrams (INDEX for epoch 1) reach the new start first, replayed
    for (const c of fromHub) h.net.inject(c.bytes, c.from, c.to);
    const q = dev.send('hub', text('after-wipe'), { reliable: true, deadlineMs: 5000 });
    await h.run(2000);
    await q;
    expect(conflicts).toEqual([]); // before [SW-12.4-11]: ['self'], and 'after-wipe' never delivered
    expect(dev.epoch).toBeGreaterThan(1);
    expect(h.texts('hub')).toEqual(['first-start', 'after-wipe']);
    await dev.close();
    await hub.close();
  });
});
