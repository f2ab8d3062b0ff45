/**
 * The systems bench/scale.ts loads, each in its own process on a free loopback port, and what it
 * reads of them from /proc:
 *
 * - the Saltwire hub a user runs: `saltwire hub` (src/cli/main.ts under tsx) with its defaults, a
 *   fresh state directory, the site key in SALTWIRE_SITE_KEY; HUB_ARGS adds hub flags (e.g. --metrics HOST:PORT), HUB_NODE_ARGS node flags (e.g.
 *   "--cpu-prof --cpu-prof-dir=/tmp/prof"); its stderr log (one line per first contact) goes to a file;
 * - mosquitto with its defaults on a plain TCP listener, and on a TLS listener with a self-signed CA
 *   and server certificate made by openssl in the run's temp directory.
 *
 * CPU is utime + stime of /proc/PID/stat (clock ticks, 100 per second here), RSS is VmRSS of
 * /proc/PID/status: the same reading for every system, whatever it is written in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeServerCerts } from '../peers/certs.js';
import { findMosquitto } from '../peers/mosquitto.js';
import { freeTcpPort, sleep, waitForTcp } from '../peers/util.js';

export type SystemName = 'saltwire' | 'mosquitto' | 'mosquitto-tls' | 'udp-recv' | 'udp-echo' | 'udp-relay';

export interface Server {
  readonly system: SystemName;
  readonly pid: number;
  readonly port: number;
  /** PEM of the CA that signed the TLS broker's certificate (mosquitto-tls only). */
  readonly ca?: string;
  stop(): Promise<void>;
}

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const TICKS_PER_S = 100; // getconf CLK_TCK on Linux

/** CPU time of a process so far, user + system, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_S; // utime (14), stime (15)
}

/** VmRSS of a process, bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) * 1024;
}

function track(child: ChildProcess, what: string, cleanup: () => void): () => Promise<void> {
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      process.removeListener('exit', kill);
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        console.error(`${what}: no exit 5 s after SIGTERM, killed`);
        kill();
      }, 5000);
      await exited;
      clearTimeout(t);
      cleanup();
    })());
}

/**
 * The port of a child that prints `listening HOST:PORT` on its stdout (the hub, udp-floor.ts), or
 * an error naming `what` (and `detail()`, a log's tail) if it exits first or says nothing in 20 s.
 */
export function listeningPort(child: ChildProcess, what: string, detail: () => string = () => ''): Promise<number> {
  return new Promise<number>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`${what}: no "listening" line in 20 s ${detail()}`)), 20_000);
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /listening [\d.]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(t);
        res(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`${what} exited (${code}) ${detail()}`));
    });
  });
}

/** Where the hub is compiled to (inside the checkout, so node_modules resolve; .scratch is ignored by git). */
const BUILD = join(ROOT, '.scratch/scale-build');

/**
 * Compiles src/ to JavaScript as `npm run build` does, into BUILD (incremental: quick when nothing
 * changed), so the hub runs as a user's `saltwire hub` does: plain node, no TypeScript loader in
 * its memory or its CPU.
 */
export function buildHub(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', BUILD, '--incremental', '--tsBuildInfoFile', join(BUILD, 'tsbuildinfo')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc: ${r.stdout}${r.stderr}`);
}

/** `saltwire hub --listen 127.0.0.1:0` with the defaults; resolves when it prints its address. */
export async function startSaltwireHub(siteHex: string): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-scale-hub-'));
  const logPath = process.env['HUB_LOG'] ?? join(dir, 'hub.log'); // HUB_LOG: keep the hub's log (diagnostics)
  const log = openSync(logPath, 'w');
  const extra = process.env['HUB_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
  const args = process.env['HUB_ARGS']?.split(' ').filter(Boolean) ?? []; // e.g. HUB_ARGS="--metrics 127.0.0.1:9464"
  const child = spawn(process.execPath, [...extra, join(BUILD, 'src/cli/main.js'), 'hub', '--listen', '127.0.0.1:0', '--state', join(dir, 'state'), ...args], {
    env: { ...process.env, SALTWIRE_SITE_KEY: siteHex },
    stdio: ['ignore', 'pipe', log],
  });
  const stop = track(child, 'saltwire hub', () => rmSync(dir, { recursive: true, force: true }));
  const port = await listeningPort(child, 'saltwire hub', () => `log ${logPath}: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
  return { system: 'saltwire', pid: child.pid!, port, stop };
}


/** mosquitto on a free port with a config of its own: defaults, plus a TLS listener when `tls`. */
export async function startMosquittoFor(tls: boolean): Promise<Server> {
  const bin = findMosquitto();
  if (bin === undefined) throw new Error('mosquitto binary not found');
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-scale-mosq-'));
  const port = await freeTcpPort();
  const certs = tls ? makeServerCerts(dir, 'scale-bench-ca') : undefined;
  const conf = [
    '# generated by bench/scale/servers.ts: mosquitto defaults, one loopback listener, anonymous clients',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'sys_interval 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    ...(certs === undefined ? [] : [`cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`]),
  ];
  writeFileSync(join(dir, 'mosquitto.conf'), conf.join('\n') + '\n');
  // its log to a file: devices closed without a TLS close_notify are an error line each there
  const logPath = join(dir, 'mosquitto.log');
  const child = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', openSync(logPath, 'w')] });
  const stop = track(child, 'mosquitto', () => rmSync(dir, { recursive: true, force: true }));
  const exited = (): Error | undefined => (child.exitCode !== null ? new Error(`mosquitto exited (${child.exitCode}) on port ${port}: ${readFileSync(logPath, 'utf8').slice(-1500)}`) : undefined);
  await waitForTcp(port, 5000, '127.0.0.1', exited);
  await sleep(100);
  const e = exited();
  if (e !== undefined) throw e;
  const ca = certs === undefined ? undefined : readFileSync(certs.ca, 'utf8');
  return { system: tls ? 'mosquitto-tls' : 'mosquitto', pid: child.pid!, port, ...(ca !== undefined && { ca }), stop };
}

/**
 * The raw UDP floor (udp-floor.ts): a plain node:dgram socket that only receives, or echoes
 * (bench/idle.ts), or relays publications to the sink and echoes keepalives (bench/scale.ts).
 */
export async function startUdpFloor(mode: 'recv' | 'echo' | 'publish-relay'): Promise<Server> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'bench/scale/udp-floor.ts'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = track(child, `udp-floor ${mode}`, () => undefined);
  const port = await listeningPort(child, `udp-floor ${mode}`);
  return { system: mode === 'recv' ? 'udp-recv' : mode === 'echo' ? 'udp-echo' : 'udp-relay', pid: child.pid!, port, stop };
}

export function startServer(system: SystemName, siteHex: string): Promise<Server> {
  if (system === 'udp-recv' || system === 'udp-echo') return startUdpFloor(system === 'udp-recv' ? 'recv' : 'echo');
  if (system === 'udp-relay') return startUdpFloor('publish-relay');
  return system === 'saltwire' ? startSaltwireHub(siteHex) : startMosquittoFor(system === 'mosquitto-tls');
}
