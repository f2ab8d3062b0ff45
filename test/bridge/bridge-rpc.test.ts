// RPC across the bridge both ways (aedes, MQTT 5 Response Topic + Correlation Data): an MQTT 5
// requester calls a device and gets its result or a typed outcome (sw-outcome, sw-reason-code); a
// device calls a method the hub serves through an MQTT 5 service. And device presence on the broker.
import { afterEach, describe, expect, it } from 'vitest';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { startAedes, type AedesBroker } from '../../bench/peers/aedes.js';
import { RpcRemoteError } from '../../src/internals.js';
import { Rig, until } from './fixture.js';

let rig: Rig;
let broker: AedesBroker;
afterEach(async () => {
  await rig?.close();
  await broker?.stop();
});

/** One MQTT 5 request: resolves with the response packet. */
async function request(c: MqttClient, topic: string, body: string, corr: string, expiry?: number): Promise<IPublishPacket> {
  const reply = `replies/${corr}`;
  await c.subscribeAsync(reply, { qos: 1 });
  const got = new Promise<IPublishPacket>((r) => c.on('message', (t, _p, pk) => t === reply && r(pk)));
  await c.publishAsync(topic, body, { qos: 1, properties: { responseTopic: reply, correlationData: Buffer.from(corr), ...(expiry !== undefined && { messageExpiryInterval: expiry }) } });
  return got;
}

const outcome = (p: IPublishPacket): unknown => [p.properties?.userProperties?.['sw-outcome'], p.properties?.userProperties?.['sw-reason-code'], Buffer.from(p.properties!.correlationData!).toString()];

describe('RPC across the bridge', () => {
  it('MQTT 5 request -> device: the result, and every typed outcome as sw-outcome + reason code', { timeout: 20_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({}, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client, node } = await rig.device('act-1');
    client.serve('set', (params) => ({ ok: true, got: params }));
    client.serve('fail', () => {
      throw Object.assign(new Error('motor jammed'), { code: 'jammed' });
    });
    client.serve('slow', () => new Promise((r) => setTimeout(() => r(1), 3000)));
    await client.ready({ timeoutMs: 5000 });
    const req = await rig.mqtt(broker.port);
    const ok = await request(req, 'saltwire/call/act-1/set', '{"on":true}', 'c1');
    expect(outcome(ok)).toEqual(['ok', '0x00', 'c1']);
    expect(JSON.parse(ok.payload.toString())).toEqual({ ok: true, got: { on: true } });
    expect(outcome(await request(req, 'saltwire/call/act-1/nope', '', 'c2'))).toEqual(['no-responder', '0x10', 'c2']);
    const remote = await request(req, 'saltwire/call/act-1/fail', '', 'c3');
    expect(outcome(remote)).toEqual(['remote-error', '0x83', 'c3']);
    expect(remote.properties?.userProperties).toMatchObject({ 'sw-error-code': 'jammed', 'sw-error-message': 'motor jammed' });
    const slow = await request(req, 'saltwire/call/act-1/slow', '', 'c4', 1); // expiry 1 s -> timeout 1 s
    expect(outcome(slow)).toEqual(['timeout', '0x80', 'c4']);
    expect(slow.properties?.userProperties?.['sw-delivered']).toBe('true');
    expect(outcome(await request(req, 'saltwire/call/act-1/set', '{bad', 'c5'))).toEqual(['ok', '0x00', 'c5']); // not JSON: the bytes as params
    await client.close();
    await node.close();
    const gone = await request(req, 'saltwire/call/ghost-1/set', '', 'c7', 2);
    expect(['unreachable', 'timeout']).toContain(gone.properties?.userProperties?.['sw-outcome']);
    expect(bridge.stats().rpc?.callsIn).toBe(6);
  });

  it('device -> MQTT 5 service: a served method answers through the broker; no service is a remote error', { timeout: 20_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({ rpc: { serve: ['weather', 'nobody'], timeoutMs: 800 } }, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const svc = await rig.mqtt(broker.port);
    await svc.subscribeAsync('saltwire/service/weather', { qos: 1 });
    svc.on('message', (_t, p, pk) => {
      const city = (JSON.parse(p.toString()) as { city: string }).city;
      void svc.publishAsync(pk.properties!.responseTopic!, JSON.stringify({ city, celsius: 12 }), { qos: 1, properties: { correlationData: pk.properties!.correlationData! } });
    });
    const { client } = await rig.device('dev-1');
    await client.ready({ timeoutMs: 5000 });
    expect(await client.call('hub', 'weather', { city: 'Oslo' })).toEqual({ city: 'Oslo', celsius: 12 });
    const e = await client.call('hub', 'nobody', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RpcRemoteError);
    expect((e as RpcRemoteError).remoteCode).toBe('timeout');
  });

  it('presence: a retained status per device with state, reason and a growing sequence', { timeout: 20_000 }, async () => {
    rig = new Rig();
    broker = await startAedes();
    await rig.startHub();
    const bridge = await rig.bridge({}, broker.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client } = await rig.device('dev-7');
    await client.ready({ timeoutMs: 5000 });
    const watcher = await rig.mqtt(broker.port);
    const seen: Array<{ state: string; reason: string; seq: number; retain: boolean }> = [];
    watcher.on('message', (_t, p, pk) => seen.push({ ...(JSON.parse(p.toString()) as { state: string; reason: string; seq: number }), retain: pk.retain }));
    await watcher.subscribeAsync('saltwire/status/dev-7', { qos: 1 });
    await until(() => seen.length >= 1, 5000, 'the retained status');
    expect(seen[0]).toMatchObject({ state: 'online', reason: 'reachable', retain: true });
    const bs = await rig.mqtt(broker.port);
    const own: string[] = [];
    bs.on('message', (_t, p) => own.push((JSON.parse(p.toString()) as { state: string }).state));
    await bs.subscribeAsync('saltwire/bridge/+/status', { qos: 1 });
    await until(() => own.length === 1, 5000, "the bridge's own status");
    expect(own).toEqual(['online']);
  });
});
