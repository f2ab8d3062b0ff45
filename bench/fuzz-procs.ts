/**
 * The processes of the fuzz bench (bench/fuzz.ts), issue 14:
 *
 * - a hub: a Saltwire node with the message layer's Hub on loopback, serving `echo`, run with
 *   --expose-gc; on request it reports, after a full GC, its heap and RSS, CPU time, drop counters,
 *   admission and stale-answer counters, peer and transport counters;
 * - a fuzzer: sends `count` mutated datagrams (bench/fuzz-mutate.ts) to the hub from `mutSources`
 *   sockets on 127.3.0.x, drawn from a corpus of genuine datagrams, and among them, a `replayShare` of
 *   all it sends, genuine ones unchanged (in random order, duplicated, runs reversed, or
 *   behind a COOKIE_ECHO) from `replaySources` sockets on 127.4.0.x; it counts what comes back to
 *   each group, by kind. A mutation that reproduces a genuine datagram is drawn again. On an answer
 *   to a mutated datagram that is not a COOKIE, it saves the answer and the last 256 datagrams it sent
 *   (hex, JSON) in `dumpDir`: a reproducer.
 *
 * Both are forked with tsx and speak over IPC; each ends with SIGTERM, when its parent goes away, or
 * after a bound.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GenuineSet, mutate, randomMutation } from './fuzz-mutate.js';
import { startEchoHub } from './hub-child.js';

const SELF = fileURLToPath(import.meta.url);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface HubReport {
  readonly cpuUs: number;
  /** After a full GC. */
  readonly rss: number;
  readonly heapUsed: number;
  readonly drops: Record<string, number>;
  readonly received: number;
  readonly sent: { datagrams: number; bytes: number };
  readonly admission: Record<string, number>;
  readonly stale: Record<string, number>;
  readonly peers: number;
  readonly transport: { datagramsReceived: number; bytesReceived: number; datagramsSent: number; bytesSent: number };
}

/** What came back to one group of the fuzzer's sockets, and what it sent. */
export interface GroupCounts {
  sent: number;
  bytesSent: number;
  answers: number;
  answerBytes: number;
  /** Answers that are COOKIEs (0x60 0x03, spec 6.6). */
  cookies: number;
  cookieBytes: number;
}

export interface FuzzProgress {
  readonly done: boolean;
  readonly seconds: number;
  readonly mutated: GroupCounts;
  readonly replayed: GroupCounts;
  /** Mutations drawn again because they reproduced a genuine datagram. */
  readonly redrawn: number;
  readonly byKind: Record<string, number>;
  readonly dumps: string[];
}

export interface FuzzOptions {
  readonly port: number;
  readonly count: number;
  readonly rate: number;
  readonly seed: number;
  readonly replayShare: number;
  readonly mutSources: number;
  readonly replaySources: number;
  readonly dumpDir: string;
  /** Genuine datagrams, hex. */
  readonly corpus: string[];
}

export interface Proc {
  readonly child: ChildProcess;
  /** Resolves when the process exits, with its code or signal. */
  readonly exited: Promise<string>;
  request<T>(cmd: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** Forks this file with `args`; resolves with the process and its first message. */
function start(args: string[], nodeArgs: string[], onMessage?: (m: unknown) => void): Promise<{ p: Proc; ready: Record<string, unknown> }> {
  const child = fork(SELF, args, { execArgv: ['--import', TSX, ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  const replies: Array<(m: unknown) => void> = [];
  let readyResolve: (m: Record<string, unknown>) => void;
  const ready = new Promise<Record<string, unknown>>((r) => (readyResolve = r));
  let first = true;
  child.on('message', (m: Record<string, unknown>) => {
    if (first) return void ((first = false), readyResolve(m));
    if (m['reply'] === true) return replies.shift()?.(m);
    onMessage?.(m);
  });
  const p: Proc = {
    child,
    exited,
    request<T>(cmd: Record<string, unknown>, timeoutMs = 20_000): Promise<T> {
      return new Promise<T>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`fuzz child: no answer to ${String(cmd['cmd'])} in ${timeoutMs} ms`)), timeoutMs);
        void exited.then((how) => (clearTimeout(t), rej(new Error(`fuzz child exited (${how}) before answering ${String(cmd['cmd'])}`))));
        replies.push((m) => (clearTimeout(t), res(m as T)));
        child.send(cmd);
      });
    },
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(kill, 3000);
      await exited;
      clearTimeout(t);
    },
  };
  return Promise.race([
    ready.then((r) => ({ p, ready: r })),
    exited.then((how) => Promise.reject(new Error(`fuzz child exited (${how}) before it was ready`))),
  ]);
}

export interface FuzzHub extends Proc {
  readonly port: number;
  report(): Promise<HubReport>;
}

/** A hub process serving `echo` on 127.0.0.1, with the site key `site`. */
export async function startFuzzHub(site: Uint8Array): Promise<FuzzHub> {
  const extra = process.env['HUB_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const { p, ready } = await start(['--fuzz-hub', Buffer.from(site).toString('hex')], ['--expose-gc', ...extra]);
  return { ...p, port: Number(ready['port']), report: () => p.request<HubReport>({ cmd: 'report' }) };
}

/** A fuzzer process; `onProgress` gets its counts every second and at the end. */
export async function startFuzzer(o: FuzzOptions, onProgress: (p: FuzzProgress) => void): Promise<Proc> {
  const { p } = await start(['--fuzzer'], [], (m) => onProgress(m as FuzzProgress));
  p.child.send({ cmd: 'go', ...o });
  return p;
}

// ---- the children ----

async function serveHub(siteHex: string): Promise<void> {
  const { node, transport } = await startEchoHub(Uint8Array.from(Buffer.from(siteHex, 'hex')));
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd !== 'report') return;
    gc?.();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const s = node.stats;
    const t = transport.stats;
    const report: HubReport & { reply: true } = {
      reply: true,
      cpuUs: cpu.user + cpu.system,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      drops: { ...s.drops } as Record<string, number>,
      received: s.received,
      sent: { datagrams: s.sent.datagrams, bytes: s.sent.bytes },
      admission: { ...s.admission },
      stale: { ...s.stale },
      peers: s.peers,
      transport: { datagramsReceived: t.datagramsReceived, bytesReceived: t.bytesReceived, datagramsSent: t.datagramsSent, bytesSent: t.bytesSent },
    };
    process.send?.(report);
  });
  process.send?.({ port: transport.local.port });
}

/** xorshift32: deterministic and cheap, so the fuzzer spends its time in send(). */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
}

const newCounts = (): GroupCounts => ({ sent: 0, bytesSent: 0, answers: 0, answerBytes: 0, cookies: 0, cookieBytes: 0 });

async function bindGroup(n: number, net: number): Promise<Socket[]> {
  const socks: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    s.on('error', () => undefined);
    await new Promise<void>((res) => s.bind(0, `127.${net}.${(i >> 8) & 255}.${(i & 255) + 1}`, () => res()));
    socks.push(s);
  }
  return socks;
}

async function runFuzzer(o: FuzzOptions): Promise<void> {
  const corpus = o.corpus.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  const genuine = new GenuineSet(corpus);
  const rnd = xorshift(o.seed);
  const mut = await bindGroup(o.mutSources, 3);
  const rep = await bindGroup(o.replaySources, 4);
  const counts = { mutated: newCounts(), replayed: newCounts() };
  const byKind: Record<string, number> = {};
  const last: Array<{ group: string; d: Uint8Array }> = []; // hex only when dumped: the ring costs a push
  const dumps: string[] = [];
  let redrawn = 0;
  const onAnswer = (group: 'mutated' | 'replayed') => (m: Buffer) => {
    const c = counts[group];
    const cookie = m.length === 34 && m[0] === 0x60 && m[1] === 0x03;
    c.answers++;
    c.answerBytes += m.length;
    if (cookie) (c.cookies++, (c.cookieBytes += m.length));
    if (group === 'mutated' && !cookie && dumps.length < 20) {
      mkdirSync(o.dumpDir, { recursive: true });
      const f = join(o.dumpDir, `answer-${dumps.length}.json`);
      const lastSent = last.map((l) => ({ group: l.group, hex: Buffer.from(l.d).toString('hex') }));
      writeFileSync(f, JSON.stringify({ answer: m.toString('hex'), port: o.port, lastSent }, null, 1));
      dumps.push(f);
    }
  };
  for (const s of mut) s.on('message', onAnswer('mutated'));
  for (const s of rep) s.on('message', onAnswer('replayed'));

  const t0 = performance.now();
  const progress = (done: boolean): void =>
    void process.send?.({ done, seconds: (performance.now() - t0) / 1000, mutated: counts.mutated, replayed: counts.replayed, redrawn, byKind, dumps } satisfies FuzzProgress);
  const ticker = setInterval(() => progress(false), 1000);
  const replayShare = Math.round(o.replayShare * 1000);
  let burst: Uint8Array[] = []; // genuine datagrams queued by a reordering, sent among mutated ones
  const send = (s: Socket, d: Uint8Array, group: 'mutated' | 'replayed'): void => {
    const c = counts[group];
    c.sent++;
    c.bytesSent += d.length;
    last.push({ group, d });
    if (last.length > 256) last.shift();
    s.send(d, o.port, '127.0.0.1');
  };
  let sent = 0;
  while (counts.mutated.sent < o.count) {
    const due = Math.floor(((performance.now() - t0) * o.rate) / 1000);
    for (let budget = Math.min(due - sent, 2000); budget > 0 && counts.mutated.sent < o.count; budget--, sent++) {
      if (rnd() % 1000 >= replayShare) {
        let d: Uint8Array;
        for (;;) {
          const m = randomMutation(rnd, corpus.length);
          d = mutate(corpus, m);
          if (!genuine.has(d)) {
            byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
            break;
          }
          redrawn++;
        }
        send(mut[sent % mut.length]!, d, 'mutated');
        continue;
      }
      if (burst.length === 0) burst = reorder(corpus, rnd);
      send(rep[sent % rep.length]!, burst.shift()!, 'replayed');
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  clearInterval(ticker);
  await new Promise<void>((r) => setTimeout(r, 1500)); // late answers
  progress(true);
}

/**
 * The next genuine datagrams to replay: one at random; the same one 2-8 times; a run of the corpus
 * backwards; or one behind a COOKIE_ECHO with a random cookie (the hub, not under load, takes the
 * inner datagram as if alone).
 */
function reorder(corpus: Uint8Array[], rnd: () => number): Uint8Array[] {
  const i = rnd() % corpus.length;
  const r = rnd() % 4;
  if (r === 0) return [corpus[i]!];
  if (r === 1) return Array.from({ length: 2 + (rnd() % 7) }, () => corpus[i]!);
  if (r === 2) return corpus.slice(i, i + 2 + (rnd() % 16)).reverse();
  const echo = new Uint8Array(18 + corpus[i]!.length);
  echo.set([0x60, 0x04]);
  for (let k = 2; k < 18; k++) echo[k] = rnd() & 0xff;
  echo.set(corpus[i]!, 18);
  return [echo];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const watchdog = setTimeout(() => process.exit(3), 900_000);
  watchdog.unref();
  process.once('disconnect', () => process.exit(0));
  if (process.argv[2] === '--fuzz-hub') await serveHub(process.argv[3]!);
  else if (process.argv[2] === '--fuzzer') {
    process.once('message', (m: FuzzOptions) => void runFuzzer(m).then(() => process.exit(0)));
    process.send?.({ ready: true });
  }
}
