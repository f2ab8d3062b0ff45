/**
 * Cheap rejection under load (issue 14 item 3, spec 6.4 and 6.5): an RPC loop runs from a caller
 * device to a hub process while a flooder process sends, for FLOOD_SECONDS each, one of three kinds
 * of datagram at FLOOD_RATE per second from SOURCES source addresses:
 *
 * - `junk`: random bytes, 20 to 1200 B;
 * - `ids`: FULL headers naming a random valid device id each (a key derivation each, unchecked);
 * - `epochs`: FULL 1,200 B datagrams under the caller's own id with a random epoch, counter and BOOT.
 *
 * Prints, for the quiet run and each flood: calls/s, p50, p99 and max of the call time, calls that
 * failed, the hub's CPU (share of one core), its RSS and heap after the phase, the datagrams the hub
 * received (of those sent), what it sent back, the kernel's UDP receive-buffer drops on the host, and
 * the hub's drop counters.
 *
 * The flooder is bench/flooder.c when a C compiler is there (FLOODER=node forces the Node one, which
 * takes about a core at 100,000/s: on a 2-vCPU machine that core comes out of what is measured).
 *
 * Run: npm run bench:flood   (FLOOD_RATE=100000 FLOOD_SECONDS=10 SOURCES=64 KINDS=junk,ids,epochs;
 *   HUB_NODE_ARGS passes node flags to the hub, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
 */
import { readFileSync } from 'node:fs';
import { deriveDeviceKey, PairKeyring } from '../src/core.js';
import { Client } from '../src/messaging/client.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { UdpTransport } from '../src/transport/udp.js';
import { startFloodHub, startFlooder, type FloodKind, type HubReport } from './flood-procs.js';
import { percentile } from './peers/util.js';

const RATE = Number(process.env['FLOOD_RATE'] ?? 100_000);
const SECONDS = Number(process.env['FLOOD_SECONDS'] ?? 10);
const SOURCES = Number(process.env['SOURCES'] ?? 64);
const KINDS = (process.env['KINDS'] ?? 'junk,ids,epochs').split(',') as FloodKind[];
const SITE = new Uint8Array(32).fill(5);
const CALLER = 'caller';

const watchdog = setTimeout(() => {
  console.error('bench:flood: watchdog: still running after 300 s, giving up');
  process.exit(2);
}, 300_000);
watchdog.unref();

/** The host's UDP receive-buffer drops so far (Linux), or NaN. */
function rcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')]);
  } catch {
    return NaN;
  }
}

interface Phase {
  readonly name: string;
  readonly calls: number;
  readonly failed: number;
  readonly callsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly hubCpu: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly floodSent: number;
  readonly hubReceived: number;
  readonly hubSent: number;
  readonly kernelDrops: number;
  readonly drops: Record<string, number>;
  /** Datagrams the caller sent, and the hub's reachability as the caller saw it at the end. */
  readonly callerSent: number;
  readonly reachability: string;
}

async function main(): Promise<void> {
  const suite = defaultCryptoSuite();
  const hub = await startFloodHub(SITE);
  const flooder = await startFlooder(SOURCES);
  const node = await SaltwireNode.start({
    id: CALLER,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, CALLER, 0)),
    suite,
    transport: await UdpTransport.bind({ host: '127.0.0.1' }),
    state: new MemoryStateStore(),
    provisioning: true,
    peers: [{ id: 'hub', address: { host: '127.0.0.1', port: hub.port } }],
    peerMaxDatagram: 1200,
  });
  const client = await Client.start(node, { hub: 'hub' });
  const params = new Uint8Array(100).fill(3);

  /** Calls `echo` one at a time for `ms`; every call must succeed. */
  async function loop(ms: number): Promise<{ times: number[]; failed: number; elapsed: number }> {
    const times: number[] = [];
    let failed = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      const a = performance.now();
      try {
        await client.call('hub', 'echo', params);
        times.push(performance.now() - a);
      } catch {
        failed++;
      }
    }
    return { times, failed, elapsed: performance.now() - t0 };
  }

  async function phase(name: string, kind: FloodKind | undefined): Promise<Phase> {
    const before: HubReport = await hub.report();
    const k0 = rcvbufErrors();
    const c0 = node.stats.sent.datagrams;
    const flooding = kind === undefined ? Promise.resolve({ sent: 0, seconds: SECONDS }) : flooder.flood({ kind, port: hub.port, rate: RATE, seconds: SECONDS, callerId: CALLER });
    const r = await loop(SECONDS * 1000);
    const f = await flooding;
    const after: HubReport = await hub.report();
    const sorted = [...r.times].sort((a, b) => a - b);
    const drops: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.drops)) if (v - (before.drops[k] ?? 0) > 0) drops[k] = v - (before.drops[k] ?? 0);
    for (const [k, v] of Object.entries(after.admission ?? {})) if (v - (before.admission?.[k] ?? 0) > 0) drops[`admission.${k}`] = v - (before.admission?.[k] ?? 0);
    return {
      name,
      calls: r.times.length,
      failed: r.failed,
      callsPerSec: (r.times.length * 1000) / r.elapsed,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
      hubCpu: (after.cpuUs - before.cpuUs) / 1000 / r.elapsed,
      rssMiB: after.rss / 2 ** 20,
      heapMiB: after.heapUsed / 2 ** 20,
      floodSent: f.sent,
      hubReceived: after.received - before.received,
      hubSent: after.sent - before.sent,
      kernelDrops: rcvbufErrors() - k0,
      drops,
      callerSent: node.stats.sent.datagrams - c0,
      reachability: node.reachability('hub'),
    };
  }

  await loop(2000); // warm-up: JIT, the hub's context and index for the caller
  const rows: Phase[] = [await phase('quiet', undefined)];
  for (const kind of KINDS) {
    rows.push(await phase(kind, kind));
    await loop(1000); // the kernel's queues drain between floods
  }
  rows.push(await phase('quiet again', undefined));
  await client.close();
  await node.close();
  await hub.stop();
  await flooder.stop();

  const quiet = rows[0]!;
  console.log(`bench:flood  ${RATE}/s for ${SECONDS} s from ${SOURCES} sources (${flooder.name} flooder); caller calls echo (100 B) one at a time\n`);
  console.log('phase        calls/s  x quiet  p50 ms  p99 ms  max ms  failed  hub CPU  RSS MiB  heap MiB  flood sent  hub rcvd  hub sent  kernel drops');
  for (const p of rows) {
    console.log(
      [
        p.name.padEnd(11),
        p.callsPerSec.toFixed(0).padStart(8),
        (p.callsPerSec / quiet.callsPerSec).toFixed(2).padStart(8),
        p.p50Ms.toFixed(2).padStart(7),
        p.p99Ms.toFixed(2).padStart(7),
        p.maxMs.toFixed(1).padStart(7),
        String(p.failed).padStart(7),
        `${(p.hubCpu * 100).toFixed(0)}%`.padStart(8),
        p.rssMiB.toFixed(0).padStart(8),
        p.heapMiB.toFixed(0).padStart(9),
        String(p.floodSent).padStart(11),
        String(p.hubReceived).padStart(9),
        String(p.hubSent).padStart(9),
        String(p.kernelDrops).padStart(13),
      ].join(' '),
    );
  }
  console.log('\nhub drops per phase (and admission counters), datagrams the caller sent, the hub as the caller saw it:');
  for (const p of rows) console.log(`  ${p.name}: ${JSON.stringify(p.drops)}; caller sent ${p.callerSent}, hub ${p.reachability}`);
}

await main();
process.exit(0);
