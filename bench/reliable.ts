/**
 * QoS 1 publish/subscribe throughput, like with like (issue 17): publisher -> hub or broker ->
 * subscriber, each in its own process on loopback (bench/pubsub-procs.ts), two acknowledged legs
 * for every system, 100 B payloads, every default:
 *
 * - Saltwire: `saltwire hub` with its defaults, two startClient() devices with theirs; the
 *   publisher's QoS 1 publish settles on the hub's acknowledgement, the hub owes each copy to the
 *   subscriber until it acknowledges it (spec 15).
 * - MQTT 3.1.1 QoS 1 (PUBACK both legs) through mosquitto with its defaults, plain TCP and TLS, and
 *   aedes (own process).
 * - NATS JetStream, its at-least-once (core NATS has none): nats-server -js with its defaults, a
 *   stream on the subjects (file storage), the publisher waiting for each PubAck, the subscriber an
 *   ephemeral push consumer acknowledging each message (bench/pubsub-nats.ts).
 *
 * Every publisher keeps at most WINDOW publications unacknowledged (default 64: a Saltwire node's
 * default outbox, OUTBOX_MESSAGES; the MQTT and NATS clients get the same window). Rate = distinct messages
 * at the subscriber / (last arrival - first publish); lost, duplicated and reordered deliveries are
 * counted from a sequence number in each payload.
 *
 * Then Saltwire under loss: a ChaosProxy (in this process) between both devices and the hub, so
 * both legs lose datagrams in both directions, at 0%, 1%, 5%, 10% and 20%; goodput against the 0%
 * proxy run. MQTT and NATS are not run under loss: the proxy drops UDP datagrams, and TCP on
 * loopback cannot be made lossy without changing the kernel's loopback for every process on the
 * machine (netem).
 *
 * Each row: the median of REPS runs of MESSAGES (time limit RUN_MS each, LOSS_RUN_MS under loss)
 * after a warm-up run of WARMUP (for each system; the lossy rows share one hub, warmed up once); a
 * watchdog ends the bench after 600 s.
 * Run: npm run bench:reliable   (env MESSAGES, WARMUP, REPS, RUN_MS, LOSS_RUN_MS, WINDOW; SYSTEMS=saltwire,mosquitto,mosquitto-tls,aedes,nats-js;
 *   LOSSES=0,0.01,0.05,0.1,0.2 (LOSSES= none); SALTWIRE_CRYPTO=tweetnacl)
 */
import { loadavg } from 'node:os';
import { defaultCryptoSuite } from '../src/index.js';
import { ChaosProxy } from '../src/transport/chaos-proxy.js';
import { startSession, SYSTEM_NAMES, type RunResult, type Session, type System } from './pubsub-procs.js';
import { formatTable } from './peers/util.js';

const MESSAGES = Number(process.env['MESSAGES'] ?? 30_000);
const WARMUP = Number(process.env['WARMUP'] ?? 10_000);
const REPS = Number(process.env['REPS'] ?? 3);
const RUN_MS = Number(process.env['RUN_MS'] ?? 12_000);
const LOSS_RUN_MS = Number(process.env['LOSS_RUN_MS'] ?? 6_000);
const WINDOW = Number(process.env['WINDOW'] ?? 64);
const SYSTEMS = (process.env['SYSTEMS'] ?? 'saltwire,mosquitto,mosquitto-tls,aedes,nats-js').split(',').filter(Boolean) as System[];
if (SYSTEMS.includes('nats')) {
  console.error('bench:reliable: core NATS has no QoS 1; its at-least-once is JetStream: SYSTEMS=nats-js');
  process.exit(2);
}
const LOSSES = (process.env['LOSSES'] ?? '0,0.01,0.05,0.1,0.2').split(',').filter(Boolean).map(Number);

const watchdog = setTimeout(() => {
  console.error('bench:reliable: watchdog: still running after 600 s, giving up');
  process.exit(2);
}, 600_000);
watchdog.unref();

const crypto = defaultCryptoSuite().name;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`QoS 1, 100 B, publisher -> hub/broker -> subscriber, three processes on loopback, every default; window ${WINDOW}; Saltwire crypto ${crypto}`);
console.log(`warm-up run of ${WARMUP}, then ${REPS} runs of ${MESSAGES} per row (time limit ${RUN_MS / 1000} s a run); load average ${load()}\n`);

interface Row {
  name: string;
  loss?: number;
  /** datagrams the proxy dropped of those it got, both directions, over the measured runs */
  dropped?: string;
  runs: RunResult[];
}

/** A warm-up run, then REPS measured runs at `loss` (set on the proxy before each row, if any). */
async function measure(name: string, s: Session, o: { warm: boolean; runMs: number; proxy?: ChaosProxy; loss?: number }): Promise<Row> {
  if (o.proxy !== undefined) o.proxy.setFaults({ loss: o.loss ?? 0 }); // both directions (faults.setFaults would change only the model default)
  const seen = (): [number, number] => (o.proxy === undefined ? [0, 0] : [o.proxy.stats.toTarget.received + o.proxy.stats.toClient.received, o.proxy.stats.toTarget.dropped + o.proxy.stats.toClient.dropped]);
  if (o.warm) await s.run({ messages: WARMUP, qos: 1, window: WINDOW, timeLimitMs: o.runMs });
  const runs: RunResult[] = [];
  const before = seen();
  for (let i = 0; i < REPS; i++) {
    const r = await s.run({ messages: MESSAGES, qos: 1, window: WINDOW, timeLimitMs: o.runMs });
    console.log(
      `${name} run ${i + 1}: ${r.msgsPerSec.toFixed(0)} msgs/s, CPU µs/msg hub/broker ${r.serverCpuUs.toFixed(1)} pub ${r.pubCpuUs.toFixed(1)} sub ${r.subCpuUs.toFixed(1)}, sent ${r.sent}, received ${r.received}, lost ${r.lost}, dup ${r.duplicates}, reordered ${r.outOfOrder}, failed ${r.failed}, outbox full ${r.outboxFull}${r.timedOut ? ', TIME-LIMITED' : ''}`,
    );
    runs.push(r);
  }
  const after = seen();
  const datagrams = after[0] - before[0];
  return { name, ...(o.loss !== undefined && { loss: o.loss, dropped: `${after[1] - before[1]} of ${datagrams}` }), runs };
}

const median = (runs: RunResult[]): RunResult => [...runs].sort((a, b) => a.msgsPerSec - b.msgsPerSec)[Math.floor(runs.length / 2)]!;
const sum = (runs: RunResult[], k: 'lost' | 'duplicates' | 'outOfOrder' | 'sent' | 'failed'): number => runs.reduce((a, r) => a + r[k], 0);
const range = (runs: RunResult[]): string => `${Math.min(...runs.map((r) => r.msgsPerSec)).toFixed(0)}-${Math.max(...runs.map((r) => r.msgsPerSec)).toFixed(0)}`;

const direct: Row[] = [];
for (const system of SYSTEMS) {
  const s = await startSession(system);
  try {
    direct.push(await measure(system === 'saltwire' ? `${SYSTEM_NAMES.saltwire} (${crypto})` : SYSTEM_NAMES[system], s, { warm: true, runMs: RUN_MS }));
  } finally {
    await s.close();
  }
}

// One hub and its two devices for every loss rate: the proxy's loss changes between rows (the
// warm-up at the first rate only). Lossy runs are bounded by LOSS_RUN_MS: at a high rate most of
// them end by time, and their rate counts what arrived by then.
const lossy: Row[] = [];
if (LOSSES.length > 0) {
  let proxy: ChaosProxy | undefined;
  const via = async (port: number): Promise<number> => {
    proxy = await ChaosProxy.start({ target: { host: '127.0.0.1', port }, maxCapture: 0, seed: 7, faults: { loss: LOSSES[0]! } });
    return proxy.address.port;
  };
  const s = await startSession('saltwire', via);
  try {
    for (const [i, loss] of LOSSES.entries()) lossy.push(await measure(`Saltwire via ChaosProxy, ${(loss * 100).toFixed(0)}% loss`, s, { warm: i === 0, runMs: LOSS_RUN_MS, proxy: proxy!, loss }));
  } finally {
    await s.close();
    await proxy?.close();
  }
}

const refs = direct.filter((r) => r.name.startsWith('MQTT') || r.name.startsWith('NATS'));
const rate = (r: Row): number => median(r.runs).msgsPerSec;
console.log(`\nmedian run of ${REPS} (range); lost, duplicated, reordered: summed over the runs; load average at end ${load()}\n`);
console.log(
  formatTable([
    ['two QoS 1 legs, no loss', 'msgs/s', 'range', 'lost', 'dup', 'reordered', ...refs.map((r) => `vs ${r.name.replace(/^MQTT via /, '').replace(/ via nats-server.*$/, '')}`)],
    ...direct.map((r) => [r.name, rate(r).toFixed(0), range(r.runs), `${sum(r.runs, 'lost')} of ${sum(r.runs, 'sent')}`, String(sum(r.runs, 'duplicates')), String(sum(r.runs, 'outOfOrder')), ...refs.map((x) => (rate(r) / rate(x)).toFixed(2))]),
  ]),
);
if (lossy.length > 0) {
  const base = lossy.find((r) => r.loss === 0);
  console.log(`\nSaltwire, both devices through one ChaosProxy (loss on both legs, both directions, seed 7)\n`);
  console.log(
    formatTable([
      ['loss', 'datagrams dropped', 'msgs/s', 'range', 'goodput vs 0% proxy', 'lost', 'dup', 'reordered', 'failed', ...refs.map((r) => `vs ${r.name.replace(/^MQTT via /, '').replace(/ via nats-server.*$/, '')} (no loss)`)],
      ...lossy.map((r) => [
        `${(r.loss! * 100).toFixed(0)}%`,
        r.dropped ?? '-',
        rate(r).toFixed(0),
        range(r.runs),
        base === undefined ? '-' : (rate(r) / rate(base)).toFixed(2),
        `${sum(r.runs, 'lost')} of ${sum(r.runs, 'sent')}`,
        String(sum(r.runs, 'duplicates')),
        String(sum(r.runs, 'outOfOrder')),
        String(sum(r.runs, 'failed')),
        ...refs.map((x) => (rate(r) / rate(x)).toFixed(2)),
      ]),
    ]),
  );
}
clearTimeout(watchdog);
process.exit(0);
