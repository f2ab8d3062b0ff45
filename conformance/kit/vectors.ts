/**
 * Vector mode of the kit: every test of every vector file, as operations of the adapter protocol
 * (protocol.ts), through one run of the adapter; each test passes, fails (what differed, its spec
 * ids) or is unsupported. Group types outside the protocol (handshake, multicast, reliability
 * scenarios, cookies) are counted as `outside`, neither passed nor failed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAdapter, UNSUPPORTED_EXIT, type Reply } from './adapter-process.js';
import { budgetOf, type Budget } from './budget.js';
import { readRequirements, type Requirement } from './spec-text.js';
import { GROUPS, judge, planTest, type GroupName, type Json, type TestPlan } from './protocol.js';

export const VECTOR_DIR = join(import.meta.dirname, '..', 'vectors');

let reqCache: Map<string, Requirement> | undefined;
const requirements = (): Map<string, Requirement> => (reqCache ??= readRequirements());

/** `nonstrict`: a failure of a test whose every spec id is a SHOULD by the spec's text: a warning unless strict. */
export type Status = 'pass' | 'fail' | 'unsupported' | 'outside' | 'nonstrict';

export interface TestResult {
  file: string;
  tcId: number;
  comment: string;
  type: string;
  group: GroupName | null;
  specRefs: string[];
  status: Status;
  /** For a failure: what differed, and the request that showed it. */
  detail?: string;
  request?: Json;
}

export interface Counts {
  pass: number;
  fail: number;
  unsupported: number;
  outside: number;
  nonstrict: number;
}

export interface VectorReport {
  adapter: string;
  ms: number;
  adapterExit: number | null;
  /** The end of what the adapter wrote on stderr (its logs), for a failure's diagnosis. */
  stderr: string;
  results: TestResult[];
  total: Counts;
  /** Per group of the protocol: its counts and whether it is core. */
  groups: Record<string, Counts & { core: boolean }>;
  /** 0 every supported test passed, 1 a failure, 127 nothing supported. */
  exitCode: number;
  /** What the adapter's optional `budget` operation reported (budget.ts), asked after every test. */
  budget: Budget;
}

const zero = (): Counts => ({ pass: 0, fail: 0, unsupported: 0, outside: 0, nonstrict: 0 });

export interface VectorOptions {
  vectorDir?: string;
  /** Only these files (names in the vector directory). */
  files?: string[];
  timeoutMs?: number;
  /** SHOULD-only failures fail too (default: NON-STRICT, a warning). */
  strict?: boolean;
  /** Called as replies arrive: (replies so far, operations in all). */
  progress?: (done: number, total: number) => void;
}

type Obj = { [k: string]: Json };
type Test = Obj & { tcId: number; result: 'valid' | 'invalid'; specRefs: string[]; comment: string };

export async function runVectors(adapter: string, opts: VectorOptions = {}): Promise<VectorReport> {
  const dir = opts.vectorDir ?? VECTOR_DIR;
  const names = readdirSync(dir).filter((f) => f.endsWith('.json') && (opts.files === undefined || opts.files.includes(f))).sort();
  const planned: Array<{ r: TestResult; plan: TestPlan | undefined; first: number }> = [];
  const requests: Obj[] = [];
  for (const file of names) {
    const v = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { testGroups: Array<Obj & { type: string; tests: Test[] }> };
    for (const g of v.testGroups) {
      for (const t of g.tests) {
        const plan = planTest(g as never, t);
        const r: TestResult = { file, tcId: t.tcId, comment: t.comment, type: g.type, group: plan?.group ?? null, specRefs: t.specRefs ?? [], status: plan === undefined ? 'outside' : 'pass' };
        planned.push({ r, plan, first: requests.length });
        for (const x of plan?.exchanges ?? []) requests.push({ id: requests.length + 1, ...x.request });
      }
    }
  }
  // the optional `budget` operation last: in no group, so its answer never fails the run
  requests.push({ id: requests.length + 1, op: 'budget' });
  const run = await runAdapter(adapter, requests, opts.timeoutMs, opts.progress && ((n) => opts.progress!(n, requests.length)));
  const budget = budgetOf(run.replies[requests.length - 1]);
  for (const { r, plan, first } of planned) {
    if (plan === undefined) continue;
    const replies: Reply[] = run.replies.slice(first, first + plan.exchanges.length);
    if (replies.every((x) => x.kind === 'unsupported')) {
      r.status = 'unsupported';
      continue;
    }
    for (const [i, x] of plan.exchanges.entries()) {
      const reply = replies[i]!;
      const why =
        reply.kind === 'error' ? reply.message : reply.kind === 'unsupported' ? `${x.request.op}: unsupported, while the test's other operations are answered (all-or-nothing)` : judge(x, reply.value);
      if (why !== undefined) {
        r.status = 'fail';
        r.detail = why;
        r.request = x.request;
        break;
      }
    }
  }
  // All-or-nothing per group: once any test of a group is answered, an unsupported one is a failure.
  const groups: VectorReport['groups'] = {};
  for (const [name, g] of Object.entries(GROUPS)) groups[name] = { ...zero(), core: g.core };
  const answered = new Set(planned.filter((p) => p.r.status === 'pass' || p.r.status === 'fail').map((p) => p.r.group));
  for (const { r } of planned) {
    if (r.status === 'unsupported' && answered.has(r.group)) {
      r.status = 'fail';
      r.detail = `unsupported, while other operations of group ${r.group} are answered (all-or-nothing)`;
    }
    // a test that cites SHOULDs only: NON-STRICT unless strict (h2spec's --strict)
    if (r.status === 'fail' && opts.strict !== true && r.specRefs.length > 0 && r.specRefs.every((id) => requirements().get(id)?.level === 'SHOULD')) r.status = 'nonstrict';
    if (r.group !== null) groups[r.group]![r.status]++;
  }
  const results = planned.map((p) => p.r);
  const total = zero();
  for (const r of results) total[r.status]++;
  const exitCode = total.fail > 0 ? 1 : total.pass === 0 ? UNSUPPORTED_EXIT : 0;
  return { adapter, ms: Math.round(run.ms), adapterExit: run.exitCode, stderr: run.stderr.slice(-2000), results, total, groups, exitCode, budget };
}
