// A device declares the largest datagram it takes in SYNC ([SW-15.5-8], [SW-4.6-7]); a hub whose own
// budget is larger (peerMaxDatagram above the 512 default) sends that device nothing larger, and
// cuts its fragments to fit, while other devices still get the hub's larger datagrams.
import { describe, expect, it } from 'vitest';
import { collector, World } from './world.js';

describe('MAX_DATAGRAM declared in SYNC, honoured by a hub with a larger budget [SW-4.6-7]', () => {
  it('every datagram to the device fits what it declared; the publication arrives whole', async () => {
    const w = await World.create(34, {}, { peerMaxDatagram: 1400 });
    const pub = await w.device('dev-a', {}, { peerMaxDatagram: 1400 });
    const small = await w.device('dev-b', { limits: { maxDatagram: 600 } });
    const big = await w.device('dev-c', {}, { peerMaxDatagram: 1400 });
    const cs = collector();
    const cb = collector();
    await w.granted(small.subscribe('big/#', { qos: 1 }, cs.fn));
    await w.granted(big.subscribe('big/#', { qos: 1 }, cb.fn));
    const sizes = new Map<string, number[]>();
    w.h.net.onCapture((c) => {
      if (c.from.host !== 'hub' || c.injected) return;
      if (!sizes.has(c.to.host)) sizes.set(c.to.host, []);
      sizes.get(c.to.host)!.push(c.bytes.length);
    });
    await w.settle(pub.publish('big/x', new Uint8Array(6_000).fill(7), { qos: 1 }));
    await w.until(() => cb.got.length === 1 && cs.got.length === 1, 10_000);
    expect(cs.got[0]!.payload.length).toBe(6_000);
    expect(Math.max(...sizes.get('dev-b')!)).toBeLessThanOrEqual(600); // nothing longer than the receiver's MAX_DATAGRAM [SW-4.6-5]; before: 1,400
    expect(Math.max(...sizes.get('dev-c')!)).toBeGreaterThan(600); // the hub's budget for the others
    await w.close();
  });
});
