/**
 * Reports of live mode: the terminal lines (one per check, as it ends, with the requirement's text
 * for a failure), a JSON report, JUnit XML and a self-contained HTML page, in the shape of the
 * vector mode's (../report.ts). NON-STRICT results are SHOULD misses: warnings unless --strict.
 * @module
 */
import type { Requirement } from '../spec-text.js';
import { budgetLines, budgetHtml, type Budget } from '../budget.js';
import type { LiveReport, LiveResult } from './run.js';

const TAG = { pass: 'PASS', fail: 'FAIL', unsupported: 'UNSUP', nonstrict: 'NON-STRICT' } as const;

export function resultLines(r: LiveResult, reqs: ReadonlyMap<string, Requirement>): string[] {
  const out = [`  ${TAG[r.status].padEnd(10)} ${r.name.padEnd(18)} [${r.refs.join(', ')}] ${r.comment} (${r.ms} ms)`];
  if (r.detail !== undefined) out.push(`             ${r.detail.slice(0, 400)}`);
  if (r.status === 'fail' || r.status === 'nonstrict') {
    for (const id of r.refs) {
      const q = reqs.get(id);
      out.push(`             [${id}] ${q === undefined ? '(not defined in spec/)' : `${q.level} ${q.text.length > 200 ? `${q.text.slice(0, 197)}...` : q.text}`}`);
    }
  }
  return out;
}

const count = (rep: LiveReport): Record<LiveResult['status'], number> => {
  const c = { pass: 0, fail: 0, unsupported: 0, nonstrict: 0 };
  for (const r of rep.results) c[r.status]++;
  return c;
};

export function liveSummary(rep: LiveReport, budget?: Budget): string[] {
  const c = count(rep);
  return [
    '',
    ...(budget === undefined ? [] : budgetLines(budget)),
    `total: ${c.pass} passed, ${c.fail} failed, ${c.nonstrict} NON-STRICT (SHOULD, warnings; --strict fails them), ${c.unsupported} unsupported, ${rep.ms} ms`,
    rep.exitCode === 0 ? 'result: PASS' : rep.exitCode === 1 ? 'result: FAIL' : 'result: nothing supported',
  ];
}

export function liveJson(rep: LiveReport, reqs: ReadonlyMap<string, Requirement>, budget?: Budget): string {
  const tests = rep.results.map((r) => ({ ...r, requirements: r.refs.map((id) => ({ id, level: reqs.get(id)?.level ?? null, text: reqs.get(id)?.text ?? null })) }));
  return `${JSON.stringify({ schema: 'saltwire_conformance_report_v1', mode: 'live', target: rep.target, role: rep.role, ms: rep.ms, exitCode: rep.exitCode, total: count(rep), ...(budget && { budget }), tests }, null, 1)}\n`;
}

const xml = (s: string): string => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

export function liveJunit(rep: LiveReport, reqs: ReadonlyMap<string, Requirement>): string {
  const c = count(rep);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="saltwire conformance live" tests="${rep.results.length}" failures="${c.fail}" time="${(rep.ms / 1000).toFixed(3)}">`];
  lines.push(`  <testsuite name="live ${xml(rep.target)}" tests="${rep.results.length}" failures="${c.fail}" skipped="${c.unsupported}">`);
  for (const r of rep.results) {
    const open = `    <testcase classname="live.${rep.role}" name="${xml(`${r.name} ${r.comment}`)}" time="${(r.ms / 1000).toFixed(3)}">`;
    const texts = r.refs.map((id) => `[${id}] ${reqs.get(id)?.level ?? ''} ${reqs.get(id)?.text ?? ''}`).join('\n');
    if (r.status === 'pass') lines.push(`${open}</testcase>`);
    else if (r.status === 'fail') lines.push(`${open}<failure message="${xml((r.detail ?? '').slice(0, 500))}">${xml(`${r.detail ?? ''}\n${texts}`)}</failure></testcase>`);
    else if (r.status === 'nonstrict') lines.push(`${open}<system-out>${xml(`NON-STRICT (a SHOULD): ${r.detail ?? ''}\n${texts}`)}</system-out></testcase>`);
    else lines.push(`${open}<skipped message="${xml(r.detail ?? 'unsupported')}"/></testcase>`);
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

export function liveHtml(rep: LiveReport, reqs: ReadonlyMap<string, Requirement>, budget?: Budget): string {
  const e = (s: string): string => s.replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]!);
  const cls = { pass: 'pass', fail: 'fail', unsupported: 'unsup', nonstrict: 'warn' } as const;
  const rows = rep.results.map(
    (r) =>
      `<tr><th>${e(r.name)}</th><td class="${cls[r.status]}">${TAG[r.status]}</td><td>${r.level}</td><td>${r.refs.map(e).join(', ')}</td><td>${e(r.comment)}${
        r.detail === undefined ? '' : `<pre>${e(r.detail)}</pre>`
      }${r.status === 'fail' || r.status === 'nonstrict' ? `<ul>${r.refs.map((id) => `<li><b>[${e(id)}]</b> ${e(reqs.get(id)?.level ?? '')} ${e(reqs.get(id)?.text ?? '')}</li>`).join('')}</ul>` : ''}</td><td>${r.ms}</td></tr>`,
  );
  const c = count(rep);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Saltwire conformance: live ${e(rep.target)}</title><style>
body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
.pass{background:#cfc}.fail{background:#fbb}.unsup{background:#eee}.warn{background:#ffd}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all}
</style></head><body><h1>Saltwire conformance: live</h1><p>target <code>${e(rep.target)}</code> (a ${rep.role}), ${rep.ms} ms, result <b>${rep.exitCode === 0 ? 'PASS' : rep.exitCode === 1 ? 'FAIL' : 'nothing supported'}</b>: ${c.pass} passed, ${c.fail} failed, ${c.nonstrict} NON-STRICT, ${c.unsupported} unsupported</p>
${budget === undefined ? '' : budgetHtml(budget)}
<table><tr><th>check</th><th>result</th><th>level</th><th>spec</th><th>what</th><th>ms</th></tr>${rows.join('\n')}</table></body></html>
`;
}
