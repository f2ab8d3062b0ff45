// MQTT 5 message expiry across a kill -9 of the hub process (`saltwire hub --mqtt`), both ways:
// - broker -> sleeping device: the expiry of a command the hub owes is journaled with it (hub
//   journal, PUB bit 6), so the next hub process gives it up instead of delivering it late;
// - device -> broker: a QoS 1 publication queued in the bridge's outbox while the broker is away
//   keeps its expiry (outbox journal): expired by the time the broker is back, it is not sent and the
//   device gets an 'expired' receipt; one still alive is sent with what is left of its expiry
//   (MQTT 5 3.3.2.3.3).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Aedes } from 'aedes';
import { createServer } from 'node:net';
import { hubDevice, hubProcess, procs } from '../messaging/hub-process.js';
import { Rig, SITE, until } from './fixture.js';
import { Mosquitto, MOSQUITTO } from './mosquitto-proc.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  for (const p of procs) p.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sw-bridge-expiry-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('bridge: MQTT 5 message expiry survives kill -9 of the hub', () => {
  it('a command for a sleeping device whose expiry passed while the hub was down is given up, not delivered; one without expiry is', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    // aedes in this process: its 'ack' event says when the bridge acknowledged (after the hub journaled)
    const b = await Aedes.createBroker();
    const server = createServer((sock) => b.handle(sock));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => (server.close(), b.close(() => r()))));
    const port = (server.address() as { port: number }).port;
    let acks = 0;
    let subscribed = false;
    b.on('ack', (_p, c) => void (c?.id === 'hub' && acks++));
    b.on('subscribe', (subs, c) => void (c?.id === 'hub' && subs.some((x) => x.topic === '#') && (subscribed = true)));
    const cfg = join(dir, 'hub.json');
    writeFileSync(cfg, JSON.stringify({ mqtt: { clientId: 'hub', reconnect: { baseMs: 50, capMs: 200, stableMs: 1000 }, presenceTopic: false } }));
    const args = ['--mqtt', `mqtt://127.0.0.1:${port}`, '--config', cfg];
    const first = await hubProcess(SITE, join(dir, 'hub'), 0, args);
    const sleeper: Array<() => Promise<void> | void> = [];
    const dev = await hubDevice(SITE, 'dev-s', dir, first.port, {}, sleeper);
    await dev.client.subscribe('cmd/dev-s/#', { qos: 1 }).granted;
    for (const f of sleeper.reverse()) await f(); // asleep: the hub owes it what comes
    await until(() => subscribed, 10_000, 'the bridge subscribed');

    const rig = new Rig();
    cleanup.push(() => rig.close());
    const pub = await rig.mqtt(port);
    await pub.publishAsync('cmd/dev-s/blink', 'stale', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('cmd/dev-s/mode', 'kept', { qos: 1 });
    await until(() => acks === 2, 5000, 'the bridge acknowledged both: the hub journaled them');
    first.child.kill('SIGKILL');
    await first.exited;
    await sleep(1300); // the 1 s expiry passes while no hub runs

    const second = await hubProcess(SITE, join(dir, 'hub'), first.port, args);
    cleanup.push(() => void second.child.kill('SIGKILL'));
    const got: string[] = [];
    const again = await hubDevice(SITE, 'dev-s', dir, second.port, {}, cleanup); // wakes up
    again.client.subscribe('cmd/dev-s/#', { qos: 1 }, (p) => got.push(p.text()));
    await until(() => got.length >= 1, 10_000, 'the kept command');
    await sleep(500);
    expect(got).toEqual(['kept']);
  });

  it.skipIf(MOSQUITTO === undefined)('a queued device publication expired while the hub was down is not sent and its device gets an expired receipt; a live one goes with what is left of its expiry', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const broker = await Mosquitto.start(true); // persistent: the subscriber's session survives its kill -9
    cleanup.push(() => broker.stop());
    const rig = new Rig();
    cleanup.push(() => rig.close());
    const sub = await rig.mqtt(broker.port, { clientId: 'watcher', clean: false, properties: { sessionExpiryInterval: 300 } });
    const got: IPublishPacket[] = [];
    sub.on('message', (_t, _p, pk) => got.push(pk));
    await sub.subscribeAsync('site/#', { qos: 1 });
    await sleep(1100); // autosave
    await broker.kill9(); // away: the bridge queues
    const cfg = join(dir, 'hub.json');
    writeFileSync(cfg, JSON.stringify({
      mqtt: {
        reconnect: { baseMs: 50, capMs: 200, stableMs: 1000 }, presenceTopic: false, receiptTopic: 'receipts/{id}',
        rules: [
          { local: 'short/#', remote: 'site/short/#', direction: 'out', expirySeconds: 1 },
          { local: 'long/#', remote: 'site/long/#', direction: 'out', expirySeconds: 60 },
        ],
      },
    }));
    const args = ['--mqtt', `mqtt://127.0.0.1:${broker.port}`, '--config', cfg];
    const first = await hubProcess(SITE, join(dir, 'hub'), 0, args);
    const { client } = await hubDevice(SITE, 'dev-1', dir, first.port, {}, cleanup);
    const receipts: Array<{ topic: string; outcome: string }> = [];
    await client.subscribe('receipts/dev-1', { qos: 1 }, (p) => receipts.push(JSON.parse(p.text()) as { topic: string; outcome: string })).granted;
    await client.publish('short/t', 'stale', { qos: 1 }); // acknowledged: durably queued, with its expiry
    await client.publish('long/t', 'kept', { qos: 1 });
    const queuedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;
    await sleep(2200); // the short one's expiry passes while no hub runs

    const second = await hubProcess(SITE, join(dir, 'hub'), first.port, args);
    cleanup.push(() => void second.child.kill('SIGKILL'));
    await client.publish('hello', 'again', { qos: 1 }); // the device and the new hub know each other again
    await broker.run(); // the broker is back, with the watcher's session
    await until(() => got.length >= 1, 15_000, 'the live one at the MQTT subscriber');
    await until(() => receipts.length >= 2, 5000, 'both receipts at the device');
    await sleep(300);
    expect(got.map((p) => `${p.topic}=${p.payload.toString()}`)).toEqual(['site/long/t=kept']);
    const left = got[0]!.properties?.messageExpiryInterval;
    const waited = Math.floor((Date.now() - queuedAt) / 1000);
    expect(left).toBeDefined();
    expect(left!).toBeLessThanOrEqual(60 - waited + 1);
    expect(left!).toBeGreaterThan(40);
    expect(receipts.map((r) => `${r.topic} ${r.outcome}`).sort()).toEqual(['site/long/t acked', 'site/short/t expired']);
  });
});

