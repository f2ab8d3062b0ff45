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
 * Steady state, for every row alike: each system (a Saltwire hub process per crypto backend, each
 * broker) first gets one unmeasured warm-up run of WARMUP messages, then each throughput row is the
 * median of REPS runs of MESSAGES; every latency row has WARMUP_TRIPS unmeasured round trips first.
 * A JS hub starts cold (its code not yet optimized by V8) and a C broker does not, so runs of 100k
 * from a fresh process measured mostly the JIT (Saltwire 0.79x mosquitto at 100k, 1.19x at 500k).
 * Bounded: every run has a count and a time limit, and a watchdog ends the bench after 400 s.
 * Run: npm run bench:pubsub    (SKIP_MQTT=1 leaves the MQTT rows out; REPS=N, MESSAGES=N; ONLY=qos0 or
 *   ONLY=rpc runs one half; SUITES=tweetnacl or SUITES=sodium-native one backend; HUB_NODE_ARGS passes
 *   node flags to the hub process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
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

const MESSAGES = Number(process.env['MESSAGES'] ?? 300_000);
const WARMUP = Number(process.env['WARMUP'] ?? 100_000);
const REPS = Number(process.env['REPS'] ?? 3);
const ROUND_TRIPS = Number(process.env['ROUND_TRIPS'] ?? 5000);
const WARMUP_TRIPS = Number(process.env['WARMUP_TRIPS'] ?? 2000);
const PAYLOAD = 100;
const TIME_LIMIT_MS = 8000;
const SITE = new Uint8Array(32).fill(9);

const watchdog = setTimeout(() => {
  console.error('bench:pubsub: watchdog: still running after 400 s, giving up');
  process.exit(2);
}, 400_000);
watchdog.unref();

async function device(id: string, suite: CryptoSuite, hubPort: number, busyPollUs = 0): Promise<{ node: SaltwireNode; client: Client }> {
  const node = await SaltwireNode.start({
    id,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, id, 0)),
    suite,
    transport: await UdpTransport.bind({ host: '127.0.0.1', busyPollUs }),
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
async function saltwireQos0(suite: CryptoSuite, hubPort: number, run: number, messages: number): Promise<ThroughputResult> {
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
  const BATCH = Number(process.env["BATCH"] ?? 64);
  const t0 = performance.now();
  let sent = 0;
  while (sent < messages && performance.now() - t0 < TIME_LIMIT_MS) {
    for (let i = 0; i < BATCH && sent < messages; i++, sent++) void pub.client.publish('bench/t', payload).catch(() => undefined);
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
  return { sent, received, elapsedMs, msgsPerSec: (received * 1000) / elapsedMs, lost: sent - received, timedOut: sent < messages };
}

interface LatencyRow {
  name: string;
  p50Us: number;
  p99Us: number;
  count: number;
  /** CPU (user + system) of the calling process per round trip, µs */
  cpuUs?: number;
}

async function saltwireRpc(suite: CryptoSuite, hubPort: number, busyPollUs: number): Promise<Omit<LatencyRow, 'name'>> {
  const d = await device('caller', suite, hubPort, busyPollUs);
  const params = new Uint8Array(PAYLOAD).fill(3);
  for (let i = 0; i < WARMUP_TRIPS; i++) await d.client.call('hub', 'echo', params);
  const ns: number[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (ns.length < ROUND_TRIPS && performance.now() - t0 < TIME_LIMIT_MS) {
    const a = process.hrtime.bigint();
    await d.client.call('hub', 'echo', params);
    ns.push(Number(process.hrtime.bigint() - a));
  }
  const cpu = process.cpuUsage(cpu0);
  if (process.env['VERBOSE'] === '1') console.error('rpc caller stats', JSON.stringify({ calls: ns.length, sent: d.node.stats.sent, received: d.node.stats.received }));
  await d.client.close();
  await d.node.close();
  ns.sort((x, y) => x - y);
  return { p50Us: percentile(ns, 50) / 1000, p99Us: percentile(ns, 99) / 1000, count: ns.length, cpuUs: (cpu.user + cpu.system) / ns.length };
}

/** Runs `fn` with this process's event loop polling (an immediate every turn) until it settles. */
async function whilePolling<T>(fn: () => Promise<T>): Promise<T> {
  let on = true;
  const spin = (): void => void (on && setImmediate(spin));
  spin();
  try {
    return await fn();
  } finally {
    on = false;
  }
}

/** Busy polling (UdpTransport busyPollUs) of the "polling" latency rows, on both ends. */
const BUSY_POLL_US = Number(process.env['BUSY_POLL_US'] ?? 200);

const ONLY = process.env['ONLY'];
const wanted = (process.env['SUITES'] ?? 'tweetnacl,sodium-native').split(',');
const suites: Array<[string, CryptoSuite]> = [];
if (wanted.includes('tweetnacl')) suites.push(['tweetnacl', tweetnaclSuite]);
const sodium = loadSodiumSuite();
if (sodium !== undefined && wanted.includes('sodium-native')) suites.push(['sodium-native', sodium]);

const qos0: Array<{ name: string; r: ThroughputResult }> = [];
const rpc: LatencyRow[] = [];
for (const [name, suite] of suites) {
  process.env['SALTWIRE_CRYPTO'] = name === 'tweetnacl' ? 'tweetnacl' : 'sodium-native';
  const hub = await startHubProcess(SITE, 0);
  try {
    const runs: ThroughputResult[] = [];
    if (ONLY !== 'rpc') {
      await saltwireQos0(suite, hub.port, REPS, WARMUP);
      for (let i = 0; i < REPS; i++) runs.push(await saltwireQos0(suite, hub.port, i, MESSAGES));
      qos0.push({ name: `Saltwire (${name})`, r: medianByRate(runs) });
    }
    if (ONLY !== 'qos0') rpc.push({ name: `Saltwire call to the hub (${name})`, ...(await saltwireRpc(suite, hub.port, 0)) });
  } finally {
    await hub.stop();
  }
  if (ONLY === 'qos0' || BUSY_POLL_US === 0) continue;
  const polling = await startHubProcess(SITE, BUSY_POLL_US);
  try {
    rpc.push({ name: `Saltwire call to the hub (${name}), busy polling ${BUSY_POLL_US} µs`, ...(await saltwireRpc(suite, polling.port, BUSY_POLL_US)) });
  } finally {
    await polling.stop();
  }
}

const udp = await udpPingPong({ mode: 'cross-process', roundTrips: ROUND_TRIPS, warmup: WARMUP_TRIPS, payloadBytes: PAYLOAD, timeLimitMs: 8000 });
rpc.push({ name: 'raw node:dgram ping-pong, cross-process', p50Us: udp.p50Us, p99Us: udp.p99Us, count: udp.count });
if (BUSY_POLL_US > 0) {
  const polled = await udpPingPong({ mode: 'cross-process', roundTrips: ROUND_TRIPS, warmup: WARMUP_TRIPS, payloadBytes: PAYLOAD, timeLimitMs: 8000, busyPollUs: BUSY_POLL_US });
  rpc.push({ name: `raw node:dgram ping-pong, cross-process, busy polling ${BUSY_POLL_US} µs`, p50Us: polled.p50Us, p99Us: polled.p99Us, count: polled.count });
}
const mqttRr: LatencyRow[] = [];
if (process.env['SKIP_MQTT'] !== '1') {
  for (const v of brokerVariants().filter((x) => ['mosquitto', 'mosquitto tuned', 'aedes'].includes(x.name))) {
    if (v.unavailable !== undefined) continue;
    const broker = await v.start();
    try {
      const runs: ThroughputResult[] = [];
      if (ONLY !== 'rpc') await qos0Throughput(broker, { messages: WARMUP, timeLimitMs: TIME_LIMIT_MS, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD });
      for (let i = 0; i < (ONLY === 'rpc' ? 0 : REPS); i++) runs.push(await qos0Throughput(broker, { messages: MESSAGES, timeLimitMs: TIME_LIMIT_MS, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD }));
      if (runs.length > 0) qos0.push({ name: `MQTT ${v.name}`, r: medianByRate(runs) });
      if (ONLY === 'qos0') continue;
      const rr = await requestResponse(broker, { roundTrips: ROUND_TRIPS, warmup: WARMUP_TRIPS, timeLimitMs: TIME_LIMIT_MS, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD });
      mqttRr.push({ name: `MQTT request/response, ${v.name}`, p50Us: rr.p50Us, p99Us: rr.p99Us, count: rr.count });
      if (BUSY_POLL_US > 0) {
        // MQTT.js has no such option: this process's loop polls throughout the measurement instead
        // (more than busyPollUs would); the broker sleeps as it always does.
        const polled = await whilePolling(() => requestResponse(broker, { roundTrips: ROUND_TRIPS, warmup: WARMUP_TRIPS, timeLimitMs: TIME_LIMIT_MS, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD }));
        mqttRr.push({ name: `MQTT request/response, ${v.name}, clients polling`, p50Us: polled.p50Us, p99Us: polled.p99Us, count: polled.count });
      }
    } finally {
      await broker.stop();
    }
  }
}

const ref = (n: string): ThroughputResult | undefined => qos0.find((x) => x.name === `MQTT ${n}`)?.r;
console.log(`QoS 0, ${PAYLOAD} B, publisher -> hub/broker -> subscriber on loopback, median of ${REPS} runs of ${MESSAGES} after a warm-up run of ${WARMUP}\n`);
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
const udpPolled = rpc.find((x) => x.name.startsWith('raw') && x.name.includes('busy polling'));
// the strictest MQTT reference: the fastest broker's request/response
const mqttPlain = mqttRr.filter((m) => !m.name.includes('polling'));
const mqttBest = mqttPlain.length > 0 ? mqttPlain.reduce((a, b) => (b.p50Us < a.p50Us ? b : a)) : undefined;
const mqttPolledBest = mqttRr.filter((m) => m.name.includes('polling')).reduce<LatencyRow | undefined>((a, b) => (a === undefined || b.p50Us < a.p50Us ? b : a), undefined);
console.log(`\nRPC round trip, ${PAYLOAD} B, ${ROUND_TRIPS} sequential after ${WARMUP_TRIPS} unmeasured (µs; CPU = the calling process's user + system per round trip)\n`);
console.log(
  formatTable([
    ['', 'p50', 'p99', 'CPU', 'p50 vs raw UDP', 'vs raw UDP, same polling', `vs MQTT r/r (${mqttBest?.name.replace('MQTT request/response, ', '') ?? '-'})`, 'vs MQTT r/r, clients polling (best)'],
    ...all.map((x) => {
      const polled = x.name.includes('busy polling');
      const sameUdp = polled ? udpPolled?.p50Us : udpP50;
      return [
        x.name,
        x.p50Us.toFixed(0),
        x.p99Us.toFixed(0),
        x.cpuUs === undefined ? '-' : x.cpuUs.toFixed(0),
        (x.p50Us / udpP50).toFixed(2),
        sameUdp === undefined ? '-' : (x.p50Us / sameUdp).toFixed(2),
        mqttBest === undefined ? '-' : (x.p50Us / mqttBest.p50Us).toFixed(2),
        mqttPolledBest === undefined ? '-' : (x.p50Us / mqttPolledBest.p50Us).toFixed(2),
      ];
    }),
  ]),
);
clearTimeout(watchdog);
