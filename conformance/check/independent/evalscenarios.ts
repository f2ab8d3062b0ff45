// Evaluators for WindowScenario and EpochScenario (replay_window.json): spec 5.4, 5.5.
// Each test is one sequence of steps on one window / receive context that starts empty / absent.
// A step with authentic=false models a datagram failing authentication after the pre-checks: its
// verdict is the pre-check's drop if any, else AUTH, and it changes nothing [SW-5.4-3] [SW-5.3-2].
// The same precheck()/commit() as the receive path (context.ts) are used, so these scenarios
// exercise the code that evaluates OpenTest. EpochScenario steps carry no BOOT (README): the steps of
// one epoch are one start of the sender, so they share one BOOT value [SW-5.5-4], and the BOOT rule
// never fires here; it is tested in datagram_open.json.
import { u32 } from './bytes.js';
import { COUNTER_LIMIT, MIN_REPLAY_WINDOW } from './constants.js';
import { commit, precheck, type ReceiveContext } from './context.js';
import { Report, type Evaluator } from './evalcommon.js';
import { ReplayWindow } from './window.js';

function stepsOf(t: Record<string, any>, r: Report): any[] {
  if (!Array.isArray(t.steps) || t.steps.length === 0) { r.fail('steps missing or empty'); return []; }
  // README: a scenario's result is always "valid"; the verdicts are per step, in `expect`.
  if (t.result !== 'valid') r.fail(`result ${JSON.stringify(t.result)}: a scenario test is always "valid"`);
  return t.steps;
}

function checkWindowSize(g: Record<string, any>, r: Report): void {
  if (!(g.windowSize >= MIN_REPLAY_WINDOW)) r.fail(`windowSize ${g.windowSize} < MIN_REPLAY_WINDOW [SW-5.4-4]`);
}

export const evalWindowScenario: Evaluator = (g, t) => {
  const r = new Report();
  checkWindowSize(g, r);
  const w = new ReplayWindow(g.windowSize);
  for (const [i, s] of stepsOf(t, r).entries()) {
    // Step 6 of [SW-6.1-9] precedes the window; README's verdict list omits it, so a vector step at
    // the limit would be a disagreement worth seeing.
    let v: string = s.counter >= COUNTER_LIMIT ? 'COUNTER_LIMIT' : w.verdict(s.counter);
    if (v === 'accept') {
      if (s.authentic === true) w.update(s.counter);
      else v = 'AUTH';
    }
    if (v !== s.expect) r.fail(`step ${i + 1} (counter ${s.counter}, authentic ${s.authentic}): computed ${v}, vector says ${s.expect}`);
  }
  return r.failures;
};

/** One start per epoch in an EpochScenario: a BOOT value that depends on the epoch only. */
const bootOfEpoch = (epoch: number): Uint8Array => new Uint8Array([...u32(0), ...u32(epoch)]);

export const evalEpochScenario: Evaluator = (g, t) => {
  const r = new Report();
  checkWindowSize(g, r);
  let ctx: ReceiveContext | undefined;
  for (const [i, s] of stepsOf(t, r).entries()) {
    let v: string;
    if (s.epoch === 0) v = 'MALFORMED'; // [SW-4.3-2], step 5
    else if (s.counter >= COUNTER_LIMIT) v = 'COUNTER_LIMIT'; // step 6
    else v = precheck(ctx, undefined, s.epoch, bootOfEpoch(s.epoch), s.counter) ?? (s.authentic === true ? 'accept' : 'AUTH');
    if (v === 'accept') ctx = commit(ctx, 'peer', 0, s.epoch, bootOfEpoch(s.epoch), s.counter, g.windowSize, null).ctx;
    if (v !== s.expect) r.fail(`step ${i + 1} (epoch ${s.epoch}, counter ${s.counter}, authentic ${s.authentic}): computed ${v}, vector says ${s.expect}`);
  }
  return r.failures;
};
