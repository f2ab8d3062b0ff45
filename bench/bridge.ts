/**
 * `npm run bench:bridge`: the MQTT bridge against mosquitto's own bridge, same flows, same broker.
 *
 * Saltwire: a device (this process) -> hub + MqttBridge (a child process; state on disk: QoS 1 is
 * journaled before the device's acknowledgement) -> mosquitto -> an MQTT.js subscriber (this
 * process), and back (MQTT.js publisher -> mosquitto -> bridge -> hub -> device subscriber); RPC:
 * an MQTT 5 requester -> mosquitto -> bridge -> hub -> device serving echo, and back.
 * mosquitto: publisher -> mosquitto A -> mosquitto's bridge -> mosquitto B -> subscriber (and the
 * other way); RPC: requester on B, responder on A, through the bridge.
 * Both mosquittos run with set_tcp_nodelay, large queues, persistence off (they never fsync).
 * 100 B payloads; QoS 1 keeps 500 publications unacknowledged at most; rates are measured at the
 * receiver (first send to last arrival). Prints one table.
 *
 *   npm run bench:bridge [-- --messages N --calls N --hub-prof DIR]
 *
 * `--hub-prof DIR`: the hub + bridge child runs with `node --cpu-prof` and writes its profile to DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { findMosquitto } from './peers/mosquitto.js';
import { formatTable, freeTcpPort, percentile, waitForTcp } from './peers/util.js';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SITE = new Uint8Array(32).fill(3);
const PAYLOAD = new Uint8Array(100).fill(0x61);
const WINDOW = 500;
/** A device keeps at most this many publications unacknowledged (its reliable outbox holds 64, spec 14.12). */
const DEVICE_WINDOW = 32;

async function hubChild(mqttPort: number, dir: string): Promise<void> {
  const { Hub, SiteKeyring, startNode } = await import('../src/index.js');
  const { defaultCryptoSuite } = await import('../src/node/crypto.js');
  const { MqttBridge } = await import('../src/bridge/index.js');
  const suite = defaultCryptoSuite();
  const node = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), listen: { host: '127.0.0.1' }, stateDir: dir, provisioning: true, suite });
  // a bench's burst is far more than the default 1,000 copies owed to one subscriber [SW-18.2-3]
  const hub = await Hub.start(node, { delivery: { max: 1_000_000, maxBytes: 1 << 30, maxTotal: 1_000_000, maxTotalBytes: 1 << 30 } });
  const bridge = await MqttBridge.start(hub, { url: `mqtt://127.0.0.1:${mqttPort}`, clientId: 'bench-bridge', inflight: WINDOW, presenceTopic: false, rules: [
    { local: 'up/#', remote: 'up/#', direction: 'out' },
    { local: 'down/#', remote: 'down/#', direction: 'in' },
  ] });
  bridge.on('connected', () => process.stdout.write(`ready ${node.local.port}\n`));
  const quit = (): void => void hub.close().then(() => bridge.close()).then(() => node.close()).finally(() => process.exit(0));
  process.once('SIGTERM', quit);
  process.stdin.on('end', quit);
  // 'cpu' on stdin: this process's CPU time so far (user + system, us), for the CPU per message
  process.stdin.setEncoding('utf8').on('data', (s: string) => {
    if (s.includes('cpu')) {
      const u = process.cpuUsage();
      process.stdout.write(`cpu ${u.user + u.system}\n`);
    }
  });
  process.stdin.resume();
}

function mosquitto(port: number, dir: string, extra: string[] = []): ChildProcess {
  const conf = join(dir, `m${port}.conf`);
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'sys_interval 0', 'set_tcp_nodelay true',
    'max_inflight_messages 1000', 'max_queued_messages 100000', 'log_dest stderr', 'log_type error', ...extra].join('\n') + '\n');
  const c = spawn(findMosquitto()!, ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.once('exit', () => c.kill('SIGKILL'));
  return c;
}

async function mqtt(port: number, id: string): Promise<MqttClient> {
  const c = connect({ host: '127.0.0.1', port, protocolVersion: 5, clientId: id, reconnectPeriod: 0 });
  c.on('connect', () => (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true));
  await new Promise((r, j) => (c.once('connect', r), c.once('error', j)));
  return c;
}

/** Publishes n messages with `send` (at most WINDOW unsettled), resolves with the receiver's rate once `received()` reaches n or 15 s passed. */
async function flow(n: number, send: (i: number) => Promise<unknown> | unknown, received: () => number, window = WINDOW): Promise<{ rate: number; got: number; failed: number }> {
  let failed = 0;
  const t0 = performance.now();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i++) {
    const p = send(i);
    if (p instanceof Promise) {
      const q = p.catch(() => void failed++).finally(() => inflight.delete(q));
      inflight.add(q);
      if (inflight.size >= window) await Promise.race(inflight);
    } else if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  const end = Date.now() + 15_000;
  let last = performance.now();
  let seen = -1;
  while (received() < n && Date.now() < end) {
    if (received() !== seen) (seen = received()), (last = performance.now());
    await new Promise((r) => setTimeout(r, 2));
  }
  if (received() >= n) last = performance.now();
  return { rate: received() / ((last - t0) / 1000), got: received(), failed };
}

async function rpc(calls: number, call: () => Promise<void>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await call();
  const us: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await call();
    us.push((performance.now() - t) * 1000);
  }
  us.sort((a, b) => a - b);
  return { p50: percentile(us, 50), p99: percentile(us, 99) };
}

/** An MQTT 5 request/response caller on `c`: request on `topic`, answer on a reply topic. */
async function requester(c: MqttClient, topic: string): Promise<() => Promise<void>> {
  const reply = `replies/${c.options.clientId}`;
  await c.subscribeAsync(reply, { qos: 0 });
  let waiting: (() => void) | undefined;
  c.on('message', (t) => t === reply && waiting?.());
  let n = 0;
  // a call with no answer in 2 s counts as 2 s (and the run goes on)
  return () => new Promise<void>((res) => {
    const t = setTimeout(res, 2000);
    waiting = () => (clearTimeout(t), res());
    c.publish(topic, Buffer.from(PAYLOAD), { qos: 0, properties: { responseTopic: reply, correlationData: Buffer.from(String(n++)) } });
  });
}

async function main(): Promise<void> {
  if (findMosquitto() === undefined) throw new Error('bench:bridge needs the mosquitto binary');
  const N = arg('--messages', 20_000);
  const CALLS = arg('--calls', 2000);
  const dir = mkdtempSync(join(tmpdir(), 'sw-bench-bridge-'));
  const rows: string[][] = [['flow', 'Saltwire bridge', 'mosquitto bridge', 'ratio']];
  const { Client, PairKeyring, deriveDeviceKey, startNode } = await import('../src/index.js');
  const { defaultCryptoSuite } = await import('../src/node/crypto.js');
  const ours: Record<string, number> = {};
  /** The hub + bridge process's CPU per message (per call), us: steadier than rates on a loaded host. */
  const cpu: Record<string, number> = {};
  /** This process's (the device's and the MQTT clients') CPU per message, us. */
  const mine: Record<string, number> = {};
  const ownCpu = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const theirs: Record<string, number> = {};
  const lines: string[] = [];

  // ---- Saltwire: device -> hub + bridge (child) -> mosquitto -> subscriber ----
  const mPort = await freeTcpPort();
  const m = mosquitto(mPort, dir);
  await waitForTcp(mPort, 5000);
  const profIdx = process.argv.indexOf('--hub-prof');
  const prof = profIdx > 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[profIdx + 1]}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', fileURLToPath(import.meta.url), '--hub-child', String(mPort), join(dir, 'hub')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const hubPort = await new Promise<number>((r) => child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    const x = /ready (\d+)/.exec(s);
    if (x) r(Number(x[1]));
  }));
  let cpuWaiter: ((us: number) => void) | undefined;
  child.stdout!.on('data', (s: string) => {
    const x = /cpu (\d+)/.exec(s);
    if (x) cpuWaiter?.(Number(x[1]));
  });
  /** The hub + bridge process's CPU time so far, us. */
  const hubCpu = (): Promise<number> => new Promise((r) => ((cpuWaiter = r), child.stdin!.write('cpu\n')));
  const suite = defaultCryptoSuite();
  const node = await startNode({ id: 'dev-1', keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, 'dev-1', 0)), listen: { host: '127.0.0.1' }, stateDir: join(dir, 'dev'), provisioning: true, suite, peers: [{ id: 'hub', address: { host: '127.0.0.1', port: hubPort } }] });
  const dev = await Client.start(node, { hub: 'hub' });
  await dev.ready({ timeoutMs: 5000 });
  dev.serve('echo', (p) => p);
  const sub = await mqtt(mPort, 'sub');
  let gotUp = 0;
  sub.on('message', () => gotUp++);
  await sub.subscribeAsync('up/#', { qos: 1 });
  let gotDown = 0;
  await dev.subscribe('down/#', { qos: 1 }, () => gotDown++).granted;
  const pub = await mqtt(mPort, 'pub');
  await new Promise((r) => setTimeout(r, 300));
  for (const qos of [0, 1] as const) {
    gotUp = 0;
    await flow(2000, () => dev.publish(`up/q${qos}`, PAYLOAD, { qos }), () => gotUp, DEVICE_WINDOW); // warm-up
    await new Promise((r) => setTimeout(r, 300));
    gotUp = 0;
    let cpu0 = await hubCpu();
    let own0 = ownCpu();
    const up = await flow(N, () => dev.publish(`up/q${qos}`, PAYLOAD, { qos }), () => gotUp, DEVICE_WINDOW);
    cpu[`up${qos}`] = ((await hubCpu()) - cpu0) / up.got;
    mine[`up${qos}`] = (ownCpu() - own0) / up.got;
    ours[`up${qos}`] = up.rate;
    ours[`up${qos}got`] = up.got;
    lines.push(`saltwire up qos${qos}: ${up.got}/${N} received${up.failed > 0 ? `, ${up.failed} publish() failed` : ''}`);
    process.stderr.write(`${lines.at(-1)}\n`);
    await new Promise((r) => setTimeout(r, 300));
    gotDown = 0;
    cpu0 = await hubCpu();
    own0 = ownCpu();
    const down = await flow(N, () => (qos === 0 ? pub.publish(`down/q${qos}`, Buffer.from(PAYLOAD), { qos }) : pub.publishAsync(`down/q${qos}`, Buffer.from(PAYLOAD), { qos })), () => gotDown);
    cpu[`down${qos}`] = ((await hubCpu()) - cpu0) / down.got;
    mine[`down${qos}`] = (ownCpu() - own0) / down.got;
    ours[`down${qos}`] = down.rate;
    ours[`down${qos}got`] = down.got;
    lines.push(`saltwire down qos${qos}: ${down.got}/${N} received`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const req = await mqtt(mPort, 'req');
  const callOurs = await requester(req, 'saltwire/call/dev-1/echo');
  const cpu0 = await hubCpu();
  const r1 = await rpc(CALLS, callOurs);
  cpu['rpc'] = ((await hubCpu()) - cpu0) / (CALLS + 200);
  ours['rpc50'] = r1.p50;
  ours['rpc99'] = r1.p99;
  for (const c of [sub, pub, req]) await c.endAsync(true);
  await dev.close();
  await node.close();
  child.stdin!.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await new Promise((r) => child.once('exit', r));
  clearTimeout(killer);
  m.kill('SIGKILL');

  // ---- mosquitto's bridge: A <-> B ----
  const aPort = await freeTcpPort();
  const bPort = await freeTcpPort();
  const a = mosquitto(aPort, dir);
  const b = mosquitto(bPort, dir, ['connection ab', `address 127.0.0.1:${aPort}`, 'bridge_protocol_version mqttv50', 'cleansession true', 'try_private true',
    'topic up/q0 in 0', 'topic up/q1 in 1', 'topic down/q0 out 0', 'topic down/q1 out 1', 'topic rpc/# out 0', 'topic replies/# in 0']);
  await waitForTcp(aPort, 5000);
  await waitForTcp(bPort, 5000);
  await new Promise((r) => setTimeout(r, 500)); // the bridge connects
  const pubA = await mqtt(aPort, 'pubA');
  const subB = await mqtt(bPort, 'subB');
  let gotB = 0;
  subB.on('message', () => gotB++);
  await subB.subscribeAsync('up/#', { qos: 1 });
  const subA = await mqtt(aPort, 'subA');
  let gotA = 0;
  subA.on('message', () => gotA++);
  await subA.subscribeAsync('down/#', { qos: 1 });
  const pubB = await mqtt(bPort, 'pubB');
  await new Promise((r) => setTimeout(r, 300));
  for (const qos of [0, 1] as const) {
    const send = (c: MqttClient, t: string) => (): unknown => (qos === 0 ? c.publish(t, Buffer.from(PAYLOAD), { qos }) : c.publishAsync(t, Buffer.from(PAYLOAD), { qos }));
    gotB = 0;
    await flow(2000, send(pubA, `up/q${qos}`), () => gotB);
    await new Promise((r) => setTimeout(r, 300));
    gotB = 0;
    const up = await flow(N, send(pubA, `up/q${qos}`), () => gotB);
    theirs[`up${qos}`] = up.rate;
    theirs[`up${qos}got`] = up.got;
    lines.push(`mosquitto up qos${qos}: ${up.got}/${N} received`);
    await new Promise((r) => setTimeout(r, 300));
    gotA = 0;
    const down = await flow(N, send(pubB, `down/q${qos}`), () => gotA);
    theirs[`down${qos}`] = down.rate;
    theirs[`down${qos}got`] = down.got;
    lines.push(`mosquitto down qos${qos}: ${down.got}/${N} received`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const responder = await mqtt(aPort, 'responder');
  await responder.subscribeAsync('rpc/echo', { qos: 0 });
  responder.on('message', (_t, p, pk) => void responder.publish(pk.properties!.responseTopic!, p, { qos: 0, properties: { correlationData: pk.properties!.correlationData! } }));
  const reqB = await mqtt(bPort, 'reqB');
  const r2 = await rpc(CALLS, await requester(reqB, 'rpc/echo'));
  theirs['rpc50'] = r2.p50;
  theirs['rpc99'] = r2.p99;
  for (const c of [pubA, subB, subA, pubB, responder, reqB]) await c.endAsync(true);
  a.kill('SIGKILL');
  b.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });

  const rate = (x: number, got: number): string => `${Math.round(x).toLocaleString('en-US')} msgs/s${got < N ? ` (${(100 - (100 * got) / N).toFixed(0)}% lost)` : ''}`;
  for (const [k, label] of [['up0', 'device -> MQTT subscriber, QoS 0'], ['up1', 'device -> MQTT subscriber, QoS 1'], ['down0', 'MQTT publisher -> device, QoS 0'], ['down1', 'MQTT publisher -> device, QoS 1']] as const) {
    rows.push([label, rate(ours[k]!, ours[`${k}got`]!), rate(theirs[k]!, theirs[`${k}got`]!), `${(ours[k]! / theirs[k]!).toFixed(2)}x`]);
  }
  rows.push(['RPC through the bridge, p50', `${Math.round(ours['rpc50']!)} us`, `${Math.round(theirs['rpc50']!)} us`, `${(ours['rpc50']! / theirs['rpc50']!).toFixed(2)}x`]);
  rows.push(['RPC through the bridge, p99', `${Math.round(ours['rpc99']!)} us`, `${Math.round(theirs['rpc99']!)} us`, `${(ours['rpc99']! / theirs['rpc99']!).toFixed(2)}x`]);
  console.log(`${N} messages of 100 B per flow, ${CALLS} calls (after 200 unmeasured); mosquitto both sides, Saltwire's hub and bridge in their own process`);
  for (const l of lines) console.log(`  ${l}`);
  console.log(`  hub + bridge process CPU per message: up QoS 0 ${cpu['up0']!.toFixed(0)} us, up QoS 1 ${cpu['up1']!.toFixed(0)} us, down QoS 0 ${cpu['down0']!.toFixed(0)} us, down QoS 1 ${cpu['down1']!.toFixed(0)} us, per RPC ${cpu['rpc']!.toFixed(0)} us`);
  console.log(`  this process (device, MQTT clients) CPU per message: up QoS 0 ${mine['up0']!.toFixed(0)} us, up QoS 1 ${mine['up1']!.toFixed(0)} us, down QoS 0 ${mine['down0']!.toFixed(0)} us, down QoS 1 ${mine['down1']!.toFixed(0)} us`);
  console.log(formatTable(rows));
}

if (process.argv[2] === '--hub-child') await hubChild(Number(process.argv[3]), process.argv[4]!);
else await main().then(() => process.exit(0), (e: unknown) => (console.error(e), process.exit(1)));
