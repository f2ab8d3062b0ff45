// A link with work that no datagram could carry (no key yet, no session, the amplification limit) is
// retried STALL_RETRY_MS (100 ms) after the stall, by the peer's timer. The retry time is fixed when
// the pump stalls: a deadline of "now + 100 ms", asked again at each firing, would always lie ahead,
// and a timer that skips its work while its deadline is ahead (SaltwireNode.onTimer, fb78abe) then
// never retried: the message waited for the next liveness timer or datagram from the peer (25 s
// with the default keepalive). Seen as a hub-acked QoS 1 publication reaching the C device only
// after 10 s and more (test/conformance/c-device.test.ts, about 1 run in 8).
import { describe, expect, it } from 'vitest';
import { deriveDeviceKey, PairKeyring } from '../../src/core.js';
import { SaltwireNode } from '../../src/peer/node.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { Harness, HUB, SITE, text } from './harness.js';

/** Liveness timers far away, so only the stall retry can send within the test's first seconds. */
const QUIET = { keepaliveMs: 60_000, probeAfterMs: 60_000, probeIntervalMs: 30_000, probeMaxIntervalMs: 60_000, unreachableAfterMs: 120_000, recoveryIntervalMs: 60_000 };

describe('a stalled pump is retried by the peer timer', () => {
  it('a reliable message that found no key goes within STALL_RETRY_MS once the key is there [SW-14.8-3]', async () => {
    const h = new Harness();
    await h.hub({ liveness: QUIET });
    const keyring = new PairKeyring(); // the hub's key comes later (provisioned, rotated in)
    const dev = await SaltwireNode.start({
      id: 'd1',
      keyring,
      suite: h.suite,
      transport: h.net.bind({ host: 'd1' }),
      state: new MemoryStateStore(),
      provisioning: true,
      liveness: QUIET,
      scheduler: h.net.scheduler,
      peers: [{ id: 'hub', address: HUB }],
    });
    await h.run(50);
    const done = dev.send('hub', text('after the stall'), { reliable: true });
    done.catch(() => undefined);
    await h.run(20); // the pump found no key: stalled
    expect(dev.stats.sent.sealFailures).toBeGreaterThan(0);
    keyring.add('hub', 0, deriveDeviceKey(h.suite, SITE, 'd1', 0));
    await h.run(1_000, 5);
    expect(h.texts('hub')).toEqual(['after the stall']);
    await dev.close();
  });
});
