// A burst of QoS 0 publications from the broker to a device through the bridge arrives whole
// [SW-15.4-5]: the hub's QoS 0 copies wait for room in the device's queue ([SW-14.8-6]; before:
// 1,674 of 5,000 dropped by the hub's forwarder here). With the hub in its own process the bridge
// also stops reading its broker while copies wait (HubForwarder.qos0Room), so TCP holds the rest:
// in one process the event loop paces the broker already, so bench:bridge shows that part.
import { afterEach, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../../bench/peers/aedes.js';
import { Rig, until } from './fixture.js';

let rig: Rig;
let broker: AedesBroker;
afterEach(async () => {
  await rig?.close();
  await broker?.stop();
});

describe('MQTT bridge, broker -> device at QoS 0 [SW-15.4-5]', () => {
  it('5,000 QoS 0 publications published at once by an MQTT client all reach the device', { timeout: 20_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({ rules: [{ local: 'cmd/{id}/#', remote: 'site/cmd/{id}/#', direction: 'in' }] }, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client: dev } = await rig.device('dev-1');
    let got = 0;
    await dev.subscribe('cmd/dev-1/#', { qos: 0 }, () => void got++).granted;
    const pub = await rig.mqtt(broker.port);
    const N = 5_000;
    for (let i = 0; i < N; i++) pub.publish('site/cmd/dev-1/x', `m${i}`, { qos: 0 });
    await until(() => got === N, 15_000, 'every publication at the device').catch(() => undefined);
    expect({ got, hubDropped: rig.hub.pubsub.forwarder.dropped }).toEqual({ got: N, hubDropped: 0 });
  });
});
