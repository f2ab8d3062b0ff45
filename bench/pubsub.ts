/**
 * Pub/sub QoS 0 throughput against the peers users would pick instead (issues 5 and 17), in the
 * topology users run: publisher, hub or broker, and subscriber each in its own process on loopback
 * (bench/pubsub-procs.ts), with the defaults a user gets:
 *
 * - Saltwire: `saltwire hub` with its defaults, two startClient() devices with theirs (no bench-only
 *   outbox, receive window or datagram size: every option is the default);
 * - MQTT 3.1.1 through mosquitto with its defaults, plain TCP and TLS, and aedes (own process);
 * - core NATS publish/subscribe through nats-server with its defaults (bench/pubsub-nats.ts over
 *   bench/peers/nats-mini.ts): no acknowledgement; a subscriber that falls too far behind is a slow
 *   consumer, whose connection the server closes (the bench prints it, and counts what was lost).
 *
 * 100 B payloads; the publisher publishes as fast as its client lets it (Saltwire: publish waits for
 * room in the hub's queue [SW-14.8-6]; MQTT.js and nats-mini: TCP back-pressure). What a QoS 0 hub
 * or broker cannot forward it drops: "lost" counts those (published - distinct received at the
 * subscriber).
 * Rate = distinct messages received / (last arrival - first publish).
 *
 * Steady state, for every system alike: one unmeasured warm-up run of WARMUP, then REPS runs of
 * MESSAGES (the table: the median run by rate, and the range). Bounded: every run has a count and a
 * time limit, a watchdog ends the bench after 400 s.
 *
 * RPC is not measured here any more: its rows timed a call the hub answered itself, while MQTT's
 * request/response crossed the broker twice. `npm run bench:rpc-hub` measures device -> hub -> device
 * in three processes beside mosquitto (plain, TLS), NATS and a raw UDP relay.
 *
 * Run: npm run bench:pubsub   (env MESSAGES=N, WARMUP=N, REPS=N, SYSTEMS=saltwire,mosquitto,mosquitto-tls,aedes,nats;
 *   SALTWIRE_CRYPTO=tweetnacl for the pure-JS backend in every Saltwire process)
 */
import { loadavg } from 'node:os';
import { defaultCryptoSuite } from '../src/index.js';
import { startSession, SYSTEM_NAMES, type RunResult, type System } from './pubsub-procs.js';
import { formatTable } from './peers/util.js';

const MESSAGES = Number(process.env['MESSAGES'] ?? 300_000);
const WARMUP = Number(process.env['WARMUP'] ?? 100_000);
const REPS = Number(process.env['REPS'] ?? 3);
const TIME_LIMIT_MS = Number(process.env['TIME_LIMIT_MS'] ?? 15_000);
const SYSTEMS = (process.env['SYSTEMS'] ?? 'saltwire,mosquitto,mosquitto-tls,aedes,nats').split(',') as System[];

const watchdog = setTimeout(() => {
  console.error('bench:pubsub: watchdog: still running after 400 s, giving up');
  process.exit(2);
}, 400_000);
watchdog.unref();

const crypto = defaultCryptoSuite().name;
console.log(`QoS 0, 100 B, publisher -> hub/broker -> subscriber, three processes on loopback; every default; Saltwire crypto ${crypto}`);
console.log(`warm-up run of ${WARMUP}, then ${REPS} runs of ${MESSAGES} per system (time limit ${TIME_LIMIT_MS / 1000} s a run); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);

const rows: Array<{ system: System; runs: RunResult[] }> = [];
for (const system of SYSTEMS) {
  const s = await startSession(system);
  try {
    await s.run({ messages: WARMUP, qos: 0, window: 1, timeLimitMs: TIME_LIMIT_MS });
    const runs: RunResult[] = [];
    for (let i = 0; i < REPS; i++) {
      const r = await s.run({ messages: MESSAGES, qos: 0, window: 1, timeLimitMs: TIME_LIMIT_MS });
      console.log(`${system.padEnd(13)} run ${i + 1}: ${r.msgsPerSec.toFixed(0)} msgs/s (published ${r.publishedPerSec.toFixed(0)}/s), CPU µs/msg hub/broker ${r.serverCpuUs.toFixed(1)} pub ${r.pubCpuUs.toFixed(1)} sub ${r.subCpuUs.toFixed(1)}, sent ${r.sent}, received ${r.received}, lost ${r.lost} (${((100 * r.lost) / Math.max(1, r.sent)).toFixed(2)}%), dup ${r.duplicates}, reordered ${r.outOfOrder}${r.timedOut ? ', TIME-LIMITED' : ''}`);
      runs.push(r);
    }
    rows.push({ system, runs });
  } finally {
    await s.close();
  }
}

const median = (runs: RunResult[]): RunResult => [...runs].sort((a, b) => a.msgsPerSec - b.msgsPerSec)[Math.floor(runs.length / 2)]!;
const ref = (sys: System): number | undefined => {
  const r = rows.find((x) => x.system === sys);
  return r === undefined ? undefined : median(r.runs).msgsPerSec;
};
const refs: System[] = ['mosquitto', 'mosquitto-tls', 'aedes', 'nats'];
console.log(`\nmedian run of ${REPS} (range of the runs); lost = published - received, summed over the runs; load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log(
  formatTable([
    ['', 'msgs/s (median)', 'range', 'lost', ...refs.map((x) => `vs ${x}`)],
    ...rows.map(({ system, runs }) => {
      const m = median(runs);
      const rates = runs.map((r) => r.msgsPerSec);
      const lost = runs.reduce((a, r) => a + r.lost, 0);
      const sent = runs.reduce((a, r) => a + r.sent, 0);
      return [
        system === 'saltwire' ? `${SYSTEM_NAMES[system]} (${crypto})` : SYSTEM_NAMES[system],
        m.msgsPerSec.toFixed(0),
        `${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)}`,
        `${lost} of ${sent} (${((100 * lost) / Math.max(1, sent)).toFixed(2)}%)`,
        ...refs.map((x) => (ref(x) === undefined ? '-' : (m.msgsPerSec / ref(x)!).toFixed(2))),
      ];
    }),
  ]),
);
clearTimeout(watchdog);
process.exit(0);
