/**
 * What holding N idle devices costs a hub (issue 17: "10,000 idle devices cost under 1% of a core"),
 * beside the floor of the same work in Node.js and beside mosquitto.
 *
 * Each system in its own process on loopback; N devices (bench/scale/worker.ts, each its own id,
 * key, address and socket) connect and then stay silent, doing only what their defaults do to stay
 * connected. Measured over --idle ms, long enough for every device's keepalive to come round at
 * least twice: server CPU (utime + stime), and the datagrams or keepalives that cost it.
 *
 * - saltwire: `saltwire hub` and SDK devices, defaults (a keepalive with a PING every 25 s,
 *   KEEPALIVE, spec 20.2, answered by the hub: two datagrams at the hub per device per 25 s).
 * - udp-echo: a plain node:dgram server that answers each datagram, devices sending --bytes every
 *   --keepalive ms: the same exchange with no crypto, no state, no timers. The floor of a
 *   keepalive that asks for an answer, in Node.js.
 * - udp-recv: the same, never answering: the floor of a one-way keepalive.
 * - mosquitto, mosquitto-tls: MQTT.js devices, keepalive 60 s (MQTT.js's default; over TCP a NAT
 *   keeps the binding for hours, so MQTT devices need no 25 s keepalive).
 *
 * Run:  npm run bench:idle                        N = 2,000, about 5 minutes
 *       npm run bench:idle -- --n 10000           about 10 minutes
 * Flags: --systems saltwire,udp-echo,udp-recv,mosquitto-tls  --idle MS (60000)
 *        --keepalive MS (25000, the raw floor's)  --bytes B (40, about a Saltwire keepalive)
 *        --save-as NAME (bench/results/NAME-n<N>.json)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './peers/util.js';
import { bounded, startWorkers, type Worker } from './scale/fleet.js';
import { NO_MIX } from './scale/protocol.js';
import { buildHub, cpuSeconds, rssBytes, startServer, type SystemName } from './scale/servers.js';

const flag = (name: string): string | undefined => {
  const k = process.argv.indexOf(name);
  return k < 0 ? undefined : process.argv[k + 1];
};
const N = Number(flag('--n') ?? 2000);
const SYSTEMS = (flag('--systems') ?? 'saltwire,udp-echo,udp-recv,mosquitto-tls').split(',') as SystemName[];
const IDLE = Number(flag('--idle') ?? 60_000);
const KEEPALIVE = Number(flag('--keepalive') ?? 25_000);
const BYTES = Number(flag('--bytes') ?? 40);
const SITE_HEX = '09'.repeat(32);
const RESULTS = join(fileURLToPath(new URL('.', import.meta.url)), 'results');

setTimeout(() => {
  console.error('bench:idle: watchdog: gave up');
  process.exit(2);
}, SYSTEMS.length * (IDLE + 120_000 + N * 20)).unref();

interface IdleRow {
  system: SystemName;
  n: number;
  connected: number;
  idleCpuPct: number;
  /** Server CPU per device per minute, µs: what one idle device costs. */
  usPerDeviceMinute: number;
  rssIdleMb: number;
  rssConnectedMb: number;
  loadAvg: number;
}

async function runOne(system: SystemName): Promise<IdleRow> {
  const server = await startServer(system, SITE_HEX);
  const workers: Worker[] = [];
  try {
    await sleep(1000);
    const rssIdle = rssBytes(server.pid);
    const k = N <= 1000 ? 1 : N <= 4000 ? 2 : 4;
    workers.push(
      ...startWorkers(
        {
          system,
          port: server.port,
          ...(server.ca !== undefined && { ca: server.ca }),
          siteHex: SITE_HEX,
          periodMs: 5000,
          sleepyPeriodMs: 30_000,
          payloadBytes: 50,
          mix: NO_MIX,
          connectBatch: 50,
          connectTimeoutMs: 30_000,
          ownAddresses: true,
          keepaliveMs: KEEPALIVE,
          keepaliveBytes: BYTES,
        },
        N,
        k,
      ),
    );
    let connected = 0;
    for (const w of workers) {
      const m = await bounded(w.next(), 60_000 + N * 20, `${system} worker connecting`);
      if (m.ev !== 'ready') throw new Error(`worker said ${m.ev} first`);
      connected += m.connected;
      if (m.failed > 0) console.error(`  ${system}: ${m.failed} devices failed to connect: ${m.firstError}`);
    }
    // let first contacts' after-effects (journal writes, the first answers) settle
    await sleep(5000);
    const c0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    await sleep(IDLE);
    const cpuS = cpuSeconds(server.pid) - c0;
    const s = (performance.now() - t0) / 1000;
    return {
      system,
      n: N,
      connected,
      idleCpuPct: (cpuS * 100) / s,
      usPerDeviceMinute: (cpuS * 1e6 * 60) / s / Math.max(1, connected),
      rssIdleMb: rssIdle / 2 ** 20,
      rssConnectedMb: rssBytes(server.pid) / 2 ** 20,
      loadAvg: loadavg()[0]!,
    };
  } finally {
    for (const w of workers) w.tell({ cmd: 'close' });
    await Promise.allSettled(workers.map((w) => bounded(new Promise((r) => w.child.once('exit', r)), 30_000, 'worker close').catch(() => w.child.kill('SIGKILL'))));
    await server.stop();
  }
}

if (SYSTEMS.includes('saltwire')) buildHub();
console.log(`bench:idle: N = ${N}, idle ${IDLE} ms; raw floor: ${BYTES} B every ${KEEPALIVE} ms per device`);
const rows: IdleRow[] = [];
for (const system of SYSTEMS) {
  const r = await runOne(system);
  rows.push(r);
  console.log(`  ${system}: ${r.connected} connected, idle CPU ${r.idleCpuPct.toFixed(2)}% (${r.usPerDeviceMinute.toFixed(1)} µs per device-minute), load ${r.loadAvg.toFixed(1)}`);
}
const base = rows.find((r) => r.system === 'udp-echo');
console.log('\n| system | N | idle CPU % | µs per device-minute | x udp-echo | RSS idle -> connected MB |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const x = base === undefined || base.idleCpuPct <= 0 ? '-' : `${(r.idleCpuPct / base.idleCpuPct).toFixed(2)}x`;
  console.log(`| ${r.system} | ${r.n} | ${r.idleCpuPct.toFixed(2)} | ${r.usPerDeviceMinute.toFixed(1)} | ${x} | ${r.rssIdleMb.toFixed(1)} -> ${r.rssConnectedMb.toFixed(1)} |`);
}
mkdirSync(RESULTS, { recursive: true });
const file = join(RESULTS, `${flag('--save-as') ?? 'idle'}-n${N}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), idleMs: IDLE, keepaliveMs: KEEPALIVE, bytes: BYTES, rows }, null, 2) + '\n');
console.log(`\nresults in ${file}`);
process.exit(0);
