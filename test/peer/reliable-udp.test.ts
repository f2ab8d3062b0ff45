// Reliable delivery over REAL UDP on loopback through the ChaosProxy (spec 14 over spec 8):
// 10,000 ordered messages of 100 bytes through 20% loss, 10% duplication, reordering and 1%
// corruption in each direction, each delivered exactly once and in order. Bounded: 60 s of real time.
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

describe('reliable delivery over real UDP', () => {
  it('10,000 ordered 100-byte messages through the ChaosProxy (20% loss, 10% duplication, reordering, 1% corruption): each delivered exactly once, in order [SW-14.3-1] [SW-14.7-3]', async () => {
    const hubT = await UdpTransport.bind({ host: '127.0.0.1' });
    const devT = await UdpTransport.bind({ host: '127.0.0.1' });
    cleanup.push(() => hubT.close(), () => devT.close());
    const reliability = { send: { outboxMessages: 20_000, outboxBytes: 4 << 20 }, receive: { window: 1024, maxRanges: 128 } };
    const hub = await SaltwireNode.start({ id: 'hub', keyring: new SiteKeyring(suite, SITE), suite, transport: hubT, state: new MemoryStateStore(), provisioning: true, peerMaxDatagram: 1200, reliability });
    cleanup.push(() => hub.close());
    const proxy = await ChaosProxy.start({
      target: hubT.local,
      maxCapture: 0,
      seed: 2026,
      faults: { loss: 0.2, duplicate: 0.1, reorder: 0.1, reorderDelayMs: 20, corrupt: 0.01 },
    });
    cleanup.push(() => proxy.close());
    const dev = await SaltwireNode.start({
      id: 'dev-udp',
      keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, 'dev-udp', 0)),
      suite,
      transport: devT,
      state: new MemoryStateStore(),
      provisioning: true,
      peers: [{ id: 'hub', address: proxy.address }],
      peerMaxDatagram: 1200,
      reliability,
    });
    cleanup.push(() => dev.close());

    const N = 10_000;
    const got: number[] = [];
    let notReliable = 0;
    hub.on('message', (m) => {
      if (!m.reliable || m.channel !== 1) return void notReliable++;
      got.push(new DataView(m.data.buffer, m.data.byteOffset, 4).getUint32(0));
    });
    const t0 = performance.now();
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < N; i++) {
      const data = new Uint8Array(100).fill(i & 0xff);
      new DataView(data.buffer).setUint32(0, i);
      dev.send('hub', data, { reliable: true, ordered: true, channel: 1, deadlineMs: 55_000 }).then(
        () => void ok++,
        () => void failed++,
      );
    }
    while (ok + failed < N && performance.now() - t0 < 58_000) await new Promise((r) => setTimeout(r, 20));
    const took = performance.now() - t0;
    expect(failed).toBe(0);
    expect(ok).toBe(N);
    expect(got.length).toBe(N);
    expect(got.every((v, i) => v === i)).toBe(true); // exactly once, in order
    expect(notReliable).toBe(0);
    const s = proxy.stats;
    console.log(`reliable-udp: ${N} messages in ${(took / 1000).toFixed(1)} s; proxy ${JSON.stringify(s)}`);
    expect(took).toBeLessThan(58_000);
  }, 70_000);
});
