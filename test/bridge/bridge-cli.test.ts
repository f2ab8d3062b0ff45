// `saltwire hub --mqtt`: the default mapping end to end in-process (a device's topic under its own
// name on the broker and back, $ topics never), the bridge's log lines on stderr, and usage errors
// (a URL that is not a broker's, an unknown key of the config's "mqtt" object) exit 1 naming them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../../bench/peers/aedes.js';
import { toHex } from '../../src/util/bytes.js';
import { startCli } from '../cli/in-process.js';
import { hubDevice } from '../messaging/hub-process.js';
import { Rig, SITE, until } from './fixture.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sw-bridge-cli-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('saltwire hub --mqtt', () => {
  it('bridges every topic both ways under its own name, minus $ topics, and logs the connection', { timeout: 20_000 }, async () => {
    const d = dir();
    const broker: AedesBroker = await startAedes();
    cleanup.push(() => broker.stop());
    let listening: (port: number) => void;
    const bound = new Promise<number>((r) => (listening = r));
    const hub = startCli(['hub', '--listen', '127.0.0.1:0', '--site', toHex(SITE), '--state', join(d, 'hub'), '--mqtt', `mqtt://127.0.0.1:${broker.port}`], d, (l) => {
      const m = /listening .*:(\d+)/.exec(l);
      if (m) listening(Number(m[1]));
    }, 30_000);
    cleanup.push(async () => {
      hub.stop();
      await hub.done;
    });
    const port = await bound;
    const rig = new Rig();
    cleanup.push(() => rig.close());
    const mq = await rig.mqtt(broker.port);
    const atMqtt: string[] = [];
    mq.on('message', (t, p) => atMqtt.push(`${t}=${p.toString()}`));
    await mq.subscribeAsync(['#', '$presence/#'], { qos: 1 });
    const { client } = await hubDevice(SITE, 'dev-1', d, port, {}, cleanup);
    const atDevice: string[] = [];
    await client.subscribe('x/#', { qos: 1 }, (p) => atDevice.push(`${p.topic}=${p.text()}`)).granted;
    await client.publish('a/b/c', 'up', { qos: 1 });
    await mq.publishAsync('x/y', 'down', { qos: 1 });
    await until(() => atMqtt.includes('a/b/c=up') && atDevice.includes('x/y=down'), 10_000, 'both ways');
    expect(atMqtt.filter((m) => m.startsWith('$'))).toEqual([]); // the hub's $presence/dev-1 stays at the hub
    hub.stop();
    const r = await hub.done;
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toMatch(/bridge: connected to mqtt:\/\/127\.0\.0\.1:\d+/);
  });

  it('usage errors: a URL that is not a broker\'s, an unknown key in the config\'s "mqtt" object', { timeout: 20_000 }, async () => {
    const d = dir();
    const bad = await startCli(['hub', '--listen', '127.0.0.1:0', '--site', toHex(SITE), '--state', join(d, 'h1'), '--mqtt', 'localhost:1883'], d).done;
    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toMatch(/--mqtt must be a broker URL like mqtt:\/\/HOST:PORT/);
    const cfg = join(d, 'hub.json');
    writeFileSync(cfg, JSON.stringify({ mqtt: { usernmae: 'x' } }));
    const key = await startCli(['hub', '--listen', '127.0.0.1:0', '--site', toHex(SITE), '--state', join(d, 'h2'), '--mqtt', 'mqtt://127.0.0.1:1', '--config', cfg], d).done;
    expect(key.code).toBe(1);
    expect(key.err.join('\n')).toMatch(/mqtt\.usernmae": unknown key/);
  });
});
