/**
 * `saltwire conformance vectors`: the kit's command line, called by src/cli/commands/conformance.ts
 * (which stays thin: the kit lives in conformance/, next to the vectors it runs).
 */
import { writeFileSync } from 'node:fs';
import { COVERAGE_FLOOR, coverageLines, measureCoverage } from './coverage.js';
import { htmlReport, jsonReport, junitReport, summaryLines } from './report.js';
import { runProperties } from './property.js';
import { readRequirements } from './spec-text.js';
import { runVectors } from './vectors.js';
import { runLiveMode } from './live/cli.js';

export interface KitArgs {
  mode: string;
  adapter: string | undefined;
  json: string | undefined;
  junit: string | undefined;
  html?: string | undefined;
  vectors: string | undefined;
  files: string[] | undefined;
  timeoutMs: number | undefined;
  verbose: boolean;
  /** coverage: the floor in percent of MUST statements (default COVERAGE_FLOOR). */
  floor?: number | undefined;
  /** property: runs per property, the seed, where counterexamples go. */
  runs?: number | undefined;
  seed?: number | undefined;
  out?: string | undefined;
  /** live: the target, its role and keys, the runner's id, commands; all modes: SHOULD misses fail. */
  target?: string | undefined;
  role?: string | undefined;
  keyFile?: string | undefined;
  siteFile?: string | undefined;
  id?: string | undefined;
  targetId?: string | undefined;
  listen?: string | undefined;
  restartCommand?: string | undefined;
  dropsCommand?: string | undefined;
  strict?: boolean;
}

export interface KitIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs a mode; resolves with the exit code (0 pass, 1 a failure or a usage error, 127 nothing supported). */
export async function runKit(a: KitArgs, io: KitIo): Promise<number> {
  if (a.mode === 'coverage') {
    const c = measureCoverage();
    for (const l of coverageLines(c, a.verbose)) io.out(l);
    if (a.json !== undefined) writeFileSync(a.json, `${JSON.stringify({ schema: 'saltwire_spec_coverage_v1', ...c }, null, 1)}\n`);
    return c.mustPercent >= (a.floor ?? COVERAGE_FLOOR) ? 0 : 1;
  }
  if (a.mode === 'property') {
    if (a.adapter === undefined) {
      io.err('saltwire conformance property: --adapter "<command>" is required');
      return 1;
    }
    const res = await runProperties(a.adapter, { ...(a.runs ? { runs: a.runs } : {}), ...(a.seed !== undefined ? { seed: a.seed } : {}), outDir: a.out ?? 'counterexamples' });
    for (const r of res) {
      io.out(`${r.status.toUpperCase().padEnd(12)} ${r.op.padEnd(14)} ${r.runs} runs`);
      if (r.status === 'fail') io.out(`             minimal: ${JSON.stringify(r.request)}\n             got ${JSON.stringify(r.got)}, the SDK ${JSON.stringify(r.reference)}\n             written to ${r.file} (run it: conformance vectors --vectors DIR)`);
    }
    return res.some((r) => r.status === 'fail') ? 1 : res.every((r) => r.status === 'unsupported') ? 127 : 0;
  }
  if (a.mode === 'live') return runLiveMode(a, io);
  if (a.mode !== 'vectors') {
    io.err(`saltwire conformance: unknown mode ${JSON.stringify(a.mode)} (modes: vectors, property, live, coverage)`);
    return 1;
  }
  if (a.adapter === undefined) {
    io.err('saltwire conformance vectors: --adapter "<command>" is required');
    return 1;
  }
  io.err(`running every vector through ${a.adapter} ...`);
  // A progress line on a terminal only (a CI log gets the summary alone).
  let shown = -1;
  const progress = process.stderr.isTTY
    ? (done: number, total: number): void => {
        const pct = Math.floor((100 * done) / total);
        if (pct === shown) return;
        shown = pct;
        process.stderr.write(`\r  ${done}/${total} operations answered (${pct}%)${done === total ? '\n' : ''}`);
      }
    : undefined;
  const rep = await runVectors(a.adapter, {
    ...(a.vectors ? { vectorDir: a.vectors } : {}),
    ...(a.files ? { files: a.files } : {}),
    ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}),
    ...(progress ? { progress } : {}),
    strict: a.strict === true,
  });
  const reqs = readRequirements();
  for (const l of summaryLines(rep, reqs, a.verbose ? Infinity : 20)) io.out(l);
  if (a.json !== undefined) writeFileSync(a.json, jsonReport(rep, reqs));
  if (a.junit !== undefined) writeFileSync(a.junit, junitReport(rep, reqs));
  if (a.html !== undefined) writeFileSync(a.html, htmlReport(rep, reqs));
  return rep.exitCode;
}
