// Bytes a steady-state QoS 0 publication with a topic alias costs on the wire beyond its payload
// (spec 4.9, 15.7): measured on the datagrams a device really sends its hub (MemoryNetwork capture),
// not computed from the layout. 34 in draft 1 (5-byte MSG header, 4-byte PUBLISH header); 28 since
// the MSG type byte holds flags and channel and the last MSG has no LEN [SW-14.2-8], and a PUBLISH's
// OP byte holds its flags and ALIAS is a UVAR [SW-15.3-5].
import { describe, expect, it } from 'vitest';
import { World } from '../pubsub/world.js';

/** Overheads (datagram length − payload length) of the device's datagrams to the hub once aliased. */
async function steadyOverheads(): Promise<number[]> {
  const w = await World.create(7);
  const dev = await w.device('dev-a');
  await w.run(2_000); // SYNC answered, the hub's index known: the SHORT form from here on
  const payload = (k: number): Uint8Array => new TextEncoder().encode(`21.${k}`.padEnd(20, '0'));
  // the first publications define the alias (ALIAS on the control channel, acknowledged first, 15.7)
  for (let k = 0; k < 5; k++) {
    void dev.publish('sensors/dev-a/temp', payload(k), { qos: 0 });
    await w.run(200);
  }
  const sizes: number[] = [];
  w.h.net.onCapture((d) => {
    if (d.from.host === 'dev-a') sizes.push(d.bytes.length - 20);
  });
  for (let k = 0; k < 20; k++) {
    void dev.publish('sensors/dev-a/temp', payload(k), { qos: 0 });
    await w.run(500);
  }
  w.h.net.onCapture(undefined);
  await w.close();
  return sizes;
}

describe('bytes per publication (spec 4.9, 15.7)', () => {
  it('a steady-state QoS 0 publication by alias costs 28 bytes beyond its payload [SW-14.2-8] [SW-15.3-5]', async () => {
    const sizes = await steadyOverheads();
    expect(sizes.length).toBeGreaterThanOrEqual(20);
    // every publication went alone in its datagram: 9 (SHORT header) + 16 (tag) + 1 (MSG) + 1 (OP) + 1 (ALIAS)
    const counts = new Map<number, number>();
    for (const s of sizes) counts.set(s, (counts.get(s) ?? 0) + 1);
    const steady = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    console.log(`bytes per QoS 0 aliased publication beyond the payload: ${steady} (datagrams seen: ${[...counts].map(([k, v]) => `${k}:${v}`).join(' ')})`);
    expect(steady).toBe(28);
  });
});
