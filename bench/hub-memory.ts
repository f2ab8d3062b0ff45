/**
 * Heap per device on a messaging hub (issue 17: a hub's memory per device), after each device made
 * first contact, started a Client (SYNC), published once and went quiet: the state a hub keeps for a
 * device that reports now and then (peer entry, receive context, sender, reliable link, alias
 * tables, its share of caches). bench:memory measures a bare node's idle peers; this one the whole
 * hub, where reliable links used to dominate (spec 14.13 sets quiescent ones aside).
 *
 * In-memory network, virtual time: each device starts, publishes (QoS from QOS, default 0) and is
 * closed, so only the hub's state for it stays; after IDLE_MS (default 20 s) of silence the heap
 * (V8 heap + ArrayBuffers after forced GCs) is compared with the baseline. Bounded: PEERS devices
 * (default 3,000), about 30 s. Set LINK_IDLE_MS=Infinity to keep every link live (the "before").
 * Run: npm run bench:hub-memory       SNAP=file.heapsnapshot writes a heap snapshot at the end.
 */
import { writeHeapSnapshot } from 'node:v8';
import { Client } from '../src/messaging/client.js';
import { Hub } from '../src/messaging/hub.js';
import { heapAfterGc, memoryDevice, memoryHub } from './memory-hub.js';

const N = Number(process.env['PEERS'] ?? 3000);
const QOS = Number(process.env['QOS'] ?? 0) as 0 | 1;
const IDLE_MS = Number(process.env['IDLE_MS'] ?? 20_000);
const LINK_IDLE = process.env['LINK_IDLE_MS'] === undefined ? undefined : Number(process.env['LINK_IDLE_MS']);
const used = (): number => heapAfterGc('bench:hub-memory');
const h = await memoryHub(N, LINK_IDLE !== undefined ? { reliability: { linkIdleMs: LINK_IDLE } } : {});
const { suite, net, node } = h;
const hub = await Hub.start(node, { persist: false });
let got = 0;
hub.subscribe('#', {}, () => void got++);

/** Advances virtual time in 5 ms steps, letting promise continuations run between them. */
async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    net.advance(5);
    await Promise.resolve();
  }
}

async function oneDevice(i: number): Promise<void> {
  const id = `d${i}`;
  const dev = await memoryDevice(h, id);
  const c = await Client.start(dev, { hub: 'hub' });
  const ready = c.ready({ timeoutMs: 5000 });
  await run(100);
  await ready;
  const p = c.publish(`d/${id}`, new Uint8Array(50), { qos: QOS });
  await run(100);
  await p;
  await c.close();
  await dev.close();
}

for (let i = 0; i < 100; i++) await oneDevice(100_000 + i); // warm-up, in the baseline
await run(2_000);
const base = used();
const t0 = performance.now();
for (let i = 0; i < N; i++) await oneDevice(i); // 200 ms of virtual time each: 5 devices a second
const active = used();
await run(IDLE_MS);
const after = used();
const links = node.stats.links;
console.log(`devices: ${N}, QoS ${QOS}; publications delivered: ${got - 100}; links live ${links.live}, parked ${links.parked}; LINK_IDLE ${LINK_IDLE ?? 'default'}`);
console.log(`hub heap + ArrayBuffers per device: ${((active - base) / N).toFixed(0)} B right after the last device, ${((after - base) / N).toFixed(0)} B after ${IDLE_MS / 1000} s of silence`);
console.log(`crypto: ${suite.name}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (process.env['SNAP'] !== undefined) console.log(`heap snapshot: ${writeHeapSnapshot(process.env['SNAP'])}`);
await hub.close();
await node.close();
if (got - 100 !== N) process.exitCode = 1;
