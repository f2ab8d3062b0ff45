// What the bridge's throughput work relies on (bench:bridge measures the effect):
// - coalesceWrites: the chunks mqtt-packet writes between cork() and uncork() reach the socket as
//   one write, same bytes in the same order, and end() writes what was gathered first;
// - a device's QoS 1 publication that only the bridge takes (no subscriber, not retained, not QoS 2)
//   is made durable once, in the bridge's outbox, not in the hub's journal too [SW-18.3-3];
// - the outbox's sends of one turn share one socket write.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../../bench/peers/aedes.js';
import { coalesceWrites } from '../../src/bridge/link.js';
import { Rig, until } from './fixture.js';

let rig: Rig | undefined;
let broker: AedesBroker | undefined;
afterEach(async () => {
  await rig?.close();
  await broker?.stop();
});

function sink(): { w: Writable; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      writes.push(Buffer.from(c));
      cb();
    },
    writev(cs, cb) {
      for (const c of cs) writes.push(Buffer.from(c.chunk as Buffer));
      cb();
    },
  });
  return { w, writes };
}

describe('bridge throughput: what it relies on', () => {
  it('coalesceWrites: corked chunks go out as one write, in order; end() flushes them first', async () => {
    const { w, writes } = sink();
    coalesceWrites(w);
    w.cork();
    w.write(Buffer.from([1, 2]));
    w.write(new Uint8Array([3]));
    w.write('ab', 'utf8');
    w.cork(); // nested, as two packets of one tick
    w.write(Buffer.from([4]));
    w.uncork();
    expect(writes).toEqual([]);
    w.uncork();
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([Buffer.from([1, 2, 3, 0x61, 0x62, 4])]);
    w.cork();
    w.write(Buffer.from([9]));
    await new Promise<void>((r) => w.end(() => r()));
    expect(writes.at(-1)).toEqual(Buffer.from([9]));
  });

  it('a QoS 1 publication only the bridge takes is journaled by the bridge, not by the hub too; one turn of sends is one socket write', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({ presenceTopic: false, rules: [{ local: 'sensors/#', remote: 'sensors/#', direction: 'out' }] }, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const sub = await rig.mqtt(broker.port);
    let got = 0;
    sub.on('message', () => got++);
    await sub.subscribeAsync('sensors/#', { qos: 1 });
    const { client } = await rig.device('dev-t');
    await client.ready({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300)); // the device's SYNC and will are journaled by then
    const hubRecords = rig.hub.pubsub.stats().journal!.records;
    const socket = (bridge as unknown as { link: { client: { stream: { _writev: unknown; _write: unknown } } } }).link.client.stream;
    let writes = 0;
    for (const k of ['_write', '_writev'] as const) {
      const f = (socket[k] as (...a: unknown[]) => unknown).bind(socket);
      socket[k] = (...a: unknown[]) => (writes++, f(...a));
    }
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.publish(`sensors/t${i}`, String(i), { qos: 1 })));
    await until(() => got === 20, 5000, 'the 20 at the MQTT subscriber');
    expect(rig.hub.pubsub.stats().journal!.records - hubRecords).toBe(0);
    expect(bridge.stats().outbox.depth).toBe(0);
    expect(writes).toBeLessThan(20); // the same 20 publications went out in fewer writes than one each
  });
});
