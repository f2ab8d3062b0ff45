/**
 * Reports of the vector mode: a terminal summary (per file, per group, per spec id with failures,
 * each failure with its spec ids and the requirement's text), a JSON report and JUnit XML.
 */
import { budgetHtml, budgetLines } from './budget.js';
import type { Requirement } from './spec-text.js';
import type { Counts, TestResult, VectorReport } from './vectors.js';

const fmtCounts = (c: Counts): string =>
  `${c.pass} passed, ${c.fail} failed${c.nonstrict ? `, ${c.nonstrict} NON-STRICT (SHOULD: warnings; --strict fails them)` : ''}, ${c.unsupported} unsupported${c.outside ? `, ${c.outside} outside the protocol` : ''}`;

/** Per spec id: the counts of the tests citing it. */
export function bySpecId(results: readonly TestResult[]): Map<string, Counts> {
  const m = new Map<string, Counts>();
  for (const r of results) {
    for (const id of r.specRefs) {
      const c = m.get(id) ?? { pass: 0, fail: 0, unsupported: 0, outside: 0, nonstrict: 0 };
      c[r.status]++;
      m.set(id, c);
    }
  }
  return m;
}

export function summaryLines(rep: VectorReport, reqs: ReadonlyMap<string, Requirement>, maxFailures = 20): string[] {
  const out: string[] = [`saltwire conformance vectors: adapter ${JSON.stringify(rep.adapter)} (${rep.ms} ms, exit ${rep.adapterExit})`, ''];
  const files = new Map<string, Counts>();
  for (const r of rep.results) {
    const c = files.get(r.file) ?? { pass: 0, fail: 0, unsupported: 0, outside: 0, nonstrict: 0 };
    c[r.status]++;
    files.set(r.file, c);
  }
  const w = Math.max(...[...files.keys()].map((f) => f.length));
  for (const [f, c] of files) out.push(`  ${f.padEnd(w)}  ${c.fail ? 'FAIL ' : c.pass ? 'PASS ' : c.unsupported ? 'UNSUP' : '-    '}  ${fmtCounts(c)}`);
  out.push('', 'groups:');
  for (const [g, c] of Object.entries(rep.groups)) {
    const verdict = c.fail ? 'FAIL' : c.pass ? 'PASS' : c.unsupported ? 'UNSUPPORTED' : '-';
    out.push(`  ${g.padEnd(20)} ${verdict.padEnd(11)} ${c.core ? 'core    ' : 'optional'}  ${fmtCounts(c)}`);
  }
  const nonstrict = rep.results.filter((r) => r.status === 'nonstrict');
  if (nonstrict.length) {
    out.push('', `NON-STRICT (${nonstrict.length}: tests citing SHOULDs only; warnings, failures under --strict):`);
    for (const r of nonstrict.slice(0, maxFailures)) out.push(`  NON-STRICT ${r.file}#${r.tcId} ${r.type} [${r.specRefs.join(', ')}] ${r.comment}`, `       ${(r.detail ?? '').slice(0, 400)}`);
  }
  const failures = rep.results.filter((r) => r.status === 'fail');
  if (failures.length) {
    const ids = [...bySpecId(failures).keys()].sort();
    out.push('', `failing spec ids (${ids.length}):`);
    for (const id of ids) {
      const q = reqs.get(id);
      out.push(`  [${id}] ${q === undefined ? '(not defined in spec/)' : `${q.level} ${q.text.length > 160 ? `${q.text.slice(0, 157)}...` : q.text}`}`);
    }
    out.push('', `failures (${failures.length}${failures.length > maxFailures ? `, first ${maxFailures}` : ''}):`);
    for (const r of failures.slice(0, maxFailures)) {
      out.push(`  FAIL ${r.file}#${r.tcId} ${r.type} [${r.specRefs.join(', ')}] ${r.comment}`);
      out.push(`       ${(r.detail ?? '').slice(0, 400)}`);
    }
  }
  if (failures.length && rep.stderr.trim() !== '') out.push('', 'the adapter\'s stderr (its end):', ...rep.stderr.trimEnd().split('\n').slice(-10).map((l) => `  | ${l}`));
  out.push('', ...budgetLines(rep.budget));
  out.push(`total: ${fmtCounts(rep.total)}`, rep.exitCode === 0 ? 'result: PASS' : rep.exitCode === 1 ? 'result: FAIL' : 'result: nothing supported');
  return out;
}

/** The JSON report: the run, per-id counts with each id's level and text, and every test. */
export function jsonReport(rep: VectorReport, reqs: ReadonlyMap<string, Requirement>): string {
  const specIds = Object.fromEntries(
    [...bySpecId(rep.results)].sort(([a], [b]) => a.localeCompare(b)).map(([id, c]) => [id, { ...c, level: reqs.get(id)?.level ?? null, text: reqs.get(id)?.text ?? null }]),
  );
  return `${JSON.stringify({ schema: 'saltwire_conformance_report_v1', mode: 'vectors', adapter: rep.adapter, ms: rep.ms, exitCode: rep.exitCode, total: rep.total, groups: rep.groups, budget: rep.budget, specIds, tests: rep.results }, null, 1)}\n`;
}

const xml = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: one testsuite per vector file, one testcase per test; unsupported and outside as skipped. */
export function junitReport(rep: VectorReport, reqs: ReadonlyMap<string, Requirement>): string {
  const files = [...new Set(rep.results.map((r) => r.file))];
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="saltwire conformance vectors" tests="${rep.results.length}" failures="${rep.total.fail}" time="${(rep.ms / 1000).toFixed(3)}">`];
  for (const f of files) {
    const rs = rep.results.filter((r) => r.file === f);
    const fails = rs.filter((r) => r.status === 'fail').length;
    const skips = rs.filter((r) => r.status === 'unsupported' || r.status === 'outside').length;
    lines.push(`  <testsuite name="${xml(f)}" tests="${rs.length}" failures="${fails}" skipped="${skips}">`);
    for (const r of rs) {
      const name = xml(`#${r.tcId} ${r.comment}`);
      const open = `    <testcase classname="${xml(`${f.replace(/\.json$/, '')}.${r.type}`)}" name="${name}">`;
      if (r.status === 'pass') lines.push(`${open}</testcase>`);
      else if (r.status === 'nonstrict') lines.push(`${open}<system-out>${xml(`NON-STRICT (SHOULD): ${r.detail ?? ''}`)}</system-out></testcase>`);
      else if (r.status === 'fail') {
        const texts = r.specRefs.map((id) => `[${id}] ${reqs.get(id)?.text ?? ''}`).join('\n');
        lines.push(`${open}<failure message="${xml((r.detail ?? '').slice(0, 500))}">${xml(`${r.detail ?? ''}\nrequest: ${JSON.stringify(r.request)}\n${texts}`)}</failure></testcase>`);
      } else lines.push(`${open}<skipped message="${r.status === 'unsupported' ? 'unsupported by the adapter' : 'outside the adapter protocol'}"/></testcase>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/**
 * A self-contained HTML report: a matrix of vector file x result, the groups, then every failure with
 * its spec ids, each requirement's level and text, what differed and the request (its bytes).
 */
export function htmlReport(rep: VectorReport, reqs: ReadonlyMap<string, Requirement>): string {
  const e = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
  const files = new Map<string, Counts>();
  for (const r of rep.results) {
    const c = files.get(r.file) ?? { pass: 0, fail: 0, unsupported: 0, outside: 0, nonstrict: 0 };
    c[r.status]++;
    files.set(r.file, c);
  }
  const cell = (n: number, cls: string): string => `<td class="${n ? cls : ''}">${n}</td>`;
  const rows = [...files].map(([f, c]) => `<tr><th>${e(f)}</th>${cell(c.pass, 'pass')}${cell(c.fail, 'fail')}${cell(c.unsupported, 'unsup')}${cell(c.outside, 'unsup')}</tr>`);
  const groups = Object.entries(rep.groups).map(([g, c]) => `<tr><th>${e(g)}${c.core ? '' : ' <small>(optional)</small>'}</th>${cell(c.pass, 'pass')}${cell(c.fail, 'fail')}${cell(c.unsupported, 'unsup')}${cell(c.outside, 'unsup')}</tr>`);
  const failures = rep.results
    .filter((r) => r.status === 'fail')
    .map(
      (r) =>
        `<details><summary><b>${e(`${r.file}#${r.tcId}`)}</b> ${e(r.type)}: ${e(r.comment)}</summary><ul>${r.specRefs
          .map((id) => `<li><b>[${e(id)}]</b> ${e(reqs.get(id)?.level ?? '')} ${e(reqs.get(id)?.text ?? '(not defined in spec/)')} <small>${e(reqs.get(id)?.at ?? '')}</small></li>`)
          .join('')}</ul><pre>${e(r.detail ?? '')}</pre><pre>request: ${e(JSON.stringify(r.request, null, 1) ?? '')}</pre></details>`,
    );
  const head = '<tr><th></th><th>pass</th><th>fail</th><th>unsupported</th><th>outside</th></tr>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Saltwire conformance: ${e(rep.adapter)}</title><style>
body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{text-align:left}
.pass{background:#cfc}.fail{background:#fbb}.unsup{background:#eee}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}details{margin:.3em 0}
</style></head><body><h1>Saltwire conformance: vectors</h1><p>adapter <code>${e(rep.adapter)}</code>, ${rep.ms} ms, result <b>${rep.exitCode === 0 ? 'PASS' : rep.exitCode === 1 ? 'FAIL' : 'nothing supported'}</b>: ${rep.total.pass} passed, ${rep.total.fail} failed, ${rep.total.unsupported} unsupported</p>
${budgetHtml(rep.budget)}<h2>Files</h2><table>${head}${rows.join('')}</table><h2>Groups</h2><table>${head}${groups.join('')}</table>
<h2>Failures (${failures.length})</h2>${failures.join('\n') || '<p>none</p>'}</body></html>
`;
}
