/**
 * A small vocabulary for writing scenarios (conformance/runner/scenario.ts is the format), and the
 * file builder: tcIds continuous from 1, specRefs of a test = its own plus every id its expectations
 * cite, every flag with a note. Deterministic: the site keys come from SHA-512 of fixed labels.
 * @module
 */
import { toHex, tweetnaclSuite } from '../../../src/core.js';
import type { ActorSpec, Duration, Expectation, FrameSpec, LivenessSpec, Match, Scenario, ScenarioFile, Step, TargetSpec } from '../../runner/scenario.js';

/** Bump when any generated file changes. */
export const GENERATOR_VERSION = 'scenarios-1.0.0';
export const SPEC_VERSION = '1';

/** 32 bytes from a fixed label: the same file every time. */
export function seededKey(label: string): string {
  return toHex(tweetnaclSuite.sha512(new TextEncoder().encode(`saltwire scenarios/${label}`)).slice(0, 32));
}

/** Timers that stay out of the way of a scenario of a few seconds (spec 11): no keepalive, no probe. */
export const QUIET: LivenessSpec = {
  keepaliveMs: 0,
  probeAfterMs: 60_000,
  probeIntervalMs: 1_000,
  probeMaxIntervalMs: 4_000,
  unreachableAfterMs: 60_000,
  recoveryIntervalMs: 5_000,
};

export const hub = (o: Partial<TargetSpec> = {}): TargetSpec => ({ role: 'hub', id: 'hub', keys: 'site', state: 'fresh', peers: [], liveness: QUIET, ...o });
export const device = (o: Partial<TargetSpec> = {}): TargetSpec => ({
  role: 'device',
  id: 'sensor-7',
  keys: 'pair',
  state: 'fresh',
  peers: [{ actor: 'hub', socket: 'H' }],
  liveness: QUIET,
  ...o,
});
/** The runner's device (towards a hub target) and the runner's hub (towards a device target). */
export const DEV: ActorSpec = { name: 'dev', id: 'sensor-1' };
export const HUB: ActorSpec = { name: 'hub', id: 'hub' };

export const F = {
  ping: { type: 'PING' } as FrameSpec,
  challenge: { type: 'CHALLENGE' } as FrameSpec,
  echo: { type: 'ECHO', token: 'last' } as FrameSpec,
  echoIfAny: { type: 'ECHO', token: 'last-if-any' } as FrameSpec,
  echoRandom: { type: 'ECHO', token: 'random' } as FrameSpec,
  index: { type: 'INDEX' } as FrameSpec,
  data: (text: string): FrameSpec => ({ type: 'DATAGRAM', text }),
  pad: (length: number): FrameSpec => ({ type: 'PADDING', length }),
  raw: (hex: string): FrameSpec => ({ type: 'RAW', hex }),
};

type SendOpts = { form?: 'FULL' | 'SHORT' | 'auto'; record?: string; withhold?: boolean };
export const send = (as: string, from: string, frames: FrameSpec[], o: SendOpts = {}): Step => ({ do: 'send', as, from, ...o, frames });
export const replay = (record: string, from: string): Step => ({ do: 'replay', record, from });
export const appSend = (to: string, text: string, count?: number): Step => ({ do: 'app-send', to, text, ...(count === undefined ? {} : { count }) });
export const wait = (ms: Duration): Step => ({ do: 'wait', ms });
export const mark = (name: string): Step => ({ do: 'mark', name });
export const restart = (mode: 'kill' | 'exit' = 'kill'): Step => ({ do: 'restart', mode });
export const reboot = (as: string): Step => ({ do: 'reboot', as });

type Opts = { level?: 'MUST' | 'SHOULD'; since?: string };
export const datagram = (to: string, match: Match, refs: string[], within: Duration = 1500, o: Opts = {}): Expectation => ({ expect: 'datagram', to, within, match, refs, ...o });
export const nothing = (to: string, forMs: Duration, refs: string[], o: Opts & { match?: Match } = {}): Expectation => ({ expect: 'nothing', to, forMs, refs, ...o });
export const event = (
  ev: 'message' | 'restart' | 'reachable' | 'unreachable' | 'address',
  peer: string,
  refs: string[],
  o: Opts & { text?: string; within?: Duration; socket?: string; validated?: boolean } = {},
): Expectation => {
  const { within, ...rest } = o;
  return { expect: 'event', event: ev, peer, within: within ?? 1500, refs, ...rest };
};
export const message = (peer: string, text: string, refs: string[] = ['SW-9.3-7'], o: Opts = {}): Expectation => event('message', peer, refs, { text, ...o });
export const noMessage = (forMs: Duration, refs: string[], o: Opts & { text?: string } = {}): Expectation => ({ expect: 'no-event', event: 'message', forMs, refs, ...o });
export const noEvent = (ev: 'reachable' | 'restart', forMs: Duration, refs: string[], o: Opts = {}): Expectation => ({ expect: 'no-event', event: ev, forMs, refs, ...o });
export const budget = (socket: string, refs: string[], since?: string): Expectation => ({ expect: 'budget', socket, factor: 3, refs, ...(since === undefined ? {} : { since }) });

/**
 * First contact of the runner's device with a hub target, whatever the target keeps: the device
 * challenges and pings, the target MUST answer with the echo; the device then echoes the target's
 * token if it sent one (freshness [SW-12.3-1], or validation of the new path [SW-10.2-1]) and gives
 * the target an INDEX. Afterwards the device is fresh and its path validated at the target.
 */
export function hubContact(as = 'dev', from = 'A'): Step[] {
  return [
    send(as, from, [F.pad(64), F.challenge, F.ping]),
    datagram(from, { echo: 'mine' }, ['SW-12.3-3', 'SW-11.2-3']),
    send(as, from, [F.index, F.echoIfAny]),
    wait(200),
  ];
}

/**
 * First contact of a device target with the runner's hub at socket `from`: the start hint (SHOULD),
 * data the application sends, then the hub's INDEX, CHALLENGE and PING, which the target MUST answer
 * with the echo; the hub echoes whatever token is still owed. Afterwards both sides are fresh.
 */
export function deviceContact(as = 'hub', from = 'H'): Step[] {
  return [
    datagram(from, { form: 'FULL', includes: ['PING', 'CHALLENGE'] }, ['SW-12.2-1', 'SW-12.3-6'], 5000, { level: 'SHOULD', since: 'start' }),
    appSend(as, 'hello-hub'),
    datagram(from, { text: 'hello-hub' }, ['SW-9.1-1', 'SW-4.7-2']),
    send(as, from, [F.index, F.echoIfAny, F.challenge, F.ping]),
    datagram(from, { echo: 'mine' }, ['SW-12.3-3', 'SW-11.2-3']),
    send(as, from, [F.echoIfAny]),
    wait(200),
  ];
}

/** Flags shared by every file: their notes are added to a file that uses them. */
export const NOTES: ScenarioFile['notes'] = {
  Freshness: { bugType: 'AUTH_BYPASS', description: 'Freshness recovery by challenge and echo (12.3): data of unknown freshness is never delivered.' },
  Restart: { bugType: 'FUNCTIONALITY', description: 'A restart of the target or of its peer is noticed and recovered from (12.2).' },
  TargetRestart: { bugType: 'FUNCTIONALITY', description: 'The runner kills the target (SIGKILL, as a crash) or asks it to exit, and starts it again on the same state.' },
  DurablePeerEpochs: { bugType: 'FUNCTIONALITY', description: 'Needs a target that keeps peer epochs durably (config durablePeerEpochs: true, 5.6, 12.1-2); a target that cannot exits 127.' },
  MemoryPeerEpochs: { bugType: 'FUNCTIONALITY', description: 'Needs a target that keeps peer epochs in memory only (config durablePeerEpochs: false); a target that cannot exits 127.' },
  Replay: { bugType: 'AUTH_BYPASS', description: 'Datagrams recorded earlier are sent again: they must not be delivered as new.' },
  Roaming: { bugType: 'FUNCTIONALITY', description: 'The peer changes address; the path follows it after validation (10.1, 10.2).' },
  Spoofing: { bugType: 'DOS', description: 'An attacker resends genuine datagrams from another address: the validated path stays, the other address gets a challenge within the amplification limit (10.1-8, 10.2-6, 10.3).' },
  Silence: { bugType: 'DOS', description: 'Datagrams that fail a check, or ask for nothing, get no answer at all (6.3, 9.4-3).' },
  Liveness: { bugType: 'FUNCTIONALITY', description: 'Probes, reachability and answers to PING (11).' },
  ShouldLevel: { bugType: 'FUNCTIONALITY', description: 'Some expectations check SHOULD requirements: a miss is a warning, a failure only with --strict.' },
  DeviceTarget: { bugType: 'BASIC', description: 'The target is a device with one configured hub (the runner).' },
  HubTarget: { bugType: 'BASIC', description: 'The target is a hub that derives device keys from the site key; the runner plays a device.' },
  PathFollows: {
    bugType: 'FUNCTIONALITY',
    description: 'Checks that the path follows the peer to a new address once that address echoed its token ([SW-10.2-6] requires the move; [SW-10.1-8] forbids it before).',
  },
};

export interface ScenarioDef {
  readonly comment: string;
  readonly flags: string[];
  readonly specRefs: string[];
  readonly target: TargetSpec;
  readonly actors: ActorSpec[];
  readonly sockets: string[];
  readonly steps: Step[];
}

export interface FileDef {
  readonly name: string;
  readonly algorithm: string;
  readonly header: string[];
  readonly label: string;
  readonly scenarios: ScenarioDef[];
}

/** The JSON object of one scenario file. */
export function buildFile(f: FileDef): ScenarioFile {
  const used = [...new Set(f.scenarios.flatMap((s) => s.flags))].sort();
  const notes: Record<string, ScenarioFile['notes'][string]> = {};
  for (const flag of used) {
    const note = NOTES[flag];
    if (note === undefined) throw new Error(`${f.name}: flag ${flag} has no note`);
    notes[flag] = note;
  }
  const tests: Scenario[] = f.scenarios.map((s, i) => {
    const refs = new Set([...s.specRefs, ...s.steps.flatMap((st) => ('expect' in st ? st.refs : []))]);
    return { tcId: i + 1, comment: s.comment, flags: s.flags, specRefs: [...refs].sort(byId), result: 'valid', target: s.target, actors: s.actors, sockets: s.sockets, steps: s.steps };
  });
  return {
    algorithm: f.algorithm,
    schema: 'saltwire_peer_scenario_v1',
    generatorVersion: GENERATOR_VERSION,
    specVersion: SPEC_VERSION,
    numberOfTests: tests.length,
    header: f.header,
    notes,
    testGroups: [{ type: 'PeerScenario', siteKey: seededKey(`${f.label}/site`), foreignSiteKey: seededKey(`${f.label}/foreign`), tests }],
  };
}

/** Orders "SW-10.2-1" after "SW-9.3-5": by section, subsection, number. */
function byId(a: string, b: string): number {
  const n = (s: string): number[] => s.slice(3).split(/[.-]/).map(Number);
  const [x, y] = [n(a), n(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
