/**
 * [SW-8.4-3] A node whose process stalls (a long GC pause, a starved CPU) must not judge its peers by
 * datagrams it has not read yet. A device process sends a burst of reliable messages to a hub
 * process and then stalls for longer than its RTO while the hub's ACKs arrive; Node's event loop
 * runs expired timers before it reads the socket, so without the rule every message timed out and
 * went again (the ACKs were waiting in the device's own receive buffer), with the congestion
 * response of a loss that never happened. At a 10,000-device hub on a loaded machine the same
 * thing, repeated, collapsed its QoS 0 stream to a subscriber (bench:scale, spec 8.4).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, removeTempDirs, spawnNode, tempDir } from './process-helpers.js';

afterEach(async () => {
  await killAll();
  await removeTempDirs();
});

interface Retransmits {
  readonly transmissions: number;
  readonly retransmissions: number;
  readonly timeouts: number;
  readonly collapses: number;
}

describe('a stalled process reads its input before its timers judge [SW-8.4-3]', () => {
  it('ACKs that arrived during a stall longer than the RTO: no timeout, nothing sent again', { timeout: 30_000 }, async () => {
    const dir = await tempDir('saltwire-stall-');
    const hub = await spawnNode({ role: 'hub', id: 'hub', stateDir: join(dir, 'hub'), provisioning: true });
    const dev = await spawnNode({ role: 'device', id: 'dev', stateDir: join(dir, 'dev'), provisioning: true, peer: { id: 'hub', address: hub.address } });
    await dev.waitFor('reachable', (l) => l['peer'] === 'hub', 5000);
    // an RTT sample on loopback first, so the RTO is MIN_RTO (200 ms), well inside the stall
    await dev.request({ cmd: 'burst', to: 'hub', count: 2, stallMs: 0 }, 'burst');
    const before = (await dev.request({ cmd: 'stats' }, 'stats'))['retransmits'] as Retransmits;
    for (let round = 0; round < 3; round++) await dev.request({ cmd: 'burst', to: 'hub', count: 20, stallMs: 700 }, 'burst', 10_000);
    const after = (await dev.request({ cmd: 'stats' }, 'stats'))['retransmits'] as Retransmits;
    expect(after.transmissions - before.transmissions, '60 messages, in a few datagrams').toBeGreaterThan(0);
    expect({ retransmissions: after.retransmissions - before.retransmissions, timeouts: after.timeouts - before.timeouts, collapses: after.collapses - before.collapses }).toEqual({ retransmissions: 0, timeouts: 0, collapses: 0 });
  });
});
