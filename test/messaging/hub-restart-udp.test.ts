/**
 * Pub/sub through the API over real UDP with the hub in a separate process (the `saltwire hub`
 * command), restarted in the middle of a QoS 1 stream: no publication is lost [SW-14.7-4]
 * [SW-15.5-2] [SW-18.3-1]. The clients are in this process (startNode + Client), with state
 * directories, as a device would run them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hubDevice, hubProcess as startHubProcess, procs } from './hub-process.js';

const SITE = new Uint8Array(32).fill(0x5a);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const p of procs) p.kill('SIGKILL');
  procs.clear();
  for (const f of cleanup.splice(0).reverse()) await f();
});

const hubProcess = (stateDir: string, port: number) => startHubProcess(SITE, stateDir, port);

const device = (id: string, dir: string, hubPort: number) => hubDevice(SITE, id, dir, hubPort, { outboxMessages: 512 }, cleanup);

describe('pub/sub over real UDP, hub in its own process', () => {
  it('the hub stops (SIGTERM) and starts again on its port in the middle of 300 QoS 1 publications: every one arrives, every publish resolves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saltwire-hubrestart-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    let hub = await hubProcess(join(dir, 'hub'), 0);
    const port = hub.port;
    const sub = await device('sub-1', dir, port);
    const pub = await device('pub-1', dir, port);
    const restarts: string[] = [];
    sub.node.on('restart', (e) => restarts.push(`sub saw ${e.peer}`));
    pub.node.on('restart', (e) => restarts.push(`pub saw ${e.peer}`));
    const got = new Set<string>();
    const s = sub.client.subscribe('r/#', { qos: 1 }, (p) => void got.add(p.text()));
    await s.granted;

    const N = 300;
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < N; i++) {
      done.push(pub.client.publish(`r/${i % 7}`, `m${i}`, { qos: 1, deadlineMs: 30_000 }));
      if (i === 100) {
        hub.child.kill('SIGTERM'); // graceful: it drains what it took [SW-18.3-1]
        await new Promise((r) => hub.child.once('exit', r));
        await sleep(200); // publications meanwhile wait in the publisher's outbox [SW-14.8-3]
        hub = await hubProcess(join(dir, 'hub'), port);
      }
      await sleep(3);
    }
    const settled = await Promise.allSettled(done);
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    const t0 = Date.now();
    while (got.size < N && Date.now() - t0 < 10_000) await sleep(20);
    const missing = Array.from({ length: N }, (_, i) => `m${i}`).filter((m) => !got.has(m));
    expect(missing).toEqual([]);
    expect(restarts.sort()).toEqual(['pub saw hub', 'sub saw hub']); // the hub did restart, once
  }, 60_000);
});
