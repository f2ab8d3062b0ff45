/**
 * The scale bench (issue 17, "The load generator"): N simulated devices, each with its own id, key,
 * socket and behaviour, held by a few worker processes (bench/scale/worker.ts), against one hub or
 * broker in its own process over real loopback, with one subscriber to everything (in this process)
 * measuring publish-to-delivery latency from the send time each 50 B payload carries. The same load
 * runs against the Saltwire hub (`saltwire hub`, defaults), mosquitto (defaults, plain TCP) and
 * mosquitto over TLS with MQTT.js clients, one connection per device. nats-server is installed but
 * the `nats` client package is not (no new dependency), so NATS is left out and the bench says so.
 * `udp-relay` (not default), the raw floor: a plain node:dgram relay (udp-floor.ts publish-relay; no
 * crypto, no state but the sink's address) sends each device's 50 B datagram on to the sink, and
 * answers each device's 40 B keepalive, sent every 25 s (a publishing Saltwire device sends none,
 * but probes a hub unheard for 30 s). What is left is node:dgram and the kernel; a line after the
 * table gives saltwire's CPU per publication against it. Its RSS includes tsx (the relay's loader).
 *
 * Per system and N, in phases: the server alone (RSS idle); N devices connected and silent for
 * --idle ms (CPU idle: the cost of holding them); publishing, one --period (warm-up), then the
 * measured --window: server CPU (utime + stime from /proc), CPU per message, RSS loaded, p50/p99
 * latency and loss of the publications sent in the window (after a 2 s drain). Workers report how
 * late they published against their schedule, and their CPU is printed: the generator is not the
 * bottleneck while that lag stays small and no worker is near a full core.
 *
 * Run:  npm run bench:scale                       N = 1,000, about 100 s (CI-friendly default)
 *       npm run bench:scale -- --n 100
 *       npm run bench:scale -- --n 10000           bench-only; about 4 minutes
 *       npm run bench:scale -- --mix               20% sleepy, 10% RPC, 20% QoS 1 (HEAVY_MIX)
 * Flags: --systems saltwire,mosquitto,mosquitto-tls(,udp-relay)  --period MS (5000)  --window MS (10000)
 *        --idle MS (3000)  --payload B (50)  --workers K  --save-as NAME (results file prefix)
 *        --plot-only (redraws the SVGs from the results files)
 *        --same-address (Saltwire devices all on 127.0.0.1, as behind one NAT; default: each its own
 *        127.1.x.y, since the hub paces first contacts per source address, SOURCE_RATE 20/s)
 *        HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the Saltwire hub.
 * Writes bench/results/<prefix>-n<N>.json and, from every results file, one SVG per figure against N.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, sleep } from './peers/util.js';
import { HEAVY_MIX, NO_MIX, nowNs, type Mix, type WorkerReport } from './scale/protocol.js';
import { buildHub, cpuSeconds, rssBytes, startServer, type Server, type SystemName } from './scale/servers.js';
import { startSink, type Sink } from './scale/sink.js';
import { lineChart } from './scale/svg.js';
import { bounded, startWorkers, type Worker } from './scale/fleet.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = join(HERE, 'results');

function flag(name: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k < 0 ? undefined : process.argv[k + 1];
}
const num = (name: string, d: number): number => Number(flag(name) ?? d);

const NS = (flag('--n') ?? '1000').split(',').map(Number);
const SYSTEMS = (flag('--systems') ?? 'saltwire,mosquitto,mosquitto-tls').split(',') as SystemName[];
const PERIOD = num('--period', 5000);
const WINDOW = num('--window', 10_000);
const IDLE = num('--idle', 3000);
const PAYLOAD = num('--payload', 50);
const MIX: Mix = process.argv.includes('--mix') ? HEAVY_MIX : NO_MIX;
const PREFIX = flag('--save-as') ?? (MIX === NO_MIX ? 'scale' : 'scale-mix');
const SITE_HEX = '09'.repeat(32);
const DRAIN = 2000;

// Bounded: each (system, N) gets connect time by N plus its phases, with a minute of slack (the
// compile before it has its own minute).
const connectBudgetMs = (n: number): number => 60_000 + n * 20;
const budgetMs = 60_000 + NS.reduce((a, n) => a + SYSTEMS.length * (30_000 + connectBudgetMs(n) + IDLE + PERIOD + WINDOW + DRAIN), 0);
setTimeout(() => {
  console.error(`bench:scale: watchdog: still running after ${(budgetMs / 1000).toFixed(0)} s, giving up`);
  process.exit(2);
}, budgetMs).unref();

export interface Row {
  system: string;
  n: number;
  connected: number;
  /** Server CPU over the measured window, % of one core. */
  cpuPct: number;
  /** Server CPU per publication or call of the window, µs. */
  cpuPerMsgUs: number;
  /** Server CPU with N devices connected and silent, % of one core. */
  idleCpuPct: number;
  rssIdleMb: number;
  rssConnectedMb: number;
  rssLoadedMb: number;
  p50Ms: number;
  p99Ms: number;
  sent: number;
  received: number;
  lossPct: number;
  rpcP50Ms?: number;
  rpcP99Ms?: number;
  rpcCalls?: number;
  rpcFailed?: number;
  /** How long the slowest worker took to connect its devices, s. */
  connectS: number;
  /** Generator: p99 lateness against the schedule (ms), busiest worker's CPU (%), the sink's CPU (%). */
  genLagP99Ms: number;
  genWorkerCpuPct: number;
  sinkCpuPct: number;
  loadAvg: number;
}

const mb = (b: number): number => b / 2 ** 20;

async function runOne(system: SystemName, n: number): Promise<Row> {
  const server: Server = await startServer(system, SITE_HEX);
  const workers: Worker[] = [];
  let sink: Sink | undefined;
  try {
    await sleep(1000);
    const rssIdle = rssBytes(server.pid);
    sink = await startSink(system, server, SITE_HEX);
    const k = Number(flag('--workers') ?? (n <= 100 ? 1 : n <= 1000 ? 2 : 4));
    workers.push(
      ...startWorkers(
        {
          system,
          port: server.port,
          ...(server.ca !== undefined && { ca: server.ca }),
          siteHex: SITE_HEX,
          periodMs: PERIOD,
          sleepyPeriodMs: PERIOD * 6,
          payloadBytes: PAYLOAD,
          mix: MIX,
          connectBatch: 50,
          connectTimeoutMs: 30_000,
          ownAddresses: !process.argv.includes('--same-address'),
        },
        n,
        k,
      ),
    );
    let connected = 0;
    let connectMs = 0;
    for (const w of workers) {
      const m = await bounded(w.next(), connectBudgetMs(n), `${system} worker connecting`);
      if (m.ev !== 'ready') throw new Error(`worker said ${m.ev} first`);
      connected += m.connected;
      connectMs = Math.max(connectMs, m.ms);
      if (m.failed > 0) console.error(`  ${system}: ${m.failed} devices failed to connect: ${m.firstError}`);
    }
    // N connected and silent: what holding them costs
    await sleep(1000);
    const i0 = cpuSeconds(server.pid);
    await sleep(IDLE);
    const idleCpuPct = ((cpuSeconds(server.pid) - i0) * 100_000) / IDLE;
    const rssConnected = rssBytes(server.pid);
    for (const w of workers) w.tell({ cmd: 'start' });
    await sleep(PERIOD); // every device has published once: warm
    const ws = nowNs();
    const c0 = cpuSeconds(server.pid);
    const g0 = workers.map((w) => cpuSeconds(w.child.pid!));
    const s0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(WINDOW);
    const we = nowNs();
    const c1 = cpuSeconds(server.pid);
    const windowS = (performance.now() - t0) / 1000;
    const g1 = workers.map((w) => cpuSeconds(w.child.pid!));
    const s1 = process.cpuUsage(s0);
    const rssLoaded = rssBytes(server.pid);
    const reports: WorkerReport[] = [];
    for (const w of workers) w.tell({ cmd: 'report', from: ws, to: we });
    for (const w of workers) {
      const m = await bounded(w.next(), 20_000, 'worker report');
      if (m.ev === 'report') reports.push(m.report);
    }
    await sleep(DRAIN);
    const got = sink.inWindow(ws, we);
    const sent = reports.reduce((a, r) => a + r.sentInWindow, 0);
    const rpc = reports.flatMap((r) => r.rpcUs).sort((a, b) => a - b);
    const rpcFailed = reports.reduce((a, r) => a + r.rpcFailed, 0);
    const errors = reports.reduce((a, r) => a + r.errors, 0);
    if (errors > 0) console.error(`  ${system}: ${errors} publish errors in the workers`);
    const cpuS = c1 - c0;
    const row: Row = {
      system,
      n,
      connected,
      cpuPct: (cpuS * 100) / windowS,
      cpuPerMsgUs: (cpuS * 1e6) / Math.max(1, sent + rpc.length),
      idleCpuPct,
      rssIdleMb: mb(rssIdle),
      rssConnectedMb: mb(rssConnected),
      rssLoadedMb: mb(rssLoaded),
      p50Ms: percentile(got.latUs, 50) / 1000,
      p99Ms: percentile(got.latUs, 99) / 1000,
      sent,
      received: got.count,
      lossPct: sent === 0 ? NaN : (100 * Math.max(0, sent - got.count)) / sent,
      ...(rpc.length + rpcFailed > 0 && { rpcP50Ms: percentile(rpc, 50) / 1000, rpcP99Ms: percentile(rpc, 99) / 1000, rpcCalls: rpc.length, rpcFailed }),
      connectS: connectMs / 1000,
      genLagP99Ms: Math.max(...reports.map((r) => r.lagP99Ms)),
      genWorkerCpuPct: Math.max(...g1.map((g, j) => ((g - g0[j]!) * 100) / windowS)),
      sinkCpuPct: ((s1.user + s1.system) / 1e6 / windowS) * 100,
      loadAvg: loadavg()[0]!,
    };
    return row;
  } finally {
    for (const w of workers) w.tell({ cmd: 'close' });
    await Promise.allSettled(workers.map((w) => bounded(new Promise((r) => w.child.once('exit', r)), 30_000, 'worker close').catch(() => w.child.kill('SIGKILL'))));
    await sink?.close();
    await server.stop();
  }
}

const f = (v: number | undefined, d = 1): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const ratio = (a: number, b: number | undefined): string => (b === undefined || !(b > 0) || !Number.isFinite(a) ? '-' : `${(a / b).toFixed(2)}x`);

function table(rows: Row[]): string {
  const out = [['system', 'N', 'CPU %', 'CPU/msg µs', 'x TLS', 'idle CPU %', 'RSS idle->conn->loaded MB', 'added x TLS', 'p50 ms', 'p99 ms', 'p99 x TLS', 'loss %', 'RPC p50/p99 ms']];
  for (const r of rows) {
    const tls = rows.find((x) => x.n === r.n && x.system === 'mosquitto-tls');
    out.push([
      r.system,
      String(r.n),
      f(r.cpuPct),
      f(r.cpuPerMsgUs, 0),
      ratio(r.cpuPerMsgUs, tls?.cpuPerMsgUs),
      f(r.idleCpuPct, 2),
      `${f(r.rssIdleMb)} -> ${f(r.rssConnectedMb)} -> ${f(r.rssLoadedMb)}`,
      ratio(r.rssLoadedMb - r.rssIdleMb, tls === undefined ? undefined : tls.rssLoadedMb - tls.rssIdleMb),
      f(r.p50Ms, 2),
      f(r.p99Ms, 2),
      ratio(r.p99Ms, tls?.p99Ms),
      f(r.lossPct, 2),
      r.rpcCalls === undefined ? '-' : `${f(r.rpcP50Ms, 2)} / ${f(r.rpcP99Ms, 2)} (${r.rpcFailed} failed)`,
    ]);
  }
  const w = out[0]!.map((_, i) => Math.max(...out.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [line(out[0]!), `|${w.map((n, i) => (i < 2 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`, ...out.slice(1).map(line)].join('\n');
}

/** Every results file with this prefix (and the "before" files) -> one SVG per figure against N. */
function plots(): void {
  const series = new Map<string, Row[]>();
  for (const file of readdirSync(RESULTS).filter((x) => x.endsWith('.json') && x.startsWith(`${PREFIX.replace(/-before$/, '')}`))) {
    const label = file.replace(/-n\d+\.json$/, '');
    const rows = (JSON.parse(readFileSync(join(RESULTS, file), 'utf8')) as { rows: Row[] }).rows;
    for (const r of rows) {
      const name = label.endsWith('-before') ? `${r.system} (before)` : r.system;
      if (label.endsWith('-before') && r.system !== 'saltwire') continue;
      if (!series.has(name)) series.set(name, []);
      series.get(name)!.push(r);
    }
  }
  const figures: Array<[string, string, (r: Row) => number]> = [
    ['cpu-per-msg', 'server CPU per message, µs', (r) => r.cpuPerMsgUs],
    ['cpu', 'server CPU while publishing, % of a core', (r) => r.cpuPct],
    ['idle-cpu', 'server CPU, N devices silent, % of a core', (r) => r.idleCpuPct],
    ['rss-added', 'RSS loaded minus idle server, MB', (r) => r.rssLoadedMb - r.rssIdleMb],
    ['p50', 'publish-to-delivery p50, ms', (r) => r.p50Ms],
    ['p99', 'publish-to-delivery p99, ms', (r) => r.p99Ms],
    ['loss', 'publications lost, %', (r) => r.lossPct],
  ];
  const base = PREFIX.replace(/-before$/, '');
  for (const [file, title, pick] of figures) {
    const svg = lineChart(`${title} (${base})`, title.split(', ').pop()!, [...series].map(([name, rows]) => ({ name, points: rows.map((r) => [r.n, pick(r)] as const) })));
    writeFileSync(join(RESULTS, `${base}-${file}.svg`), svg);
  }
}

const all: Row[] = [];
mkdirSync(RESULTS, { recursive: true });
if (process.argv.includes('--plot-only')) {
  plots(); // from the results files already there
  console.log(`plots in ${RESULTS}`);
  process.exit(0);
}
console.log(`bench:scale: ${SYSTEMS.join(', ')}; N = ${NS.join(', ')}; publish ${PAYLOAD} B every ${PERIOD} ms; mix ${JSON.stringify(MIX)}; window ${WINDOW} ms`);
console.log('NATS: skipped (nats-server is installed but the `nats` client package is not; the bench adds no dependency)');
if (SYSTEMS.includes('saltwire')) {
  const t = performance.now();
  buildHub();
  console.log(`hub compiled to .scratch/scale-build in ${((performance.now() - t) / 1000).toFixed(0)} s (runs as node dist/src/cli/main.js hub)`);
}
for (const n of NS) {
  const rows: Row[] = [];
  for (const s of SYSTEMS) {
    const t = performance.now();
    try {
      const r = await runOne(s, n);
      rows.push(r);
      console.log(`  ${s} N=${n}: ${((performance.now() - t) / 1000).toFixed(0)} s (connecting ${r.connectS.toFixed(1)} s); generator lag p99 ${r.genLagP99Ms.toFixed(1)} ms, busiest worker ${r.genWorkerCpuPct.toFixed(0)}% CPU, sink ${r.sinkCpuPct.toFixed(0)}% CPU; load average ${r.loadAvg.toFixed(1)}; ${r.received}/${r.sent} delivered`);
    } catch (e) {
      console.error(`  ${s} N=${n}: failed: ${(e as Error).message}`);
    }
  }
  all.push(...rows);
  let commit = '';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: resolve(HERE, '..'), encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  writeFileSync(join(RESULTS, `${PREFIX}-n${n}.json`), JSON.stringify({ date: new Date().toISOString(), commit, node: process.version, period: PERIOD, window: WINDOW, payload: PAYLOAD, mix: MIX, rows }, null, 1) + '\n');
}
console.log('');
console.log(table(all));
for (const r of all.filter((x) => x.system === 'saltwire')) {
  const floor = all.find((x) => x.n === r.n && x.system === 'udp-relay');
  if (floor !== undefined) console.log(`N=${r.n}: saltwire CPU per publication ${f(r.cpuPerMsgUs, 0)} µs = ${ratio(r.cpuPerMsgUs, floor.cpuPerMsgUs)} udp-relay's ${f(floor.cpuPerMsgUs, 0)} µs`);
}
plots();
console.log(`\nresults and plots in ${RESULTS}`);
process.exit(0);
