// The device profile (spec 14.12) over REAL UDP on loopback through the ChaosProxy (30% loss, 5%
// duplication and reordering in each direction): a device-profile device and a full hub that sends
// to it by the device rules exchange ordered messages both ways, each accepted one delivered exactly
// once and in order. Senders keep at most 6 messages outstanding, as a device application with an
// outbox of 8 does. Bounded: 25 s of real time.
import { afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, PairKeyring, SiteKeyring } from '../../src/core.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { SaltwireNode } from '../../src/peer/node.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { ChaosProxy } from '../../src/transport/chaos-proxy.js';
import { UdpTransport } from '../../src/transport/udp.js';

const SITE = new Uint8Array(32).fill(7);
const suite = defaultCryptoSuite();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

/** Sends n numbered ordered messages with at most `outstanding` unacknowledged; resolves with the failures. */
async function pump(from: SaltwireNode, to: string, n: number, outstanding: number, until: number): Promise<number> {
  let next = 0;
  let open = 0;
  let failed = 0;
  while ((next < n || open > 0) && performance.now() < until) {
    while (next < n && open < outstanding) {
      const data = new Uint8Array(40);
      new DataView(data.buffer).setUint32(0, next++);
      open++;
      from.send(to, data, { reliable: true, ordered: true, channel: 6, deadlineMs: 60_000 }).then(
        () => void open--,
        () => void (open--, failed++),
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return failed + (next < n ? n - next : 0) + open;
}

describe('device profile over real UDP', () => {
  it('80 ordered messages each way through the ChaosProxy (30% loss, 5% duplication, reordering): each delivered exactly once, in order [SW-14.12-4] [SW-14.12-14]', async () => {
    const hubT = await UdpTransport.bind({ host: '127.0.0.1' });
    const devT = await UdpTransport.bind({ host: '127.0.0.1' });
    cleanup.push(() => hubT.close(), () => devT.close());
    const hub = await SaltwireNode.start({ id: 'hub', keyring: new SiteKeyring(suite, SITE), suite, transport: hubT, state: new MemoryStateStore(), provisioning: true, reliability: { devicePeers: ['dev-udp'] } });
    cleanup.push(() => hub.close());
    const proxy = await ChaosProxy.start({ target: hubT.local, maxCapture: 0, seed: 15, faults: { loss: 0.3, duplicate: 0.05, reorder: 0.1, reorderDelayMs: 20 } });
    cleanup.push(() => proxy.close());
    const dev = await SaltwireNode.start({
      id: 'dev-udp',
      keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, 'dev-udp', 0)),
      suite,
      transport: devT,
      state: new MemoryStateStore(),
      provisioning: true,
      peers: [{ id: 'hub', address: proxy.address }],
      reliability: { profile: 'device' },
    });
    cleanup.push(() => dev.close());
    const got = { hub: [] as number[], dev: [] as number[] };
    const collect = (into: number[]) => (m: { reliable: boolean; channel: number; data: Uint8Array }) => {
      if (m.reliable && m.channel === 6) into.push(new DataView(m.data.buffer, m.data.byteOffset, 4).getUint32(0));
    };
    hub.on('message', collect(got.hub));
    dev.on('message', collect(got.dev));
    const N = 80;
    const t0 = performance.now();
    // the device speaks first: the hub learns its address from it
    const up = pump(dev, 'hub', N, 6, t0 + 22_000);
    while (hub.peer('dev-udp')?.address === undefined && performance.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 5));
    const [upFailed, downFailed] = await Promise.all([up, pump(hub, 'dev-udp', N, 6, t0 + 22_000)]);
    const took = performance.now() - t0;
    expect([upFailed, downFailed]).toEqual([0, 0]);
    expect(got.hub).toEqual(Array.from({ length: N }, (_, i) => i)); // exactly once, in order
    expect(got.dev).toEqual(Array.from({ length: N }, (_, i) => i));
    const s = proxy.stats;
    console.log(`device-profile-udp: ${N} messages each way in ${(took / 1000).toFixed(1)} s; proxy ${JSON.stringify(s)}`);
  }, 30_000);
});
