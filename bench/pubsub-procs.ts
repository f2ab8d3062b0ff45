/**
 * Publisher -> hub or broker -> subscriber, each in its own process on loopback, as users run them
 * (issue 17, "Benches that tell the truth"): the machinery bench/pubsub.ts (QoS 0) and
 * bench/reliable.ts (QoS 1) share.
 *
 * - Saltwire: the hub is `saltwire hub` with its defaults (bench/scale/servers.ts: the compiled CLI
 *   under plain node, a fresh state directory); publisher and subscriber are startClient() devices
 *   with every default (no bench-only outbox, window or datagram option).
 * - MQTT 3.1.1 through mosquitto with its defaults, plain TCP and TLS (openssl-made CA), and aedes
 *   (its own process, defaults): MQTT.js publisher and subscriber, clean sessions.
 * - nats-server, defaults ('nats': core NATS, QoS 0 only; 'nats-js': -js, QoS 1 through JetStream),
 *   bench/pubsub-nats.ts. The clients of all: bench/pubsub-clients.ts.
 *
 * One session per system: the server and both clients start once, then each run() publishes
 * `messages` payloads of PAYLOAD bytes on a topic of its own. Each payload carries its sequence
 * number, so the subscriber counts distinct, duplicated and out-of-order deliveries. The publisher
 * keeps at most `window` publications unsettled: QoS 0, a Saltwire publish settles once queued (it
 * waits for room [SW-14.8-6]) and an MQTT.js one once written (window 1 = TCP back-pressure);
 * QoS 1, on the hub's or broker's acknowledgement. Rate = distinct messages received / (last arrival
 * - first publish), both read from the same clock (performance.timeOrigin + now) in two processes;
 * lost = published - distinct received once the subscriber has them all, or nothing came for 1 s (QoS 0)
 * or 5 s (QoS 1: acknowledged, so they must come), or 10 s (QoS 0) or 30 s (QoS 1) passed. Every wait
 * is bounded, and a child left behind dies with us.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toHex } from '../src/index.js';
import { startAedesProcess } from './peers/aedes.js';
import { connect, SITE, type ClientArgs } from './pubsub-clients.js';
import { startNatsFor } from './pubsub-nats.js';
import { buildHub, cpuSeconds, startMosquittoFor, startSaltwireHub } from './scale/servers.js';

export type System = 'saltwire' | 'mosquitto' | 'mosquitto-tls' | 'aedes' | 'nats' | 'nats-js';
export const PAYLOAD = 100;
const SELF = fileURLToPath(import.meta.url);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const now = (): number => performance.timeOrigin + performance.now();
type Msg = { type: string; [k: string]: unknown };

export interface RunResult {
  readonly sent: number;
  /** distinct sequence numbers received */
  readonly received: number;
  readonly duplicates: number;
  /** deliveries with a lower sequence number than one delivered before them */
  readonly outOfOrder: number;
  readonly lost: number;
  readonly elapsedMs: number;
  readonly msgsPerSec: number;
  /** the publisher hit its time limit before publishing (QoS 1: settling) everything */
  readonly timedOut: boolean;
  /** QoS 1 publications that failed (rejected by the SDK or the client) */
  readonly failed: number;
  /** QoS 1 publications refused with OutboxFullError and tried again 1 ms later */
  readonly outboxFull: number;
  /** the publisher's own rate: published / (last publication settled - first publish) */
  readonly publishedPerSec: number;
  /** CPU (user + system) of the hub or broker process over the run, per distinct message received, µs */
  readonly serverCpuUs: number;
  /** the same for the publisher's and the subscriber's processes */
  readonly pubCpuUs: number;
  readonly subCpuUs: number;
}

export interface Session {
  readonly system: System;
  /** the hub's or broker's pid */
  readonly pid: number;
  run(o: { messages: number; qos: 0 | 1; window: number; timeLimitMs: number }): Promise<RunResult>;
  close(): Promise<void>;
}

export const SYSTEM_NAMES: Record<System, string> = {
  saltwire: 'Saltwire, `saltwire hub` defaults',
  mosquitto: 'MQTT via mosquitto, plain TCP',
  'mosquitto-tls': 'MQTT via mosquitto, TLS',
  aedes: 'MQTT via aedes (own process), plain TCP',
  nats: 'NATS core via nats-server',
  'nats-js': 'NATS JetStream via nats-server -js',
};

function child(role: string, args: unknown): ChildProcess {
  const c = fork(SELF, [role, JSON.stringify(args)], { execArgv: ['--import', TSX], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): boolean => c.kill('SIGKILL');
  process.once('exit', kill);
  c.once('exit', () => process.removeListener('exit', kill));
  return c;
}

function next(c: ChildProcess, type: string, timeoutMs: number): Promise<Msg> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => done(new Error(`no ${type} from child in ${timeoutMs} ms`)), timeoutMs);
    const onMsg = (m: unknown): void => void ((m as Msg).type === type && done(undefined, m as Msg));
    const onExit = (code: number | null): void => done(new Error(`child exited (${code}) before ${type}`));
    const done = (e?: Error, m?: Msg): void => {
      clearTimeout(t);
      c.off('message', onMsg);
      c.off('exit', onExit);
      if (e) rej(e);
      else res(m!);
    };
    c.on('message', onMsg);
    c.once('exit', onExit);
  });
}

async function end(c: ChildProcess | undefined): Promise<void> {
  if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  if (c.connected) c.disconnect();
  const t = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

let built = false;

/**
 * Starts `system` and its two client processes. `via(port)`: where the clients send instead of the
 * server's port (bench/reliable.ts puts a ChaosProxy there); Saltwire only.
 */
export async function startSession(system: System, via?: (port: number) => Promise<number>): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-bench-pubsub-'));
  let server: { pid: number; port: number; ca?: string; stop(): Promise<void> };
  if (system === 'saltwire') {
    if (!built) buildHub();
    built = true;
    server = await startSaltwireHub(toHex(SITE));
  } else if (system === 'aedes') {
    const a = await startAedesProcess();
    server = { pid: a.where as number, port: a.port, stop: () => a.stop() };
  } else if (system === 'nats' || system === 'nats-js') server = await startNatsFor(system, dir);
  else server = await startMosquittoFor(system === 'mosquitto-tls');
  let sub: ChildProcess | undefined;
  let pub: ChildProcess | undefined;
  try {
    const port = via === undefined ? server.port : await via(server.port);
    const args = { system, port, dir, ...(server.ca !== undefined && { ca: server.ca }) };
    sub = child('--sub', { ...args, id: 'bench-sub' });
    await next(sub, 'ready', 20_000);
    pub = child('--pub', { ...args, id: 'bench-pub' });
    await next(pub, 'ready', 20_000);
  } catch (e) {
    await Promise.all([end(pub), end(sub)]);
    await server.stop();
    throw e;
  }
  const [s, p] = [sub, pub];
  let seq = 0;
  return {
    system,
    pid: server.pid,
    async run(o) {
      const topic = `bench/${process.pid}/${++seq}`;
      s.send({ type: 'arm', topic, qos: o.qos });
      await next(s, 'armed', 10_000);
      const cpu0 = [server.pid, p.pid!, s.pid!].map(cpuSeconds);
      p.send({ type: 'go', topic, ...o });
      const done = await next(p, 'done', o.timeLimitMs + 15_000);
      const sent = done['sent'] as number;
      // the subscriber is done when it has them all, or nothing more came for 1 s (QoS 1: 5 s), or 10 s (30 s) passed
      s.send({ type: 'drain', expect: sent });
      const got = await next(s, 'drained', 35_000);
      const received = got['received'] as number;
      const cpu = [server.pid, p.pid!, s.pid!].map((pid, i) => ((cpuSeconds(pid) - cpu0[i]!) * 1e6) / Math.max(1, received));
      const elapsedMs = received > 0 ? (got['last'] as number) - (done['t0'] as number) : NaN;
      return {
        sent,
        received,
        duplicates: got['duplicates'] as number,
        outOfOrder: got['outOfOrder'] as number,
        lost: sent - received,
        elapsedMs,
        msgsPerSec: received > 0 ? (received * 1000) / elapsedMs : 0,
        timedOut: done['timedOut'] as boolean,
        failed: done['failed'] as number,
        outboxFull: done['full'] as number,
        publishedPerSec: (sent * 1000) / ((done['tEnd'] as number) - (done['t0'] as number)),
        serverCpuUs: cpu[0]!,
        pubCpuUs: cpu[1]!,
        subCpuUs: cpu[2]!,
      };
    },
    async close() {
      await Promise.all([end(p), end(s)]);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- the client processes ----

type ChildArgs = ClientArgs & { system: System };

async function subscriberRole(a: ChildArgs): Promise<void> {
  const c = await connect(a);
  let topic: string | undefined;
  let qos = 0;
  let seen = new Uint8Array(0);
  let received = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let highest = -1;
  let last = 0;
  const on = (payload: Uint8Array): void => {
    last = now();
    const n = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
    if (n >= seen.length) return;
    if (seen[n] === 1) duplicates++;
    else {
      seen[n] = 1;
      received++;
    }
    if (n < highest) outOfOrder++;
    else highest = n;
  };
  process.on('message', (m: Msg) => {
    void (async () => {
      if (m.type === 'arm') {
        if (topic !== undefined) await c.unsubscribe(topic);
        topic = m['topic'] as string;
        qos = m['qos'] as number;
        seen = new Uint8Array(2_000_000);
        received = duplicates = outOfOrder = 0;
        highest = -1;
        last = 0;
        await c.subscribe(topic, m['qos'] as 0 | 1, on);
        process.send!({ type: 'armed' });
      } else if (m.type === 'drain') {
        const expect = m['expect'] as number;
        const t0 = now();
        // QoS 1 publications were acknowledged, so they must come: a retransmission backoff under
        // heavy loss can be silent for seconds, which a 1 s quiet rule would count as loss
        const [quiet, cap] = qos >= 1 ? [5_000, 30_000] : [1_000, 10_000];
        while (received < expect && now() - Math.max(last, t0) < quiet && now() - t0 < cap) await new Promise((r) => setTimeout(r, 5));
        process.send!({ type: 'drained', received, duplicates, outOfOrder, last });
      }
    })();
  });
  process.once('disconnect', () => void c.close().finally(() => process.exit(0)));
  process.send!({ type: 'ready' });
}

async function publisherRole(a: ChildArgs): Promise<void> {
  const c = await connect(a);
  // first contact outside the measurement (core NATS has no QoS 1)
  await c.publish(`bench/${process.pid}/hello`, new Uint8Array(PAYLOAD), a.system === 'nats' ? 0 : 1);
  process.on('message', (m: Msg) => {
    if (m.type !== 'go') return;
    const topic = m['topic'] as string;
    const n = m['messages'] as number;
    const qos = m['qos'] as 0 | 1;
    const window = m['window'] as number;
    const limit = m['timeLimitMs'] as number;
    const buf = new Uint8Array(PAYLOAD).fill(7);
    let sent = 0;
    let settled = 0;
    let failed = 0;
    let full = 0;
    let timedOut = false;
    const t0 = now();
    void (async () => {
      // `window` pumps, each publishing its next message once its last one settled
      const pump = async (): Promise<void> => {
        while (sent < n) {
          if (now() - t0 > limit) {
            timedOut = true;
            return;
          }
          const payload = buf.slice(); // MQTT.js may still hold the last one; Saltwire copies anyway
          new DataView(payload.buffer).setUint32(0, sent++);
          for (;;) {
            try {
              await c.publish(topic, payload, qos);
            } catch (e) {
              // QoS 1 past the outbox's room (OUTBOX_MESSAGES) is refused, not queued [SW-14.8-1]:
              // an application tries again a little later, as this one does
              if ((e as Error).name === 'OutboxFullError' && now() - t0 <= limit) {
                full++;
                await new Promise((r) => setTimeout(r, 1));
                continue;
              }
              failed++;
            }
            break;
          }
          settled++;
        }
      };
      await Promise.all(Array.from({ length: window }, pump));
      process.send!({ type: 'done', sent, settled, failed, full, t0, tEnd: now(), timedOut });
    })();
  });
  process.once('disconnect', () => void c.close().finally(() => process.exit(0)));
  process.send!({ type: 'ready' });
}

const role = process.argv[2] ?? '';
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF && (role === '--sub' || role === '--pub')) {
  const a = JSON.parse(process.argv[3]!) as ChildArgs;
  await (role === '--sub' ? subscriberRole(a) : publisherRole(a));
}
