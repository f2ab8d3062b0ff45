/**
 * No storm after an outage that ends in a burst (issue 14 item 1), over real UDP with real
 * processes (bench/freeze-scenario.ts): the hub (`saltwire hub`) frozen with SIGSTOP for 30, 45 and
 * 120 s then SIGCONT, and the device's datagrams to the hub held 30 s in the relay and released at
 * once. The device publishes QoS 1 every 200 ms throughout; an observer subscribes and, before the
 * outage and from the release on, calls the device every 250 ms (1 s timeout).
 *
 * Prints for each: datagrams/s each way in the 10 s after the release (acceptance: back to normal,
 * the rate of the publications and calls before the outage, within a second), the device's datagrams per 10 s
 * during the outage, whether the device is reachable again (a publication made after the release
 * acknowledged and a call answered within 1 s of it), publications acknowledged vs received, the
 * hub's CPU time in the 10 s after; then a summary table.
 *
 * Run: npm run bench:freeze [-- --quick]   (--quick: only the 30 s freeze; --json: also the raw results)
 */
import { killChildren } from './freeze-procs.js';
import { runScenario, type OutageKind, type ScenarioResult } from './freeze-scenario.js';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const SCENARIOS: Array<[OutageKind, number]> = quick
  ? [['freeze', 30_000]]
  : [['freeze', 30_000], ['freeze', 45_000], ['freeze', 120_000], ['hold', 30_000]];

const watchdog = setTimeout(() => {
  console.error('bench:freeze: watchdog: still running after 15 min, giving up');
  killChildren();
  process.exit(2);
}, 900_000);
watchdog.unref();
process.once('exit', killChildren);
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => (killChildren(), process.exit(130)));

const name = (r: ScenarioResult): string => `${r.kind === 'freeze' ? 'hub SIGSTOP' : 'dev->hub held'} ${r.outageMs / 1000} s`;
const fmt = (xs: number[]): string => xs.map((x) => String(x).padStart(6)).join('');
const reachable = (r: ScenarioResult): boolean => r.firstPubAckMs !== null && r.firstPubAckMs <= 1000 && r.firstCallAnswerMs !== null && r.firstCallAnswerMs <= 1000;
const peak = (r: ScenarioResult): number => Math.max(0, ...r.after.toHub.slice(1).map((x, i) => x + r.after.toDevice[i + 1]!));

function print(r: ScenarioResult): void {
  const normal = r.normal.toHub + r.normal.toDevice;
  console.log(`\n${name(r)}`);
  console.log(`  normal before (publications and calls): device->hub ${r.normal.toHub}/s, hub->device ${r.normal.toDevice}/s`);
  console.log(`  per second after the release (s0..s${r.after.toHub.length - 1})${r.released > 0 ? `, s0 with the ${r.released} released:` : ':'}`);
  console.log(`    device->hub  ${fmt(r.after.toHub)}`);
  console.log(`    hub->device  ${fmt(r.after.toDevice)}`);
  console.log(`    obs->hub     ${fmt(r.observerAfter.toHub)}`);
  console.log(`    hub->obs     ${fmt(r.observerAfter.toObserver)}`);
  console.log(`  peak from s1 on: ${peak(r)}/s both ways (${(peak(r) / Math.max(1, normal)).toFixed(1)}x normal)`);
  console.log(`  device datagrams per 10 s of the outage: ${r.outagePer10s.join(', ')}`);
  console.log(
    `  reachable again: ${reachable(r) ? 'yes' : 'NO'} (first publication after the release acknowledged after ${r.firstPubAckMs ?? '-'} ms, ` +
      `first call answered after ${r.firstCallAnswerMs ?? '-'} ms; calls ${r.calls.answered}/${r.calls.made} answered ${JSON.stringify(r.calls.failed)})`,
  );
  console.log(
    `  publications: ${r.pubs.made} made, ${r.pubs.acked} acknowledged, failed ${JSON.stringify(r.pubs.failed)}, ${r.pubs.pending} pending; ` +
      `${r.received} received by the observer (${r.duplicates} duplicates), ${r.missing} acknowledged and missing; ${r.lateAfter} made from s1 on not acknowledged within 1 s`,
  );
  console.log(`  hub CPU in the ${r.windowMs / 1000} s after: ${r.hubCpuMs} ms (${((100 * r.hubCpuMs) / r.windowMs).toFixed(1)}% of a core; before the outage ${r.hubCpuNormalMs} ms per ${r.windowMs / 1000} s)`);
}

const results: ScenarioResult[] = [];
try {
  for (const [kind, ms] of SCENARIOS) {
    console.log(`\n== ${kind === 'freeze' ? 'hub frozen (SIGSTOP)' : "device's datagrams to the hub held"} ${ms / 1000} s`);
    const r = await runScenario({ kind, outageMs: ms, log: (l) => console.log(l) });
    results.push(r);
    print(r);
  }
} finally {
  killChildren();
}

console.log('\n| scenario | normal dgrams/s (both ways) | s0 | peak s1-s9 | device dgrams / 10 s in outage | reachable (pub ack, call) | acked / received / missing | hub CPU 10 s after (normal) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${name(r)} | ${r.normal.toHub + r.normal.toDevice} | ${r.after.toHub[0]! + r.after.toDevice[0]!} | ${peak(r)} | ${r.outagePer10s.join(', ')} | ` +
      `${reachable(r) ? 'yes' : 'no'} (${r.firstPubAckMs ?? '-'} ms, ${r.firstCallAnswerMs ?? '-'} ms) | ${r.pubs.acked} / ${r.received} / ${r.missing} | ${r.hubCpuMs} ms (${r.hubCpuNormalMs} ms) |`,
  );
}
if (json) console.log(JSON.stringify(results));
process.exit(0);
