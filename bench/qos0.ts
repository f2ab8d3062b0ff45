/**
 * QoS 0 loss with the defaults a user gets (issue 17): a hub, a publisher and a subscriber, each in
 * its own process, over UDP loopback, started with startHub/startClient and no option changed
 * (64-message outbox, default datagram size). The publisher runs the loops users write:
 *
 * - burst N: N publications in one synchronous loop, none awaited (N = 65, 1,000, 10,000);
 * - bench:pubsub's loop: 64 publications, then one turn of the event loop, 100,000 in all;
 * - steady: 20,000 publications/s for 2 s, in 1 ms steps.
 *
 * For each: published, refused at the publisher (publish() rejected), received by the subscriber,
 * lost = published - received. Run: npm run bench:qos0    (RUNS=burst-1000,steady picks cases)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deriveDeviceKey, startClient, startHub, tweetnaclSuite, type Client } from '../src/index.js';
import { nextMessage, type ChildMsg } from './peers/util.js';

const SELF = fileURLToPath(import.meta.url);
const SITE = new Uint8Array(32).fill(11);
const PAYLOAD = new Uint8Array(100).fill(7);
const QUIET_MS = 1500;

interface Case {
  readonly name: string;
  readonly kind: 'burst' | 'batched' | 'steady';
  readonly n: number;
}
const CASES: Case[] = [
  { name: 'burst-65', kind: 'burst', n: 65 },
  { name: 'burst-1000', kind: 'burst', n: 1_000 },
  { name: 'burst-10000', kind: 'burst', n: 10_000 },
  { name: 'pubsub-loop-100000', kind: 'batched', n: 100_000 },
  { name: 'steady-20k/s-2s', kind: 'steady', n: 40_000 },
];

/** The kernel's count of UDP datagrams dropped for a full receive buffer (Linux; 0 elsewhere). */
function rcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    return Number(lines[1]!.split(/\s+/)[names.indexOf('RcvbufErrors')]);
  } catch {
    return 0;
  }
}

type Msg = ChildMsg;

function child(role: string, args: unknown): ChildProcess {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const c = fork(SELF, [role, JSON.stringify(args)], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.once('exit', () => c.kill('SIGKILL'));
  return c;
}

const next = (c: ChildProcess, type: string, timeoutMs = 60_000): Promise<Msg> => nextMessage(c, type, timeoutMs);

const send = (m: Msg): void => void process.send?.(m);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function client(id: string, port: number, dir: string): Promise<Client> {
  return startClient({ hub: `127.0.0.1:${port}`, id, key: deriveDeviceKey(tweetnaclSuite, SITE, id, 0), stateDir: join(dir, id) });
}

async function runPublisher(c: Client, k: Case): Promise<{ published: number; refused: number }> {
  let refused = 0;
  const settled: Array<Promise<void>> = [];
  const one = (): void => void settled.push(c.publish('bench/t', PAYLOAD).catch(() => void refused++));
  if (k.kind === 'burst') for (let i = 0; i < k.n; i++) one();
  else if (k.kind === 'batched') {
    for (let sent = 0; sent < k.n; ) {
      for (let i = 0; i < 64 && sent < k.n; i++, sent++) one();
      await tick();
    }
  } else {
    const t0 = performance.now();
    for (let sent = 0; sent < k.n; ) {
      const due = Math.min(k.n, Math.floor((performance.now() - t0) * 20)); // 20 per ms
      for (; sent < due; sent++) one();
      await sleep(1);
    }
  }
  await Promise.allSettled(settled);
  return { published: k.n, refused };
}

const role = process.argv[2];
const args = JSON.parse(process.argv[3] ?? '{}') as { port?: number; dir?: string };
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && role === '--hub') {
  const hub = await startHub({ listen: '127.0.0.1:0', siteKey: SITE, stateDir: join(args.dir!, 'hub') });
  send({ type: 'port', port: hub.node.local.port });
  process.on('message', (m) => {
    if ((m as Msg).type === 'stats') send({ type: 'stats', dropped: hub.pubsub.forwarder.dropped, forwarded: hub.pubsub.forwarder.sent, unreliable: hub.node.stats.unreliable });
  });
  process.on('disconnect', () => void hub.close().then(() => process.exit(0)));
} else if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && role === '--sub') {
  const c = await client('sub-1', args.port!, args.dir!);
  let received = 0;
  await c.subscribe('bench/t', { qos: 0 }, () => void received++).granted;
  send({ type: 'ready' });
  process.on('message', (m) => {
    if ((m as Msg).type === 'count') send({ type: 'count', received: received });
    if ((m as Msg).type === 'reset') (received = 0), send({ type: 'reset' });
  });
  process.on('disconnect', () => void c.close().then(() => process.exit(0)));
} else if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && role === '--pub') {
  const c = await client('pub-1', args.port!, args.dir!);
  await c.publish('bench/warm', 'x', { qos: 1 }); // first contact outside the measurement
  send({ type: 'ready' });
  process.on('message', (m) => {
    const k = CASES.find((x) => x.name === (m as Msg)['case']);
    if (k !== undefined) void runPublisher(c, k).then((r) => send({ type: 'done', ...r }));
  });
  process.on('disconnect', () => void c.close().then(() => process.exit(0)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-bench-qos0-'));
  const only = process.env['RUNS']?.split(',');
  const hub = child('--hub', { dir });
  const { port } = (await next(hub, 'port')) as unknown as { port: number };
  const sub = child('--sub', { port, dir });
  await next(sub, 'ready');
  const pub = child('--pub', { port, dir });
  await next(pub, 'ready');
  console.log('QoS 0, 100 B, publisher -> hub -> subscriber, three processes, UDP loopback, defaults\n');
  console.log('| loop | published | refused at publisher | received | lost | hub drops | kernel receive-buffer drops (whole host) | forwarded by the hub |');
  console.log('|---|---|---|---|---|---|---|---|');
  let hubDropsBefore = 0;
  let hubSentBefore = 0;
  for (const k of CASES) {
    if (only !== undefined && !only.includes(k.name)) continue;
    sub.send({ type: 'reset' });
    await next(sub, 'reset');
    const kernelBefore = rcvbufErrors();
    pub.send({ type: 'run', case: k.name });
    const done = (await next(pub, 'done', 120_000)) as unknown as { published: number; refused: number };
    // received until it stops growing for QUIET_MS
    let last = -1;
    let received = 0;
    for (;;) {
      sub.send({ type: 'count' });
      received = ((await next(sub, 'count')) as unknown as { received: number }).received;
      if (received === last) break;
      last = received;
      await sleep(QUIET_MS);
    }
    hub.send({ type: 'stats' });
    const hs = (await next(hub, 'stats')) as unknown as { dropped: number; forwarded: number };
    const lost = done.published - received;
    const pct = ((100 * lost) / done.published).toFixed(1);
    console.log(`| ${k.name} | ${done.published} | ${done.refused} | ${received} | ${lost} (${pct}%) | ${hs.dropped - hubDropsBefore} | ${rcvbufErrors() - kernelBefore} | ${hs.forwarded - hubSentBefore} |`);
    hubSentBefore = hs.forwarded;
    hubDropsBefore = hs.dropped;
  }
  for (const c of [pub, sub, hub]) c.disconnect();
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
