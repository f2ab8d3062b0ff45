/**
 * Heap per idle peer on a hub (issue 3 goal: at most 1 KB), measured with 10,000 peers.
 *
 * Each device runs the full first contact with the hub (FULL PING + CHALLENGE, INDEX + ECHO +
 * CHALLENGE, ECHO) on a MemoryNetwork, then sends one datagram, and is discarded: what stays is the
 * hub's state for it (peer entry, receive context with its 1024-counter window and traffic key,
 * sender, timer entry, key-cache share). Measured as the growth of V8 heap plus ArrayBuffer memory
 * after a forced GC, divided by the number of peers. Bounded: 10,000 peers, about 10 s.
 * Run: npm run bench:memory   (node --expose-gc)
 */
import { VirtualScheduler } from '../src/time/scheduler.js';
import { heapAfterGc, memoryDevice, memoryHub } from './memory-hub.js';

const N = Number(process.env['PEERS'] ?? 10_000);
const used = (): number => heapAfterGc('bench:memory');
const h = await memoryHub(N);
const { suite, net, node: hub } = h;
let delivered = 0;
hub.on('message', () => delivered++);

async function oneDevice(i: number): Promise<void> {
  const id = `dev-${i}`;
  const sched = new VirtualScheduler(net.scheduler.now());
  const dev = await memoryDevice(h, id, sched);
  sched.advance(0); // the start-up PING
  net.advance(0); // deliveries: the whole first contact happens at one virtual instant
  dev.send('hub', new Uint8Array([i & 0xff]));
  net.advance(0);
  await dev.close();
}

// warm up code paths and caches before the baseline
for (let i = 0; i < 200; i++) await oneDevice(N + 1000 + i);
net.advance(2_000); // the admission bucket refills
const base = used();
const baseScheduled = (net.scheduler as VirtualScheduler).pending;
const t0 = performance.now();
// First contacts paced within the hub's DERIVE_RATE (1,000 derivations/s, spec 6.5): all at one
// virtual instant, the hub took the first DERIVE_BURST worth (800 devices) and refused the rest as
// a flood, so the bench measured 800 peers and exited 1. 4 ms apart is 250 devices/s (40 s virtual).
const GAP_MS = 4;
for (let i = 0; i < N; i++) {
  await oneDevice(i);
  net.advance(GAP_MS);
}
const active = used();
// Idle: a minute with no traffic at all (the devices are gone): the hub probes, marks them
// unreachable, stops probing (learned peers) and sets their senders aside (spec 9.5).
const idleFrom = net.scheduler.now();
for (let t = 0; t < 60_000; t += 1_000) {
  net.advance(1_000);
  await Promise.resolve();
}
const after = used();
const per = (after - base) / N;
const unreachable = [...Array(N).keys()].filter((i) => hub.reachability(`dev-${i}`) === 'unreachable').length;
const validated = [...Array(N).keys()].filter((i) => hub.peer(`dev-${i}`)?.validated === true).length;
console.log(`peers: ${N} (validated: ${validated}); messages delivered: ${delivered - 200}; unreachable after ${(net.scheduler.now() - idleFrom) / 1000} s of silence: ${unreachable}`);
console.log(`hub heap + ArrayBuffers right after first contact: ${((active - base) / N).toFixed(0)} B per peer`);
console.log(`hub heap + ArrayBuffers per idle peer: ${((after - base) / 2 ** 20).toFixed(2)} MiB for ${N} peers = ${per.toFixed(0)} B per idle peer (goal <= 1024)`);
console.log(`crypto: ${suite.name}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await hub.close();
if (validated !== N) process.exitCode = 1;
