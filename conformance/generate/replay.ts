/**
 * replay_window.json: ordered steps through one replay window (spec 5.4) and through one receive
 * context across epochs (spec 5.5). Expectations come from a literal model of the spec's rules.
 */
import { ReplayWindow } from '../../src/core.js';
import { Seeded, VectorFile } from './common.js';

type Verdict = 'accept' | 'TOO_OLD' | 'REPLAY' | 'AUTH' | 'STALE_EPOCH';
interface Step {
  epoch?: number;
  counter: number;
  authentic: boolean;
}

/** Runs steps through the SDK window, as the receive path does (pre-check, auth, update). */
function runWindow(w: number, steps: Step[]): Array<Step & { expect: Verdict }> {
  const win = new ReplayWindow(w);
  return steps.map((s) => {
    const v = win.check(s.counter);
    if (v !== 'accept') return { ...s, expect: v };
    if (!s.authentic) return { ...s, expect: 'AUTH' };
    win.update(s.counter);
    return { ...s, expect: 'accept' };
  });
}

/** Runs steps through one receive context across epochs (spec 5.5). */
function runEpochs(w: number, steps: Step[]): Array<Step & { expect: Verdict }> {
  let max = 0;
  let win = new ReplayWindow(w);
  return steps.map((s) => {
    const e = s.epoch!;
    if (max !== 0 && e < max) return { ...s, expect: 'STALE_EPOCH' };
    if (e === max) {
      const v = win.check(s.counter);
      if (v !== 'accept') return { ...s, expect: v };
    }
    if (!s.authentic) return { ...s, expect: 'AUTH' };
    if (e > max) {
      max = e;
      win = new ReplayWindow(w);
    }
    win.update(s.counter);
    return { ...s, expect: 'accept' };
  });
}

const ok = (counter: number): Step => ({ counter, authentic: true });
const forged = (counter: number): Step => ({ counter, authentic: false });
const at = (epoch: number, counter: number, authentic = true): Step => ({ epoch, counter, authentic });

export function replayVectors(): VectorFile {
  const f = new VectorFile(
    'replay_window.json',
    'Saltwire replay window and epochs',
    'saltwire_replay_schema_v1',
    ['Steps apply in order to one window (WindowScenario) or one receive context (EpochScenario).'],
    {
      InOrder: { bugType: 'BASIC', description: 'Counters in increasing order.' },
      Reordered: { bugType: 'FUNCTIONALITY', description: 'Counters reordered inside the window.' },
      Duplicate: { bugType: 'AUTH_BYPASS', description: 'A counter accepted twice must be refused [SW-5.4-1].' },
      WindowEdge: { bugType: 'EDGE_CASE', description: 'Counters exactly W-1 and W behind the top.' },
      Jump: { bugType: 'EDGE_CASE', description: 'The top jumps by more than W; older counters become too old.' },
      Forged: { bugType: 'AUTH_BYPASS', description: 'A forged datagram must not move the window [SW-5.4-3].' },
      CounterExtremes: { bugType: 'EDGE_CASE', description: 'Counter 0 and 2^32-2.' },
      Random: { bugType: 'FUNCTIONALITY', description: 'A seeded random sequence.' },
      EpochChange: { bugType: 'FUNCTIONALITY', description: 'A new epoch empties the window [SW-5.5-2].' },
      EpochRollback: { bugType: 'AUTH_BYPASS', description: 'An older epoch is refused [SW-5.5-1].' },
      ForgedEpoch: { bugType: 'AUTH_BYPASS', description: 'A forged higher epoch must not advance the epoch.' },
    },
  );
  const rnd = new Seeded('replay');
  for (const w of [64, 1024]) {
    const g = f.group('WindowScenario', { windowSize: w });
    const add = (steps: Step[], flags: string[], specRefs: string[], comment: string) =>
      g({ comment: `W=${w}: ${comment}`, flags, specRefs, steps: runWindow(w, steps), result: 'valid' });
    add([0, 1, 2, 3, 4].map(ok), ['InOrder', 'CounterExtremes'], ['SW-5.4-1', 'SW-5.4-2'], 'in order from 0');
    add([5, 3, 4, 1, 2, 0].map(ok), ['Reordered'], ['SW-5.4-1'], 'reordered inside the window');
    add([10, 10, 9, 9, 11, 10].map(ok), ['Duplicate'], ['SW-5.4-1'], 'duplicates');
    add([ok(w + 100), ok(101), ok(100), ok(101)], ['WindowEdge'], ['SW-5.4-1'], 'W-1 behind accepted once, W behind too old');
    add([ok(5), ok(6), ok(5 + 3 * w), ok(6), ok(5 + 3 * w - 1)], ['Jump'], ['SW-5.4-1', 'SW-5.4-2'], 'jump by 3W');
    add([ok(10), forged(1_000_000), ok(11), ok(12), forged(12), forged(9)], ['Forged'], ['SW-5.4-3'], 'forged huge counter does not move the window');
    add([ok(0xfffffffe), ok(0xfffffffe - w + 1), ok(0xfffffffe - w), ok(0xfffffffe)], ['CounterExtremes', 'WindowEdge'], ['SW-5.4-1'], 'at the top of the counter space');
    add([ok(31), ok(32), ok(63), ok(64), ok(33), ok(65), ok(64)], ['Reordered'], ['SW-5.4-1'], 'around 32-bit block edges');
    for (let k = 0; k < 6; k++) {
      let top = rnd.int(5000);
      const steps: Step[] = [];
      for (let i = 0; i < 60; i++) {
        const r = rnd.int(10);
        const c = r < 4 ? top + 1 + rnd.int(5) : r < 8 ? Math.max(0, top - rnd.int(w + 20)) : top + rnd.int(2 * w);
        top = Math.max(top, c);
        steps.push({ counter: c, authentic: rnd.int(8) !== 0 });
      }
      add(steps, ['Random'], ['SW-5.4-1', 'SW-5.4-2', 'SW-5.4-3'], `seeded random sequence ${k + 1}`);
    }
  }
  const e = f.group('EpochScenario', { windowSize: 64 });
  const addE = (steps: Step[], flags: string[], specRefs: string[], comment: string) =>
    e({ comment, flags, specRefs, steps: runEpochs(64, steps), result: 'valid' });
  addE([at(1, 0), at(1, 1), at(2, 0), at(2, 1), at(1, 2)], ['EpochChange', 'EpochRollback'], ['SW-5.5-1', 'SW-5.5-2'], 'reboot: counters restart, old epoch refused');
  addE([at(5, 100), at(5, 100), at(6, 100), at(6, 100)], ['EpochChange', 'Duplicate'], ['SW-5.5-2', 'SW-5.4-1'], 'the same counter is new in a new epoch');
  addE([at(3, 10), at(9, 0, false), at(3, 11), at(9, 0), at(3, 12)], ['ForgedEpoch'], ['SW-5.4-3', 'SW-5.5-2'], 'forged higher epoch does not advance the epoch');
  addE([at(1, 500), at(4, 2), at(2, 999), at(4, 1), at(4, 2)], ['EpochChange', 'EpochRollback'], ['SW-5.5-1', 'SW-5.5-2'], 'skipped epochs; rollback to a skipped one refused');
  addE([at(0xfffffffe, 7), at(0xffffffff, 0), at(0xfffffffe, 8)], ['EpochChange', 'EpochRollback'], ['SW-5.5-1'], 'last epochs');
  return f;
}
