/**
 * Recovery of the peer layer over real UDP on loopback (issue 3), with a hub and a device in this
 * process, each on its own socket, and a ChaosProxy between them where the path must be cut or
 * counted. Prints:
 *   1. the bytes on the wire of a first contact: every datagram both ways until each side holds the
 *      other reachable and the hub has validated the device's address (spec 10.2, 12.3);
 *   2. restart detection and recovery: the device is closed and started again with its state
 *      directory (epoch + 1) 20 times; the median time from start() resolving to the hub's 'restart'
 *      event, and to a message delivered each way (the device sends when it hears the hub fresh, the
 *      hub answers the restart event) [SW-12.2-1];
 *   3. the time to mark a peer unreachable [SW-11.3-1]: computed for LIVENESS_DEFAULTS, measured
 *      with fast timers (a proxy blackout, 3 trials) next to the same formula for those timers.
 * Bounded: every wait has a limit and a watchdog ends the run after 58 s. Run: npm run bench:recovery
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveDeviceKey, LIVENESS_DEFAULTS, PairKeyring, SiteKeyring, type LivenessConfig } from '../src/core.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { startNode } from '../src/node/start.js';
import type { SaltwireNode } from '../src/peer/node.js';
import { ChaosProxy } from '../src/transport/chaos-proxy.js';
import type { Address } from '../src/transport/transport.js';
import { UdpTransport } from '../src/transport/udp.js';

const RESTARTS = 20;
const BLACKOUTS = 3;
const FAST: LivenessConfig = { keepaliveMs: 1000, probeAfterMs: 1500, probeIntervalMs: 200, probeMaxIntervalMs: 800, unreachableAfterMs: 2000, recoveryIntervalMs: 1000 };
const DEV = 'sensor-1';
const SITE = new Uint8Array(32).fill(7);
const suite = defaultCryptoSuite();
const enc = new TextEncoder();
const dec = new TextDecoder();

const watchdog = setTimeout(() => {
  console.error('peer-recovery: watchdog: still running after 58 s, giving up');
  process.exit(2);
}, 58_000);
watchdog.unref();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms: number, what: string): Promise<number> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`peer-recovery: no ${what} within ${ms} ms`);
    await sleep(1);
  }
  return performance.now();
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f1 = (x: number) => x.toFixed(1);

const dir = await mkdtemp(join(tmpdir(), 'saltwire-bench-recovery-'));
const closers: Array<() => Promise<unknown>> = [];

async function hubNode(name: string, liveness?: Partial<LivenessConfig>): Promise<{ hub: SaltwireNode; address: Address }> {
  const t = await UdpTransport.bind({ host: '127.0.0.1' });
  const hub = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), suite, transport: t, stateDir: join(dir, name), provisioning: true, liveness });
  closers.push(() => hub.close());
  return { hub, address: t.local };
}

async function deviceNode(name: string, hubAt: Address, provisioning: boolean, liveness?: Partial<LivenessConfig>): Promise<SaltwireNode> {
  return startNode({
    id: DEV,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, DEV, 0)),
    suite,
    transport: await UdpTransport.bind({ host: '127.0.0.1' }),
    stateDir: join(dir, name),
    provisioning,
    peers: [{ id: 'hub', address: hubAt }],
    liveness,
  });
}

const settled = (hub: SaltwireNode, dev: SaltwireNode) => () =>
  dev.reachability('hub') === 'reachable' && hub.reachability(DEV) === 'reachable' && hub.peer(DEV)?.validated === true;

// ---- 1. first contact ----
async function firstContact(): Promise<void> {
  const { hub, address } = await hubNode('fc-hub');
  const proxy = await ChaosProxy.start({ target: address });
  closers.push(() => proxy.close());
  const t0 = performance.now();
  const dev = await deviceNode('fc-dev', proxy.address, true);
  closers.push(() => dev.close());
  const t1 = await until(settled(hub, dev), 2000, 'first contact');
  const wire = () => ({
    up: proxy.stats.toTarget.received,
    down: proxy.stats.toClient.received,
    bytes: proxy.stats.toTarget.bytesReceived + proxy.stats.toClient.bytesReceived,
  });
  const atSettle = wire();
  await sleep(200); // nothing more is owed once both sides are settled: check that nothing follows
  const later = wire();
  const n = atSettle.up + atSettle.down;
  console.log('first contact (device start to both reachable and the path validated):');
  console.log(`  ${n} datagrams (${atSettle.up} device->hub, ${atSettle.down} hub->device), ${atSettle.bytes} bytes of UDP payload, ${atSettle.bytes + 28 * n} bytes with IPv4+UDP headers`);
  console.log(`  ${f1(t1 - t0)} ms including the device's durable epoch write; ${later.up + later.down - n} more datagrams in the next 200 ms`);
}

// ---- 2. restarts ----
async function restarts(): Promise<void> {
  const { hub, address } = await hubNode('rs-hub');
  let dev = await deviceNode('rs-dev', address, true);
  await until(settled(hub, dev), 2000, 'first contact');
  let round = -1;
  let detectedAt = 0;
  let upAt = 0;
  let downAt = 0;
  let restartEpoch = 0;
  hub.on('restart', (e) => {
    detectedAt = performance.now();
    restartEpoch = e.epoch;
    hub.send(DEV, enc.encode(`down ${round}`)); // the application answers the restart at once
  });
  hub.on('message', (m) => {
    if (dec.decode(m.data) === `up ${round}`) upAt = performance.now();
  });
  const starts: number[] = [];
  const detect: number[] = [];
  const recover: number[] = [];
  for (round = 0; round < RESTARTS; round++) {
    await dev.close();
    detectedAt = upAt = downAt = 0;
    const t0 = performance.now();
    dev = await deviceNode('rs-dev', address, false); // same state directory: epoch + 1, no provisioning
    const t1 = performance.now();
    const r = round;
    dev.on('reachable', () => dev.send('hub', enc.encode(`up ${r}`)));
    dev.on('message', (m) => {
      if (dec.decode(m.data) === `down ${r}`) downAt = performance.now();
    });
    await until(() => detectedAt > 0 && upAt > 0 && downAt > 0, 2000, `recovery of restart ${round}`);
    if (restartEpoch !== dev.epoch) throw new Error(`restart ${round}: hub saw epoch ${restartEpoch}, device is at ${dev.epoch}`);
    starts.push(t1 - t0);
    detect.push(detectedAt - t1);
    recover.push(Math.max(upAt, downAt) - t1);
  }
  closers.push(() => dev.close());
  console.log(`restart of the device with its state directory (${RESTARTS} restarts, median [min-max], ms):`);
  console.log(`  start() (durable epoch write, bind):            ${f1(median(starts))} [${f1(Math.min(...starts))}-${f1(Math.max(...starts))}]`);
  console.log(`  start() resolved -> hub 'restart' event:        ${f1(median(detect))} [${f1(Math.min(...detect))}-${f1(Math.max(...detect))}]`);
  console.log(`  start() resolved -> a message delivered each way: ${f1(median(recover))} [${f1(Math.min(...recover))}-${f1(Math.max(...recover))}]`);
}

// ---- 3. unreachable ----
/**
 * Time to unreachable after the path dies: probing starts probeAfter after the last fresh datagram
 * heard, and gives up unreachableAfter later. The peer was last heard between 0 and `gap` ms before
 * the path died, where `gap` is the longest interval between fresh datagrams from it: a device's
 * keepalive for the hub; for the device, probeAfter (a hub sends no keepalives, it answers probes).
 */
const unreachableRange = (c: LivenessConfig, gap: number): [number, number] => [c.probeAfterMs + c.unreachableAfterMs - gap, c.probeAfterMs + c.unreachableAfterMs];
const range = (r: [number, number]) => `${r[0]}-${r[1]} ms`;

async function blackouts(): Promise<void> {
  const { hub, address } = await hubNode('bo-hub', FAST);
  const proxy = await ChaosProxy.start({ target: address, maxCapture: 0 });
  closers.push(() => proxy.close());
  const dev = await deviceNode('bo-dev', proxy.address, true, FAST);
  closers.push(() => dev.close());
  await until(settled(hub, dev), 2000, 'first contact');
  const hubMs: number[] = [];
  const devMs: number[] = [];
  const healMs: number[] = [];
  for (let i = 0; i < BLACKOUTS; i++) {
    await sleep(1200 + 300 * i); // steady state, and a different phase of the timers each trial
    const t0 = performance.now();
    proxy.blackout = true;
    const limit = FAST.probeAfterMs + FAST.unreachableAfterMs + FAST.keepaliveMs + 2000;
    const [h, d] = await Promise.all([
      until(() => hub.reachability(DEV) === 'unreachable', limit, 'unreachable (hub)'),
      until(() => dev.reachability('hub') === 'unreachable', limit, 'unreachable (device)'),
    ]);
    hubMs.push(h - t0);
    devMs.push(d - t0);
    proxy.blackout = false;
    const t1 = performance.now();
    const back = await until(() => hub.reachability(DEV) === 'reachable' && dev.reachability('hub') === 'reachable', 3000, 'reachable again');
    healMs.push(back - t1);
  }
  const D = LIVENESS_DEFAULTS;
  console.log('time to mark a peer unreachable after its path dies [SW-11.3-1]:');
  console.log(`  LIVENESS_DEFAULTS (computed): probeAfter ${D.probeAfterMs} + unreachableAfter ${D.unreachableAfterMs} = ${D.probeAfterMs + D.unreachableAfterMs} ms after the last datagram heard;`);
  console.log(`    after the path dies: hub ${range(unreachableRange(D, D.keepaliveMs))} (device keepalive ${D.keepaliveMs} ms), device ${range(unreachableRange(D, D.probeAfterMs))}`);
  console.log(`  fast timers ${JSON.stringify(FAST)}:`);
  console.log(`    computed: hub ${range(unreachableRange(FAST, FAST.keepaliveMs))}, device ${range(unreachableRange(FAST, FAST.probeAfterMs))}`);
  console.log(`  fast timers measured (${BLACKOUTS} blackouts): hub ${hubMs.map((x) => x.toFixed(0)).join(', ')} ms; device ${devMs.map((x) => x.toFixed(0)).join(', ')} ms`);
  console.log(`  reachable again after the path heals (recoveryInterval ${FAST.recoveryIntervalMs} ms): ${healMs.map((x) => x.toFixed(0)).join(', ')} ms`);
}

const t = performance.now();
try {
  console.log(`peer recovery over UDP on loopback, crypto ${suite.name}`);
  await firstContact();
  await restarts();
  await blackouts();
  console.log(`done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
} finally {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
