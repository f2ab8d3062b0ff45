/**
 * Reliable delivery throughput (spec 14) over real UDP on loopback: 100-byte ordered reliable
 * messages from a device (this process) to a hub (a child process, as a broker is one; see
 * reliable-hub.ts), directly and through the ChaosProxy at 0%, 1%, 5%, 10% and 20%
 * loss (both directions), with msgs/s (acknowledged messages per second, measured at the sender as
 * the time until every promise settled) and the goodput ratio against the loss-free proxy run. Then,
 * if bench/peers/ is there, MQTT QoS 1 throughput of mosquitto (defaults, tuned) and aedes with the
 * same payload, and the ratio Saltwire / peer. Bounded: each Saltwire run stops after RUN_MS, each
 * MQTT run after 8 s (each row the median of REPS runs), a watchdog ends the whole bench after 300 s.
 * Run: npm run bench:reliable    (SKIP_MQTT=1 to leave the MQTT rows out)
 */
import { deriveDeviceKey, PairKeyring } from '../src/core.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode, type ReliabilityOptions } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { startHubChild } from './reliable-hub.js';
import { UdpTransport } from '../src/transport/udp.js';

const MESSAGES = Number(process.env['MESSAGES'] ?? 60_000);
const RUN_MS = Number(process.env['RUN_MS'] ?? 6_000);
/** Each row is the median of REPS runs: one loopback run varies by +-20% with the machine's load. */
const REPS = Number(process.env['REPS'] ?? 5);
const PAYLOAD = 100;
const SITE = new Uint8Array(32).fill(7);
const suite = defaultCryptoSuite();
const watchdog = setTimeout(() => {
  console.error('bench:reliable: watchdog: still running after 300 s, giving up');
  process.exit(2);
}, 300_000);
watchdog.unref();

/**
 * Datagram budget 1200 (DATAGRAM_BUDGET); receive window 1024 ids (the default 64 caps a fast link at
 * 64 per round trip); the application keeps OUTBOX messages queued or in flight.
 */
const OUTBOX = Number(process.env["OUTBOX"] ?? 2048);
const WINDOW = Number(process.env["WINDOW"] ?? 1024);
const RELIABILITY: ReliabilityOptions = { send: { outboxMessages: OUTBOX }, receive: { window: WINDOW, maxRanges: 1024, holdBackBytes: 4 << 20 } };

interface Run {
  readonly name: string;
  readonly loss: number;
  readonly acked: number;
  readonly delivered: number;
  readonly ms: number;
  readonly msgsPerSec: number;
  readonly datagrams: number;
  readonly timedOut: boolean;
}

async function run(name: string, loss: number | undefined): Promise<Run> {
  const hubChild = await startHubChild(SITE, loss, RELIABILITY);
  const devT = await UdpTransport.bind({ host: '127.0.0.1' });
  const dev = await SaltwireNode.start({
    id: 'dev-bench',
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, 'dev-bench', 0)),
    suite,
    transport: devT,
    state: new MemoryStateStore(),
    provisioning: true,
    peers: [{ id: 'hub', address: { host: '127.0.0.1', port: hubChild.port } }],
    peerMaxDatagram: 1200,
    reliability: RELIABILITY,
  });
  // first contact (challenge, echo) outside the measurement
  await dev.send('hub', new Uint8Array(PAYLOAD), { reliable: true, deadlineMs: 10_000 }).catch(() => undefined);
  const before = await hubChild.delivered();
  const data = new Uint8Array(PAYLOAD).fill(1);
  let acked = 0;
  let failed = 0;
  let sent = 0;
  const t0 = performance.now();
  // the application keeps the outbox fed: a new message each time one is acknowledged
  const one = (): void => {
    if (sent >= MESSAGES) return;
    sent++;
    dev.send('hub', data, { reliable: true, ordered: true, deadlineMs: RUN_MS + 5_000 }).then(
      () => {
        acked++;
        one();
      },
      () => void failed++,
    );
  };
  for (let i = 0; i < OUTBOX; i++) one();
  while (acked + failed < MESSAGES && performance.now() - t0 < RUN_MS) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  const datagrams = dev.stats.sent.datagrams;
  const delivered = (await hubChild.delivered()) - before;
  await dev.close(); // rejects what is left (NodeClosedError): counted as failed, not acked
  await hubChild.stop();
  return { name, loss: loss ?? 0, acked, delivered, ms, msgsPerSec: (acked * 1000) / ms, datagrams, timedOut: acked < MESSAGES };
}

async function median(name: string, loss: number | undefined): Promise<Run> {
  const runs: Run[] = [];
  for (let i = 0; i < REPS; i++) runs.push(await run(name, loss));
  runs.sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return runs[Math.floor(runs.length / 2)]!;
}

const rows: Run[] = [];
rows.push(await median('direct', undefined));
for (const loss of [0, 0.01, 0.05, 0.1, 0.2]) rows.push(await median('proxy', loss));
const base = rows[1]!.msgsPerSec;

const table: string[][] = [['path', 'loss', 'acked', 'delivered', 'time s', 'msgs/s', 'goodput vs 0%', 'datagrams']];
for (const r of rows) {
  table.push([
    r.name,
    `${(r.loss * 100).toFixed(0)}%`,
    `${r.acked}${r.timedOut ? '*' : ''}`,
    String(r.delivered),
    (r.ms / 1000).toFixed(2),
    r.msgsPerSec.toFixed(0),
    r.name === 'direct' ? '-' : (r.msgsPerSec / base).toFixed(2),
    String(r.datagrams),
  ]);
}
const fmt = (t: string[][]): string => {
  const w = t[0]!.map((_, i) => Math.max(...t.map((r) => (r[i] ?? '').length)));
  return t.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
};
console.log(`Saltwire reliable ordered delivery, ${PAYLOAD} B messages, ${MESSAGES} per run, median of ${REPS} runs (time limit ${RUN_MS / 1000} s, * = not all acknowledged in time),`);
console.log(`real UDP on loopback, ChaosProxy loss in both directions, budget 1200 B, receive window 1024, crypto ${suite.name}\n`);
console.log(fmt(table));

if (process.env['SKIP_MQTT'] !== '1') {
  try {
    const { brokerVariants } = await import('./peers/run.js');
    const { qos1Throughput } = await import('./peers/mqtt-load.js');
    const wanted = ['mosquitto', 'mosquitto tuned', 'aedes'];
    const peerRows: string[][] = [['peer (MQTT QoS 1, loopback TCP, no loss)', 'msgs/s', 'Saltwire 0% proxy / peer', 'Saltwire direct / peer']];
    for (const v of brokerVariants().filter((x) => wanted.includes(x.name))) {
      if (v.unavailable !== undefined) {
        peerRows.push([v.name, `skipped: ${v.unavailable}`, '', '']);
        continue;
      }
      const broker = await v.start();
      try {
        const results = [];
        for (let i = 0; i < REPS; i++) results.push(await qos1Throughput(broker, { messages: MESSAGES, inflight: 500, timeLimitMs: 8_000, noDelay: v.clientNoDelay, payloadBytes: PAYLOAD }));
        results.sort((a, b) => a.msgsPerSec - b.msgsPerSec);
        const r = results[Math.floor(results.length / 2)]!;
        peerRows.push([v.name, r.msgsPerSec.toFixed(0) + (r.timedOut ? '*' : ''), (base / r.msgsPerSec).toFixed(2), (rows[0]!.msgsPerSec / r.msgsPerSec).toFixed(2)]);
      } catch (e) {
        peerRows.push([v.name, `failed: ${e instanceof Error ? e.message : String(e)}`, '', '']);
      } finally {
        await broker.stop();
      }
    }
    console.log('\n' + fmt(peerRows));
  } catch (e) {
    console.log(`\nMQTT peers left out: ${e instanceof Error ? e.message : String(e)}`);
  }
}
clearTimeout(watchdog);
