/**
 * RPC device -> hub -> device (issue 17), in the topology users run, beside request/response through
 * the brokers users would pick instead. Three processes per system, over loopback:
 *
 * - Saltwire: a hub (startHub, every default: `saltwire hub`), a serving device (startClient 'dev-b',
 *   serve('echo')) and the calling device in this process (startClient 'dev-a',
 *   call('dev-b', 'echo', 100 B)); no busy polling, no bench-only outbox, window or datagram option.
 * - MQTT 5 request/response through mosquitto (defaults), plain TCP and TLS (openssl-made CA):
 *   the requester here publishes 100 B at QoS 0 with Response Topic and Correlation Data, the
 *   responder (its own process) publishes the payload back to the Response Topic; MQTT.js both ends.
 * - NATS request/reply through nats-server (defaults): a PUB with a reply subject from one wildcard
 *   inbox, as the official client does, over bench/peers/nats-mini.ts (the nats package is not here).
 * - udp-relay, the floor: the same three processes with plain node:dgram sockets and no protocol
 *   (bench/scale/udp-floor.ts relay and responder): the caller's 100 B go to the relay, on to the
 *   responder, back to the relay and to the caller: the hub's two datagrams in and two out, with
 *   nothing else. What Node.js and the kernel cost before any Saltwire code runs.
 *
 * Per run and system: 2,000 unmeasured calls, then 5,000 sequential calls timed one by one; hub or
 * broker CPU per call is utime + stime of its process (/proc/PID/stat) over the measured calls, and
 * likewise for the responder and (process.cpuUsage) the caller. Runs interleave the systems; the
 * table gives the median over the runs of each figure, and ratios to mosquitto-TLS.
 *
 * Run:  npx tsx bench/rpc-hub.ts      (npm run bench:rpc-hub)
 * Flags: --systems saltwire,mosquitto,mosquitto-tls,nats  --runs 3  --calls 5000  --warm 2000
 *        --budget-ms 115000 (no new run starts after it; each run is bounded too)
 *        --tap: count the Saltwire datagrams of the measured calls by size, per process
 * Env:   HUB_NODE_ARGS / SERVER_NODE_ARGS: node flags for the Saltwire hub / serving device, e.g.
 *        HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (the caller: node --cpu-prof --import tsx ...)
 *        SALTWIRE_CRYPTO=tweetnacl: the pure-JS backend in every Saltwire process.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { defaultCryptoSuite, deriveDeviceKey, startClient, startHub, UdpTransport, type Client } from '../src/index.js';
import { NatsMini, startNatsServer } from './peers/nats-mini.js';
import { startMosquitto } from './peers/mosquitto.js';
import { nextMessage, percentile, runId, sleep, withTimeout, type ChildMsg } from './peers/util.js';
import { listeningPort } from './scale/servers.js';

const SELF = fileURLToPath(import.meta.url);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SITE = new Uint8Array(32).fill(17);
const PAYLOAD = new Uint8Array(100).fill(0x5a);
const TICK_US = 1e6 / 100; // CLK_TCK is 100 on Linux

const flag = (name: string): string | undefined => {
  const k = process.argv.indexOf(name);
  return k < 0 ? undefined : process.argv[k + 1];
};
type System = 'saltwire' | 'mosquitto' | 'mosquitto-tls' | 'nats' | 'udp-relay';
const SYSTEMS = (flag('--systems') ?? 'saltwire,mosquitto,mosquitto-tls,nats,udp-relay').split(',') as System[];
const RUNS = Number(flag('--runs') ?? 3);
const CALLS = Number(flag('--calls') ?? 5000);
const WARM = Number(flag('--warm') ?? 2000);
const BUDGET_MS = Number(flag('--budget-ms') ?? 115_000);
const TAP = process.argv.includes('--tap');
const RUN_LIMIT_MS = 40_000; // one system's run: setup, warm-up and measured calls

type Msg = ChildMsg;
const send = (m: Msg): void => void process.send?.(m);

/** utime + stime of a process, in µs (all its threads). */
function cpuUs(pid: number): number {
  const [u, s] = cpuSplitUs(pid);
  return u + s;
}

/** [utime, stime] of a process, in µs: fields 14 and 15 of proc_pid_stat(5). */
function cpuSplitUs(pid: number): [number, number] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * TICK_US, Number(f[12]) * TICK_US];
}

/** Sizes of the datagrams this process sends (--tap): bench-only, patched onto the transport. */
const tapSizes = new Map<number, number>();
function installTap(): void {
  const orig = UdpTransport.prototype.send;
  UdpTransport.prototype.send = function (this: UdpTransport, data, to) {
    tapSizes.set(data.length, (tapSizes.get(data.length) ?? 0) + 1);
    return orig.call(this, data, to);
  };
}
const tapSnapshot = (): Record<number, number> => Object.fromEntries(tapSizes);

function child(role: string, args: unknown, nodeArgs = ''): ChildProcess {
  const c = fork(SELF, [role, JSON.stringify(args)], { execArgv: ['--import', TSX, ...nodeArgs.split(' ').filter(Boolean)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): boolean => c.kill('SIGKILL');
  process.once('exit', kill);
  c.once('exit', () => process.removeListener('exit', kill));
  return c;
}

const next = (c: ChildProcess, type: string, timeoutMs = 20_000): Promise<Msg> => nextMessage(c, type, timeoutMs);

/** Ends a child politely (disconnect: it closes its node, which writes a --cpu-prof), then by force. */
async function end(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.disconnect();
  const t = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

const clientFor = (id: string, port: number, dir: string): Promise<Client> =>
  startClient({ hub: `127.0.0.1:${port}`, id, key: deriveDeviceKey(defaultCryptoSuite(), SITE, id, 0), stateDir: join(dir, id) });

interface RunResult {
  system: System;
  p50: number;
  p99: number;
  /** µs of CPU per measured call */
  hubCpu: number;
  /** the part of hubCpu spent in the kernel (stime) */
  hubSys: number;
  callerCpu: number;
  responderCpu: number;
  calls: number;
  timedOut: boolean;
  load: number;
  datagrams?: { hub: number; server: number; caller: number };
  tap?: { hub: Record<number, number>; server: Record<number, number>; caller: Record<number, number> };
}

/** The measured part, common to every system: warm-up, then CALLS timed one by one. */
async function measure(
  system: System,
  call: () => Promise<void>,
  pids: { hub: number; responder: number },
  around?: { before(): Promise<void>; after(r: RunResult): Promise<void> },
): Promise<RunResult> {
  for (let i = 0; i < WARM; i++) await call();
  await around?.before();
  const samples = new Float64Array(CALLS);
  const hub0 = cpuSplitUs(pids.hub);
  const resp0 = cpuUs(pids.responder);
  const me0 = process.cpuUsage();
  const stopAt = performance.now() + RUN_LIMIT_MS / 2;
  let n = 0;
  for (; n < CALLS && performance.now() < stopAt; n++) {
    const t0 = process.hrtime.bigint();
    await call();
    samples[n] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const me = process.cpuUsage(me0);
  const hub1 = cpuSplitUs(pids.hub);
  const r: RunResult = {
    system,
    calls: n,
    timedOut: n < CALLS,
    hubCpu: 0,
    hubSys: 0,
    responderCpu: (cpuUs(pids.responder) - resp0) / n,
    callerCpu: (me.user + me.system) / n,
    p50: 0,
    p99: 0,
    load: loadavg()[0]!,
  };
  r.hubCpu = (hub1[0] + hub1[1] - hub0[0] - hub0[1]) / n;
  r.hubSys = (hub1[1] - hub0[1]) / n;
  const sorted = samples.subarray(0, n).sort();
  r.p50 = percentile(sorted, 50);
  r.p99 = percentile(sorted, 99);
  await around?.after(r);
  return r;
}

async function runSaltwire(): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-bench-rpc-hub-'));
  const hub = child('--hub', { dir, tap: TAP }, process.env['HUB_NODE_ARGS']);
  let server: ChildProcess | undefined;
  let caller: Client | undefined;
  try {
    const { port } = (await next(hub, 'port')) as unknown as { port: number };
    server = child('--server', { dir, port, tap: TAP }, process.env['SERVER_NODE_ARGS']);
    await next(server, 'ready');
    caller = await clientFor('dev-a', port, dir);
    const c = caller;
    const call = async (): Promise<void> => {
      const r = (await c.call('dev-b', 'echo', PAYLOAD)) as Uint8Array;
      if (r.length !== PAYLOAD.length) throw new Error('echo: wrong result');
    };
    const stats = async (p: ChildProcess): Promise<Msg> => {
      p.send({ type: 'stats' });
      return next(p, 'stats');
    };
    let before: { hub: Msg; server: Msg; caller: Msg } | undefined;
    const mine = (): Msg => ({ type: 'stats', datagrams: c.node.stats.sent.datagrams, tap: tapSnapshot() });
    const s = server;
    return await measure('saltwire', call, { hub: hub.pid!, responder: server.pid! }, {
      async before() {
        before = { hub: await stats(hub), server: await stats(s), caller: mine() };
      },
      async after(r) {
        const after = { hub: await stats(hub), server: await stats(s), caller: mine() };
        const d = (k: 'hub' | 'server' | 'caller'): number => ((after[k].datagrams as number) - (before![k].datagrams as number)) / r.calls;
        r.datagrams = { hub: d('hub'), server: d('server'), caller: d('caller') };
        if (TAP) {
          const t = (k: 'hub' | 'server' | 'caller'): Record<number, number> => {
            const a = after[k].tap as Record<number, number>;
            const b = before![k].tap as Record<number, number>;
            return Object.fromEntries(Object.entries(a).map(([size, n]) => [size, n - (b[Number(size)] ?? 0)]).filter(([, n]) => (n as number) > 0));
          };
          r.tap = { hub: t('hub'), server: t('server'), caller: t('caller') };
        }
      },
    });
  } finally {
    await caller?.close();
    if (server !== undefined) await end(server);
    await end(hub);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runMqtt(tls: boolean): Promise<RunResult> {
  const broker = await startMosquitto({ tls });
  const url = `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${broker.port}`;
  const id = runId();
  const responder = child('--mqtt-responder', { url, ca: broker.ca, topic: `rpc/${id}/echo` });
  let requester: mqtt.MqttClient | undefined;
  try {
    await next(responder, 'ready');
    requester = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, ...(broker.ca !== undefined && { ca: broker.ca }) });
    const responseTopic = `rpc/${id}/reply/a`;
    await requester.subscribeAsync(responseTopic, { qos: 0 });
    let pending: { corr: number; resolve: () => void } | undefined;
    requester.on('message', (_topic, payload, packet) => {
      const corr = packet.properties?.correlationData;
      if (pending !== undefined && corr !== undefined && corr.readUInt32BE(0) === pending.corr && payload.length === PAYLOAD.length) {
        const p = pending;
        pending = undefined;
        p.resolve();
      }
    });
    const r = requester;
    const corr = Buffer.alloc(4);
    let seq = 0;
    const call = (): Promise<void> =>
      new Promise((resolve) => {
        corr.writeUInt32BE(++seq >>> 0);
        pending = { corr: seq, resolve };
        r.publish(`rpc/${id}/echo`, Buffer.from(PAYLOAD), { qos: 0, properties: { responseTopic, correlationData: Buffer.from(corr) } });
      });
    return await measure(tls ? 'mosquitto-tls' : 'mosquitto', call, { hub: broker.pid, responder: responder.pid! });
  } finally {
    await requester?.endAsync();
    await end(responder);
    await broker.stop();
  }
}

async function runNats(): Promise<RunResult> {
  const server = await startNatsServer();
  const responder = child('--nats-responder', { port: server.port });
  let c: NatsMini | undefined;
  try {
    await next(responder, 'ready');
    c = await NatsMini.connect(server.port, '127.0.0.1', 'requester');
    const inbox = `_INBOX.${runId()}`;
    let pending: { reply: string; resolve: () => void } | undefined;
    c.subscribe(`${inbox}.*`, (m) => {
      if (pending !== undefined && m.subject === pending.reply && m.data.length === PAYLOAD.length) {
        const p = pending;
        pending = undefined;
        p.resolve();
      }
    });
    await c.flush();
    const conn = c;
    let seq = 0;
    const call = (): Promise<void> =>
      new Promise((resolve) => {
        const reply = `${inbox}.${++seq}`;
        pending = { reply, resolve };
        conn.publish('rpc.echo', PAYLOAD, reply);
      });
    return await measure('nats', call, { hub: server.pid, responder: responder.pid! });
  } finally {
    c?.close();
    await end(responder);
    await server.stop();
  }
}

/** A udp-floor.ts process in `mode`; resolves with it and its port once it listens. */
async function floorProcess(mode: string, ...args: string[]): Promise<{ c: ChildProcess; port: number }> {
  const c = spawn(process.execPath, ['--import', TSX, join(resolve(SELF, '..'), 'scale/udp-floor.ts'), mode, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const kill = (): boolean => c.kill('SIGKILL');
  process.once('exit', kill);
  c.once('exit', () => process.removeListener('exit', kill));
  const port = await listeningPort(c, `udp-floor ${mode}`);
  return { c, port };
}

async function runUdpRelay(): Promise<RunResult> {
  const relay = await floorProcess('relay');
  let responder: ChildProcess | undefined;
  const sock = createSocket('udp4');
  try {
    responder = (await floorProcess('responder', String(relay.port))).c;
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const request = Buffer.concat([Buffer.from([1]), PAYLOAD]);
    let pending: (() => void) | undefined;
    sock.on('message', (m) => {
      if (m.length === request.length && pending !== undefined) {
        const p = pending;
        pending = undefined;
        p();
      }
    });
    await sleep(200); // the responder's hello has reached the relay
    const call = (): Promise<void> =>
      new Promise((resolve) => {
        pending = resolve;
        sock.send(request, relay.port, '127.0.0.1');
      });
    return await measure('udp-relay', call, { hub: relay.c.pid!, responder: responder.pid! });
  } finally {
    sock.close();
    responder?.kill('SIGTERM');
    relay.c.kill('SIGTERM');
  }
}

function runSystem(s: System): Promise<RunResult> {
  const p = s === 'saltwire' ? runSaltwire() : s === 'nats' ? runNats() : s === 'udp-relay' ? runUdpRelay() : runMqtt(s === 'mosquitto-tls');
  return withTimeout(p, RUN_LIMIT_MS, `${s} run`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const t0 = performance.now();
  // the watchdog: whatever hangs, the bench ends (children are SIGKILLed on exit)
  setTimeout(() => {
    console.error(`rpc-hub: watchdog, still running after ${BUDGET_MS + RUN_LIMIT_MS + 10_000} ms`);
    process.exit(2);
  }, BUDGET_MS + RUN_LIMIT_MS + 10_000).unref();
  const crypto = defaultCryptoSuite() === (await import('../src/crypto/tweetnacl.js')).tweetnaclSuite ? 'tweetnacl' : 'sodium-native';
  console.log(`RPC device -> hub -> device, 100 B echo, ${WARM} unmeasured + ${CALLS} sequential calls per run, Saltwire crypto ${crypto}`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  const results: RunResult[] = [];
  for (let run = 1; run <= RUNS; run++) {
    if (run > 1 && performance.now() - t0 > BUDGET_MS) {
      console.log(`(budget of ${BUDGET_MS} ms spent: ${run - 1} runs)`);
      break;
    }
    for (const s of SYSTEMS) {
      const r = await runSystem(s);
      results.push(r);
      const dg = r.datagrams ? `  datagrams/call hub ${r.datagrams.hub.toFixed(2)} server ${r.datagrams.server.toFixed(2)} caller ${r.datagrams.caller.toFixed(2)}` : '';
      console.log(
        `run ${run} ${s.padEnd(13)} p50 ${r.p50.toFixed(0)} µs  p99 ${r.p99.toFixed(0)} µs  hub/broker CPU ${r.hubCpu.toFixed(0)} µs/call (sys ${r.hubSys.toFixed(0)})  responder ${r.responderCpu.toFixed(0)}  caller ${r.callerCpu.toFixed(0)}  (${r.calls} calls${r.timedOut ? ', TIME-LIMITED' : ''}, load ${r.load.toFixed(2)})${dg}`,
      );
      if (r.tap) console.log(`  datagram sizes sent (B: count) hub ${JSON.stringify(r.tap.hub)} server ${JSON.stringify(r.tap.server)} caller ${JSON.stringify(r.tap.caller)}`);
    }
  }
  const by = (s: System): RunResult[] => results.filter((r) => r.system === s);
  const ref = by('mosquitto-tls');
  const refP50 = ref.length ? median(ref.map((r) => r.p50)) : NaN;
  const refP99 = ref.length ? median(ref.map((r) => r.p99)) : NaN;
  const refCpu = ref.length ? median(ref.map((r) => r.hubCpu)) : NaN;
  const ratio = (a: number, b: number): string => (Number.isFinite(b) ? `${(a / b).toFixed(2)}x` : '-');
  console.log(`\nmedian of ${Math.max(...SYSTEMS.map((s) => by(s).length))} runs (each figure separately); ratios to mosquitto-TLS; load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| system | p50 µs | p99 µs | hub/broker CPU µs/call (of it kernel) | responder CPU µs/call | caller CPU µs/call | p50 / TLS | p99 / TLS | hub CPU / TLS |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const s of SYSTEMS) {
    const rs = by(s);
    if (rs.length === 0) continue;
    const p50 = median(rs.map((r) => r.p50));
    const p99 = median(rs.map((r) => r.p99));
    const cpu = median(rs.map((r) => r.hubCpu));
    const name = s === 'saltwire' ? `Saltwire (${crypto}, defaults)` : s === 'mosquitto' ? 'MQTT 5 via mosquitto, plain' : s === 'mosquitto-tls' ? 'MQTT 5 via mosquitto, TLS' : s === 'udp-relay' ? 'floor: raw node:dgram relay, no protocol' : 'NATS request/reply';
    console.log(
      `| ${name} | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${cpu.toFixed(0)} (${median(rs.map((r) => r.hubSys)).toFixed(0)}) | ${median(rs.map((r) => r.responderCpu)).toFixed(0)} | ${median(rs.map((r) => r.callerCpu)).toFixed(0)} | ${ratio(p50, refP50)} | ${ratio(p99, refP99)} | ${ratio(cpu, refCpu)} |`,
    );
  }
  const sw = by('saltwire');
  if (sw.length && sw[0]!.datagrams) {
    const dg = median(sw.map((r) => r.datagrams!.hub + r.datagrams!.server + r.datagrams!.caller));
    console.log(`\nSaltwire datagrams per call (all three processes, median): ${dg.toFixed(2)}`);
  }
  console.log(`goal (issue 17): p50 <= 1.00x, p99 <= 1.50x, hub CPU <= 1.50x mosquitto-TLS; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const role = process.argv[2] ?? '';
const isChild = process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && ['--hub', '--server', '--mqtt-responder', '--nats-responder'].includes(role);
const args = (isChild ? JSON.parse(process.argv[3]!) : {}) as { dir?: string; port?: number; tap?: boolean; url?: string; ca?: string; topic?: string };

if (isChild && role === '--hub') {
  if (args.tap) installTap();
  const hub = await startHub({ listen: '127.0.0.1:0', siteKey: SITE, stateDir: join(args.dir!, 'hub') });
  process.on('message', (m) => {
    if ((m as Msg).type === 'stats') send({ type: 'stats', datagrams: hub.node.stats.sent.datagrams, tap: tapSnapshot() });
  });
  process.once('disconnect', () => void hub.close().finally(() => process.exit(0)));
  send({ type: 'port', port: hub.node.local.port });
} else if (isChild && role === '--server') {
  if (args.tap) installTap();
  const c = await clientFor('dev-b', args.port!, args.dir!);
  c.serve('echo', (params) => params);
  process.on('message', (m) => {
    if ((m as Msg).type === 'stats') send({ type: 'stats', datagrams: c.node.stats.sent.datagrams, tap: tapSnapshot() });
  });
  process.once('disconnect', () => void c.close().finally(() => process.exit(0)));
  send({ type: 'ready' });
} else if (isChild && role === '--mqtt-responder') {
  const c = await mqtt.connectAsync(args.url!, { protocolVersion: 5, clean: true, ...(args.ca !== undefined && { ca: args.ca }) });
  c.on('message', (_topic, payload, packet) => {
    const rt = packet.properties?.responseTopic;
    if (rt !== undefined) c.publish(rt, payload, { qos: 0, properties: { correlationData: packet.properties!.correlationData! } });
  });
  await c.subscribeAsync(args.topic!, { qos: 0 });
  process.once('disconnect', () => void c.endAsync().finally(() => process.exit(0)));
  send({ type: 'ready' });
} else if (isChild && role === '--nats-responder') {
  const c = await NatsMini.connect(args.port!, '127.0.0.1', 'responder');
  c.subscribe('rpc.echo', (m) => {
    if (m.reply !== undefined) c.publish(m.reply, m.data);
  });
  await c.flush();
  process.once('disconnect', () => {
    c.close();
    process.exit(0);
  });
  send({ type: 'ready' });
} else {
  if (TAP) installTap();
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
