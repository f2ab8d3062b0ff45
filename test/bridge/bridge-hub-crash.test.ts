// Level one of the bridge's delivery contract: a device's QoS 1 publication acknowledged by the hub
// is durably queued in the bridge, so kill -9 of the hub process (`saltwire hub --mqtt`) while the
// broker is away loses none of them: the next hub process sends them all once the broker is back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../../bench/peers/aedes.js';
import { freeTcpPort } from '../../bench/peers/util.js';
import { hubDevice, hubProcess, procs } from '../messaging/hub-process.js';
import { Rig, SITE, until } from './fixture.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  for (const p of procs) p.kill('SIGKILL');
});

describe('bridge: kill -9 of the hub with messages queued', () => {
  it('loses none of 300 acknowledged QoS 1 publications queued while the broker was down', { timeout: 40_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-bridge-crash-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const mqttPort = await freeTcpPort();
    const cfg = join(dir, 'hub.json');
    writeFileSync(cfg, JSON.stringify({ mqtt: { reconnect: { baseMs: 50, capMs: 200, stableMs: 1000 } } }));
    const args = ['--mqtt', `mqtt://127.0.0.1:${mqttPort}`, '--config', cfg];
    const first = await hubProcess(SITE, join(dir, 'hub'), 0, args);
    const { client } = await hubDevice(SITE, 'dev-1', dir, first.port, {}, cleanup);
    const N = 300;
    for (let i = 0; i < N; i++) await client.publish('sensors/dev-1/n', String(i), { qos: 1 }); // acknowledged: durably queued
    first.child.kill('SIGKILL');
    await first.exited;

    const broker: AedesBroker = await startAedes({ port: mqttPort });
    cleanup.push(() => broker.stop());
    const rig = new Rig();
    cleanup.push(() => rig.close());
    const sub = await rig.mqtt(mqttPort);
    const got = new Set<string>();
    sub.on('message', (_t, p) => got.add(p.toString()));
    await sub.subscribeAsync('sensors/#', { qos: 1 });
    const second = await hubProcess(SITE, join(dir, 'hub'), first.port, args);
    cleanup.push(() => void second.child.kill('SIGKILL'));
    await until(() => got.size === N, 20_000, `all ${N} at the MQTT subscriber (have ${got.size})`);
    expect([...got].map(Number).sort((a, b) => a - b)).toEqual([...Array(N).keys()]);
  });
});
