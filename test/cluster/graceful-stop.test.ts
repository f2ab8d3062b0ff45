// A hub stopped gracefully (SIGTERM) that does not come back hands what it owed its devices to the
// cluster as a dead one does [SW-18.3-9]: its bridge's status says "stopped", not its last will, and
// once its process is gone (the fence) the first live member adopts its hub.journal. Two hubs and
// mosquitto: a device of hub-a asleep while hub-a acknowledged 5 QoS 1 alerts for it; hub-a stops;
// the device wakes, roams to hub-b and gets the 5, once.
import { connectAsync } from 'mqtt';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOSQUITTO, Mosquitto } from '../bridge/mosquitto-proc.js';
import { until } from '../bridge/fixture.js';
import { cleanup, device, hubProcess } from './fixture.js';

describe.skipIf(MOSQUITTO === undefined)('cluster: a hub stopped gracefully', () => {
  it('is adopted once its process is gone: the alerts it owed a sleeping device reach it on the next hub, once', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-cluster-stop-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await Mosquitto.start();
    cleanup.push(() => broker.stop());
    const hubs = ['hub-a', 'hub-b'];
    const stateDirs = Object.fromEntries(hubs.map((h) => [h, join(dir, h)]));
    const watch = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 5 });
    cleanup.push(() => watch.endAsync(true));
    const status = new Map<string, string>();
    const claims = new Map<string, string>();
    watch.on('message', (t, p) => {
      const s = t.split('/');
      if (t.startsWith('saltwire/bridge/')) status.set(s[2]!, p.length === 0 ? '' : p.toString());
      else if (p.length > 0) claims.set(s[4]!, s[3]!);
    });
    await watch.subscribeAsync(['saltwire/bridge/+/status', 'saltwire/cluster/held/+/+'], { qos: 1 });
    const ports: Record<string, number> = {};
    const procs: Record<string, Awaited<ReturnType<typeof hubProcess>>> = {};
    await Promise.all(hubs.map(async (h) => {
      const cfg = join(dir, `${h}.json`);
      writeFileSync(cfg, JSON.stringify({ mqtt: { clientId: h, reconnect: { baseMs: 50, capMs: 200, stableMs: 1000 }, cluster: { stateDir: stateDirs[h], stateDirs, adoptRetryMs: 200 } } }));
      const p = await hubProcess(h, stateDirs[h]!, ['--mqtt', `mqtt://127.0.0.1:${broker.port}`, '--config', cfg]);
      ports[h] = p.port;
      procs[h] = p;
      cleanup.push(p.kill9);
    }));
    await until(() => hubs.every((h) => status.get(h)?.includes('"online"') === true), 8000, 'both bridges online');

    const pub = await device(dir, 'dev-p', ports, ['hub-b', 'hub-a']);
    await pub.client.ready(3000);
    const s = await device(dir, 'dev-s', ports, ['hub-a', 'hub-b']);
    s.client.subscribe('alerts/#', { qos: 1 }, () => undefined);
    await s.client.ready(3000);
    await until(() => claims.get('dev-s') === 'hub-a', 5000, 'hub-a claims dev-s');
    await new Promise((r) => setTimeout(r, 300)); // the subscription granted
    await s.client.close();
    await s.node.close();
    const alerts = Array.from({ length: 5 }, (_, i) => `stop-${i}`);
    for (const a of alerts) await pub.client.publish(`alerts/${a}`, a, { qos: 1 }); // hub-b -> broker -> hub-a, owed to dev-s

    await new Promise((r) => setTimeout(r, 500)); // hub-a has them from the broker, journaled for dev-s
    await procs['hub-a']!.stop();
    expect(status.get('hub-a')).toContain('"stopped"');
    const got = new Map<string, number>();
    const woke = await device(dir, 'dev-s', ports, ['hub-a', 'hub-b'], 1000);
    woke.client.subscribe('alerts/#', { qos: 1 }, (p) => got.set(p.text(), (got.get(p.text()) ?? 0) + 1));
    await until(() => got.size === alerts.length, 10_000, `the alerts hub-a owed dev-s (has ${[...got.keys()]})`);
    await new Promise((r) => setTimeout(r, 300));
    expect([woke.client.hub, [...got].filter(([, n]) => n !== 1)]).toEqual(['hub-b', []]);
  });
});
