/**
 * Child-process nodes for the real-UDP tests of the peer layer: spawn test/peer/fixtures/node-proc.ts,
 * read its JSON lines, send it commands, kill -9 it. Every wait is bounded in time and fails with
 * the process's recent output, so a hung scenario is a readable failure rather than a test timeout.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LivenessConfig } from '../../src/peer/liveness.js';
import type { Address } from '../../src/transport/transport.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURE = join(REPO, 'test/peer/fixtures/node-proc.ts');
export const SITE_HEX = '07'.repeat(32);

/** Wall-clock ms comparable with the `t` of the child's lines (same host, same clock). */
export const wallNow = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line of a child's stdout. */
export interface ProcLine {
  readonly event: string;
  readonly t: number;
  readonly [k: string]: unknown;
}

export interface NodeProcOptions {
  readonly role: 'hub' | 'device';
  readonly id: string;
  readonly stateDir: string;
  /** Only for the first start in a fresh state directory [SW-5.2-5]. */
  readonly provisioning?: boolean;
  readonly host?: string;
  /** Default 0: the OS picks; read it from `port`. */
  readonly port?: number;
  /** A configured peer (a device's hub). */
  readonly peer?: { readonly id: string; readonly address: Address };
  readonly liveness?: Partial<LivenessConfig>;
  readonly printDrops?: boolean;
  readonly siteHex?: string;
  /** Append every (key, nonce) this process seals to this file (the fixture's --seal-log). */
  readonly sealLog?: string;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  /** Bound on the wait for the 'listening' line. Default 15 s (tsx compiles on the first start). */
  readonly startTimeoutMs?: number;
}

const FLAGS: ReadonlyArray<[keyof LivenessConfig, string]> = [
  ['keepaliveMs', '--keepalive-ms'],
  ['probeAfterMs', '--probe-after-ms'],
  ['probeIntervalMs', '--probe-interval-ms'],
  ['probeMaxIntervalMs', '--probe-max-interval-ms'],
  ['unreachableAfterMs', '--unreachable-after-ms'],
  ['recoveryIntervalMs', '--recovery-interval-ms'],
];

export function nodeArgs(o: NodeProcOptions): string[] {
  const args = ['--role', o.role, '--id', o.id, '--state', o.stateDir, '--site', o.siteHex ?? SITE_HEX];
  args.push('--host', o.host ?? '127.0.0.1', '--port', String(o.port ?? 0));
  if (o.provisioning === true) args.push('--provisioning');
  if (o.printDrops === true) args.push('--print-drops');
  if (o.sealLog !== undefined) args.push('--seal-log', o.sealLog);
  if (o.peer !== undefined) args.push('--peer-id', o.peer.id, '--peer-host', o.peer.address.host, '--peer-port', String(o.peer.address.port));
  for (const [k, flag] of FLAGS) {
    const v = o.liveness?.[k];
    if (v !== undefined) args.push(flag, String(v));
  }
  return args;
}

/** Every process spawned here, so that cleanup can kill what a failed test left behind. */
const live = new Set<NodeProc>();

export class NodeProc {
  readonly lines: ProcLine[] = [];
  private stderrText = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private readonly waiters = new Set<() => void>();
  /** Port, host and epoch from the 'listening' line (set by spawnNode before it returns). */
  port = 0;
  host = '';
  epoch = 0;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    live.add(this);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      let parsed: ProcLine;
      try {
        parsed = JSON.parse(l) as ProcLine;
      } catch {
        parsed = { event: 'stdout', t: wallNow(), text: l };
      }
      this.lines.push(parsed);
      this.wake();
    });
    child.stderr!.on('data', (b: Buffer) => {
      // keep the tail only: the stderr of a long run is bounded here
      this.stderrText = (this.stderrText + b.toString()).slice(-8000);
    });
    this.exited = new Promise((res) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        this.wake();
        res();
      });
    });
    child.stdin!.on('error', () => undefined); // EPIPE after a kill: the process is gone, nothing to do
  }

  get address(): Address {
    return { host: this.host, port: this.port };
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Lines with this event (and matching `pred`), from line index `from` on. */
  events(event: string, pred: (l: ProcLine) => boolean = () => true, from = 0): ProcLine[] {
    return this.lines.slice(from).filter((l) => l.event === event && pred(l));
  }

  /** Index of the next line to arrive: pass it to waitFor to ignore what came before. */
  mark(): number {
    return this.lines.length;
  }

  /**
   * The first line from index `from` with this event that satisfies `pred`; rejects after
   * `timeoutMs` or when the process exits first, with the recent output in the message.
   */
  waitFor(event: string, pred: (l: ProcLine) => boolean = () => true, timeoutMs = 5000, from = 0): Promise<ProcLine> {
    return this.waitLine((l) => l.event === event && pred(l), `'${event}'`, timeoutMs, from);
  }

  /** The first line from index `from` that satisfies `pred`; bounded like waitFor. */
  waitLine(pred: (l: ProcLine) => boolean, what: string, timeoutMs = 5000, from = 0): Promise<ProcLine> {
    return new Promise((resolvePromise, reject) => {
      let i = from;
      const check = (): boolean => {
        for (; i < this.lines.length; i++) {
          const l = this.lines[i]!;
          if (pred(l)) {
            done();
            resolvePromise(l);
            return true;
          }
        }
        if (this.exitInfo !== undefined) {
          done();
          reject(new Error(`${this.name} exited (${JSON.stringify(this.exitInfo)}) before ${what}\n${this.tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${what} line within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      if (!check()) this.waiters.add(check);
    });
  }

  /** Writes one command line. */
  send(cmd: Record<string, unknown>): void {
    if (!this.alive) throw new Error(`${this.name} is not running`);
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  }

  private tag = 0;
  /** Sends a command and waits (bounded) for its reply, matched by a fresh tag. */
  async request(cmd: Record<string, unknown>, reply: string, timeoutMs = 5000): Promise<ProcLine> {
    const tag = `${this.name}-${++this.tag}`;
    const from = this.mark();
    this.send({ ...cmd, tag });
    const r = await this.waitLine((l) => l['tag'] === tag && (l.event === reply || l.event === 'error'), `'${reply}' (${tag})`, timeoutMs, from);
    if (r.event === 'error') throw new Error(`${this.name}: ${JSON.stringify(cmd)} failed: ${JSON.stringify(r)}`);
    return r;
  }

  /** node.send() in the child; resolves to its return value (false: not sent now, see SaltwireNode.send). */
  async sendText(to: string, text: string): Promise<boolean> {
    return (await this.request({ cmd: 'send', to, text }, 'sent'))['ok'] === true;
  }

  /** A reliable send in the child: resolves once the peer acknowledged it (throws if it failed). */
  async sendReliable(to: string, text: string, timeoutMs = 12_000): Promise<void> {
    await this.request({ cmd: 'send', to, text, reliable: true }, 'sent', timeoutMs);
  }

  async stats(): Promise<ChildStats> {
    return (await this.request({ cmd: 'stats' }, 'stats')) as unknown as ChildStats;
  }

  /** Texts of the messages this process delivered, in order. */
  texts(from?: string): string[] {
    return this.events('message', (l) => from === undefined || l['from'] === from).map((l) => String(l['text']));
  }

  /** SIGKILL: the process loses everything not yet on disk, as in a crash. Resolves once it is gone. */
  async kill9(timeoutMs = 5000): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await Promise.race([this.exited, sleep(timeoutMs)]);
    if (this.alive) throw new Error(`${this.name} survived SIGKILL for ${timeoutMs} ms`);
  }

  /** Asks the node to close (saving its remembered peers) and waits for the exit; SIGKILL after the bound. */
  async exit(timeoutMs = 3000): Promise<void> {
    if (!this.alive) return;
    try {
      this.send({ cmd: 'exit' });
    } catch {
      // gone meanwhile
    }
    await Promise.race([this.exited, sleep(timeoutMs)]);
    await this.kill9();
  }

  tail(n = 15): string {
    const out = this.lines.slice(-n).map((l) => JSON.stringify(l));
    return `--- last ${out.length} lines of ${this.name}:\n${out.join('\n')}\n--- stderr:\n${this.stderrText.slice(-2000)}`;
  }
}

export interface ChildStats extends ProcLine {
  readonly drops: Record<string, number>;
  readonly sent: { datagrams: number; bytes: number; amplificationLimited: number; transportErrors: number; sealFailures: number };
  readonly received: number;
  readonly unverified: number;
  readonly peerLimit: number;
  readonly peers: number;
  readonly transport: { datagramsReceived: number; datagramsSent: number; bytesReceived: number; bytesSent: number };
}

export const totalDrops = (s: { drops: Record<string, number> }): number => Object.values(s.drops).reduce((x, y) => x + y, 0);

/** Spawns a node process and waits (bounded) for its 'listening' line. */
export async function spawnNode(o: NodeProcOptions): Promise<NodeProc> {
  const node = [process.execPath, '--import', 'tsx', FIXTURE, ...nodeArgs(o)];
  const [cmd, ...args] = o.netns === undefined ? node : ['ip', 'netns', 'exec', o.netns, ...node];
  // `ip netns exec` execs the command in place: the pid stays the node's, so kill -9 reaches it.
  const child = spawn(cmd!, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const p = new NodeProc(child, `${o.id}[${child.pid ?? '?'}]`);
  try {
    const l = await p.waitLine((x) => x.event === 'listening' || x.event === 'fatal', "'listening'", o.startTimeoutMs ?? 15_000);
    if (l.event === 'fatal') throw new Error(`${p.name} failed to start: ${JSON.stringify(l)}`);
    p.port = Number(l['port']);
    p.host = String(l['host']);
    p.epoch = Number(l['epoch']);
    return p;
  } catch (e) {
    await p.kill9().catch(() => undefined);
    throw e;
  }
}

/** SIGKILLs every process spawned here that is still running (afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill9().catch(() => undefined)));
}

/** Temporary directories, removed by removeTempDirs (afterEach). */
const dirs: string[] = [];
export async function tempDir(prefix = 'saltwire-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Polls `cond` every `stepMs` until it holds or `timeoutMs` passes; returns its last value. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, stepMs = 10): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (performance.now() >= end) return false;
    await sleep(stepMs);
  }
}

/** The remembered peers a node saved in its state directory (spec 12.2), or [] if none yet. */
export async function rememberedPeers(stateDir: string): Promise<Array<[string, string, number]>> {
  try {
    const rows: unknown = JSON.parse(await readFile(join(stateDir, 'peers'), 'utf8'));
    return Array.isArray(rows) ? (rows as Array<[string, string, number]>) : [];
  } catch {
    return [];
  }
}
