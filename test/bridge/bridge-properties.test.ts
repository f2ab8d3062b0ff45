// What of an MQTT 5 publication's properties the bridge carries, against mosquitto (which forwards
// user properties and content type unaltered, [MQTT-3.3.2-17], [MQTT-3.3.2-20]). A Saltwire
// PUBLISH has no field for them and wire v1 is frozen (spec 15.3: all seven flag bits of the OP
// byte are taken, PAYLOAD is the rest, and a new operation or channel is a wire change, spec
// README "Versioning"), so:
// - device -> MQTT: topic (mapped), payload bytes untouched, QoS, retain; the rule's contentType
//   and userProperties, plus sw-from, sw-origin and sw-msg;
// - MQTT -> device: topic (mapped), payload bytes untouched, QoS, retain; not the user properties
//   nor the content type;
// - MQTT -> device -> MQTT (RPC): the request's user properties come back on its response (the
//   bridge keeps them on the MQTT side), and its content type chooses the encoding.
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Publication } from '../../src/index.js';
import { Rig, until } from './fixture.js';
import { Mosquitto, MOSQUITTO } from './mosquitto-proc.js';

let rig: Rig | undefined;
let broker: Mosquitto | undefined;
afterEach(async () => {
  await rig?.close();
  await broker?.stop();
});

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe.skipIf(MOSQUITTO === undefined)('bridge: MQTT 5 properties, what is carried (mosquitto)', () => {
  it('device -> MQTT: bytes untouched, the rule\'s content type and user properties; MQTT -> device: bytes, topic, QoS and retain, not its properties; RPC: the request\'s user properties come back', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await Mosquitto.start();
    await rig.startHub();
    const rules = [
      { local: 'sensors/#', remote: 'site/{id}/sensors/#', direction: 'out' as const, contentType: 'application/octet-stream', userProperties: { site: 's1', unit: 'raw' } },
      { local: 'cmd/{id}/#', remote: 'site/cmd/{id}/#', direction: 'in' as const },
    ];
    const bridge = await rig.bridge({ rules, presenceTopic: false }, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const mq = await rig.mqtt(broker.port);
    const out: IPublishPacket[] = [];
    mq.on('message', (t, _p, pk) => t.startsWith('site/dev-p/') && out.push(pk));
    await mq.subscribeAsync('site/dev-p/#', { qos: 1 });
    const { client } = await rig.device('dev-p');
    client.serve('echo', (params) => params);
    const got: Publication[] = [];
    await client.subscribe('cmd/dev-p/#', { qos: 1 }, (p) => got.push(p)).granted;
    await client.ready({ timeoutMs: 5000 });

    // device -> MQTT
    await client.publish('sensors/blob', ALL_BYTES, { qos: 1 });
    await until(() => out.length === 1, 5000, 'the device publication at the MQTT subscriber');
    const o = out[0]!;
    expect(o.topic).toBe('site/dev-p/sensors/blob');
    expect(new Uint8Array(o.payload as Buffer)).toEqual(ALL_BYTES);
    expect(o.qos).toBe(1);
    expect(o.properties?.contentType).toBe('application/octet-stream');
    const up = o.properties?.userProperties ?? {};
    expect(Object.keys(up).sort()).toEqual(['site', 'sw-from', 'sw-msg', 'sw-origin', 'unit']);
    expect(up).toMatchObject({ site: 's1', unit: 'raw', 'sw-from': 'dev-p', 'sw-origin': 'saltwire-hub' });

    // MQTT -> device: what a Publication has, and nothing else
    await mq.publishAsync('site/cmd/dev-p/blob', Buffer.from(ALL_BYTES), { qos: 1, properties: { contentType: 'application/x-test', userProperties: { trace: 't-1' } } });
    await until(() => got.length === 1, 5000, 'the command at the device');
    const g = got[0]!;
    expect({ topic: g.topic, qos: g.qos, retained: g.retained, from: g.from }).toEqual({ topic: 'cmd/dev-p/blob', qos: 1, retained: false, from: 'hub' });
    expect(g.payload).toEqual(ALL_BYTES);
    expect(Object.keys(g).sort()).toEqual(['from', 'json', 'payload', 'qos', 'retained', 'text', 'topic']); // no field for properties

    // MQTT -> device -> MQTT (RPC): the request's user properties come back on the response; sw-* are the bridge's
    const reply = 'replies/p1';
    await mq.subscribeAsync(reply, { qos: 1 });
    const response = new Promise<IPublishPacket>((r) => mq.on('message', (t, _p, pk) => t === reply && r(pk)));
    await mq.publishAsync('saltwire/call/dev-p/echo', '{"x":1}', {
      qos: 1,
      properties: { responseTopic: reply, correlationData: Buffer.from('c1'), contentType: 'application/json', userProperties: { trace: 't-2', tenant: 'acme', 'sw-outcome': 'forged' } },
    });
    const res = await response;
    expect(JSON.parse(res.payload.toString())).toEqual({ x: 1 });
    expect(res.properties?.contentType).toBe('application/json');
    expect(res.properties?.userProperties).toMatchObject({ trace: 't-2', tenant: 'acme', 'sw-outcome': 'ok', 'sw-reason-code': '0x00' });
  });
});
