// The bridge against the real mosquitto binary (started here on a free port with its own config;
// skipped when the binary is missing), under faults: kill -9 of the broker during QoS 1 streams both
// ways, a flapping link through a TCP relay, expiry while queued, two hubs sharing command topics
// through an MQTT 5 shared subscription.
import { afterEach, describe, expect, it } from 'vitest';
import { Rig, until } from './fixture.js';
import { Mosquitto, MOSQUITTO } from './mosquitto-proc.js';
import { TcpRelay } from './tcp-relay.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

async function broker(persist = false): Promise<Mosquitto> {
  const m = await Mosquitto.start(persist);
  cleanup.push(() => m.stop());
  return m;
}

function rig(): Rig {
  const r = new Rig();
  cleanup.push(() => r.close());
  return r;
}

describe.skipIf(MOSQUITTO === undefined)('bridge faults (mosquitto)', () => {
  it('kill -9 of the broker during QoS 1 streams both ways: nothing lost either way', { timeout: 40_000 }, async () => {
    const m = await broker(true);
    const r = rig();
    await r.startHub();
    const bridge = await r.bridge({ clientId: 'bridge-a', clean: false, sessionExpirySeconds: 300 }, m.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const session = { clean: false, properties: { sessionExpiryInterval: 300 } };
    const sub = await r.mqtt(m.port, { clientId: 'sub-1', ...session });
    const up = new Set<string>();
    sub.on('message', (_t, p) => up.add(p.toString()));
    await sub.subscribeAsync('up/#', { qos: 1 });
    const pub = await r.mqtt(m.port, { clientId: 'pub-1', ...session });
    const { client } = await r.device('dev-1');
    const down = new Set<string>();
    await client.subscribe('down/#', { qos: 1 }, (p) => down.add(p.text())).granted;
    const N = 200;
    const devStream = (async () => {
      for (let i = 0; i < N; i++) {
        await client.publish('up/x', `u${i}`, { qos: 1 });
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const mqttStream = (async () => {
      for (let i = 0; i < N; i++) {
        await pub.publishAsync('down/x', `d${i}`, { qos: 1 });
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    await until(() => up.size > N / 4 && down.size > N / 4, 10_000, 'a quarter of each stream');
    await m.kill9();
    await new Promise((res) => setTimeout(res, 300));
    await m.run(); // same port, same persisted state
    await Promise.all([devStream, mqttStream]);
    await until(() => up.size === N && down.size === N, 20_000, `both streams whole (up ${up.size}, down ${down.size})`);
    expect(bridge.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('a flapping link (>= 3 reconnects within 2 s through a TCP relay): forwarding goes on, nothing lost', { timeout: 30_000 }, async () => {
    const m = await broker();
    const relay = await TcpRelay.start(m.port);
    cleanup.push(() => relay.close());
    const r = rig();
    await r.startHub();
    const bridge = await r.bridge({ reconnect: { baseMs: 20, capMs: 150, stableMs: 1000 } }, relay.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const sub = await r.mqtt(m.port);
    const got = new Set<string>();
    sub.on('message', (_t, p) => got.add(p.toString()));
    await sub.subscribeAsync('flap/#', { qos: 1 });
    const { client } = await r.device('dev-1');
    const N = 1000;
    const stream = (async () => {
      // batches of 25 in flight, paced so that the stream spans the flapping and every cut finds some unsettled
      for (let i = 0; i < N; i += 25) {
        await Promise.all(Array.from({ length: 25 }, (_, k) => client.publish('flap/x', `f${i + k}`, { qos: 1 })));
        await new Promise((res) => setTimeout(res, 40));
      }
    })();
    const t0 = Date.now();
    const before = bridge.stats().connects;
    while (Date.now() - t0 < 2000) {
      await new Promise((res) => setTimeout(res, 250));
      relay.cut();
    }
    const flaps = bridge.stats().connects - before;
    await stream;
    await until(() => got.size === N, 15_000, `all ${N} through the flapping link (have ${got.size})`);
    expect(flaps).toBeGreaterThanOrEqual(3);
    // and it keeps forwarding afterwards
    await client.publish('flap/x', 'after', { qos: 1 });
    await until(() => got.has('after'), 5000, 'a publication after the flapping');
  });

  it('MQTT 5 expiry is enforced while queued: an expired publication is never sent, its receipt says so', { timeout: 20_000 }, async () => {
    const m = await broker();
    const relay = await TcpRelay.start(m.port);
    cleanup.push(() => relay.close());
    const r = rig();
    await r.startHub();
    const bridge = await r.bridge({ rules: [{ local: 'tele/#', remote: 'tele/#', direction: 'out', expirySeconds: 1 }] }, relay.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const sub = await r.mqtt(m.port);
    const got: Array<{ p: string; expiry: number | undefined }> = [];
    sub.on('message', (_t, p, pk) => got.push({ p: p.toString(), expiry: pk.properties?.messageExpiryInterval }));
    await sub.subscribeAsync('tele/#', { qos: 1 });
    const receipts: string[] = [];
    bridge.on('receipt', (x) => x.from === 'dev-1' && receipts.push(x.outcome));
    const { client } = await r.device('dev-1');
    await client.publish('tele/a', 'fresh', { qos: 1 });
    await until(() => got.length === 1 && receipts.length === 1, 5000, 'the fresh one, acknowledged');
    expect(got[0]!.expiry).toBe(1);
    relay.down();
    await until(() => !bridge.connected, 5000, 'the link down');
    await client.publish('tele/a', 'stale', { qos: 1 }); // queued, durably
    await new Promise((res) => setTimeout(res, 1300));
    relay.up();
    await until(() => receipts.length === 2, 10_000, 'the second receipt');
    expect(receipts).toEqual(['acked', 'expired']);
    await new Promise((res) => setTimeout(res, 200));
    expect(got.map((g) => g.p)).toEqual(['fresh']);
  });

  it('two hubs with bridges share command topics through $share: each command reaches one hub, none twice', { timeout: 20_000 }, async () => {
    const m = await broker();
    const a = rig();
    const b = rig();
    await a.startHub();
    await b.startHub();
    const rules = [{ local: 'cmd/#', remote: 'cmd/#', direction: 'in' as const }];
    const ba = await a.bridge({ clientId: 'bridge-a', rules, shareGroup: 'hubs' }, m.port);
    const bb = await b.bridge({ clientId: 'bridge-b', rules, shareGroup: 'hubs' }, m.port);
    await until(() => ba.connected && bb.connected, 5000, 'both bridges connected');
    const atA: string[] = [];
    const atB: string[] = [];
    a.hub.subscribe('cmd/#', { qos: 1 }, (p) => atA.push(p.text()));
    b.hub.subscribe('cmd/#', { qos: 1 }, (p) => atB.push(p.text()));
    await new Promise((res) => setTimeout(res, 200)); // the SUBSCRIBEs reached the broker
    const pub = await a.mqtt(m.port);
    const N = 100;
    for (let i = 0; i < N; i++) await pub.publishAsync(`cmd/d${i % 7}/go`, `c${i}`, { qos: 1 });
    await until(() => atA.length + atB.length >= N, 10_000, 'every command at one hub');
    await new Promise((res) => setTimeout(res, 300));
    const all = [...atA, ...atB];
    expect(all).toHaveLength(N);
    expect(new Set(all).size).toBe(N);
    expect(atA.length).toBeGreaterThan(0);
    expect(atB.length).toBeGreaterThan(0);
  });

  it('the same topic both ways with a shared subscription (No Local not allowed there) does not loop: the origin property stops it', { timeout: 20_000 }, async () => {
    const m = await broker();
    const r = rig();
    await r.startHub();
    const bridge = await r.bridge({ shareGroup: 'hubs' }, m.port); // default rules: '#' both ways
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client } = await r.device('dev-1');
    const atDevice: string[] = [];
    await client.subscribe('echo/#', { qos: 1 }, (p) => atDevice.push(p.text())).granted;
    await new Promise((res) => setTimeout(res, 200));
    for (let i = 0; i < 10; i++) await client.publish('echo/a', `e${i}`, { qos: 1 });
    await new Promise((res) => setTimeout(res, 700));
    expect(atDevice).toHaveLength(10);
    expect(bridge.stats().forwarded.out[1]).toBe(10);
    expect(bridge.stats().refused.in['loop']).toBeGreaterThanOrEqual(10); // and its own status
  });

  it('mosquitto honours No Local (nothing of ours comes back) and carries Response Topic + Correlation Data for RPC', { timeout: 20_000 }, async () => {
    const m = await broker();
    const r = rig();
    await r.startHub();
    const bridge = await r.bridge({}, m.port);
    await until(() => bridge.connected, 5000, 'bridge connected');
    const { client } = await r.device('dev-1');
    client.serve('echo', (p) => p);
    await client.ready({ timeoutMs: 5000 });
    for (let i = 0; i < 10; i++) await client.publish('echo/a', `e${i}`, { qos: 1 });
    const req = await r.mqtt(m.port);
    await req.subscribeAsync('replies/1', { qos: 1 });
    const reply = new Promise<{ body: string; outcome: unknown; corr: string }>((res) =>
      req.on('message', (_t, p, pk) => res({ body: p.toString(), outcome: pk.properties?.userProperties?.['sw-outcome'], corr: Buffer.from(pk.properties!.correlationData!).toString() })),
    );
    await req.publishAsync('saltwire/call/dev-1/echo', '{"x":1}', { qos: 1, properties: { responseTopic: 'replies/1', correlationData: Buffer.from('k1') } });
    expect(await reply).toEqual({ body: '{"x":1}', outcome: 'ok', corr: 'k1' });
    await new Promise((res) => setTimeout(res, 300));
    expect(bridge.stats().refused.in['loop'] ?? 0).toBe(0); // No Local: the broker never sent our own back
    expect(bridge.stats().forwarded.out[1]).toBe(10);
  });

  it("the bridge's own status: online while connected, its last will (offline) when the link dies, offline on a clean stop", { timeout: 20_000 }, async () => {
    const m = await broker();
    const relay = await TcpRelay.start(m.port);
    cleanup.push(() => relay.close());
    const r = rig();
    await r.startHub();
    const watcher = await r.mqtt(m.port);
    const seen: string[] = [];
    watcher.on('message', (_t, p) => seen.push(((JSON.parse(p.toString()) as { state: string; reason?: string }).reason ?? 'up') + ':' + (JSON.parse(p.toString()) as { state: string }).state));
    await watcher.subscribeAsync('saltwire/bridge/b1/status', { qos: 1 });
    const bridge = await r.bridge({ clientId: 'b1', keepaliveSeconds: 1 }, relay.port);
    await until(() => seen.includes('up:online'), 5000, 'online');
    relay.down(); // the broker loses the bridge without a DISCONNECT: its will
    await until(() => seen.includes('lost:offline'), 5000, 'the last will');
    relay.up();
    await until(() => bridge.connected && seen.filter((x) => x === 'up:online').length === 2, 5000, 'online again');
    await bridge.close();
    await until(() => seen.includes('stopped:offline'), 5000, 'offline on a clean stop');
  });
});

