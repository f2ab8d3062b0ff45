/**
 * Pub/sub and RPC against the peers, in one run on loopback (issue 5):
 *
 * - QoS 0, 100 B payloads, publisher -> hub -> subscriber: Saltwire (hub in its own process, both
 *   clients in this one, with each crypto backend) against MQTT.js clients through mosquitto (plain,
 *   and TCP_NODELAY tuned) and aedes (own process). Rate = messages received / (last arrival - first
 *   publish), at the subscriber; "lost" = published - received.
 * - RPC round trip p50/p99: a Saltwire call of `echo` (100 B binary params) served by the hub process,
 *   against raw node:dgram ping-pong across processes (the floor: two datagrams, no crypto) and MQTT
 *   request/response through each broker (4 TCP hops).
 *
 * Each throughput row is the median of REPS runs. Bounded: every run has a count and a time limit,
 * and a watchdog ends the bench after 300 s.
 * Run: npm run bench:pubsub    (SKIP_MQTT=1 leaves the MQTT rows out; REPS=N, MESSAGES=N)
 */
import { deriveDeviceKey, PairKeyring } from '../src/core.js';
import { Client } from '../src/messaging/client.js';
import { loadSodiumSuite } from '../src/node/crypto.js';
import { tweetnaclSuite } from '../src/crypto/tweetnacl.js';
import type { CryptoSuite } from '../src/crypto/suite.js';
import { SaltwireNode } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { UdpTransport } from '../src/transport/udp.js';
import { BENCH_RELIABILITY, startHubProcess } from './pubsub-hub.js';
import { brokerVariants } from './peers/run.js';
import { qos0Throughput, requestResponse } from './peers/mqtt-load.js';
import { udpPingPong } from './peers/udp-pingpong.js';
import { formatTable, medianByRate, percentile, type ThroughputResult } from './peers/util.js';

const MESSAGES = Number(process.env['MESSAGES'] ?? 100_000);
const REPS = Number(process.env['REPS'] ?? 3);
const ROUND_TRIPS = Number(process.env['ROUND_TRIPS'] ?? 2000);
const PAYLOAD = 100;
const TIME_LIMIT_MS = 8000;
const SITE = new Uint8Array(32).fill(9);

const watchdog = setTimeout(() => {
  console.error('bench:pubsub: watchdog: still running after 300 s, giving up');
  process.exit(2);
}, 300_000);
watchdog.unref();

async function device(id: string, suite: CryptoSuite, hubPort: number): Promise<{ node: SaltwireNode; client: Client }> {
  const node = await SaltwireNode.start({
    id,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, id, 0)),
    suite,
    transport: await UdpTransport.bind({ host: '127.0.0.1' }),
    state: new MemoryStateStore(),
    provisioning: true,
    peers: [{ id: 'hub', address: { host: '127.0.0.1', port: hubPort } }],
    peerMaxDatagram: 1200,
    reliability: BENCH_RELIABILITY,
  });
  return { node, client: await Client.start(node, { hub: 'hub' }) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One QoS 0 run: the publisher yields to I/O every BATCH publications (it has no back-pressure). */
async function saltwireQos0(suite: CryptoSuite, hubPort: number, run: number): Promise<ThroughputResult> {
  const sub = await device(`sub-${run}`, suite, hubPort);
  const pub = await device(`pub-${run}`, suite, hubPort);
  let received = 0;
  let last = 0;
  const s = sub.client.subscribe('bench/t', { qos: 0 }, () => {
    received++;
    last = performance.now();
  });
  await s.granted;
  await pub.client.publish('bench/warm', 'x', { qos: 1 }); // first contact outside the measurement
  const payload = new Uint8Array(PAYLOAD).fill(7);
  const BATCH = 64;
  const t0 = performance.now();
  let sent = 0;
  while (sent < MESSAGES && performance.now() - t0 < TIME_LIMIT_MS) {
    for (let i = 0; i < BATCH && sent < MESSAGES; i++, sent++) void pub.client.publish('bench/t', payload).catch(() => undefined);
    await tick();
  }
  while (received < sent && performance.now() - Math.max(last, t0) < 1000 && performance.now() - t0 < TIME_LIMIT_MS + 2000) await new Promise((r) => setTimeout(r, 5));
  const elapsedMs = (received > 0 ? last : performance.now()) - t0;
  // Unsubscribed, not just closed: a closed client does not tell the hub, which would go on
  // forwarding every later run's publications to this run's dead subscriber too.
  await s.unsubscribe();
  for (const d of [pub, sub]) {
    await d.client.close();
    await d.node.close();
  }
  return { sent, received, elapsedMs, msgsPerSec: (received * 1000) / elapsedMs, lost: sent - received, timedOut: sent < MESSAGES };
}

async function saltwireRpc(suite: CryptoSuite, hubPort: number): Promise<{ p50Us: number; p99Us: number; count: number }> {
  const d = await device('caller', suite, hubPort);
  const params = new Uint8Array(PAYLOAD).fill(3);
  for (let i = 0; i < 200; i++) await d.client.call('hub', 'echo', params);
  const ns: number[] = [];
  const t0 = performance.now();
  while (ns.length < ROUND_TRIPS && performance.now() - t0 < TIME_LIMIT_MS) {
    const a = process.hrtime.bigint();
    await d.client.call('hub', 'echo', params);
    ns.push(Number(process.hrtime.bigint() - a));
  }
  await d.client.close();
  await d.node.close();
  ns.sort((x, y) => x - y);
  return { p50Us: percentile(ns, 50) / 1000, p99Us: percentile(ns, 99) / 1000, count: ns.length };
}

const suites: Array<[string, CryptoSuite]> = [['tweetnacl', tweetnaclSuite]];
const sodium = loadSodiumSuite();
if (sodium !== undefined) suites.push(['sodium-native', sodium]);

const qos0: Array<{ name: string; r: ThroughputResult }> = [];
const rpc: Array<{ name: string; p50Us: number; p99Us: number; count: number }> = [];
for (const [name, suite] of suites) {
  process.env['SALTWIRE_CRYPTO'] = name === 'tweetnacl' ? 'tweetnacl' : 'sodium-native';
  const hub = await startHubProcess(SITE);
  try {
    const runs: ThroughputResult[] = [];
    for (let i = 0; i < REPS; i++) runs.push(await saltwireQos0(suite, hub.port, i));
    qos0.push({ name: `Saltwire (${name})`, r: medianByRate(runs) });
    rpc.push({ name: `Saltwire call, direct to the hub (${name})`, ...(await saltwireRpc(suite, hub.port)) });
  } finally {
    await hub.stop();
  }
}

const udp = await udpPingPong({ mode: 'cross-process', roundTrips: ROUND_TRIPS, timeLimitMs: 4000 });
rpc.push({ name: 'raw node:dgram ping-pong, cross-process', p50Us: udp.p50Us, p99Us: udp.p99Us, count: udp.count });
const mqttRr: Array<{ name: string; p50Us: number; p99Us: number; count: number }> = [];
if (process.env['SKIP_MQTT'] !== '1') {
  for (const v of brokerVariants().filter((x) => ['mosquitto', 'mosquitto tuned', 'aedes'].includes(x.name))) {
    if (v.unavailable !== undefined) continue;
    const broker = await v.start();
    try {
      const runs: ThroughputResult[] = [];
      for (let i = 0; i < REPS; i++) runs.push(await qos0Throughput(broker, { messages: MESSAGES, timeLimitMs: TIME_LIMIT_MS, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD }));
      qos0.push({ name: `MQTT ${v.name}`, r: medianByRate(runs) });
      const rr = await requestResponse(broker, { roundTrips: ROUND_TRIPS, timeLimitMs: TIME_LIMIT_MS, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD });
      mqttRr.push({ name: `MQTT request/response, ${v.name}`, p50Us: rr.p50Us, p99Us: rr.p99Us, count: rr.count });
    } finally {
      await broker.stop();
    }
  }
}

const ref = (n: string): ThroughputResult | undefined => qos0.find((x) => x.name === `MQTT ${n}`)?.r;
console.log(`QoS 0, ${PAYLOAD} B, publisher -> hub/broker -> subscriber on loopback, median of ${REPS} runs of ${MESSAGES}\n`);
console.log(
  formatTable([
    ['', 'msgs/s', 'lost', 'vs mosquitto', 'vs mosquitto tuned', 'vs aedes'],
    ...qos0.map(({ name, r }) => [
      name,
      r.msgsPerSec.toFixed(0),
      String(r.lost),
      ...['mosquitto', 'mosquitto tuned', 'aedes'].map((n) => (ref(n) ? (r.msgsPerSec / ref(n)!.msgsPerSec).toFixed(2) : '-')),
    ]),
  ]),
);
const all = [...rpc, ...mqttRr];
const udpP50 = udp.p50Us;
console.log(`\nRPC round trip, ${PAYLOAD} B, ${ROUND_TRIPS} sequential (µs)\n`);
console.log(
  formatTable([
    ['', 'p50', 'p99', 'p50 vs raw UDP', 'p50 vs MQTT r/r (mosquitto tuned)'],
    ...all.map((x) => [
      x.name,
      x.p50Us.toFixed(0),
      x.p99Us.toFixed(0),
      (x.p50Us / udpP50).toFixed(2),
      mqttRr.find((m) => m.name.endsWith('mosquitto tuned')) ? (x.p50Us / mqttRr.find((m) => m.name.endsWith('mosquitto tuned'))!.p50Us).toFixed(2) : '-',
    ]),
  ]),
);
clearTimeout(watchdog);
