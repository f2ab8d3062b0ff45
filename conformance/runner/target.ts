/**
 * The target process: the implementation under test, started from a shell command with its
 * configuration in the environment variable SALTWIRE_TARGET_CONFIG (a JSON object), speaking JSON
 * lines: events on its stdout, commands on its stdin (the contract is in conformance/README.md,
 * "Runner"). Exit code 127 means "cannot run this scenario" (unsupported, not failed).
 *
 * The command runs in its own process group, so that a kill reaches whatever the command started (a
 * shell, a serial bridge and its children): kill() is SIGKILL to the group, as in a crash; every wait
 * here is bounded.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { now, type Log } from './observe.js';

export const CONFIG_ENV = 'SALTWIRE_TARGET_CONFIG';
export const UNSUPPORTED_EXIT = 127;

export interface TargetConfig {
  readonly [k: string]: unknown;
}

export interface StartOptions {
  readonly command: string;
  readonly config: TargetConfig;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Bound on the wait for the "listening" line. */
  readonly startTimeoutMs: number;
  readonly log: Log;
  /** Counts starts of the target within a scenario; stamped on every event line. */
  readonly run: number;
  /** Called with every line the target prints (debugging). */
  readonly trace?: (line: string) => void;
}

/** Targets still running, so that an interrupted runner leaves no process group behind. */
const live = new Set<TargetProcess>();

/** SIGKILLs every target process group still running (synchronous: usable in an 'exit' handler). */
export function killAllTargets(): void {
  for (const t of live) t.killGroup();
}

export class TargetProcess {
  /** Port and host from the "listening" line (host: the line's, when it gives one). */
  port = 0;
  host: string | undefined;
  /** Implementation constants the target declared in its "listening" line (spec 20.2 names). */
  constants: Readonly<Record<string, number>> = {};
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private stderrTail = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly o: StartOptions,
  ) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      let line: Record<string, unknown>;
      try {
        const v: unknown = JSON.parse(l);
        line = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { event: 'stdout', text: l };
      } catch {
        line = { event: 'stdout', text: l }; // a log line of the target: kept for the report
      }
      o.log.events.push({ t: now(), run: o.run, line });
      o.trace?.(`  target: ${l}`);
      o.log.wake();
    });
    child.stderr!.on('data', (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString()).slice(-4000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE after the target died
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        o.log.wake();
        resolve();
      });
    });
  }

  /**
   * Spawns the command and waits (bounded) for {"event":"listening"}. Resolves with the process, or
   * 'unsupported' if it exited with code 127; throws on any other exit or on the timeout.
   */
  static async start(o: StartOptions): Promise<TargetProcess | 'unsupported'> {
    const child = spawn(o.command, {
      shell: true,
      detached: true, // its own process group: kill() reaches the whole command
      cwd: o.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...o.env, [CONFIG_ENV]: JSON.stringify(o.config) },
    });
    const p = new TargetProcess(child, o);
    const from = o.log.events.length;
    const listening = await o.log.waitFor(
      () => o.log.events.slice(from).find((e) => e.run === o.run && e.line['event'] === 'listening'),
      now() + o.startTimeoutMs,
      () => !p.alive,
    );
    if (listening === undefined) {
      if (p.exitCode === UNSUPPORTED_EXIT) return 'unsupported';
      const why = p.alive ? `no "listening" line within ${o.startTimeoutMs} ms` : `exited (${JSON.stringify(p.exitInfo)}) before "listening"`;
      await p.kill();
      throw new Error(`target ${why}${p.stderr()}`);
    }
    p.port = Number(listening.line['port']);
    const host = listening.line['host'];
    p.host = typeof host === 'string' && host !== '0.0.0.0' && host !== '::' ? host : undefined;
    const c = listening.line['constants'];
    if (typeof c === 'object' && c !== null) p.constants = c as Record<string, number>;
    if (!Number.isInteger(p.port) || p.port <= 0 || p.port > 65535) {
      await p.kill();
      throw new Error(`target announced an invalid port: ${JSON.stringify(listening.line)}`);
    }
    return p;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  get exitCode(): number | null | undefined {
    return this.exitInfo?.code;
  }

  /** Writes one command line; false if the target is gone. */
  command(cmd: Record<string, unknown>): boolean {
    if (!this.alive || this.child.stdin!.destroyed) return false;
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    return true;
  }

  /** SIGKILL to the process group, now; whatever is already gone is ignored. */
  killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      if (this.alive) this.child.kill('SIGKILL'); // no group any more; the child itself may remain
    }
  }

  /** SIGKILL to the process group (a crash: nothing is saved); resolves once the target is gone, bounded. */
  async kill(timeoutMs = 3000): Promise<void> {
    if (this.alive) this.killGroup();
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs))]);
    if (this.alive) throw new Error(`target survived SIGKILL for ${timeoutMs} ms`);
  }

  /** Asks the target to exit ({"cmd":"exit"}, then end of stdin); SIGKILL to the group after the bound. */
  async stop(timeoutMs = 3000): Promise<void> {
    if (this.alive) {
      this.command({ cmd: 'exit' });
      this.child.stdin!.end();
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs))]);
    }
    this.killGroup(); // whatever the command left in its group (a bridge's children) goes too
    await this.kill();
  }

  stderr(): string {
    return this.stderrTail === '' ? '' : `\n--- target stderr (tail):\n${this.stderrTail.slice(-1500)}`;
  }
}
