/**
 * Runs a CLI command in this process (main.ts run() with an Io): exact timings, no tsx start-up.
 * State goes under `stateHome` (XDG_STATE_HOME); `stop` plays SIGTERM, and is played after `bound`
 * ms at the latest, so that a command that would run on (hub, serve) ends.
 */
import type { Io } from '../../src/cli/command.js';
import { run } from '../../src/cli/main.js';

export interface InProcess {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
  readonly ms: number;
}

export function startCli(
  argv: readonly string[],
  stateHome: string,
  onOut?: (line: string) => void,
  bound = 10_000,
): { done: Promise<InProcess>; stop: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: () => void;
  const io: Io = {
    out: (l) => (out.push(l), onOut?.(l)),
    err: (l) => void err.push(l),
    env: { XDG_STATE_HOME: stateHome },
    stopped: new Promise((r) => (stop = () => r('SIGTERM'))),
  };
  const t0 = performance.now();
  const guard = setTimeout(() => stop(), bound);
  const done = run(argv, io).then((code) => (clearTimeout(guard), { code, out, err, ms: performance.now() - t0 }));
  return { done, stop };
}
