// A device-profile device (spec 14.12) at its hub, through the message layer: its SYNC declares the
// device profile's window and MAX_MESSAGE ([SW-15.5-8]), and the hub, reading a window of at most 8,
// sends to it by the device rules [SW-14.12-14]; QoS 1 publications reach it through 30% loss.
import { describe, expect, it } from 'vitest';
import { DEVICE_MAX_MESSAGE, DEVICE_RECEIVE_WINDOW } from '../../src/reliability/device-constants.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { collector, World } from './world.js';

/** The hub's sending rules towards `peer` (test-only access to private state). */
function rulesTowards(hub: SaltwireNode, peer: string): string | undefined {
  return (hub as unknown as { table: { get(id: string): { link?: { sender: { profile: string } } } | undefined } }).table.get(peer)?.link?.sender.profile;
}

describe('a device-profile device at its hub (spec 14.12)', () => {
  it('declares the device window and MAX_MESSAGE in SYNC, and the hub sends to it by the device rules [SW-14.12-9] [SW-14.12-14]', async () => {
    const w = await World.create(41);
    const sub = await w.device('dev-d', {}, { reliability: { profile: 'device' } });
    const full = await w.device('dev-f');
    expect(w.nodes.get('dev-d')!.receiveLimits).toMatchObject({ window: DEVICE_RECEIVE_WINDOW, maxMessage: DEVICE_MAX_MESSAGE });
    const c = collector();
    await w.granted(sub.subscribe('t/#', { qos: 1 }, c.fn));
    expect(rulesTowards(w.hubNode, 'dev-d')).toBe('device');
    expect(rulesTowards(w.hubNode, 'dev-f')).toBe('full'); // a full node's window of 64 keeps the full rules
    w.h.net.setFaults({ loss: 0.3, duplicate: 0.05, reorder: 0.2, reorderDelayMs: 30, delayMs: 10 });
    for (let i = 0; i < 40; i++) {
      void full.publish('t/x', `m${i}`, { qos: 1 }).catch(() => undefined);
      await w.run(100);
    }
    await w.until(() => c.got.length >= 40, 120_000);
    expect(c.texts()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`)); // each once, in order
    await w.close();
  }, 30_000);
});
