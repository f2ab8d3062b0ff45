/**
 * The processes of the freeze benchmark (bench/freeze.ts) and of its CI version
 * (test/peer/freeze-udp.test.ts), issue 14 item 1:
 *
 * - the hub: the `saltwire hub` command, spawned with tsx; SIGSTOP/SIGCONT freeze and thaw it, and
 *   its CPU time is read from /proc/PID/stat (Linux);
 * - the device: an SDK Client that publishes `freeze/pub` at QoS 1 every `everyMs` (payload: its
 *   number) and serves `echo`; it records when each publication was made and acknowledged or failed;
 * - the observer: an SDK Client subscribed to `freeze/#` at QoS 1, which records what it receives
 *   and, on request, calls the device's `echo` at a fixed interval with a timeout.
 *
 * The device and the observer are forked with tsx and driven over IPC; each exits when its parent
 * goes away, and after a watchdog of 15 min. Every process started here is in `children`, which
 * killChildren() SIGKILLs (the bench and the test call it on every exit path).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO = resolve(SELF, '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** The watchdog of a device or observer child. */
const CHILD_LIFETIME_MS = 900_000;

export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Every process started here that may still run. */
const children = new Set<ChildProcess>();
const track = (c: ChildProcess): ChildProcess => {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
};

/** SIGKILLs every process started here (a stopped hub too: SIGKILL needs no SIGCONT). */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

export interface CliHub {
  readonly pid: number;
  readonly port: number;
  signal(s: 'SIGSTOP' | 'SIGCONT'): void;
  /** User + system CPU time so far, ms (10 ms resolution: clock ticks). */
  cpuMs(): number;
  kill(): Promise<void>;
}

/**
 * A UDP port on 127.0.0.1 that was free a moment ago (bound and closed): lets the hub start beside
 * the clients that will send to it. Another process could take it meanwhile; the hub then fails to start.
 */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The `saltwire hub` command on 127.0.0.1:`port` (0: any); resolves once it prints `listening`. */
export async function startCliHub(siteHex: string, stateDir: string, port = 0): Promise<CliHub> {
  const main = join(REPO, 'src/cli/main.ts');
  const child = track(
    spawn(process.execPath, ['--import', TSX, main, 'hub', '--listen', `127.0.0.1:${port}`, '--site', siteHex, '--state', stateDir], {
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  let err = '';
  // drained to the end: a hub blocked on a full stdout pipe would be a freeze of its own
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
  const bound = await new Promise<number>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`hub not listening after 20 s: ${out} ${err}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      if (out.length > 4000) return;
      out += s;
      const m = /listening [^\s]*:(\d+)/.exec(out);
      if (m !== null) (clearTimeout(t), res(Number(m[1])));
    });
    child.once('exit', (code) => (clearTimeout(t), rej(new Error(`hub exited ${code}: ${err}`))));
  });
  const pid = child.pid!;
  return {
    pid,
    port: bound,
    signal: (s) => void child.kill(s),
    cpuMs: () => procCpuMs(pid),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** utime + stime of `pid` from /proc/PID/stat, ms (assumes USER_HZ = 100, as on every Linux build). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10; // fields 14 and 15 of proc(5)
}

export interface ChildSpec {
  readonly siteHex: string;
  readonly id: string;
  readonly stateDir: string;
  /** Where the child sends its hub: the relay. */
  readonly hub: { readonly host: string; readonly port: number };
}

/** [n, sentAt, ackAt or null, error name or null]; times are wall-clock ms (wallNow). */
export type PubRecord = [number, number, number | null, string | null];
/** [startedAt, answeredAt or null, error name or null]. */
export type CallRecord = [number, number | null, string | null];

export interface Child {
  request<T>(cmd: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

async function startChild(role: 'device' | 'observer', spec: ChildSpec): Promise<Child> {
  const child = track(fork(SELF, [`--${role}`, JSON.stringify(spec)], { execArgv: ['--import', TSX], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const next = <T>(what: string): Promise<T> =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`${role}: no ${what} in 30 s`)), 30_000);
      const onExit = (code: number | null): void => (clearTimeout(t), rej(new Error(`${role} exited (${code}) before ${what}`)));
      child.once('exit', onExit);
      child.once('message', (m) => {
        clearTimeout(t);
        child.off('exit', onExit);
        res(m as T);
      });
    });
  const ready = next<{ ready?: boolean; error?: string }>('ready');
  const r = await ready;
  if (r.ready !== true) throw new Error(`${role} failed to start: ${r.error}`);
  return {
    request<T>(cmd: Record<string, unknown>): Promise<T> {
      const answer = next<T>(String(cmd['cmd']));
      child.send(cmd);
      return answer;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export const startDevice = (spec: ChildSpec): Promise<Child> => startChild('device', spec);
export const startObserver = (spec: ChildSpec): Promise<Child> => startChild('observer', spec);

// ---- the children ----

async function client(spec: ChildSpec) {
  const { Client, deriveDeviceKey, fromHex, PairKeyring, startNode } = await import('../src/index.js');
  const { defaultCryptoSuite } = await import('../src/node/crypto.js');
  const suite = defaultCryptoSuite();
  const node = await startNode({
    id: spec.id,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, fromHex(spec.siteHex), spec.id, 0)),
    listen: { host: '127.0.0.1' },
    stateDir: spec.stateDir,
    provisioning: true,
    suite,
    peers: [{ id: 'hub', address: spec.hub }],
  });
  const c = await Client.start(node, { hub: 'hub' });
  await c.ready({ timeoutMs: 10_000 });
  return c;
}

async function serveDevice(spec: ChildSpec): Promise<void> {
  const c = await client(spec);
  c.serve('echo', (p) => p);
  const pubs: PubRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  const publish = (): void => {
    const rec: PubRecord = [pubs.length, wallNow(), null, null];
    pubs.push(rec);
    // a deadline beyond any scenario: a publication made during the outage waits for the hub
    c.publish('freeze/pub', String(rec[0]), { qos: 1, deadlineMs: 600_000 }).then(
      () => void (rec[2] = wallNow()),
      (e: Error) => void ((rec[2] = null), (rec[3] = e.name)),
    );
  };
  process.on('message', (m: { cmd: string; everyMs?: number }) => {
    if (m.cmd === 'publish') {
      clearInterval(timer);
      timer = setInterval(publish, m.everyMs ?? 200);
      process.send?.({ ok: true });
    } else if (m.cmd === 'stop') {
      clearInterval(timer);
      process.send?.({ ok: true });
    } else if (m.cmd === 'report') process.send?.({ pubs });
  });
  process.send?.({ ready: true });
}

async function serveObserver(spec: ChildSpec): Promise<void> {
  const c = await client(spec);
  const received: Array<[number, number]> = [];
  const sub = c.subscribe('freeze/#', { qos: 1 }, (p) => void received.push([Number(p.text()), wallNow()]));
  await sub.granted;
  const calls: CallRecord[] = [];
  process.on('message', (m: { cmd: string; peer?: string; count?: number; everyMs?: number; timeoutMs?: number }) => {
    if (m.cmd === 'calls') {
      // `count` calls, one every `everyMs`, each with its own timeout: bounded in number and time
      for (let i = 0; i < (m.count ?? 1); i++) {
        setTimeout(() => {
          const rec: CallRecord = [wallNow(), null, null];
          calls.push(rec);
          c.call(m.peer ?? 'dev', 'echo', i, { timeout: m.timeoutMs ?? 1000 }).then(
            () => void (rec[1] = wallNow()),
            (e: Error) => void (rec[2] = e.name),
          );
        }, i * (m.everyMs ?? 250));
      }
      process.send?.({ ok: true });
    } else if (m.cmd === 'report') process.send?.({ received, calls });
  });
  process.send?.({ ready: true });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  const watchdog = setTimeout(() => process.exit(3), CHILD_LIFETIME_MS);
  watchdog.unref();
  process.once('disconnect', () => process.exit(0));
  const [role, json] = [process.argv[2], process.argv[3]!];
  const run = role === '--device' ? serveDevice : role === '--observer' ? serveObserver : undefined;
  if (run === undefined) process.exit(2);
  run(JSON.parse(json) as ChildSpec).catch((e: Error) => {
    process.send?.({ error: `${e.name}: ${e.message}` });
    process.exit(1);
  });
}
