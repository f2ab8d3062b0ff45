/**
 * The MQTT and raw-UDP peers that issues 4 and 5 compare Saltwire against, measured on this machine
 * in one run: mosquitto (defaults, tuned) in its own process, aedes in a child process (defaults,
 * TCP_NODELAY) and in this process, all driven by MQTT.js clients in this process, 100 B payloads;
 * then raw node:dgram ping-pong and one-way throughput on loopback. Plaintext MQTT, no TLS.
 * Bounded: every run has a count and a time limit, a watchdog ends the whole run after 110 s.
 * Reference figures: shared/reference/baselines.md. Run: npm run bench:peers
 */
import { measureMqttPeers, measureUdpPeers, DEFAULT_BUDGET } from './peers/run.js';
import { fmtRate, fmtUs, formatTable, type ThroughputResult } from './peers/util.js';

const watchdog = setTimeout(() => {
  console.error('mqtt-peers: watchdog: still running after 110 s, giving up');
  process.exit(2);
}, 110_000);
watchdog.unref();

const t0 = performance.now();
const mqtt = await measureMqttPeers();
const udp = await measureUdpPeers();

const mark = (timedOut: boolean | undefined) => (timedOut ? '*' : '');
const b = DEFAULT_BUDGET;
const lossPct = (runs: ThroughputResult[] | undefined): string => {
  if (!runs?.length) return '-';
  const sent = runs.reduce((a, r) => a + r.sent, 0);
  const lost = runs.reduce((a, r) => a + r.lost, 0);
  return lost === 0 ? '0' : ((100 * lost) / sent).toFixed(2);
};
const rows: string[][] = [
  ['broker', 'QoS0 msgs/s', 'lost %', 'QoS1 msgs/s', 'lost %', 'req/resp p50 µs', 'p99 µs', 'QoS1 req/resp p50 µs', 'p99 µs'],
];
for (const f of mqtt) {
  if (f.error && !f.qos0) {
    rows.push([f.variant, f.error, '', '', '', '', '', '', '']);
    continue;
  }
  rows.push([
    f.variant,
    f.qos0 ? fmtRate(f.qos0.msgsPerSec) + mark(f.qos0.timedOut) : '-',
    lossPct(f.qos0Runs),
    f.qos1 ? fmtRate(f.qos1.msgsPerSec) + mark(f.qos1.timedOut) : '-',
    lossPct(f.qos1Runs),
    f.rr ? fmtUs(f.rr.p50Us) : '-',
    f.rr ? fmtUs(f.rr.p99Us) + mark(f.rr.timedOut) : '-',
    f.rrQos1 ? fmtUs(f.rrQos1.p50Us) : '-',
    f.rrQos1 ? fmtUs(f.rrQos1.p99Us) + mark(f.rrQos1.timedOut) : '-',
  ]);
}
console.log(`MQTT peers: MQTT.js 3.1.1 clients in this process, 100 B payloads, plaintext TCP on loopback\n`);
console.log(formatTable(rows));
console.log('');
const runsText = (runs: ThroughputResult[] | undefined) => (runs ?? []).map((r) => `${fmtRate(r.msgsPerSec)}${r.lost ? ` (${r.lost} lost)` : ''}`).join(' ');
for (const f of mqtt) {
  const parts = [`${f.variant}: ${f.note}`];
  if (f.qos0Runs) parts.push(`QoS0 runs ${runsText(f.qos0Runs)}`);
  if (f.qos1Runs) parts.push(`QoS1 runs ${runsText(f.qos1Runs)}`);
  if (f.rr) parts.push(`req/resp n=${f.rr.count}`);
  if (f.rrQos1) parts.push(`QoS1 req/resp n=${f.rrQos1.count}`);
  if (f.error) parts.push(`ERROR ${f.error}`);
  console.log('  ' + parts.join('; '));
}
console.log(
  `  msgs/s: median of ${b.repeats} runs (QoS0 ${b.qos0Messages} messages, QoS1 ${b.qos1Messages} with ${b.qos1Inflight} publishes awaiting PUBACK), ` +
    `counted at the subscriber over what arrived; lost %: over all runs (QoS 1 is acknowledged hop by hop: ` +
    `a broker that drops from a full queue still PUBACKs the publisher)`,
);
console.log(
  `  req/resp: ${b.roundTrips} round trips after 200 warm-up; QoS1 req/resp: up to ${b.qos1RoundTrips} after 10; ` +
    `* = stopped by its time limit (${b.throughputMs} / ${b.rrMs} / ${b.qos1RrMs} ms) before the full count`,
);

const u = udp;
const urows: string[][] = [
  ['raw UDP (node:dgram, loopback)', 'p50 µs', 'p99 µs', 'sent/s', 'recv/s', 'loss %'],
  ['ping-pong 64 B, echo in a child process', fmtUs(u.pingCross.p50Us), fmtUs(u.pingCross.p99Us) + mark(u.pingCross.timedOut), '', '', ''],
  ['ping-pong 64 B, both sockets in this process', fmtUs(u.pingIn.p50Us), fmtUs(u.pingIn.p99Us) + mark(u.pingIn.timedOut), '', '', ''],
  ...[
    ['one-way 100 B, unpaced, receiver in a child process', u.tputUnpaced] as const,
    ['one-way 100 B, paced 100k/s, receiver in a child process', u.tputPaced] as const,
  ].map(([name, r]) => [name, '', '', fmtRate(r.sendPerSec) + mark(r.timedOut), fmtRate(r.recvPerSec), r.lossPct.toFixed(1)]),
];
console.log('');
console.log(formatTable(urows));
console.log(
  `  one-way: ${u.tputUnpaced.sent} / ${u.tputPaced.sent} datagrams sent by this process, receive buffer granted ` +
    `${(u.tputUnpaced.recvBufferBytes / 1024).toFixed(0)} KiB; recv/s is counted in the receiver between its first and last datagram.\n` +
    `  The sender is one socket in this process, one send() per datagram: unpaced, sent/s is that sender's ceiling, and while ` +
    `recv/s keeps up with no loss the receiver is not saturated (its own ceiling is higher).`,
);
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
clearTimeout(watchdog);
