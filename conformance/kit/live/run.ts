/**
 * Live mode of the kit (`saltwire conformance live`): against a running implementation at
 * udp://HOST:PORT, the runner plays the other side (side.ts) and runs the checks of checks.ts, each
 * tagged with spec ids. A check passes, fails, is unsupported (the target lacks what it needs: a
 * restart command, the site key, the live application) or, when every id it cites is a SHOULD by
 * the spec's text, fails as NON-STRICT: a warning, and a failure under --strict.
 * @module
 */
import { execFile } from 'node:child_process';
import { levelOf as textLevel, type Requirement } from '../spec-text.js';
import { CHECKS, type Check, type Ctx } from './checks.js';
import { Side, type LiveTarget } from './side.js';

export type LiveStatus = 'pass' | 'fail' | 'unsupported' | 'nonstrict';

export interface LiveResult {
  readonly name: string;
  readonly comment: string;
  readonly refs: readonly string[];
  readonly level: 'MUST' | 'SHOULD';
  readonly status: LiveStatus;
  readonly detail?: string;
  readonly ms: number;
}

export interface LiveOptions extends LiveTarget {
  /** Shell command that restarts the target and returns once it runs again (restart checks need it). */
  readonly restartCommand?: string;
  /** Shell command that prints the target's drop counters as one JSON object {REASON: count}. */
  readonly dropsCommand?: string;
  readonly strict?: boolean;
  /** How long the target has to carry traffic again after a restart (default 10 s). */
  readonly restartRecoveryMs?: number;
  /** Only the checks with these names. */
  readonly only?: readonly string[];
  readonly progress?: (r: LiveResult) => void;
}

export interface LiveReport {
  readonly target: string;
  readonly role: 'hub' | 'device';
  readonly ms: number;
  readonly results: LiveResult[];
  /** 0 pass (NON-STRICT warnings allowed), 1 a failure, 127 nothing could run. */
  readonly exitCode: number;
}

/**
 * A check's level, from the spec's text: SHOULD when every id it cites is a SHOULD, else MUST. A check of one sentence of a requirement that says more (a
 * sender SHOULD, a receiver MUST) names that sentence (`sentence`, a part of it): its keyword decides.
 */
export function levelOf(refs: readonly string[], reqs: ReadonlyMap<string, Requirement>, sentence?: string): 'MUST' | 'SHOULD' {
  const level = (id: string): string => {
    const text = reqs.get(id)?.text ?? '';
    const s = sentence === undefined ? undefined : text.split(/(?<=\.)\s+/).find((x) => x.includes(sentence));
    return s === undefined ? (reqs.get(id)?.level ?? '') : textLevel(s);
  };
  return refs.length > 0 && refs.every((r) => level(r) === 'SHOULD') ? 'SHOULD' : 'MUST';
}

export async function runLive(o: LiveOptions, reqs: ReadonlyMap<string, Requirement>): Promise<LiveReport> {
  const t0 = performance.now();
  const results: LiveResult[] = [];
  const side = await Side.start(o);
  const ctx: Ctx = {
    side,
    o,
    shared: new Map(),
    drops: o.dropsCommand === undefined ? undefined : () => readDrops(o.dropsCommand!),
    restarts: [],
    restart:
      o.restartCommand === undefined
        ? undefined
        : async () => {
            const from = performance.now();
            await shell(o.restartCommand!, 30_000);
            ctx.restarts.push({ from, to: performance.now() });
          },
  };
  try {
    for (const c of CHECKS) {
      if (o.only !== undefined && !o.only.includes(c.name)) continue;
      if (!c.roles.includes(o.role)) continue;
      // nothing else can pass once first contact failed: not run, rather than each timing out
      const r = results[0]?.name === 'first-contact' && results[0].status === 'fail'
        ? { name: c.name, comment: c.comment, refs: c.refs, level: levelOf(c.refs, reqs, c.sentence), status: 'unsupported' as const, detail: 'not run: first contact failed', ms: 0 }
        : await runCheck(c, ctx, reqs, o.strict === true);
      results.push(r);
      o.progress?.(r);
    }
  } finally {
    await side.close();
  }
  const ran = results.filter((r) => r.status !== 'unsupported').length;
  const exitCode = results.some((r) => r.status === 'fail') ? 1 : ran === 0 ? 127 : 0;
  return { target: `udp://${o.address.host}:${o.address.port}`, role: o.role, ms: Math.round(performance.now() - t0), results, exitCode };
}

async function runCheck(c: Check, ctx: Ctx, reqs: ReadonlyMap<string, Requirement>, strict: boolean): Promise<LiveResult> {
  const t = performance.now();
  const level = levelOf(c.refs, reqs, c.sentence);
  let out: Awaited<ReturnType<Check['run']>>;
  try {
    out = await withTimeout(c.run(ctx), c.timeoutMs ?? 20_000, c.name);
  } catch (e) {
    out = `error: ${(e as Error).message}`;
  }
  const base = { name: c.name, comment: c.comment, refs: c.refs, level, ms: Math.round(performance.now() - t) };
  if (out === undefined) return { ...base, status: 'pass' };
  if (typeof out === 'object') return { ...base, status: 'unsupported', detail: out.unsupported };
  return { ...base, status: level === 'SHOULD' && !strict ? 'nonstrict' : 'fail', detail: out };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no verdict within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e as Error)),
    );
  });
}

/** Runs `sh -c command`; resolves with its stdout, rejects on a non-zero exit or after `ms`. */
export function shell(command: string, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout: ms }, (err, stdout, stderr) => (err ? reject(new Error(`${command}: ${err.message} ${stderr.slice(-300)}`)) : resolve(stdout)));
  });
}

async function readDrops(command: string): Promise<Record<string, number>> {
  const text = await shell(command, 5000);
  const v = JSON.parse(text.trim() || '{}') as unknown;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`the drops command printed ${text.slice(0, 100)}, not a JSON object`);
  return v as Record<string, number>;
}
