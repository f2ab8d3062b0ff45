/**
 * Runs one scenario against a target command: binds the runner's sockets, makes the actors, starts
 * the target with its configuration, performs the steps in order and checks the expectations, then
 * checks the invariants every run must keep (no traffic key and counter sealed twice, a higher epoch
 * after every restart). The first MUST expectation that fails ends the scenario (later steps may
 * depend on it); a SHOULD miss is a warning and the scenario goes on. Whatever happens, the target's
 * process group is killed, the sockets closed and the state directory removed.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveDeviceKey, fromHex, toHex, tweetnaclSuite } from '../../src/core.js';
import { check, describe, type ExpectContext } from './expect.js';
import { junk } from './junk.js';
import { Log, now, sleepUntil, Sockets, type Address } from './observe.js';
import { Actor, ScriptError } from './peer.js';
import type { Action, Duration, LoadedScenario, Step } from './scenario.js';
import { TargetProcess, type TargetConfig } from './target.js';

export interface RunOptions {
  /** Shell command that starts the target. */
  readonly command: string;
  /** Address the runner's sockets bind to, and that the target is told to reach them at. */
  readonly bindHost: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** SHOULD misses fail the scenario too. */
  readonly strict?: boolean;
  /** Bound on each wait for the target's "listening" line. */
  readonly startTimeoutMs?: number;
  /** Called with a line for every step and datagram (debugging a target). */
  readonly trace?: (line: string) => void;
}

export interface Outcome {
  readonly name: string;
  readonly comment: string;
  readonly status: 'pass' | 'fail' | 'unsupported';
  /** MUST misses (and SHOULD misses with strict), each naming the step and the requirement ids. */
  readonly failures: readonly string[];
  readonly warnings: readonly string[];
  readonly reason?: string;
  readonly ms: number;
  /** The traffic and events of a failed scenario, for the report. */
  readonly trace: readonly string[];
}

/** Implementation constants of spec 20.2 (the SDK's values), unless the target declares its own. */
export const DEFAULT_CONSTANTS: Readonly<Record<string, number>> = {
  VALIDATION_TIMEOUT: 5000,
  CHALLENGE_RETRY: 1000,
  INDEX_REPEAT_INTERVAL: 1000,
};

class Unsupported extends Error {}

export async function runScenario(ls: LoadedScenario, o: RunOptions): Promise<Outcome> {
  const s = ls.scenario;
  const t0 = now();
  const failures: string[] = [];
  const warnings: string[] = [];
  const log = new Log();
  const targetId = s.target.id;
  const actors = new Map(s.actors.map((a) => [a.name, new Actor(a, Actor.keyFor(a, s.target.keys, targetId, ls.group.siteKey, ls.group.foreignSiteKey), targetId)]));
  let run = 0;
  let target: TargetProcess | undefined;
  let sockets: Sockets | undefined;
  const stateDir = await mkdtemp(join(tmpdir(), 'saltwire-conformance-'));
  const trace = o.trace ?? (() => undefined);
  const result = (status: Outcome['status'], reason?: string): Outcome => ({
    name: ls.name,
    comment: s.comment,
    status,
    failures,
    warnings,
    reason,
    ms: now() - t0,
    trace: status === 'fail' ? report(log, t0) : [],
  });
  try {
    sockets = await Sockets.bind(s.sockets, o.bindHost, (socket, bytes, from) => {
      let decoded;
      for (const a of actors.values()) if ((decoded = a.open(bytes)) !== undefined) break;
      const t = { t: now(), socket, bytes, from, run, decoded };
      log.traffic.push(t);
      trace(`  <- ${describe(t, t0)}`);
      log.wake();
    });
    const socks = sockets;
    const config = (port: number): TargetConfig => targetConfig(ls, actors, socks, o.bindHost, stateDir, run === 0, port);
    const start = async (port: number): Promise<TargetProcess> => {
      const p = await TargetProcess.start({ command: o.command, config: config(port), env: o.env, cwd: o.cwd, startTimeoutMs: o.startTimeoutMs ?? 20_000, log, run, trace: o.trace });
      if (p === 'unsupported') throw new Unsupported('the target exited with code 127');
      return p;
    };
    target = await start(0);
    let lastAction = t0;
    const marks = new Map<string, number>([['start', t0]]);
    const records = new Map<string, Uint8Array>();
    const constants = (): Record<string, number> => ({ ...DEFAULT_CONSTANTS, ...target?.constants });
    const ctx: ExpectContext = {
      log,
      sockets,
      actors,
      ref: (since) => (since === undefined || since === 'action' ? lastAction : marks.get(since) ?? lastAction),
      duration: (d) => resolveDuration(d, constants()),
      targetGone: () => target === undefined || !target.alive,
    };
    const targetAddress = (): Address => ({ host: target!.host ?? o.bindHost, port: target!.port });
    const sendFrom = async (socket: string, bytes: Uint8Array): Promise<void> => {
      log.sent.push({ t: now(), socket, bytes: bytes.length });
      await socks.send(socket, bytes, targetAddress());
    };

    for (const [i, step] of s.steps.entries()) {
      if (!target.alive) {
        if (target.exitCode === 127) throw new Unsupported(`the target exited with code 127 before step ${i + 1}`);
        failures.push(`step ${i + 1}: the target exited (code ${String(target.exitCode)}) during the scenario${target.stderr()}`);
        break;
      }
      trace(`  step ${i + 1}: ${JSON.stringify(step)}`);
      if ('expect' in step) {
        const miss = await check(step, ctx);
        if (miss === undefined) continue;
        if (!target.alive && target.exitCode === 127) throw new Unsupported(`the target exited with code 127 at step ${i + 1}`);
        const gone = target.alive ? '' : ` (the target exited with code ${String(target.exitCode)})${target.stderr()}`;
        const line = `step ${i + 1}: ${describeStep(step)}: ${miss}${gone}`;
        if (step.level === 'SHOULD' && o.strict !== true) warnings.push(line);
        else {
          failures.push(line);
          break;
        }
        continue;
      }
      if (step.do !== 'wait' && step.do !== 'mark') lastAction = now();
      try {
        await act(step);
        // A restart's time is the restarted target's start: its "listening" line, or the first datagram
        // or event line of the new process if that came earlier. The seconds a process takes to start
        // (a loaded machine, a board's boot) are not part of an "at once" window after it.
        if (step.do === 'restart') {
          const early = [...log.traffic.filter((x) => x.run === run), ...log.events.filter((x) => x.run === run && x.line['event'] !== 'stdout')];
          lastAction = Math.min(now(), ...early.map((x) => x.t));
        }
      } catch (e) {
        if (e instanceof ScriptError && e.unsupported) throw new Unsupported(`step ${i + 1}: ${e.message}`);
        if (e instanceof ScriptError) {
          failures.push(`step ${i + 1}: ${e.message}`);
          break;
        }
        throw e;
      }
    }
    if (failures.length === 0) failures.push(...invariants(log));
    return result(failures.length === 0 ? 'pass' : 'fail');

    async function act(step: Action): Promise<void> {
      switch (step.do) {
        case 'send': {
          const d = actors.get(step.as)!.seal(step.frames, step.form ?? 'FULL');
          if (step.record !== undefined) records.set(step.record, d);
          if (step.withhold !== true) await sendFrom(step.from, d);
          return;
        }
        case 'replay':
          return sendFrom(step.from, records.get(step.record)!);
        case 'junk':
          for (const kind of step.kinds) {
            await sendFrom(step.from, junk(kind, actors.get(step.as)!, targetId));
            await sleep(5);
          }
          return;
        case 'restart': {
          const port = target!.port;
          await (step.mode === 'kill' ? target!.kill() : target!.stop());
          await sleep(50); // what the old process sent before it died is counted in its run
          run++;
          target = await start(port); // a restarted node keeps its address
          return;
        }
        case 'reboot':
          return actors.get(step.as)!.reboot();
        case 'app-send':
          for (let k = 0; k < (step.count ?? 1); k++) target!.command({ cmd: 'send', to: actors.get(step.to)!.id, text: step.text });
          return;
        case 'wait':
          return sleepUntil(now() + ctx.duration(step.ms));
        case 'mark':
          marks.set(step.name, now());
          return;
      }
    }
  } catch (e) {
    if (e instanceof Unsupported) return result('unsupported', e.message);
    failures.push(`runner: ${(e as Error).message}`);
    return result('fail');
  } finally {
    await target?.stop().catch(() => undefined);
    await sockets?.close().catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The configuration the target receives in SALTWIRE_TARGET_CONFIG (contract: conformance/README.md). */
function targetConfig(ls: LoadedScenario, actors: ReadonlyMap<string, Actor>, sockets: Sockets, host: string, stateDir: string, provisioning: boolean, port: number): TargetConfig {
  const t = ls.scenario.target;
  const peers = t.peers.map((p) => ({ id: actors.get(p.actor)!.id, ...sockets.address(p.socket) }));
  // a device holds DK(its id, 0) for each configured peer: the key the runner's hub derives from the site key
  const deviceKey = toHex(deriveDeviceKey(tweetnaclSuite, fromHex(ls.group.siteKey), t.id, 0));
  const keys = t.keys === 'site' ? { mode: 'site', siteKey: ls.group.siteKey } : { mode: 'pairs', pairKeys: peers.map((p) => ({ peer: p.id, gen: 0, key: deviceKey })) };
  return {
    scenario: ls.name,
    role: t.role,
    id: t.id,
    listen: { host, port },
    stateDir,
    provisioning,
    keys,
    peers,
    liveness: t.liveness,
    ...(t.durablePeerEpochs === undefined ? {} : { durablePeerEpochs: t.durablePeerEpochs }),
  };
}

/**
 * Invariants of every conversation: a traffic key (one epoch and BOOT of the target, [SW-3.5-1]) never
 * seals two datagrams with one counter [SW-4.6-1], and after a restart every datagram carries an epoch
 * above all earlier ones [SW-5.2-2] (the target's storage works in every scenario).
 */
function invariants(log: Log): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const maxEpoch = new Map<number, number>();
  for (const t of log.traffic) {
    const d = t.decoded;
    if (d === undefined) continue;
    const key = `${d.actor}/${d.gen}/${d.epoch}/${d.boot}/${d.counter}`;
    if (seen.has(key)) out.push(`invariant [SW-4.6-1]: two datagrams to ${d.actor} with epoch ${d.epoch}, BOOT ${d.boot} and counter ${d.counter}`);
    seen.add(key);
    maxEpoch.set(t.run, Math.max(maxEpoch.get(t.run) ?? 0, d.epoch));
  }
  for (const t of log.traffic) {
    if (t.decoded === undefined) continue;
    const before = Math.max(0, ...[...maxEpoch].filter(([r]) => r < t.run).map(([, e]) => e));
    if (t.decoded.epoch <= before) out.push(`invariant [SW-5.2-2] [SW-12.2-1]: after restart ${t.run} the target sent epoch ${t.decoded.epoch}, not above ${before}`);
  }
  return [...new Set(out)];
}

export function resolveDuration(d: Duration, constants: Readonly<Record<string, number>>): number {
  if (typeof d === 'number') return d;
  const v = constants[d.const];
  if (v === undefined) throw new Error(`unknown constant ${d.const}`);
  return v + d.plusMs;
}

function describeStep(e: Step): string {
  if (!('expect' in e)) return e.do;
  const { refs, level, ...rest } = e;
  return `${level ?? 'MUST'} ${JSON.stringify(rest)} ${refs.map((r) => `[${r}]`).join(' ')}`;
}

/** The last datagrams and events of a scenario, relative to its start. */
function report(log: Log, t0: number): string[] {
  const all = [
    ...log.traffic.map((t) => ({ t: t.t, s: `<- ${describe(t, t0)}` })),
    ...log.sent.map((x) => ({ t: x.t, s: `-> +${Math.round(x.t - t0)}ms from ${x.socket} ${x.bytes} bytes` })),
    ...log.events.map((e) => ({ t: e.t, s: `   +${Math.round(e.t - t0)}ms event ${JSON.stringify(e.line)}` })),
  ].sort((a, b) => a.t - b.t);
  return all.slice(-30).map((x) => x.s);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
