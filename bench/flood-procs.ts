/**
 * The processes of the flood benchmark (bench/flood.ts) and of its CI version
 * (test/peer/flood-udp.test.ts), issue 14 item 3:
 *
 * - a hub: a Saltwire node with the message layer's Hub on loopback, serving `echo`, that reports
 *   its CPU time, RSS, heap, drop counters and transport counters over IPC on request;
 * - a flooder: sends datagrams of one kind at a fixed rate from `sources` sockets, each bound to its
 *   own loopback address (127.1.x.y), so the hub sees that many source addresses, as from a botnet
 *   or a spoofing attacker. Kinds: `junk` (random bytes, 20 to 1200 B), `ids` (FULL headers naming a
 *   random valid device id each, 47 B), `epochs` (FULL 1,200 B datagrams under the caller's id with a
 *   random epoch, counter and BOOT each). Nothing it sends authenticates.
 *
 * Both are forked with tsx; each ends with SIGTERM, when its parent goes away, or after a bound.
 */
import { execFile, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEchoHub } from './hub-child.js';

const SELF = fileURLToPath(import.meta.url);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export type FloodKind = 'junk' | 'ids' | 'epochs';

export interface HubReport {
  /** process.cpuUsage() of the hub, user + system, µs. */
  readonly cpuUs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly drops: Record<string, number>;
  /** Datagrams the hub's socket delivered to it. */
  readonly received: number;
  /** Datagrams the hub sent. */
  readonly sent: number;
  readonly sentBytes: number;
  readonly admission?: Record<string, number>;
}

interface Child {
  readonly child: ChildProcess;
  request<T>(cmd: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

function start(args: string[], nodeArgs: string[] = []): Promise<{ c: Child; ready: Record<string, unknown> }> {
  const child = fork(SELF, args, { execArgv: ['--import', TSX, ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = (): boolean => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const next = <T>(what: string): Promise<T> =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`flood child: no ${what} in 20 s`)), 20_000);
      const onExit = (code: number | null): void => (clearTimeout(t), rej(new Error(`flood child exited (${code}) before ${what}`)));
      child.once('exit', onExit);
      child.once('message', (m) => {
        clearTimeout(t);
        child.off('exit', onExit);
        res(m as T);
      });
    });
  const c: Child = {
    child,
    request<T>(cmd: Record<string, unknown>): Promise<T> {
      const answer = next<T>(String(cmd['cmd']));
      child.send(cmd);
      return answer;
    },
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(kill, 3000);
      await exited;
      clearTimeout(t);
    },
  };
  return next<Record<string, unknown>>('ready').then((ready) => ({ c, ready }));
}

export interface FloodHub {
  readonly port: number;
  report(): Promise<HubReport>;
  stop(): Promise<void>;
}

/** A hub process serving `echo`. `options` are passed to SaltwireNode.start (JSON). */
export async function startFloodHub(site: Uint8Array, options: Record<string, unknown> = {}): Promise<FloodHub> {
  const { c, ready } = await start(['--serve-hub', JSON.stringify({ site: [...site], options })], process.env['HUB_NODE_ARGS']?.split(' ').filter(Boolean));
  return { port: Number(ready['port']), report: () => c.request<HubReport>({ cmd: 'report' }), stop: () => c.stop() };
}

export interface FloodOptions {
  readonly kind: FloodKind;
  readonly port: number;
  /** Datagrams per second, all sources together. */
  readonly rate: number;
  readonly seconds: number;
  /** The caller's id, for `epochs`. */
  readonly callerId?: string;
}

export interface Flooder {
  /** Runs one flood to its end; resolves with the datagrams sent and the seconds it took. */
  flood(o: FloodOptions): Promise<{ sent: number; seconds: number }>;
  stop(): Promise<void>;
}

/**
 * A flooder with `sources` sockets, each on its own loopback address (127.1.x.y): bench/flooder.c
 * when a C compiler is there (a few percent of a core at 100,000 datagrams a second), else a Node
 * process (about a core: on a small machine, taken from what is measured). FLOODER=node forces Node.
 */
export async function startFlooder(sources = 64): Promise<Flooder & { readonly name: string }> {
  const bin = process.env['FLOODER'] === 'node' ? undefined : compiledFlooder();
  if (bin !== undefined) {
    return {
      name: 'C (sendmmsg)',
      flood: (o) =>
        new Promise((res, rej) =>
          execFile(bin, [o.kind, String(o.port), String(o.rate), String(o.seconds), String(sources), o.callerId ?? 'caller'], { timeout: (o.seconds + 20) * 1000 }, (e, out) =>
            e ? rej(e) : res(JSON.parse(out) as { sent: number; seconds: number }),
          ),
        ),
      stop: async () => undefined,
    };
  }
  const { c } = await start(['--flood', String(sources)]);
  return { name: 'Node', flood: (o) => c.request({ cmd: 'go', ...o }), stop: () => c.stop() };
}

/** bench/flooder.c compiled into the temporary directory (once per source version), or undefined. */
function compiledFlooder(): string | undefined {
  const src = join(dirname(SELF), 'flooder.c');
  if (!existsSync(src)) return undefined;
  const bin = join(tmpdir(), `saltwire-flooder-${Math.floor(statSync(src).mtimeMs)}`);
  if (existsSync(bin)) return bin;
  const r = spawnSync('cc', ['-O2', '-o', bin, src], { stdio: 'ignore' });
  return r.status === 0 && existsSync(bin) ? bin : undefined;
}

// ---- the children ----

async function serveHub(spec: { site: number[]; options: Record<string, unknown> }): Promise<void> {
  const { node, transport } = await startEchoHub(Uint8Array.from(spec.site), spec.options);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd !== 'report') return;
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const s = node.stats as unknown as { drops: Record<string, number>; sent: { datagrams: number; bytes: number }; admission?: Record<string, number> };
    const report: HubReport = {
      cpuUs: cpu.user + cpu.system,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      drops: { ...s.drops },
      received: transport.stats.datagramsReceived,
      sent: s.sent.datagrams,
      sentBytes: s.sent.bytes,
      ...(s.admission !== undefined && { admission: { ...s.admission } }),
    };
    process.send?.(report);
  });
  process.send?.({ port: transport.local.port });
}

/** A deterministic, fast generator (xorshift32): the flood must cost the flooder little. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A buffer of `kind` filled with random bytes once; `vary` then changes only what must differ. */
function template(kind: FloodKind, b: Buffer, rnd: () => number, callerId: string): number {
  for (let i = 0; i + 4 <= b.length; i += 4) b.writeUInt32BE(rnd(), i);
  if (kind === 'junk') return 20 + (rnd() % 1181);
  b[0] = 0x50; // FULL
  b[1] = 0; // GEN
  if (kind === 'ids') {
    b[18] = 12; // SID_LEN
    b[19] = 0x64; // 'd'
    for (let i = 1; i < 12; i++) b[19 + i] = ID_CHARS.charCodeAt(rnd() % ID_CHARS.length);
    return 19 + 12 + 16;
  }
  b[18] = callerId.length;
  b.write(callerId, 19, 'latin1');
  return 1200;
}

/**
 * Makes `b` (from template()) the next datagram: new random header fields and, for `ids`, a new id;
 * a few bytes only, so the flooder spends its time in send(), as a C flooder would.
 */
function vary(kind: FloodKind, b: Buffer, rnd: () => number): void {
  if (kind === 'junk') {
    b.writeUInt32BE(rnd(), 0);
    b.writeUInt32BE(rnd(), 16);
    return;
  }
  b.writeUInt32BE((rnd() | 1) >>> 0, 2); // EPOCH, never 0
  b.writeUInt32BE(rnd() >>> 1, 6); // COUNTER < COUNTER_LIMIT
  b.writeUInt32BE(rnd(), 10); // BOOT
  if (kind === 'ids') {
    const r = rnd();
    for (let i = 0; i < 6; i++) b[20 + i] = ID_CHARS.charCodeAt(((r >>> (i * 5)) & 31) + 4); // 'e'-'9': 32 of the 36
  }
}

async function serveFlooder(n: number): Promise<void> {
  const socks: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    s.on('error', () => undefined);
    await new Promise<void>((res) => s.bind(0, `127.1.${(i >> 8) & 255}.${(i & 255) + 1}`, () => res()));
    socks.push(s);
  }
  const rnd = xorshift(0x9e3779b9 ^ process.pid);
  const ring = Array.from({ length: 2048 }, () => Buffer.alloc(1200));
  process.on('message', (o: FloodOptions) => void runFlood(o, socks, ring, rnd));
  process.send?.({ ready: true });
}

async function runFlood(o: FloodOptions, socks: Socket[], ring: Buffer[], rnd: () => number): Promise<void> {
  const n = socks.length;
  const lens = ring.map((b) => template(o.kind, b, rnd, o.callerId ?? 'caller'));
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  let sent = 0;
  let k = 0;
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    const due = Math.floor(((now - t0) * o.rate) / 1000);
    for (let budget = Math.min(due - sent, 2000); budget > 0; budget--, sent++) {
      const i = k++ & 2047;
      vary(o.kind, ring[i]!, rnd);
      socks[sent % n]!.send(ring[i]!, 0, lens[i]!, o.port, '127.0.0.1');
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  process.send?.({ sent, seconds: (performance.now() - t0) / 1000 });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const watchdog = setTimeout(() => process.exit(3), 600_000);
  watchdog.unref();
  process.once('disconnect', () => process.exit(0));
  if (process.argv[2] === '--serve-hub') await serveHub(JSON.parse(process.argv[3]!));
  else if (process.argv[2] === '--flood') await serveFlooder(Number(process.argv[3]));
}
