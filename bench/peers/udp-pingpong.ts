/**
 * Raw node:dgram baselines on loopback, the floor under any UDP protocol (Saltwire's RPC and
 * one-way messages):
 *
 * - udpPingPong: one datagram out, the echo back, one outstanding at a time; p50/p99 of the round
 *   trip. `cross-process` (default): the echo socket lives in a child `node` process, so each round
 *   trip wakes the other process twice (on a 2-vCPU VM usually on the other vCPU, ~60 µs each way:
 *   see shared/reference/baselines.md). `in-process`: both sockets on this event loop.
 * - udpThroughput: one-way datagrams of 100 B. `cross-process` (default): the receiver is a child
 *   `node` process with a 4 MiB receive buffer, the sender this process (connected socket, batches
 *   of 64 then a setImmediate). Unpaced (`ratePerSec` unset) or paced at a target rate. The receive
 *   rate is counted in the receiver: (received - 1) / (last arrival - first arrival).
 *
 * Children are plain JavaScript (`node -e`, no tsx), talk over IPC, and exit when the parent
 * disconnects. Every run is bounded in count and time and closes its sockets and children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { summarizeNs, withTimeout, sleep, type LatencyResult } from './util.js';

export type UdpMode = 'cross-process' | 'in-process';

export interface UdpPingPongOptions {
  mode?: UdpMode;
  /** measured round trips (default 2000) */
  roundTrips?: number;
  /** unmeasured round trips first (default 200) */
  warmup?: number;
  /** default 64 B, as in the reference figures */
  payloadBytes?: number;
  /** default 5000 ms */
  timeLimitMs?: number;
  /**
   * Both ends keep their event loop polling this many µs after each datagram, as UdpTransport's
   * busyPollUs does (default 0: off), so that a Saltwire row with busy polling has a raw UDP row
   * with the same technique beside it.
   */
  busyPollUs?: number;
}

export interface UdpThroughputOptions {
  mode?: UdpMode;
  /** datagrams to send (default 300 000) */
  datagrams?: number;
  /** default 100 B */
  payloadBytes?: number;
  /** target send rate; unset = as fast as the sender can */
  ratePerSec?: number;
  /** receiver's SO_RCVBUF request (default 4 MiB; Linux caps it at net.core.rmem_max) */
  recvBufferSize?: number;
  /** default 6000 ms */
  timeLimitMs?: number;
}

export interface UdpThroughputResult {
  mode: UdpMode;
  sent: number;
  received: number;
  lossPct: number;
  /** datagrams/s handed to the kernel by the sender */
  sendPerSec: number;
  /** datagrams/s counted by the receiver */
  recvPerSec: number;
  /** the receive buffer the kernel granted (getRecvBufferSize) */
  recvBufferBytes: number;
  timedOut: boolean;
}

// The same polling as UdpTransport's busyPollUs: an immediate per loop turn until the window passes.
const POLL_JS = `
const pollMs = Number(process.argv[1] || 0) / 1000;
let pollUntil = 0, polling = false;
const poll = () => { if (performance.now() >= pollUntil) { polling = false; return; } setImmediate(poll); };
const keepPolling = () => { if (pollMs === 0) return; pollUntil = performance.now() + pollMs; if (!polling) { polling = true; setImmediate(poll); } };
`;

const ECHO_JS = `
const dgram = require('node:dgram');
${POLL_JS}
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => { s.send(m, r.port, r.address); keepPolling(); });
s.bind(0, '127.0.0.1', () => process.send({ port: s.address().port }));
process.on('disconnect', () => process.exit(0));
`;

const SINK_JS = `
const dgram = require('node:dgram');
const s = dgram.createSocket({ type: 'udp4', recvBufferSize: Number(process.argv[1]) });
let n = 0, first = 0, last = 0;
s.on('message', () => { const t = performance.now(); if (n === 0) first = t; last = t; n++; });
s.bind(0, '127.0.0.1', () => process.send({ port: s.address().port, rcvbuf: s.getRecvBufferSize() }));
process.on('message', () => process.send({ received: n, firstMs: first, lastMs: last }));
process.on('disconnect', () => process.exit(0));
`;

interface Child {
  proc: ChildProcess;
  next<T>(what: string, ms?: number): Promise<T>;
  stop(): Promise<void>;
}

async function spawnChild(code: string, args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, ['-e', code, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const onExit = () => proc.kill('SIGKILL');
  process.once('exit', onExit);
  const exitP = new Promise<void>((r) => proc.once('exit', () => r()));
  const next = <T>(what: string, ms = 5000) =>
    withTimeout(
      new Promise<T>((res, rej) => {
        proc.once('message', (m) => res(m as T));
        proc.once('error', rej);
      }),
      ms,
      what,
    );
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (proc.exitCode === null && proc.signalCode === null) {
      if (proc.connected) proc.disconnect();
      const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exitP;
      clearTimeout(t);
    }
  };
  return { proc, next, stop };
}

function bindSocket(recvBufferSize?: number): Promise<Socket> {
  const s = createSocket(recvBufferSize ? { type: 'udp4', recvBufferSize } : { type: 'udp4' });
  return new Promise((res, rej) => {
    s.once('error', rej);
    s.bind(0, '127.0.0.1', () => {
      s.removeListener('error', rej);
      res(s);
    });
  });
}

function connectSocket(s: Socket, port: number): Promise<void> {
  return new Promise((res, rej) => s.connect(port, '127.0.0.1', (err?: Error) => (err ? rej(err) : res())));
}

function closeSocket(s: Socket | undefined): Promise<void> {
  if (!s) return Promise.resolve();
  return new Promise((r) => {
    try {
      s.close(() => r());
    } catch {
      r(); // already closed
    }
  });
}

/** POLL_JS's keepPolling for this process. */
function poller(busyPollUs: number): () => void {
  const pollMs = busyPollUs / 1000;
  let pollUntil = 0;
  let polling = false;
  const poll = (): void => {
    if (performance.now() >= pollUntil) polling = false;
    else setImmediate(poll);
  };
  return () => {
    if (pollMs === 0) return;
    pollUntil = performance.now() + pollMs;
    if (!polling) {
      polling = true;
      setImmediate(poll);
    }
  };
}

/** Raw UDP ping-pong round trip, p50/p99. */
export async function udpPingPong(o: UdpPingPongOptions = {}): Promise<LatencyResult> {
  const mode = o.mode ?? 'cross-process';
  const rounds = o.roundTrips ?? 2000;
  const warmup = o.warmup ?? 200;
  const timeLimitMs = o.timeLimitMs ?? 5000;
  let child: Child | undefined;
  let echo: Socket | undefined;
  let ping: Socket | undefined;
  try {
    let port: number;
    if (mode === 'cross-process') {
      child = await spawnChild(ECHO_JS, [String(o.busyPollUs ?? 0)]);
      port = (await child.next<{ port: number }>('udp echo child start')).port;
    } else {
      const e = await bindSocket();
      echo = e;
      e.on('message', (m, r) => e.send(m, r.port, r.address));
      port = e.address().port;
    }
    ping = await bindSocket();
    await connectSocket(ping, port);
    const payload = Buffer.alloc(Math.max(4, o.payloadBytes ?? 64), 0x63);
    let waiting: ((seq: number) => void) | undefined;
    // the pinging end polls like the echo child (in-process mode has one loop for both)
    const keepPolling = poller(o.busyPollUs ?? 0);
    ping.on('message', (m) => {
      keepPolling();
      waiting?.(m.readUInt32BE(0));
    });
    const samples: number[] = [];
    const deadline = performance.now() + timeLimitMs;
    let timedOut = false;
    let lost = 0;
    for (let seq = 0; seq < warmup + rounds; seq++) {
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      payload.writeUInt32BE(seq, 0);
      const got = new Promise<boolean>((res) => {
        waiting = (s) => s === seq && res(true);
        setTimeout(() => res(false), 500).unref();
      });
      const t = process.hrtime.bigint();
      ping.send(payload);
      keepPolling();
      if (!(await got)) {
        if (++lost > 10) throw new Error('udp ping-pong: more than 10 datagrams lost on loopback');
        continue;
      }
      const dt = Number(process.hrtime.bigint() - t);
      if (seq >= warmup) samples.push(dt);
    }
    return summarizeNs(samples, timedOut);
  } finally {
    await Promise.all([closeSocket(ping), closeSocket(echo), child?.stop()]);
  }
}

/** Raw UDP one-way throughput of small datagrams. */
export async function udpThroughput(o: UdpThroughputOptions = {}): Promise<UdpThroughputResult> {
  const mode = o.mode ?? 'cross-process';
  const n = o.datagrams ?? 300_000;
  const timeLimitMs = o.timeLimitMs ?? 6000;
  const rcvbuf = o.recvBufferSize ?? 4 * 1024 * 1024;
  const payload = Buffer.alloc(o.payloadBytes ?? 100, 0x64);
  let child: Child | undefined;
  let sink: Socket | undefined;
  let tx: Socket | undefined;
  try {
    let port: number;
    let recvBufferBytes: number;
    let report: () => Promise<{ received: number; firstMs: number; lastMs: number }>;
    if (mode === 'cross-process') {
      const c = await spawnChild(SINK_JS, [String(rcvbuf)]);
      child = c;
      const hello = await c.next<{ port: number; rcvbuf: number }>('udp sink child start');
      port = hello.port;
      recvBufferBytes = hello.rcvbuf;
      report = async () => {
        const r = c.next<{ received: number; firstMs: number; lastMs: number }>('udp sink report', 2000);
        c.proc.send({ cmd: 'report' });
        return r;
      };
    } else {
      const s = await bindSocket(rcvbuf);
      sink = s;
      let received = 0;
      let firstMs = 0;
      let lastMs = 0;
      s.on('message', () => {
        const t = performance.now();
        if (received === 0) firstMs = t;
        lastMs = t;
        received++;
      });
      port = s.address().port;
      recvBufferBytes = s.getRecvBufferSize();
      report = async () => ({ received, firstMs, lastMs });
    }
    tx = await bindSocket();
    tx.on('error', () => {}); // a send error (ENOBUFS) counts as loss below
    await connectSocket(tx, port);

    const t0 = performance.now();
    const deadline = t0 + timeLimitMs;
    let sent = 0;
    while (sent < n && performance.now() < deadline) {
      let batch = Math.min(64, n - sent);
      if (o.ratePerSec !== undefined) {
        const due = Math.floor(((performance.now() - t0) * o.ratePerSec) / 1000) - sent;
        batch = Math.min(batch, Math.max(0, due));
      }
      for (let i = 0; i < batch; i++) tx.send(payload);
      sent += batch;
      await new Promise<void>((r) => setImmediate(r));
    }
    const sendMs = performance.now() - t0;
    // drain: wait until the receiver's count stops moving (or the time limit)
    let r = await report();
    for (;;) {
      await sleep(100);
      const r2 = await report();
      const settled = r2.received === r.received;
      r = r2;
      if (settled || r.received >= sent || performance.now() > deadline + 1000) break;
    }
    const span = r.lastMs - r.firstMs;
    return {
      mode,
      sent,
      received: r.received,
      lossPct: sent > 0 ? (100 * (sent - r.received)) / sent : 0,
      sendPerSec: (sent * 1000) / sendMs,
      recvPerSec: r.received > 1 && span > 0 ? ((r.received - 1) * 1000) / span : 0,
      recvBufferBytes,
      timedOut: sent < n,
    };
  } finally {
    await Promise.all([closeSocket(tx), closeSocket(sink), child?.stop()]);
  }
}
