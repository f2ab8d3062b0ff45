// The MQTT bridge against aedes (in-process, MQTT 5): topic mapping both ways with per-device
// namespaces and refusals, QoS 0/1/2, retained both ways, properties, loop prevention with the
// default rules, RPC both ways, presence, metrics.
import { afterEach, describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt';
import { startAedes, type AedesBroker } from '../../bench/peers/aedes.js';
import { Aedes } from 'aedes';
import { createServer } from 'node:net';
import { MemoryJournal } from '../../src/peer/journal-store.js';
import { PublicationRefusedError } from '../../src/index.js';
import { freeTcpPort } from '../../bench/peers/util.js';
import { Rig, until } from './fixture.js';

let rig: Rig;
let broker: AedesBroker;
afterEach(async () => {
  await rig?.close();
  await broker?.stop();
});

const RULES = [
  { local: 'sensors/#', remote: 'site1/devices/{id}/sensors/#', direction: 'out' as const, contentType: 'text/plain', userProperties: { site: 'site1' } },
  { local: 'cmd/{id}/#', remote: 'site1/commands/{id}/#', direction: 'in' as const },
];

describe('MQTT bridge (aedes)', () => {
  it('maps a device publication into its namespace (QoS 0/1/2, properties), and commands back to that device only', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({ rules: RULES }, broker.port);
    const receipts: string[] = [];
    bridge.on('receipt', (r) => r.from !== 'hub' && receipts.push(`${r.from} ${r.topic} qos${r.qos} ${r.outcome}`));
    const sub = await rig.mqtt(broker.port);
    const got: IPublishPacket[] = [];
    sub.on('message', (_t, _p, pk) => got.push(pk));
    await sub.subscribeAsync('site1/#', { qos: 2 });
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client: d1 } = await rig.device('dev-1');
    const { client: d2 } = await rig.device('dev-2');
    for (const qos of [0, 1, 2] as const) await d1.publish('sensors/temp', new Uint8Array([0, 255, qos]), { qos });
    await until(() => got.length === 3, 5000, 'three publications at the subscriber');
    expect(got.map((p) => p.topic)).toEqual(Array(3).fill('site1/devices/dev-1/sensors/temp'));
    expect(got.map((p) => [...(p.payload as Buffer)])).toEqual([[0, 255, 0], [0, 255, 1], [0, 255, 2]]); // binary untouched
    expect(got.map((p) => p.qos).sort()).toEqual([0, 1, 2]);
    expect(got[1]!.properties).toMatchObject({ contentType: 'text/plain', userProperties: { site: 'site1', 'sw-from': 'dev-1', 'sw-origin': 'saltwire-hub' } });

    const heard: Record<string, string[]> = { 'dev-1': [], 'dev-2': [] };
    d1.subscribe('cmd/dev-1/#', { qos: 1 }, (p) => heard['dev-1']!.push(`${p.topic}=${p.text()}`));
    await d2.subscribe('cmd/dev-2/#', { qos: 1 }, (p) => heard['dev-2']!.push(`${p.topic}=${p.text()}`)).granted;
    await sub.publishAsync('site1/commands/dev-1/led', 'on', { qos: 1 });
    await until(() => heard['dev-1']!.length === 1, 5000, 'the command at dev-1');
    expect(heard).toEqual({ 'dev-1': ['cmd/dev-1/led=on'], 'dev-2': [] });
    const s = bridge.stats();
    expect(s.forwarded.out).toEqual([1, 1, 1]);
    await until(() => bridge.stats().forwarded.in[1] === 1, 5000, 'the command counted');
    expect(receipts).toEqual(['dev-1 site1/devices/dev-1/sensors/temp qos1 acked', 'dev-1 site1/devices/dev-1/sensors/temp qos2 acked']);
  });

  it('refuses and counts what it cannot map: another device\'s namespace, a $ topic, an over-long result; never rewrites', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({ rules: [{ local: 'own/{id}/#', remote: 'x/{id}/#', direction: 'both' }, { local: `${'l'.repeat(250)}/+`, remote: 'long/+', direction: 'in' }] }, broker.port);
    const refusals: string[] = [];
    bridge.on('refused', (r) => refusals.push(`${r.direction}:${r.reason}`));
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client } = await rig.device('dev-1');
    await client.publish('own/dev-2/t', 'x', { qos: 1 }); // another device's namespace
    await client.publish('own/dev-1/t', 'y', { qos: 1 });
    const sub = await rig.mqtt(broker.port);
    await sub.publishAsync('long/abcdefgh', 'z', { qos: 1 }); // 259 bytes locally
    await sub.publishAsync('$SYS/x', 'z', { qos: 1 }).catch(() => undefined);
    await until(() => bridge.stats().refused.in['too-long'] === 1, 5000, 'the long topic refused');
    const s = bridge.stats();
    expect(s.refused.out['foreign-namespace']).toBe(1);
    expect(s.forwarded.out[1]).toBe(1);
    expect(refusals).toEqual(['out:foreign-namespace', 'in:too-long']);
  });

  it('retained both ways: a late MQTT subscriber gets the device\'s value, a device that subscribes later gets the broker\'s', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({}, broker.port); // default: everything both ways, same names
    await until(() => bridge.connected, 5000, 'bridge connected');
    const pub = await rig.mqtt(broker.port);
    await pub.publishAsync('cmd/dev-9/mode', 'eco', { qos: 1, retain: true });
    const { client } = await rig.device('dev-9');
    await client.publish('sensors/dev-9/temp', '21.5', { qos: 1, retain: true });
    await until(() => bridge.stats().receipts.acked >= 1 && bridge.stats().forwarded.in[1] >= 1, 5000, 'both retained bridged');
    const late = await rig.mqtt(broker.port);
    const seen: string[] = [];
    late.on('message', (t, p, pk) => seen.push(`${t}=${p.toString()} retain=${pk.retain}`));
    await late.subscribeAsync('sensors/#', { qos: 1 });
    const got: string[] = [];
    client.subscribe('cmd/dev-9/#', { qos: 1 }, (p) => got.push(`${p.topic}=${p.text()} retained=${p.retained}`));
    await until(() => seen.length === 1 && got.length === 1, 5000, 'retained at both late subscribers');
    expect(seen).toEqual(['sensors/dev-9/temp=21.5 retain=true']);
    expect(got).toEqual(['cmd/dev-9/mode=eco retained=true']);
  });

  it('the same topic both ways (default rules) does not loop; another bridge\'s copy seen twice is dropped once', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({}, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client } = await rig.device('dev-1');
    const atDevice: string[] = [];
    await client.subscribe('loop/#', { qos: 1 }, (p) => atDevice.push(p.text())).granted;
    const mq = await rig.mqtt(broker.port);
    const atMqtt: string[] = [];
    mq.on('message', (_t, p) => atMqtt.push(p.toString()));
    await mq.subscribeAsync('loop/#', { qos: 1 });
    for (let i = 0; i < 20; i++) await client.publish('loop/a', `d${i}`, { qos: 1 });
    for (let i = 0; i < 20; i++) await mq.publishAsync('loop/a', `m${i}`, { qos: 1 });
    // a message of another bridge, delivered twice (two overlapping subscriptions, a redelivery)
    const props = { userProperties: { 'sw-origin': 'other', 'sw-msg': 'b.1' } };
    await mq.publishAsync('loop/a', 'x', { qos: 1, properties: props });
    await mq.publishAsync('loop/a', 'x', { qos: 1, properties: props });
    await new Promise((r) => setTimeout(r, 500));
    expect(atMqtt.filter((s) => s.startsWith('d'))).toHaveLength(20);
    expect(atMqtt.filter((s) => s.startsWith('m'))).toHaveLength(20);
    expect(atDevice.filter((s) => s.startsWith('d'))).toHaveLength(20); // the hub's own routing, once
    expect(atDevice.filter((s) => s.startsWith('m'))).toHaveLength(20);
    expect(atDevice.filter((s) => s === 'x')).toHaveLength(1);
    expect(bridge.stats().forwarded.out[1]).toBe(20);
    expect(bridge.stats().refused.in['duplicate']).toBe(1);
  });

  it("a broker's QoS 1 publication is acknowledged (PUBACK) only once the hub's journal holds it, without serializing them", { timeout: 15_000 }, async () => {
    rig = new Rig();
    const b = await Aedes.createBroker();
    const server = createServer((sock) => b.handle(sock));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    rig.cleanup.push(() => new Promise<void>((r) => (server.close(), b.close(() => r()))));
    const port = (server.address() as { port: number }).port;
    const acks: string[] = [];
    b.on('ack', (_packet, client) => client?.id === 'saltwire-hub' && acks.push('ack'));
    const journal = new MemoryJournal();
    await rig.startHub({ journal });
    // from now on the hub's commits wait for the gate
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const append = journal.append.bind(journal);
    const replace = journal.replace.bind(journal);
    let commits = 0;
    journal.append = async (records) => (commits++, await gate, append(records));
    journal.replace = async (records) => (commits++, await gate, replace(records));
    const bridge = await rig.bridge({}, port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const pub = await rig.mqtt(port);
    // retained: the hub's retained store changes, which it makes durable before acknowledging
    for (let i = 0; i < 5; i++) await pub.publishAsync(`in/x${i}`, `m${i}`, { qos: 1, retain: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(acks).toEqual([]); // the hub has them, not durably: the bridge did not acknowledge them to the broker
    open();
    await until(() => acks.length === 5, 5000, 'the five PUBACKs');
    expect(commits).toBeLessThanOrEqual(3); // taken together: one group commit, not one per message
  });

  it('a full outbox refuses the device\'s publication (refuse-new: publish() rejects) and counts it; receipts reach the device on its receipt topic', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const dead = await freeTcpPort(); // no broker there: everything waits in the outbox
    const bridge = await rig.bridge({ outbox: { maxCount: 2, policy: 'refuse-new' }, presenceTopic: false, receiptTopic: '$bridge/receipts/{id}' }, dead);
    const { client } = await rig.device('dev-1');
    const receipts: Array<{ outcome: string; topic: string }> = [];
    await client.subscribe('$bridge/receipts/dev-1', { qos: 0 }, (p) => receipts.push(p.json())).granted;
    await client.publish('a/1', '1', { qos: 1 });
    await client.publish('a/2', '2', { qos: 1 });
    const e = await client.publish('a/3', '3', { qos: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PublicationRefusedError);
    expect(bridge.stats().outbox).toMatchObject({ depth: 2, refusedFull: 1 });
    expect(bridge.stats().refused.out['outbox-full']).toBe(1);
    await bridge.close();
    // the same journal, now with a broker: both queued ones go, and their receipts reach the device
    const again = await rig.bridge({ presenceTopic: false, receiptTopic: '$bridge/receipts/{id}' }, broker.port);
    await until(() => receipts.length === 2, 5000, 'two receipts at the device');
    expect(receipts.map((r) => `${r.topic} ${r.outcome}`)).toEqual(['a/1 acked', 'a/2 acked']);
    expect(again.stats().receipts.acked).toBe(2);
  });

  it('MQTT 5 message expiry bounds how long a command waits for a sleeping device; one without expiry waits for it', { timeout: 20_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({}, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const first = await rig.device('dev-s');
    await first.client.subscribe('cmd/dev-s/#', { qos: 1 }).granted;
    await first.client.close();
    await first.node.close(); // asleep
    const pub = await rig.mqtt(broker.port);
    await pub.publishAsync('cmd/dev-s/blink', 'stale', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('cmd/dev-s/mode', 'kept', { qos: 1 });
    await until(() => bridge.stats().forwarded.in[1] === 2, 5000, 'both at the hub');
    await new Promise((r) => setTimeout(r, 1500));
    const again = await rig.device('dev-s'); // wakes up
    const got: string[] = [];
    again.client.subscribe('cmd/dev-s/#', { qos: 1 }, (p) => got.push(p.text()));
    await until(() => got.length >= 1, 10_000, 'the kept command');
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(['kept']);
    expect(rig.hub.stats().deliveries.givenUp).toBeGreaterThanOrEqual(1);
  });

  it('MQTT 3.1.1 brokers (protocolVersion 4): publications both ways, no properties, no RPC', { timeout: 15_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({ protocolVersion: 4, rules: RULES }, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const mq = await rig.mqtt(broker.port, { protocolVersion: 4 });
    const got: string[] = [];
    mq.on('message', (t, p) => got.push(`${t}=${p.toString()}`));
    await mq.subscribeAsync('site1/devices/#', { qos: 1 });
    const { client } = await rig.device('dev-4');
    const heard: string[] = [];
    await client.subscribe('cmd/dev-4/#', { qos: 1 }, (p) => heard.push(`${p.topic}=${p.text()}`)).granted;
    await client.publish('sensors/t', '1', { qos: 1 });
    await mq.publishAsync('site1/commands/dev-4/go', 'now', { qos: 1 });
    await until(() => got.length === 1 && heard.length === 1, 5000, 'both ways');
    expect(got).toEqual(['site1/devices/dev-4/sensors/t=1']);
    expect(heard).toEqual(['cmd/dev-4/go=now']);
    expect(bridge.rpc).toBeUndefined();
  });
});

