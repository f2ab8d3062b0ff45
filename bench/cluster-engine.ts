/**
 * bench:cluster (issue 17, "past one machine"): which engine joins hubs. Part 1 measures the hop
 * between two hubs on each candidate, as a hub's bridge would use it: two clients on their own TCP
 * connections (hub A's and hub B's), 100 B payloads:
 *   - latency: A publishes, B echoes on another topic, A times the round trip (both directions of
 *     the hop), sequential, after a warm-up;
 *   - throughput: A publishes N as fast as its client takes them, B counts (QoS 0; MQTT QoS 1 too,
 *     which is what the bridge uses for device QoS 1; core NATS has no acknowledged publish without
 *     JetStream).
 * mosquitto (tuned preset: TCP_NODELAY, raised in-flight limits) with MQTT.js 5; nats-server (its
 * defaults) with bench/peers/nats-mini.ts. Each engine in its own process, clients in this one.
 *
 * Part 2 measures what the cluster built on the chosen engine gives: two `saltwire hub` processes
 * bridged to mosquitto with `"cluster"`, a device on each (this process): publication latency from
 * a device on hub A to a subscriber on hub B (QoS 1, sequential), and RPC device -> hub A -> broker
 * -> hub B -> device, beside RPC within one hub.
 *
 * Usage: npm run bench:cluster [-- --count 2000] (bounded: about a minute on an idle host)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { RoamingClient } from '../src/cluster/index.js';
import { deriveDeviceKey, PairKeyring, startNode, type SaltwireNode } from '../src/internals.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { toHex } from '../src/util/bytes.js';
import { startMosquitto, TUNED } from './peers/mosquitto.js';
import { NatsMini, startNatsServer } from './peers/nats-mini.js';
import { fmtRate, fmtUs, formatTable, summarizeNs, type LatencyResult } from './peers/util.js';

const argv = process.argv.slice(2);
const COUNT = Number(argv[argv.indexOf('--count') + 1] || 2000);
const WARM = 300;
const THROUGHPUT_N = 20_000;
const PAYLOAD = Buffer.alloc(100, 7);

interface Hop {
  /** A publishes on `out`, B on `back`; `onBack`/`onOut` receive. */
  pub(side: 'a' | 'b', topic: string, data: Buffer, qos: 0 | 1): Promise<void> | void;
  sub(side: 'a' | 'b', topic: string, cb: (data: Buffer) => void): Promise<void>;
  close(): Promise<void>;
}

let hops = 0;
async function mqttHop(port: number): Promise<Hop> {
  const o = { protocolVersion: 5 as const, reconnectPeriod: 0 };
  const n = ++hops;
  const c = { a: await connectAsync(`mqtt://127.0.0.1:${port}`, { ...o, clientId: `hub-a-${n}` }), b: await connectAsync(`mqtt://127.0.0.1:${port}`, { ...o, clientId: `hub-b-${n}` }) };
  for (const x of Object.values(c)) (x.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
  const handlers = new Map<string, (d: Buffer) => void>();
  for (const x of Object.values(c)) x.on('message', (t, p) => handlers.get(t)?.(p));
  return {
    pub: (side, topic, data, qos) => (qos === 0 ? void c[side].publish(topic, data, { qos }) : c[side].publishAsync(topic, data, { qos }).then(() => undefined)),
    sub: async (side, topic, cb) => {
      handlers.set(topic, cb);
      await (c[side] as MqttClient).subscribeAsync(topic, { qos: 1 });
    },
    close: async () => void (await Promise.all(Object.values(c).map((x) => x.endAsync()))),
  };
}

async function natsHop(port: number): Promise<Hop> {
  const c = { a: await NatsMini.connect(port, '127.0.0.1', 'hub-a'), b: await NatsMini.connect(port, '127.0.0.1', 'hub-b') };
  return {
    pub: (side, topic, data) => c[side].publish(topic.replaceAll('/', '.'), data),
    sub: async (side, topic, cb) => {
      c[side].subscribe(topic.replaceAll('/', '.'), (m) => cb(m.data));
      await c[side].flush();
    },
    close: async () => void (c.a.close(), c.b.close()),
  };
}

async function latency(h: Hop): Promise<LatencyResult> {
  let resolve: () => void = () => undefined;
  await h.sub('b', 'x/out', (d) => void h.pub('b', 'x/back', d, 0));
  await h.sub('a', 'x/back', () => resolve());
  const ns: number[] = [];
  for (let i = 0; i < WARM + COUNT; i++) {
    const t = process.hrtime.bigint();
    await new Promise<void>((r) => {
      resolve = r;
      void h.pub('a', 'x/out', PAYLOAD, 0);
    });
    if (i >= WARM) ns.push(Number(process.hrtime.bigint() - t));
  }
  return summarizeNs(ns, false);
}

async function throughput(h: Hop, qos: 0 | 1, topic: string): Promise<{ rate: number; got: number }> {
  let got = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await h.sub('b', topic, () => void (++got === THROUGHPUT_N && done()));
  const t = performance.now();
  const pending: Array<Promise<void> | void> = [];
  for (let i = 0; i < THROUGHPUT_N; i++) {
    pending.push(h.pub('a', topic, PAYLOAD, qos));
    if (i % 1000 === 999) await Promise.all(pending.splice(0)); // the client's buffer, not the heap
  }
  await Promise.race([all, new Promise((r) => setTimeout(r, 20_000))]);
  return { rate: (got / (performance.now() - t)) * 1000, got };
}

// ---- part 2: the cluster on mosquitto ----

const SITE = new Uint8Array(32).fill(3);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MAIN = join(import.meta.dirname, '../src/cli/main.ts');

async function hubProc(id: string, dir: string, mqttPort: number, kids: ChildProcess[]): Promise<number> {
  const cfg = join(dir, `${id}.json`);
  writeFileSync(cfg, JSON.stringify({ mqtt: { clientId: id, cluster: {} } }));
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'hub', '--id', id, '--listen', '127.0.0.1:0', '--site', toHex(SITE), '--state', join(dir, id), '--mqtt', `mqtt://127.0.0.1:${mqttPort}`, '--config', cfg], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NODE_OPTIONS: '' } });
  kids.push(child);
  let out = '';
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${id} did not start`)), 40_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      const m = /listening [^\s]*:(\d+)/.exec((out += s));
      if (m !== null) (clearTimeout(t), res(Number(m[1])));
    });
  });
}

async function dev(dir: string, id: string, hubs: string[], ports: Record<string, number>): Promise<{ node: SaltwireNode; client: RoamingClient }> {
  const suite = defaultCryptoSuite();
  const keyring = new PairKeyring();
  for (const h of hubs) keyring.add(h, 0, deriveDeviceKey(suite, SITE, id, 0));
  const node = await startNode({ id, keyring, suite, listen: { host: '127.0.0.1' }, stateDir: join(dir, id), provisioning: true, peers: hubs.map((h, i) => ({ id: h, address: { host: '127.0.0.1', port: ports[h]! }, keepalive: i === 0 })) });
  const client = await RoamingClient.start(node, { hubs });
  await client.ready(10_000);
  return { node, client };
}

async function rpcLatency(c: RoamingClient, peer: string, n: number): Promise<LatencyResult> {
  const ns: number[] = [];
  for (let i = 0; i < WARM + n; i++) {
    const t = process.hrtime.bigint();
    await c.call(peer, 'echo', i, { timeoutMs: 5000 });
    if (i >= WARM) ns.push(Number(process.hrtime.bigint() - t));
  }
  return summarizeNs(ns, false);
}

async function clusterPart(rows: string[][]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sw-bench-cluster-'));
  const broker = await startMosquitto(TUNED);
  const kids: ChildProcess[] = [];
  try {
    const ports: Record<string, number> = {};
    await Promise.all(['hub-a', 'hub-b'].map(async (h) => void (ports[h] = await hubProc(h, dir, broker.port, kids))));
    const a = await dev(dir, 'dev-a', ['hub-a', 'hub-b'], ports);
    const a2 = await dev(dir, 'dev-a2', ['hub-a', 'hub-b'], ports);
    const b = await dev(dir, 'dev-b', ['hub-b', 'hub-a'], ports);
    for (const d of [a2, b]) d.client.serve('echo', (p) => p);
    let resolve: () => void = () => undefined;
    b.client.subscribe('lat/#', { qos: 1 }, () => resolve());
    await new Promise((r) => setTimeout(r, 1000)); // claims and subscriptions settle
    const n = Math.min(COUNT, 500);
    const ns: number[] = [];
    for (let i = 0; i < WARM + n; i++) {
      const t = process.hrtime.bigint();
      await new Promise<void>((r) => {
        resolve = r;
        void a.client.publish('lat/x', PAYLOAD, { qos: 1 });
      });
      if (i >= WARM) ns.push(Number(process.hrtime.bigint() - t));
    }
    const pub = summarizeNs(ns, false);
    const local = await rpcLatency(a.client, 'dev-a2', n);
    const cross = await rpcLatency(a.client, 'dev-b', n);
    rows.push(['device on hub A -> subscriber on hub B, QoS 1 (publish to delivery)', fmtUs(pub.p50Us), fmtUs(pub.p99Us), '', '']);
    rows.push(['RPC device -> hub A -> device on hub A (no broker)', fmtUs(local.p50Us), fmtUs(local.p99Us), '', '']);
    rows.push(['RPC device -> hub A -> broker -> hub B -> device', fmtUs(cross.p50Us), fmtUs(cross.p99Us), '', '']);
    for (const d of [a, a2, b]) (await d.client.close(), await d.node.close());
  } finally {
    for (const k of kids) k.kill('SIGKILL');
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[][] = [['hop between two hubs (100 B)', 'RTT p50 us', 'RTT p99 us', 'QoS 0 msgs/s', 'QoS 1 msgs/s']];
  const mosq = await startMosquitto(TUNED);
  try {
    const run = async <T>(f: (h: Hop) => Promise<T>): Promise<T> => {
      const h = await mqttHop(mosq.port);
      try {
        return await f(h);
      } finally {
        await h.close();
      }
    };
    const lat = await run(latency);
    const t0 = await run((h) => throughput(h, 0, 't/0'));
    const t1 = await run((h) => throughput(h, 1, 't/1'));
    rows.push(['mosquitto (tuned), MQTT.js 5', fmtUs(lat.p50Us), fmtUs(lat.p99Us), `${fmtRate(t0.rate)}${t0.got < THROUGHPUT_N ? ` (${THROUGHPUT_N - t0.got} lost)` : ''}`, `${fmtRate(t1.rate)}${t1.got < THROUGHPUT_N ? ` (${THROUGHPUT_N - t1.got} lost)` : ''}`]);
  } finally {
    await mosq.stop();
  }
  const nats = await startNatsServer();
  try {
    const h = await natsHop(nats.port);
    const lat = await latency(h);
    await h.close();
    const h2 = await natsHop(nats.port);
    const t0 = await throughput(h2, 0, 't/0');
    await h2.close();
    rows.push(['nats-server, core NATS (nats-mini)', fmtUs(lat.p50Us), fmtUs(lat.p99Us), `${fmtRate(t0.rate)}${t0.got < THROUGHPUT_N ? ` (${THROUGHPUT_N - t0.got} lost)` : ''}`, 'n/a (JetStream)']);
  } finally {
    await nats.stop();
  }
  rows.push(['the cluster on mosquitto (two saltwire hub processes)', 'p50 us', 'p99 us', '', '']);
  await clusterPart(rows);
  console.log(`bench:cluster, ${COUNT} round trips after ${WARM}, ${THROUGHPUT_N} for throughput; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(formatTable(rows));
  process.exit(0);
}

void main();
