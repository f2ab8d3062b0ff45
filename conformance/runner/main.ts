/**
 * The conformance runner for the peer layer (spec 9 to 12): plays the other side of scripted
 * conversations with an implementation over real UDP and checks what it does.
 *
 *   npm run conformance:run -- --target "<command>" [--scenarios FILE[#tcId] ...] [FILE ...]
 *        [--bind 127.0.0.1] [--jobs 1] [--strict] [--verbose] [--start-timeout-ms 20000]
 *
 * Prints one line per scenario (PASS, FAIL with the failing expectation, UNSUP), a summary, and exits
 * with 1 if any scenario failed or none could run. The target contract is in conformance/README.md.
 * @module
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runScenario, type Outcome, type RunOptions } from './run.js';
import { defaultScenarioFiles, loadScenarioFile, specIds, type LoadedScenario } from './scenario.js';
import { killAllTargets } from './target.js';

export interface RunAllOptions extends RunOptions {
  /** Scenario files, each optionally with "#tcId" to pick one scenario; default: every shipped file. */
  readonly scenarios?: readonly string[];
  /** Scenarios run at once, each with its own target process and sockets. Default 1. */
  readonly jobs?: number;
  /** Called with each outcome as it completes. */
  readonly onOutcome?: (o: Outcome) => void;
}

/** Loads the selected scenarios (throws on a malformed file before anything runs). */
export function selectScenarios(specs: readonly string[] = []): LoadedScenario[] {
  const ids = specIds();
  const picks = specs.length === 0 ? defaultScenarioFiles() : specs;
  return picks.flatMap((spec) => {
    const [file, tc] = spec.split('#');
    const all = loadScenarioFile(resolve(file!), ids);
    return tc === undefined ? all : all.filter((s) => String(s.scenario.tcId) === tc);
  });
}

/** Runs the scenarios, `jobs` at a time; outcomes in scenario order. */
export async function runAll(o: RunAllOptions): Promise<Outcome[]> {
  const list = selectScenarios(o.scenarios);
  const out: Outcome[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      out[i] = await runScenario(list[i]!, o);
      o.onOutcome?.(out[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs ?? 1, list.length)) }, worker));
  return out;
}

/** The report lines of one outcome. */
export function formatOutcome(o: Outcome, verbose = false): string[] {
  const tag = { pass: 'PASS ', fail: 'FAIL ', unsupported: 'UNSUP' }[o.status];
  const lines = [`${tag} ${o.name.padEnd(22)} ${(o.ms / 1000).toFixed(1).padStart(5)} s  ${o.comment}`];
  if (o.reason !== undefined) lines.push(`      ${o.reason}`);
  for (const f of o.failures) lines.push(`      ${f}`);
  for (const w of o.warnings) lines.push(`      WARN (SHOULD) ${w}`);
  if (o.status === 'fail' || verbose) for (const t of o.trace) lines.push(`        ${t}`);
  return lines;
}

export function summary(outcomes: readonly Outcome[], ms: number): string {
  const n = (s: Outcome['status']): number => outcomes.filter((o) => o.status === s).length;
  const warned = outcomes.filter((o) => o.status === 'pass' && o.warnings.length > 0).length;
  return `summary: ${outcomes.length} scenarios: ${n('pass')} passed (${warned} with SHOULD warnings), ${n('fail')} failed, ${n('unsupported')} unsupported, in ${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const { values: a, positionals } = parseArgs({
    options: {
      target: { type: 'string' },
      scenarios: { type: 'string', multiple: true },
      bind: { type: 'string', default: '127.0.0.1' },
      jobs: { type: 'string', default: '1' },
      strict: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'start-timeout-ms': { type: 'string', default: '20000' },
    },
    allowPositionals: true, // "--scenarios a.json b.json": the files after the first arrive here
    strict: true,
  });
  if (a.target === undefined) {
    console.error('usage: npm run conformance:run -- --target "<command>" [--scenarios FILE[#tcId] ...] [--bind HOST] [--jobs N] [--strict] [--verbose]');
    return 2;
  }
  const t0 = performance.now();
  const outcomes = await runAll({
    command: a.target,
    bindHost: a.bind,
    scenarios: [...(a.scenarios ?? []), ...positionals],
    jobs: Number(a.jobs),
    strict: a.strict,
    startTimeoutMs: Number(a['start-timeout-ms']),
    trace: a.verbose ? (l) => console.log(l) : undefined,
    onOutcome: (o) => console.log(formatOutcome(o, a.verbose).join('\n')),
  });
  console.log(summary(outcomes, performance.now() - t0));
  if (outcomes.some((o) => o.status === 'fail')) return 1;
  if (!outcomes.some((o) => o.status === 'pass')) {
    console.log('no scenario ran: check the target command (exit code 127 means unsupported)');
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  // targets run in their own process groups: an interrupted runner takes them down with it
  process.on('exit', killAllTargets);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error((e as Error).message);
      process.exit(2);
    },
  );
}
