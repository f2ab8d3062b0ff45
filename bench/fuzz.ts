/**
 * A long fuzz run against a live hub over real UDP (issue 14). A hub runs in its own process; a
 * device in this process talks to it through a ChaosProxy that records both directions: RPC calls,
 * subscriptions, publications at QoS 0-2, retained and fragmented ones, in two lives (a restart in
 * between, so the first life's datagrams are stale). Those genuine datagrams are the corpus. A fuzzer
 * process then sends `--count` mutated datagrams (bench/fuzz-mutate.ts) made from it to the hub over
 * loopback from 127.3.0.x, at `--rate` datagrams per second in all, and among them a `--replay-share`
 * of genuine ones unchanged (replayed, duplicated, reordered, behind a COOKIE_ECHO) from 127.4.0.x. Meanwhile the device keeps calling
 * `echo` and publishing to itself through the hub; afterwards it does 200 more of each.
 *
 * Prints: datagrams sent and received by the hub's socket; what came back to each group of sources
 * (bytes out/in); hub crashes; the hub's heap (after a full GC) and RSS before, at the peak and after;
 * its drop counters by reason over the run and whether they account for every datagram; the
 * device's round trips during and after. Exits 1 if a contract fails: an answer to a mutated datagram
 * that is not a COOKIE, an answer of more bytes than it answers, a crash, a round trip lost after
 * the run, or heap growth beyond 32 MiB.
 *
 * Run: npm run bench:fuzz [-- --count 1000000 --rate 10000 --seed 1 --replay-share 0.1 --sources 16 --replay-sources 4 --dump DIR]
 *   HUB_NODE_ARGS passes node flags to the hub (e.g. "--cpu-prof").
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deriveDeviceKey, PairKeyring } from '../src/core.js';
import { Client } from '../src/messaging/client.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { ChaosProxy } from '../src/transport/chaos-proxy.js';
import { UdpTransport } from '../src/transport/udp.js';
import { startFuzzer, startFuzzHub, type FuzzProgress, type HubReport } from './fuzz-procs.js';
import { Legit } from './fuzz-legit.js';

const { values: a } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    'replay-share': { type: 'string', default: '0.1' },
    sources: { type: 'string', default: '16' },
    'replay-sources': { type: 'string', default: '4' },
    dump: { type: 'string', default: join(tmpdir(), `saltwire-fuzz-${process.pid}`) },
  },
});
const COUNT = Number(a.count);
const RATE = Number(a.rate);
const SITE = new Uint8Array(32).fill(9);
const DEV = 'fuzz-dev';
const MiB = 2 ** 20;

const watchdog = setTimeout(() => (console.error('bench:fuzz: watchdog: still running after 15 min, giving up'), process.exit(2)), 900_000);
watchdog.unref();

async function device(proxyPort: number, state: MemoryStateStore, provisioning: boolean): Promise<{ node: SaltwireNode; client: Client }> {
  const suite = defaultCryptoSuite();
  const node = await SaltwireNode.start({
    id: DEV,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, DEV, 0)),
    suite,
    transport: await UdpTransport.bind({ host: '127.0.0.1' }),
    state,
    provisioning,
    peers: [{ id: 'hub', address: { host: '127.0.0.1', port: proxyPort } }],
    peerMaxDatagram: 1200,
  });
  const client = await Client.start(node, { hub: 'hub' });
  await client.ready({ timeoutMs: 5000 });
  return { node, client };
}

const sumValues = (r: Record<string, number>): number => Object.values(r).reduce((x, y) => x + y, 0);
function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}

async function main(): Promise<number> {
  const hub = await startFuzzHub(SITE);
  let crashed: string | undefined;
  void hub.exited.then((how) => (crashed ??= how));
  const proxy = await ChaosProxy.start({ target: { host: '127.0.0.1', port: hub.port }, maxCapture: 4096 });

  // ---- the corpus: two lives of the device ----
  const state = new MemoryStateStore();
  let dev = await device(proxy.address.port, state, true);
  await new Legit(dev.client, 'life1').exchange();
  // let the last ACKs go before the restart: a life that stops while it still owes the ACK of a
  // fragmented QoS 1 publication leaves its next life without QoS 1 deliveries (reported, issue 14)
  await new Promise((r) => setTimeout(r, 1500));
  await dev.client.close();
  await dev.node.close();
  dev = await device(proxy.address.port, state, false);
  const legit = new Legit(dev.client, 'live');
  await new Legit(dev.client, 'life2').exchange();
  await legit.subscribed();
  const corpus = proxy.captured.map((c) => c.bytes);
  proxy.clearCapture();
  const forms = { FULL: 0, SHORT: 0, other: 0, toHub: 0, fromHub: 0 };
  for (const d of corpus) forms[d[0] === 0x50 ? 'FULL' : d[0] === 0x40 ? 'SHORT' : 'other']++;
  forms.toHub = proxy.stats.toTarget.received;
  forms.fromHub = proxy.stats.toClient.received;

  // ---- the run ----
  const q0 = performance.now();
  const quiet = await legit.loop(() => performance.now() - q0 > 5000, 100); // the same round trips without the fuzzer: the reference
  const before: HubReport = await hub.report();
  let peak = { rss: before.rss, heap: before.heapUsed };
  let last: FuzzProgress | undefined;
  let fuzzerDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (fuzzerDone = r));
  const fuzzer = await startFuzzer(
    {
      port: hub.port,
      count: COUNT,
      rate: RATE,
      seed: Number(a.seed),
      replayShare: Number(a['replay-share']),
      mutSources: Number(a.sources),
      replaySources: Number(a['replay-sources']),
      dumpDir: a.dump!,
      corpus: corpus.map((d) => Buffer.from(d).toString('hex')),
    },
    (p) => {
      last = p;
      if (p.done) fuzzerDone();
    },
  );
  void fuzzer.exited.then(() => fuzzerDone());
  const t0 = performance.now();
  const sampler = setInterval(() => {
    if (crashed !== undefined) return;
    void hub.report().then((r) => {
      peak = { rss: Math.max(peak.rss, r.rss), heap: Math.max(peak.heap, r.heapUsed) };
      const sent = (last?.mutated.sent ?? 0) + (last?.replayed.sent ?? 0);
      console.error(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${sent} sent, hub heap ${(r.heapUsed / MiB).toFixed(1)} MiB, RSS ${(r.rss / MiB).toFixed(0)} MiB`);
    }, () => undefined);
  }, 10_000);
  const during = legit.loop(() => last?.done === true || crashed !== undefined, 100);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const duringResult = await during;
  await new Promise((r) => setTimeout(r, 1000));
  const after: HubReport | undefined = crashed === undefined ? await hub.report() : undefined;
  const afterRun = crashed === undefined ? await legit.burst(200) : undefined;
  if (after !== undefined) peak = { rss: Math.max(peak.rss, after.rss), heap: Math.max(peak.heap, after.heapUsed) };

  const crashedDuringRun = crashed;
  await dev.client.close();
  await dev.node.close();
  await fuzzer.stop();
  await proxy.close();
  await hub.stop();

  // ---- the figures ----
  const p = last!;
  const m = p.mutated;
  const r = p.replayed;
  const sent = m.sent + r.sent;
  const pct = (x: number, y: number): string => (y === 0 ? '-' : `${((100 * x) / y).toFixed(2)}%`);
  const amp = (out: number, inb: number): string => (out === 0 ? '0' : (out / inb).toFixed(4));
  console.log(`bench:fuzz  ${sent} datagrams in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s) to a hub process over UDP loopback, seed ${a.seed}`);
  console.log(`corpus: ${corpus.length} genuine datagrams (${forms.FULL} FULL, ${forms.SHORT} SHORT, ${forms.other} other; ${forms.toHub} to the hub, ${forms.fromHub} from it), two lives of the device`);
  console.log(`mutated:  ${m.sent} sent (${(m.bytesSent / MiB).toFixed(1)} MiB) from ${a.sources} sources; by kind ${JSON.stringify(p.byKind)}; ${p.redrawn} drawn again (reproduced a genuine datagram)`);
  console.log(`  answers: ${m.answers} (${m.cookies} COOKIEs, ${m.answers - m.cookies} other), ${m.answerBytes} B: bytes out/in ${amp(m.answerBytes, m.bytesSent)}`);
  console.log(`replayed: ${r.sent} genuine sent unchanged (${(r.bytesSent / MiB).toFixed(1)} MiB) from ${a['replay-sources']} sources`);
  console.log(`  answers: ${r.answers} (${r.cookies} COOKIEs), ${r.answerBytes} B: bytes out/in ${amp(r.answerBytes, r.bytesSent)}`);
  console.log(`hub crashes: ${crashedDuringRun === undefined ? 0 : `1 (exit ${crashedDuringRun})`}`);
  if (after !== undefined) {
    const rcvd = after.transport.datagramsReceived - before.transport.datagramsReceived;
    const drops = delta(after.drops, before.drops);
    const accepted = after.received - before.received; // the device's: nothing the fuzzer sends authenticates anew
    const echoes = (after.admission['cookieEchoes'] ?? 0) - (before.admission['cookieEchoes'] ?? 0);
    console.log(`hub socket received ${rcvd} datagrams during the run: ${rcvd - accepted} of the fuzzer's ${sent} (${pct(rcvd - accepted, sent)}; the rest lost in the kernel) and the device's ${accepted}`);
    console.log(`hub drops by reason: ${JSON.stringify(drops)}`);
    console.log(`  accounting: ${sumValues(drops)} dropped + ${accepted} accepted (the device's, and nothing else) + ${echoes} COOKIE_ECHOes = ${sumValues(drops) + accepted + echoes} of ${rcvd} received`);
    console.log(`  admission: ${JSON.stringify(delta(after.admission, before.admission))}; stale answers: ${JSON.stringify(delta(after.stale, before.stale))}; peers ${before.peers} -> ${after.peers}`);
    console.log(`hub memory (after a full GC): heap ${(before.heapUsed / MiB).toFixed(1)} -> peak ${(peak.heap / MiB).toFixed(1)} -> ${(after.heapUsed / MiB).toFixed(1)} MiB; RSS ${(before.rss / MiB).toFixed(0)} -> peak ${(peak.rss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB`);
    console.log(`hub CPU: ${((after.cpuUs - before.cpuUs) / 1e4 / seconds).toFixed(0)}% of one core`);
  }
  console.log(`device before the run (5 s): ${quiet.summary()}`);
  console.log(`device during the run: ${duringResult.summary()}`);
  if (afterRun !== undefined) console.log(`device after the run (200 back to back): ${afterRun.summary()}`);
  if (p.dumps.length > 0) console.log(`reproducers: ${p.dumps.join(' ')}`);

  const failures: string[] = [];
  if (m.answers !== m.cookies) failures.push(`${m.answers - m.cookies} answers to mutated datagrams that are not COOKIEs`);
  if (m.answerBytes > m.bytesSent || r.answerBytes > r.bytesSent) failures.push('answers of more bytes than they answer');
  if (crashedDuringRun !== undefined) failures.push(`the hub exited (${crashedDuringRun})`);
  if (afterRun === undefined || afterRun.failed > 0) failures.push('round trips failed after the run');
  if (after !== undefined && after.heapUsed - before.heapUsed > 32 * MiB) failures.push('heap grew by more than 32 MiB');
  if (m.sent < COUNT) failures.push(`only ${m.sent} of ${COUNT} mutated datagrams sent`);
  console.log(failures.length === 0 ? 'contracts: all held' : `contracts FAILED: ${failures.join('; ')}`);
  return failures.length === 0 ? 0 : 1;
}

process.exit(await main());
