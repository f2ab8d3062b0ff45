/**
 * answers.json: what gets an answer and what gets none. Junk, forgeries, replays and malformed
 * frames get nothing at all [SW-6.3-1]; a PING gets an authenticated datagram at once [SW-11.2-3];
 * a datagram that asks for nothing gets nothing [SW-9.4-5]; a silent peer is probed with PING and
 * CHALLENGE, and only an echo ends the probing [SW-11.2-6].
 * @module
 */
import type { JunkKind, LivenessSpec } from '../../runner/scenario.js';
import { datagram, DEV, device, deviceContact, event, F, hub, HUB, hubContact, mark, message, noEvent, noMessage, nothing, send, wait, type FileDef, type ScenarioDef } from './dsl.js';

const ALL_JUNK: JunkKind[] = ['random', 'bad-version', 'bad-form', 'bad-flags', 'flip-tag', 'truncated', 'appended', 'epoch-zero', 'self-id', 'unknown-index', 'too-large'];
const JUNK_REFS = ['SW-6.3-1', 'SW-4.2-2', 'SW-4.3-1', 'SW-4.3-2', 'SW-4.4-1', 'SW-4.5-2', 'SW-4.10-1', 'SW-3.5-3'];

const junkHub: ScenarioDef = {
  comment: 'junk, forgeries, a replay and an authentic datagram with a malformed frame, from a new address, each asking for an answer: a hub target sends nothing at all, delivers nothing, and still answers its device afterwards',
  flags: ['Silence', 'Replay', 'HubTarget'],
  specRefs: ['SW-6.3-1', 'SW-4.7-5', 'SW-10.1-1'],
  target: hub(),
  actors: [DEV, { name: 'stranger', id: 'sensor-9', key: 'foreign' }],
  sockets: ['A', 'J'],
  steps: [
    ...hubContact(),
    send('dev', 'A', [F.ping], { record: 'p' }),
    datagram('A', {}, ['SW-11.2-3']),
    wait(300),
    mark('junk'),
    { do: 'junk', as: 'dev', from: 'J', kinds: ALL_JUNK },
    send('stranger', 'J', [F.challenge, F.ping]),
    { do: 'replay', record: 'p', from: 'J' },
    send('dev', 'J', [F.ping, F.challenge, F.raw('ff')]),
    nothing('any', 1500, [...JUNK_REFS, 'SW-5.4-1', 'SW-4.7-5'], { since: 'junk' }),
    noMessage(0, ['SW-6.3-1'], { since: 'junk' }),
    send('dev', 'A', [F.ping], { form: 'auto' }),
    datagram('A', {}, ['SW-11.2-3', 'SW-6.3-1']),
  ],
};

const junkDevice: ScenarioDef = {
  comment: 'a device target gets junk, a datagram from an id it has no key for, and one from its hub id under a foreign key, each asking for an answer: it sends nothing at all',
  flags: ['Silence', 'DeviceTarget'],
  specRefs: ['SW-6.3-1', 'SW-6.1-2'],
  target: device(),
  actors: [HUB, { name: 'other', id: 'hub-2' }, { name: 'imposter', id: 'hub', key: 'foreign' }],
  sockets: ['H', 'J'],
  steps: [
    ...deviceContact(),
    mark('junk'),
    { do: 'junk', as: 'hub', from: 'J', kinds: ['random', 'bad-version', 'flip-tag', 'truncated', 'self-id', 'unknown-index'] },
    send('other', 'J', [F.challenge, F.ping]),
    send('imposter', 'J', [F.challenge, F.ping]),
    send('imposter', 'H', [F.challenge, F.ping]),
    nothing('any', 1500, ['SW-6.3-1', 'SW-6.1-2', 'SW-4.5-2', 'SW-3.6-2'], { since: 'junk' }),
    noMessage(0, ['SW-6.3-1'], { since: 'junk' }),
  ],
};

const pingHub: ScenarioDef = {
  comment: 'a PING alone, and a PING with data, each get an authenticated datagram from the hub target at once',
  flags: ['Liveness', 'HubTarget'],
  specRefs: ['SW-11.2-3'],
  target: hub(),
  actors: [DEV],
  sockets: ['A'],
  steps: [
    ...hubContact(),
    send('dev', 'A', [F.ping], { form: 'auto' }),
    datagram('A', {}, ['SW-11.2-3', 'SW-9.3-4'], 1000),
    send('dev', 'A', [F.ping, F.data('with-ping')], { form: 'auto' }),
    datagram('A', {}, ['SW-11.2-3', 'SW-9.3-4'], 1000),
    message('dev', 'with-ping'),
  ],
};

const pingDevice: ScenarioDef = {
  comment: 'a PING from its hub gets an authenticated datagram from the device target at once',
  flags: ['Liveness', 'DeviceTarget'],
  specRefs: ['SW-11.2-3'],
  target: device(),
  actors: [HUB],
  sockets: ['H'],
  steps: [...deviceContact(), send('hub', 'H', [F.ping], { form: 'auto' }), datagram('H', {}, ['SW-11.2-3', 'SW-9.3-4'], 1000)],
};

const asksNothing: ScenarioDef = {
  comment: 'SHORT datagrams that ask for nothing (data alone, empty, an ECHO of an unknown token, an INDEX) get no answer from the hub target',
  flags: ['Silence', 'HubTarget'],
  specRefs: ['SW-9.4-5'],
  target: hub(),
  actors: [DEV],
  sockets: ['A'],
  steps: [
    ...hubContact(),
    mark('quiet'),
    send('dev', 'A', [F.data('quiet')], { form: 'SHORT' }),
    message('dev', 'quiet'),
    send('dev', 'A', [], { form: 'SHORT' }),
    send('dev', 'A', [F.echoRandom], { form: 'SHORT' }),
    send('dev', 'A', [F.index], { form: 'SHORT' }),
    nothing('A', 1500, ['SW-9.4-5'], { since: 'quiet' }),
  ],
};

/**
 * Short timers so that probing starts, and the peer becomes unreachable, within a couple of seconds.
 * Every probe interval is at least CHALLENGE_RETRY (1 s): with a shorter one, "every probe carries a
 * CHALLENGE" [SW-11.2-6] and "resend the token at most every CHALLENGE_RETRY" [SW-12.3-2] could not
 * both hold (a spec gap, see conformance/README.md).
 */
const FAST: LivenessSpec = { keepaliveMs: 0, probeAfterMs: 700, probeIntervalMs: 1000, probeMaxIntervalMs: 1000, unreachableAfterMs: 1500, recoveryIntervalMs: 1000 };
/** A probe: a PING the target sends unprompted; it MUST carry a CHALLENGE [SW-11.2-6]. */
const PING_WITHOUT_CHALLENGE = { includes: ['PING' as const], excludes: ['CHALLENGE' as const] };

const probes: ScenarioDef = {
  comment: 'the hub falls silent: the device target probes it, every probe with PING and CHALLENGE, declares it unreachable, keeps probing, is not fooled by a genuine datagram without the echo, and only the echo makes the hub reachable again',
  flags: ['Liveness', 'DeviceTarget', 'ShouldLevel'],
  specRefs: ['SW-11.2-1', 'SW-11.2-6', 'SW-11.3-1', 'SW-11.3-3'],
  target: device({ liveness: FAST }),
  actors: [HUB],
  sockets: ['H'],
  steps: [
    ...deviceContact(),
    mark('quiet'),
    datagram('H', { includes: ['PING', 'CHALLENGE'] }, ['SW-11.2-1', 'SW-11.2-6'], 700 + 1500, { since: 'quiet' }),
    event('unreachable', 'hub', ['SW-11.3-1'], { level: 'SHOULD', since: 'quiet', within: 700 + 1500 + 1500 }),
    send('hub', 'H', [F.data('no-echo')], { form: 'auto' }),
    noEvent('reachable', 1200, ['SW-11.2-6', 'SW-11.2-4']),
    datagram('H', { includes: ['PING', 'CHALLENGE'] }, ['SW-11.3-3', 'SW-11.2-6'], 1500),
    send('hub', 'H', [F.echo], { form: 'auto' }),
    event('reachable', 'hub', ['SW-11.2-6', 'SW-11.3-1'], { level: 'SHOULD', within: 1000 }),
    nothing('H', 500, ['SW-11.2-6'], { match: { includes: ['PING'] } }),
    // last, so that a target failing it has gone through the whole scenario
    nothing('H', 0, ['SW-11.2-6'], { since: 'quiet', match: PING_WITHOUT_CHALLENGE }),
  ],
};

export const answersFile: FileDef = {
  name: 'answers.json',
  algorithm: 'Saltwire peer layer scenarios: answers and silence',
  label: 'answers',
  header: [
    'What a target answers (PING [SW-11.2-3]), probes (spec 11.2), and what it never answers: any datagram dropped by spec 6.1 [SW-6.3-1], and any that asks for nothing [SW-9.4-5].',
    'Junk kinds are built at run time from a genuine datagram of the actor that carries PING and CHALLENGE (conformance/runner/junk.ts).',
  ],
  scenarios: [junkHub, junkDevice, pingHub, pingDevice, asksNothing, probes],
};
