// [SW-5.2-8] A new epoch started while the node runs is above the one in use, whatever the store
// says now. Found by the spin model (spec/model/restarts.pml): with the epoch record wiped while the
// node ran, the epoch of [SW-5.2-3] (a counter used up) came back equal to the current one, under the
// same BOOT, and counter 0 of that key was sealed a second time.
import { describe, expect, it } from 'vitest';
import type { SaltwireNode } from '../../src/peer/node.js';
import { EPOCH_KEY } from '../../src/peer/state-store.js';
import { Harness, text } from './harness.js';

/** The node's private renewal, as its counter running out calls it. */
const renew = (n: SaltwireNode): Promise<void> => (n as unknown as { renewEpoch(): Promise<void> }).renewEpoch();

describe('a new epoch while running [SW-5.2-8]', () => {
  it('after the epoch record was wiped under a running node, the renewed epoch is above the current one and the node delivers on it', async () => {
    const h = new Harness();
    const hub = await h.hub();
    const dev = await h.device('dev');
    for (let i = 0; i < 3; i++) await renew(dev); // epoch 4 now
    const before = dev.epoch;
    const bootBefore = dev.boot;
    const store = h.states.get('dev')! as unknown as { values: Map<string, Uint8Array> };
    store.values.delete(EPOCH_KEY); // wiped (or a path mistyped, a clean-up) while the node runs
    await renew(dev);
    expect(dev.boot).toEqual(bootBefore); // BOOT kept within a start ([SW-5.2-6] MAY)
    expect(dev.epoch).toBeGreaterThan(before); // so the epoch must move on
    const sent = dev.send('hub', text('after'), { reliable: true }) as Promise<void>;
    await h.run(3_000);
    await sent; // the hub asks the new epoch's freshness first; the message follows
    expect(h.texts('hub')).toContain('after');
    await dev.close();
    await hub.close();
  });
});
