// The bridged envelope on a rule with `properties: "envelope"` (issue 16: "user properties and
// content type carried"), against aedes in-process and mosquitto when installed: MQTT 5 content
// type, user properties (duplicate keys, in order), payload format indicator, response topic and
// correlation data carried both ways with binary payloads intact; a device payload that is not an
// envelope refused and counted, never forwarded; rules without the option carry raw bytes as before.
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startAedes } from '../../bench/peers/aedes.js';
import { decode } from '@msgpack/msgpack';
import { Outbox, TopicMap } from '../../src/bridge/index.js';
import { MemoryJournal } from '../../src/peer/journal-store.js';
import { decodeBridged, encodeBridged, PublicationRefusedError, type Publication } from '../../src/index.js';
import { Rig, until } from './fixture.js';
import { Mosquitto, MOSQUITTO } from './mosquitto-proc.js';

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const RULES = [
  { local: 'env/#', remote: 'site/env/{id}/#', direction: 'out' as const, properties: 'envelope' as const, contentType: 'application/x-rule', userProperties: { site: 's1' } },
  { local: 'cmd/{id}/#', remote: 'site/cmd/{id}/#', direction: 'in' as const, properties: 'envelope' as const },
  { local: 'raw/#', remote: 'site/raw/{id}/#', direction: 'out' as const },
  { local: 'rawcmd/{id}/#', remote: 'site/rawcmd/{id}/#', direction: 'in' as const },
];

let rig: Rig | undefined;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await rig?.close();
  await stop?.();
  rig = undefined;
  stop = undefined;
});

const brokers: Array<[string, boolean, () => Promise<{ port: number; stop: () => Promise<void> }>]> = [
  ['aedes', true, async () => startAedes()],
  ['mosquitto', MOSQUITTO !== undefined, async () => {
    const m = await Mosquitto.start();
    return { port: m.port, stop: () => m.stop() };
  }],
];

describe('a rule with properties: "envelope"', () => {
  it('refuses an unknown value of the option', () => {
    expect(() => new TopicMap([{ local: 'a/#', remote: 'a/#', properties: 'keep' as 'drop' }])).toThrow(/properties must be drop or envelope/);
  });

  it('the outbox journals an envelope\'s properties (kept across a restart); an entry without them is written as before (12 fields)', async () => {
    const j = new MemoryJournal();
    const o = Outbox.open({}, j, () => undefined);
    const carried = { contentType: 'c', userProperties: { k: ['1', '2'], z: '3' }, payloadFormat: 1 as const, responseTopic: 'r/1', correlationData: Uint8Array.of(1, 2) };
    const a = o.add({ topic: 't/1', payload: Uint8Array.of(9), qos: 1, retain: false, from: 'd', queuedAt: 1, ...carried });
    const b = o.add({ topic: 't/2', payload: Uint8Array.of(8), qos: 1, retain: false, from: 'd', queuedAt: 2, contentType: 'x' });
    if (a === 'full' || b === 'full') throw new Error('full');
    await Promise.all([a.durable, b.durable]);
    await o.close();
    expect(j.records().map((r) => (decode(r) as unknown[]).length)).toEqual([15, 12]);
    const again = [...Outbox.open({}, j, () => undefined).values()];
    expect(again.map((e) => e.topic)).toEqual(['t/1', 't/2']);
    expect(again[0]).toMatchObject(carried);
    expect(again[1]).not.toHaveProperty('correlationData');
  });

  for (const [name, available, start] of brokers) {
    describe.skipIf(!available)(name, () => {
      it('device -> MQTT: the envelope\'s payload (bytes intact) and properties; a payload that is not an envelope is refused and counted; a rule without the option forwards raw bytes', { timeout: 15_000 }, async () => {
        rig = new Rig();
        const b = await start();
        stop = b.stop;
        await rig.startHub();
        const bridge = await rig.bridge({ rules: RULES, presenceTopic: false }, b.port);
        const refusals: string[] = [];
        bridge.on('refused', (r) => refusals.push(`${r.direction} ${r.topic} ${r.reason}`));
        await until(() => bridge.connected, 5000, 'bridge connected');
        const mq = await rig.mqtt(b.port);
        const out: IPublishPacket[] = [];
        mq.on('message', (_t, _p, pk) => out.push(pk));
        await mq.subscribeAsync('site/#', { qos: 1 });
        const { client } = await rig.device('dev-e');
        await client.ready({ timeoutMs: 5000 });

        const env = encodeBridged({
          payload: ALL_BYTES, contentType: 'application/cbor', payloadFormat: 0, responseTopic: 'reply/dev-e', correlationData: Uint8Array.of(0, 1, 2),
          userProperties: [['k', '1'], ['k', '2'], ['z', 'é'], ['k', '3'], ['sw-origin', 'forged']],
        });
        await client.publish('env/blob', env, { qos: 1 });
        // not an envelope: refused (QoS 1: publish() rejects; QoS 0: dropped), counted, never forwarded
        const e = await client.publish('env/bad', ALL_BYTES, { qos: 1 }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(PublicationRefusedError);
        await client.publish('env/bad0', Uint8Array.of(0x81, 0xa1, 0x64), { qos: 0 });
        await until(() => bridge.stats().refused.out['envelope'] === 2, 5000, 'both refusals counted');
        // the default rule: the same envelope bytes go as they are
        await client.publish('raw/blob', env, { qos: 1 });
        await until(() => out.length === 2, 5000, 'the two forwarded publications');
        await new Promise((r) => setTimeout(r, 200));
        expect(out.map((p) => p.topic)).toEqual(['site/env/dev-e/blob', 'site/raw/dev-e/blob']);
        expect(refusals).toEqual(['out env/bad envelope', 'out env/bad0 envelope']);

        const o = out[0]!;
        expect(new Uint8Array(o.payload as Buffer)).toEqual(ALL_BYTES);
        expect(o.properties?.contentType).toBe('application/cbor'); // the envelope's, over the rule's
        expect(o.properties?.payloadFormatIndicator).toBe(false);
        expect(o.properties?.responseTopic).toBe('reply/dev-e');
        expect(new Uint8Array(o.properties?.correlationData ?? [])).toEqual(Uint8Array.of(0, 1, 2));
        const up = o.properties?.userProperties ?? {};
        // the rule's first, then the envelope's; one key's values in order (MQTT.js groups a key's values)
        expect(Object.keys(up).filter((k) => !k.startsWith('sw-'))).toEqual(['site', 'k', 'z']);
        expect(up).toMatchObject({ site: 's1', k: ['1', '2', '3'], z: 'é', 'sw-from': 'dev-e', 'sw-origin': 'saltwire-hub' }); // sw-origin is the bridge's: a device cannot forge it

        const raw = out[1]!;
        expect(new Uint8Array(raw.payload as Buffer)).toEqual(env);
        expect(raw.properties?.contentType).toBeUndefined();
        expect(Object.keys(raw.properties?.userProperties ?? {}).sort()).toEqual(['sw-from', 'sw-msg', 'sw-origin']);
      });

      it('MQTT -> device: the device receives an envelope of the payload (bytes intact) and its properties; a rule without the option delivers raw bytes', { timeout: 15_000 }, async () => {
        rig = new Rig();
        const b = await start();
        stop = b.stop;
        await rig.startHub();
        const bridge = await rig.bridge({ rules: RULES, presenceTopic: false }, b.port);
        await until(() => bridge.connected, 5000, 'bridge connected');
        const { client } = await rig.device('dev-e');
        const got: Publication[] = [];
        await client.subscribe('cmd/dev-e/#', { qos: 1 }, (p) => got.push(p)).granted;
        await client.subscribe('rawcmd/dev-e/#', { qos: 1 }, (p) => got.push(p)).granted;
        await client.ready({ timeoutMs: 5000 });
        const mq = await rig.mqtt(b.port);
        const props = { contentType: 'application/x-test', payloadFormatIndicator: false, responseTopic: 'replies/x', correlationData: Buffer.from([7, 0, 7]), userProperties: { a: ['1', '2'], b: 'three', c: '' } };
        await mq.publishAsync('site/cmd/dev-e/led', Buffer.from(ALL_BYTES), { qos: 1, properties: props });
        await mq.publishAsync('site/rawcmd/dev-e/led', Buffer.from(ALL_BYTES), { qos: 1, properties: props });
        // too large once its properties are added: refused and counted, not delivered cut or raw
        await mq.publishAsync('site/cmd/dev-e/big', Buffer.alloc(65_530), { qos: 1, properties: { userProperties: { pad: 'x'.repeat(100) } } });
        await until(() => got.length === 2 && bridge.stats().refused.in['envelope'] === 1, 5000, 'both commands at the device, the large one refused');
        expect(got.map((p) => p.topic)).toEqual(['cmd/dev-e/led', 'rawcmd/dev-e/led']);
        expect(decodeBridged(got[0]!.payload)).toEqual({
          payload: ALL_BYTES, contentType: 'application/x-test', payloadFormat: 0, responseTopic: 'replies/x', correlationData: Uint8Array.of(7, 0, 7),
          userProperties: [['a', '1'], ['a', '2'], ['b', 'three'], ['c', '']],
        });
        expect(got[1]!.payload).toEqual(ALL_BYTES);
      });
    });
  }
});
