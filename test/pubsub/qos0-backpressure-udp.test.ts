// QoS 0 back-pressure over real UDP loopback [SW-15.4-5] [SW-14.8-6]: a loop of un-awaited QoS 0
// publications from one client reaches a subscriber on another client through a hub, none lost
// (before: 936 of 1,000 refused with OutboxFullError at the publisher, and more dropped at the hub).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveDeviceKey, generateKey, startClient, startHub, tweetnaclSuite } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'saltwire-qos0-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('QoS 0 publishing over UDP loopback (spec 14.8, 15.4)', () => {
  it('1,000 un-awaited QoS 0 publications through a hub all arrive [SW-15.4-5] [SW-14.8-6]', async () => {
    const site = generateKey(tweetnaclSuite);
    const hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: join(tmp, 'hub') });
    const at = `127.0.0.1:${hub.node.local.port}`;
    const client = (id: string) => startClient({ hub: at, id, key: deriveDeviceKey(tweetnaclSuite, site, id, 0), stateDir: join(tmp, id) });
    const pub = await client('pub-1');
    const sub = await client('sub-1');
    const N = 1_000;
    let got = 0;
    let refused = 0;
    const all = new Promise<void>((resolve) => {
      const s = sub.subscribe('load/#', { qos: 0 }, () => void (++got === N && resolve()));
      void s.granted.then(() => {
        for (let i = 0; i < N; i++) pub.publish('load/x', `message ${i} ${'x'.repeat(40)}`).catch(() => void refused++);
      });
    });
    await Promise.race([all, new Promise((r) => setTimeout(r, 5_000))]);
    expect({ got, refused }).toEqual({ got: N, refused: 0 });
    await pub.close();
    await sub.close();
    await hub.close();
  }, 15_000);
});
