/**
 * A 60-second blackout over real UDP and real time (spec 11): hub and device talk through a
 * ChaosProxy whose path goes dark. With fast liveness timers both sides must declare the other
 * unreachable within probeAfter + unreachableAfter (+ up to one keepalive interval since the last
 * datagram heard, + slack), refuse fast while it lasts [SW-11.3-2], and find each other again by
 * themselves when the path heals [SW-11.3-3]. The virtual-time version is in recovery.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, PairKeyring, PeerUnreachableError, SiteKeyring } from '../../src/core.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { startNode } from '../../src/node/start.js';
import type { LivenessConfig } from '../../src/peer/liveness.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { ChaosProxy } from '../../src/transport/chaos-proxy.js';
import { UdpTransport } from '../../src/transport/udp.js';
import { removeTempDirs, sleep, tempDir, waitUntil } from './process-helpers.js';

const DEV = 'sensor-1';
const SITE = new Uint8Array(32).fill(7);
const suite = defaultCryptoSuite();
const FAST: LivenessConfig = { keepaliveMs: 1000, probeAfterMs: 1500, probeIntervalMs: 200, probeMaxIntervalMs: 800, unreachableAfterMs: 2000, recoveryIntervalMs: 1000 };
const BLACKOUT_MS = 60_000;
/** Timer and event-loop slack on a loaded 2-CPU machine running other test files in parallel. */
const SLACK_MS = 600;

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  await removeTempDirs();
});

describe('blackout over real UDP', () => {
  it(
    `60 s blackout: both sides unreachable within probeAfter + unreachableAfter + keepalive, fast failure meanwhile, reachable again with no user code [SW-11.3-1] [SW-11.3-3]`,
    async () => {
      const dir = await tempDir('saltwire-blackout-');
      const hubT = await UdpTransport.bind({ host: '127.0.0.1' });
      const devT = await UdpTransport.bind({ host: '127.0.0.1' });
      cleanup.push(() => hubT.close(), () => devT.close()); // idempotent; covers a failed start
      const hub = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), suite, transport: hubT, stateDir: join(dir, 'hub'), provisioning: true, liveness: FAST });
      cleanup.push(() => hub.close());
      const proxy = await ChaosProxy.start({ target: hubT.local, maxCapture: 0 });
      cleanup.push(() => proxy.close());
      const dev = await startNode({
        id: DEV,
        keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, DEV, 0)),
        suite,
        transport: devT,
        stateDir: join(dir, 'dev'),
        provisioning: true,
        peers: [{ id: 'hub', address: proxy.address }],
        liveness: FAST,
      });
      cleanup.push(() => dev.close());
      const events: Array<{ side: 'hub' | 'dev'; what: 'reachable' | 'unreachable'; at: number }> = [];
      const watch = (side: 'hub' | 'dev', n: SaltwireNode) => {
        n.on('reachable', () => events.push({ side, what: 'reachable', at: performance.now() }));
        n.on('unreachable', () => events.push({ side, what: 'unreachable', at: performance.now() }));
      };
      watch('hub', hub);
      watch('dev', dev);
      const inbox: string[] = [];
      hub.on('message', (m) => inbox.push(new TextDecoder().decode(m.data)));
      dev.on('message', (m) => inbox.push(new TextDecoder().decode(m.data)));
      expect(await waitUntil(() => hub.reachability(DEV) === 'reachable' && dev.reachability('hub') === 'reachable', 3000, 5)).toBe(true);
      // Run in steady state for a moment: keepalives and probes at their own pace.
      await sleep(1500);
      expect(events.filter((e) => e.what === 'unreachable')).toEqual([]);

      const start = performance.now();
      proxy.blackout = true;
      const bound = FAST.probeAfterMs + FAST.unreachableAfterMs + FAST.keepaliveMs;
      const down = await waitUntil(() => hub.reachability(DEV) === 'unreachable' && dev.reachability('hub') === 'unreachable', bound + 2000, 10);
      expect(down).toBe(true);
      const downAt = (side: 'hub' | 'dev') => events.find((e) => e.side === side && e.what === 'unreachable' && e.at >= start)!.at - start;
      const hubDown = downAt('hub');
      const devDown = downAt('dev');
      console.log(`[udp-blackout] unreachable after ${Math.round(hubDown)} ms (hub) and ${Math.round(devDown)} ms (device); bound ${bound} ms + ${SLACK_MS} ms slack`);
      expect(hubDown).toBeLessThanOrEqual(bound + SLACK_MS);
      expect(devDown).toBeLessThanOrEqual(bound + SLACK_MS);
      // Never before unreachableAfter of unanswered probing: a probe may have left (its answer lost
      // to the blackout) a moment before the blackout began, hence the small margin.
      expect(Math.min(hubDown, devDown)).toBeGreaterThanOrEqual(FAST.unreachableAfterMs - 100);

      // Fast failure while it lasts [SW-11.3-2].
      expect(() => hub.assertReachable(DEV)).toThrow(PeerUnreachableError);
      expect(() => dev.assertReachable('hub')).toThrow(PeerUnreachableError);
      const blockedBefore = proxy.stats.toTarget.dropped;
      await sleep(Math.max(0, start + BLACKOUT_MS - performance.now()));
      // The device kept probing at the recovery interval (about 1/s) the whole time [SW-11.3-3].
      const recoveryProbes = proxy.stats.toTarget.dropped - blockedBefore;
      expect(recoveryProbes).toBeGreaterThanOrEqual(Math.floor((BLACKOUT_MS - bound - SLACK_MS) / (FAST.recoveryIntervalMs * 1.1)) - 2);
      // bounded: a probe per recovery interval, plus a keepalive when the jittered interval exceeds keepaliveMs
      expect(recoveryProbes).toBeLessThanOrEqual(2 * Math.ceil(BLACKOUT_MS / Math.min(FAST.recoveryIntervalMs, FAST.keepaliveMs)) + 5);
      console.log(`[udp-blackout] device datagrams lost in the blackout after it declared the hub unreachable: ${recoveryProbes}`);
      expect(events.filter((e) => e.at >= start && e.what === 'reachable')).toEqual([]); // nothing got through
      expect(() => hub.assertReachable(DEV)).toThrow(PeerUnreachableError);

      proxy.blackout = false;
      const healed = performance.now();
      const up = await waitUntil(() => hub.reachability(DEV) === 'reachable' && dev.reachability('hub') === 'reachable', 5000, 10);
      expect(up).toBe(true);
      const upAt = (side: 'hub' | 'dev') => events.find((e) => e.side === side && e.what === 'reachable' && e.at >= healed)!.at - healed;
      const hubUp = upAt('hub');
      const devUp = upAt('dev');
      console.log(`[udp-blackout] reachable again ${Math.round(hubUp)} ms (hub) and ${Math.round(devUp)} ms (device) after the path healed`);
      // the device's next recovery probe (at most one recovery interval + 10% jitter away) finds the hub
      expect(Math.max(hubUp, devUp)).toBeLessThanOrEqual(FAST.recoveryIntervalMs * 1.1 + SLACK_MS);
      expect(() => hub.assertReachable(DEV)).not.toThrow();
      expect(() => dev.assertReachable('hub')).not.toThrow();

      expect(dev.send('hub', new TextEncoder().encode('after blackout'))).toBe(true);
      expect(hub.send(DEV, new TextEncoder().encode('welcome back'))).toBe(true);
      expect(await waitUntil(() => inbox.includes('after blackout') && inbox.includes('welcome back'), 2000, 5)).toBe(true);
    },
    75_000,
  );
});
