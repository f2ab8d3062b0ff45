/**
 * The scenario file format (conformance/scenarios/*.json) and its loader. A scenario scripts one
 * conversation between the runner's reference peers ("actors") and the implementation under test
 * (the "target"): actions the runner performs, and expectations about what the target then does on
 * the wire and reports on stdout. Nothing random of the target is written in a file: tokens and
 * indexes are named symbolically ("echo the last CHALLENGE the target sent") and resolved at run time.
 *
 * Contract of load(): returns the scenarios of a file, or throws with every problem found: shape,
 * continuous tcIds, numberOfTests, flags with a note, specRefs that exist in spec/ and are not
 * retired, names of actors and sockets that the scenario declares.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Every frame type of spec 4.7, 9.4, 12.4 and 14 the runner can see in a target's datagram. */
export type FrameType = 'PADDING' | 'INDEX' | 'DATAGRAM' | 'PING' | 'CHALLENGE' | 'ECHO' | 'STALE' | 'MSG' | 'ACK' | 'FORWARD' | 'SLEEP';

/** A frame the runner puts in a datagram it builds; encoded in the order given. */
export type FrameSpec =
  | { readonly type: 'PING' }
  /** A new random token; it becomes the actor's own outstanding token ("echo": "mine" matches it). */
  | { readonly type: 'CHALLENGE' }
  /** 'last': the last CHALLENGE token the target sent this actor (an error if none); 'last-if-any': omitted if none. */
  | { readonly type: 'ECHO'; readonly token: 'last' | 'last-if-any' | 'random' }
  /** A new random receiver index for the target's latest (generation, epoch) towards this actor. */
  | { readonly type: 'INDEX' }
  | { readonly type: 'DATAGRAM'; readonly text: string }
  | { readonly type: 'PADDING'; readonly length: number }
  /** Raw plaintext bytes (for malformed frames), inserted as they are. */
  | { readonly type: 'RAW'; readonly hex: string };

/** Milliseconds, or an implementation constant of spec 20.2 plus a margin (the target may declare its value). */
export type Duration = number | { readonly const: string; readonly plusMs: number };

export type JunkKind =
  | 'random'
  | 'bad-version'
  | 'bad-form'
  | 'bad-flags'
  | 'flip-tag'
  | 'truncated'
  | 'appended'
  | 'epoch-zero'
  | 'self-id'
  | 'unknown-index'
  | 'too-large';

export type Action =
  | { readonly do: 'send'; readonly as: string; readonly from: string; readonly form?: 'FULL' | 'SHORT' | 'auto'; readonly frames: readonly FrameSpec[]; readonly record?: string; readonly withhold?: boolean }
  | { readonly do: 'replay'; readonly record: string; readonly from: string }
  | { readonly do: 'junk'; readonly as: string; readonly from: string; readonly kinds: readonly JunkKind[] }
  | { readonly do: 'restart'; readonly mode: 'kill' | 'exit' }
  | { readonly do: 'reboot'; readonly as: string }
  | { readonly do: 'app-send'; readonly to: string; readonly text: string; readonly count?: number }
  | { readonly do: 'wait'; readonly ms: Duration }
  | { readonly do: 'mark'; readonly name: string };

/** Conditions on one decrypted datagram from the target. */
export interface Match {
  readonly includes?: readonly FrameType[];
  readonly excludes?: readonly FrameType[];
  readonly form?: 'FULL' | 'SHORT';
  /** 'mine': carries an ECHO of the actor's own latest CHALLENGE token. */
  readonly echo?: 'mine';
  /** A DATAGRAM frame with exactly this text. */
  readonly text?: string;
  /** Its epoch is above every epoch the target used before its last restart. */
  readonly newEpoch?: boolean;
}

export type EventName = 'message' | 'restart' | 'reachable' | 'unreachable' | 'address';

export interface EventFilter {
  readonly event: EventName;
  /** Actor name: the peer (or message sender) the event is about. */
  readonly peer?: string;
  readonly text?: string;
  /** address events: the runner socket whose address is reported. */
  readonly socket?: string;
  readonly validated?: boolean;
  readonly change?: string;
}

interface ExpectBase {
  /** Requirement ids this expectation checks (each exists in spec/). */
  readonly refs: readonly string[];
  /** MUST (default): a miss fails the scenario. SHOULD: a miss is a warning (failure with --strict). */
  readonly level?: 'MUST' | 'SHOULD';
  /** Where the time window starts: the last action (default), the scenario start, or a mark. */
  readonly since?: string;
}

export type Expectation = ExpectBase &
  (
    | { readonly expect: 'datagram'; readonly to: string; readonly as?: string; readonly within: Duration; readonly match?: Match }
    | { readonly expect: 'nothing'; readonly to: string; readonly forMs: Duration; readonly match?: Match }
    | ({ readonly expect: 'event'; readonly within: Duration } & EventFilter)
    | ({ readonly expect: 'no-event'; readonly forMs: Duration } & EventFilter)
    | { readonly expect: 'budget'; readonly socket: string; readonly factor: number }
  );

export type Step = Action | Expectation;

export interface LivenessSpec {
  readonly keepaliveMs: number;
  readonly probeAfterMs: number;
  readonly probeIntervalMs: number;
  readonly probeMaxIntervalMs: number;
  readonly unreachableAfterMs: number;
  readonly recoveryIntervalMs: number;
}

export interface TargetSpec {
  readonly role: 'hub' | 'device';
  readonly id: string;
  /**
   * How the target gets its keys: 'site', the group's site key (a hub, deriving DK(peer, 0) for any
   * device [SW-3.4-1]); 'pair', DK(target id, 0) for each configured peer (a device [SW-3.4-2]).
   */
  readonly keys: 'site' | 'pair';
  /** Every scenario starts from provisioning; restarts carry the state over. */
  readonly state: 'fresh';
  /** Required durability of the target's record of peer epochs (spec 5.6, 12.1-2); absent: the target's choice. */
  readonly durablePeerEpochs?: boolean;
  /** Configured peers: an actor, reachable at a runner socket. */
  readonly peers: ReadonlyArray<{ readonly actor: string; readonly socket: string }>;
  readonly liveness: LivenessSpec;
}

export interface ActorSpec {
  readonly name: string;
  readonly id: string;
  /** 'pair' (default): the key the target holds for this id; 'foreign': a key of another site (never authenticates). */
  readonly key?: 'pair' | 'foreign';
  /** First epoch of the actor (default 1). */
  readonly epoch?: number;
}

export interface Scenario {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly specRefs: readonly string[];
  readonly result: 'valid';
  readonly target: TargetSpec;
  readonly actors: readonly ActorSpec[];
  readonly sockets: readonly string[];
  readonly steps: readonly Step[];
}

export interface ScenarioGroup {
  readonly type: 'PeerScenario';
  /** Site key (hex) of the group: a hub target derives device keys from it; a device target is given DK(id, 0). */
  readonly siteKey: string;
  /** A different site key (hex), for actors with key 'foreign'. */
  readonly foreignSiteKey: string;
  readonly tests: readonly Scenario[];
}

export interface ScenarioFile {
  readonly algorithm: string;
  readonly schema: string;
  readonly generatorVersion: string;
  readonly specVersion: string;
  readonly numberOfTests: number;
  readonly header: readonly string[];
  readonly notes: Readonly<Record<string, { bugType: string; description: string }>>;
  readonly testGroups: readonly ScenarioGroup[];
}

/** A scenario with where it came from. */
export interface LoadedScenario {
  readonly file: string;
  readonly group: ScenarioGroup;
  readonly scenario: Scenario;
  /** "file.json#tcId" */
  readonly name: string;
}

export const SPEC_DIR = join(import.meta.dirname, '..', '..', 'spec');
export const SCENARIO_DIR = join(import.meta.dirname, '..', 'scenarios');

/** Requirement ids of spec/, without retired ones (an id followed by " (retired" is retired). */
export function specIds(dir = SPEC_DIR): Set<string> {
  const ids = new Set<string>();
  const retired = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.md'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\[(SW-\d+\.\d+-\d+)\]( \(retired)?/g)) (m[2] ? retired : ids).add(m[1]!);
  }
  for (const r of retired) ids.delete(r);
  return ids;
}

/** The scenario files shipped with the runner, sorted. */
export function defaultScenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(SCENARIO_DIR, f));
}

/** Loads and checks one file (see the module contract). */
export function loadScenarioFile(path: string, ids: Set<string> = specIds()): LoadedScenario[] {
  const v = JSON.parse(readFileSync(path, 'utf8')) as ScenarioFile;
  const problems: string[] = [];
  const out: LoadedScenario[] = [];
  let n = 0;
  for (const g of v.testGroups ?? []) {
    if (g.type !== 'PeerScenario') problems.push(`group type ${String(g.type)}`);
    for (const s of g.tests) {
      if (s.tcId !== ++n) problems.push(`tcId ${s.tcId} should be ${n}`);
      const where = `tcId ${s.tcId}`;
      if (s.result !== 'valid') problems.push(`${where}: result must be "valid"`);
      for (const f of s.flags) if (v.notes?.[f] === undefined) problems.push(`${where}: flag ${f} has no note`);
      const refs = [...s.specRefs, ...s.steps.flatMap((st) => ('expect' in st ? st.refs : []))];
      for (const r of refs) if (!ids.has(r)) problems.push(`${where}: ${r} is not a current id of spec/`);
      problems.push(...checkNames(s).map((p) => `${where}: ${p}`));
      out.push({ file: basename(path), group: g, scenario: s, name: `${basename(path)}#${s.tcId}` });
    }
  }
  if (v.numberOfTests !== n) problems.push(`numberOfTests ${v.numberOfTests}, found ${n}`);
  if (problems.length > 0) throw new Error(`${path}:\n  ${problems.join('\n  ')}`);
  return out;
}

/** Every actor, socket, record and mark a step names must be declared (or made) before it is used. */
function checkNames(s: Scenario): string[] {
  const p: string[] = [];
  const actors = new Set(s.actors.map((a) => a.name));
  const sockets = new Set(s.sockets);
  const records = new Set<string>();
  const marks = new Set(['start', 'action']);
  const where = (i: number): string => (i < 0 ? 'target.peers' : `step ${i + 1}`);
  const actor = (a: string | undefined, i: number): void => void (a !== undefined && !actors.has(a) && p.push(`${where(i)}: unknown actor ${a}`));
  const socket = (x: string | undefined, i: number, any = false): void =>
    void (x !== undefined && !sockets.has(x) && !(any && x === 'any') && p.push(`${where(i)}: unknown socket ${x}`));
  for (const peer of s.target.peers) {
    actor(peer.actor, -1);
    socket(peer.socket, -1);
  }
  s.steps.forEach((st, i) => {
    if ('do' in st) {
      if ('as' in st) actor(st.as, i);
      if ('from' in st) socket(st.from, i);
      if (st.do === 'app-send') actor(st.to, i);
      if (st.do === 'send' && st.record !== undefined) records.add(st.record);
      if (st.do === 'replay' && !records.has(st.record)) p.push(`step ${i + 1}: record ${st.record} not made before`);
      if (st.do === 'mark') marks.add(st.name);
      return;
    }
    if (st.since !== undefined && !marks.has(st.since)) p.push(`step ${i + 1}: mark ${st.since} not made before`);
    if (st.expect === 'datagram' || st.expect === 'nothing') socket(st.to, i, st.expect === 'nothing');
    if (st.expect === 'datagram') actor(st.as, i);
    if (st.expect === 'budget') socket(st.socket, i);
    if (st.expect === 'event' || st.expect === 'no-event') {
      actor(st.peer, i);
      socket(st.socket, i);
    }
  });
  return p;
}
