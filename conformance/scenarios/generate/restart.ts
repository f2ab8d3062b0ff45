/**
 * restart.json: reboots of the runner's peer and restarts of the target (spec 12), with and without
 * a durable record of peer epochs, and replays of what was recorded before a restart.
 * @module
 */
import { appSend, datagram, DEV, device, deviceContact, event, F, hub, HUB, hubContact, mark, message, noMessage, reboot, restart, send, type FileDef, type ScenarioDef } from './dsl.js';

/** A device reboot seen by a hub target: the hint is answered in FULL with the echo, and the hub goes on in FULL. */
function deviceReboot(durable: boolean): ScenarioDef {
  const hint = durable ? [F.challenge, F.ping] : [F.challenge, F.ping, F.data('in-hint')];
  return {
    comment: durable
      ? 'device reboot seen by a hub target with durable peer epochs: the restart hint is answered at once in FULL with the echo, the restart is reported, and the hub stops using the old receiver index'
      : 'device reboot seen by a hub target with peer epochs in memory: the echo of first contact raised the floor, so the new epoch is fresh at once and data in the hint is delivered',
    flags: ['Restart', 'HubTarget', 'ShouldLevel', durable ? 'DurablePeerEpochs' : 'MemoryPeerEpochs'],
    specRefs: ['SW-9.3-5', 'SW-12.2-5', ...(durable ? [] : ['SW-12.3-7'])],
    target: hub({ durablePeerEpochs: durable }),
    actors: [DEV],
    sockets: ['A'],
    steps: [
      ...hubContact(),
      appSend('dev', 'before'),
      datagram('A', { text: 'before' }, ['SW-9.1-1']),
      reboot('dev'),
      send('dev', 'A', hint),
      datagram('A', { form: 'FULL', echo: 'mine' }, ['SW-12.2-5', 'SW-12.3-3', 'SW-11.2-3']),
      ...(durable ? [] : [message('dev', 'in-hint', ['SW-12.3-7', 'SW-9.3-7'])]),
      event('restart', 'dev', ['SW-12.2-5', 'SW-9.3-5'], { level: 'SHOULD' }),
      send('dev', 'A', [F.echoIfAny, F.data('after')]),
      message('dev', 'after'),
      appSend('dev', 'down'),
      datagram('A', { form: 'FULL', text: 'down' }, ['SW-12.2-5', 'SW-4.8-2']),
    ],
  };
}

/** The hub target restarts, then the device reboots too: fresh at once with a durable store, challenged without. */
function bothRestart(durable: boolean): ScenarioDef {
  const after = durable
    ? [message('dev', 'post-reboot', ['SW-12.1-2', 'SW-5.6-6', 'SW-5.6-3']), datagram('A', { echo: 'mine' }, ['SW-12.3-3', 'SW-11.2-3'])]
    : [
        datagram('A', { echo: 'mine' }, ['SW-12.3-3']),
        // its CHALLENGE may ride in the answer, or may have gone in the restart hint already (a target
        // that saved the device before the kill tells it at once, [SW-12.1-4]); no token twice within CHALLENGE_RETRY
        datagram('A', { includes: ['CHALLENGE'] }, ['SW-12.3-1', 'SW-12.1-4'], 1500, { since: 'restarted' }),
        noMessage(1000, ['SW-12.3-5', 'SW-5.6-3']),
        send('dev', 'A', [F.echo, F.data('after-echo')]),
        message('dev', 'after-echo', ['SW-12.3-4', 'SW-9.3-7']),
        noMessage(300, ['SW-12.3-5', 'SW-12.3-4'], { text: 'post-reboot', since: 'restarted' }),
      ];
  return {
    comment: durable
      ? 'the hub target restarts (kill), then the device reboots: with durable peer epochs its new epoch is above the stored one, fresh at once, and delivered without a challenge'
      : 'the hub target restarts (kill), then the device reboots: with peer epochs in memory the new epoch is of unknown freshness, challenged, and delivered only after the echo',
    flags: ['Restart', 'TargetRestart', 'Freshness', 'HubTarget', durable ? 'DurablePeerEpochs' : 'MemoryPeerEpochs'],
    specRefs: ['SW-12.1-2', 'SW-5.6-6'],
    target: hub({ durablePeerEpochs: durable }),
    actors: [DEV],
    sockets: ['A'],
    steps: [
      ...hubContact(),
      send('dev', 'A', [F.data('pre')]),
      message('dev', 'pre'),
      restart('kill'),
      mark('restarted'),
      reboot('dev'),
      send('dev', 'A', [F.pad(64), F.challenge, F.ping, F.data('post-reboot')]),
      ...after,
    ],
  };
}

const replayAfterRestart: ScenarioDef = {
  comment: 'datagrams recorded before the hub target restarted are replayed after it: none is delivered, the target challenges, a replay of a replay gets no answer, and only data after the echo is delivered',
  flags: ['Replay', 'TargetRestart', 'Freshness', 'HubTarget'],
  specRefs: ['SW-12.3-5', 'SW-9.3-6'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'V'],
  steps: [
    ...hubContact(),
    send('dev', 'A', [F.data('pre-1')], { record: 'r1' }),
    message('dev', 'pre-1'),
    send('dev', 'A', [F.data('pre-2')], { record: 'r2' }),
    message('dev', 'pre-2'),
    restart('kill'),
    mark('restarted'),
    { do: 'replay', record: 'r1', from: 'A' },
    { do: 'replay', record: 'r2', from: 'A' },
    datagram('A', { includes: ['CHALLENGE'] }, ['SW-12.3-1']),
    noMessage(1200, ['SW-12.3-5', 'SW-9.3-6'], { since: 'restarted' }),
    { do: 'replay', record: 'r1', from: 'V' },
    { expect: 'nothing', to: 'V', forMs: 1000, refs: ['SW-6.3-1', 'SW-5.4-1'] },
    send('dev', 'A', [F.echo, F.data('post')]),
    message('dev', 'post', ['SW-12.3-4', 'SW-9.3-7']),
    noMessage(300, ['SW-12.3-4', 'SW-12.3-5'], { text: 'pre-1', since: 'restarted' }),
    noMessage(0, ['SW-12.3-4', 'SW-12.3-5'], { text: 'pre-2', since: 'restarted' }),
  ],
};

const hubRestartHint: ScenarioDef = {
  comment: 'the hub target exits and starts again on its state: it tells its remembered device at once (FULL, PING, CHALLENGE, new epoch), and the conversation resumes within a round trip',
  flags: ['Restart', 'TargetRestart', 'HubTarget', 'ShouldLevel'],
  specRefs: ['SW-12.2-1', 'SW-12.2-3'],
  target: hub(),
  actors: [DEV],
  sockets: ['A'],
  steps: [
    ...hubContact(),
    restart('exit'),
    datagram('A', { form: 'FULL', includes: ['PING', 'CHALLENGE'], newEpoch: true }, ['SW-12.2-1', 'SW-12.2-3', 'SW-12.1-1'], 3000, { level: 'SHOULD' }),
    send('dev', 'A', [F.echoIfAny, F.challenge, F.ping]),
    datagram('A', { echo: 'mine', newEpoch: true, form: 'FULL' }, ['SW-12.3-3', 'SW-11.2-3', 'SW-12.2-1', 'SW-4.8-3']),
    send('dev', 'A', [F.echoIfAny, F.data('back')]),
    message('dev', 'back', ['SW-12.3-4', 'SW-9.3-7']),
  ],
};

const deviceRestartHint: ScenarioDef = {
  comment: 'the device target is killed and restarted: it begins a new epoch, tells its configured hub at once (FULL, PING, CHALLENGE), sends in FULL under the new epoch, and answers a PING',
  flags: ['Restart', 'TargetRestart', 'DeviceTarget', 'ShouldLevel'],
  specRefs: ['SW-12.2-1', 'SW-5.2-9'],
  target: device(),
  actors: [HUB],
  sockets: ['H'],
  steps: [
    ...deviceContact(),
    restart('kill'),
    datagram('H', { form: 'FULL', includes: ['PING', 'CHALLENGE'], newEpoch: true }, ['SW-12.2-1', 'SW-12.3-6'], 3000, { level: 'SHOULD' }),
    appSend('hub', 'after-restart'),
    datagram('H', { form: 'FULL', text: 'after-restart', newEpoch: true }, ['SW-12.2-1', 'SW-5.2-9', 'SW-4.8-3']),
    send('hub', 'H', [F.echoIfAny, F.ping]),
    datagram('H', {}, ['SW-11.2-3']),
    event('reachable', 'hub', ['SW-11.3-1'], { level: 'SHOULD' }),
  ],
};

const hubReboot: ScenarioDef = {
  comment: 'hub reboot seen by a device target: the hub hint (FULL, PING, CHALLENGE, new epoch) is answered at once in FULL with the echo, the restart is reported, and the device sends FULL until it gets a new INDEX',
  flags: ['Restart', 'DeviceTarget', 'ShouldLevel'],
  specRefs: ['SW-12.2-1', 'SW-12.2-5'],
  target: device(),
  actors: [HUB],
  sockets: ['H'],
  steps: [
    ...deviceContact(),
    appSend('hub', 'before'),
    datagram('H', { text: 'before' }, ['SW-9.1-1']),
    reboot('hub'),
    send('hub', 'H', [F.challenge, F.ping]),
    datagram('H', { form: 'FULL', echo: 'mine' }, ['SW-12.2-5', 'SW-12.3-3', 'SW-11.2-3']),
    event('restart', 'hub', ['SW-12.2-5', 'SW-9.3-5'], { level: 'SHOULD' }),
    send('hub', 'H', [F.echoIfAny]),
    appSend('hub', 'after'),
    datagram('H', { form: 'FULL', text: 'after' }, ['SW-12.2-5', 'SW-4.8-2']),
  ],
};

export const restartFile: FileDef = {
  name: 'restart.json',
  algorithm: 'Saltwire peer layer scenarios: restarts and reboots',
  label: 'restart',
  header: [
    'Reboots of the runner\'s peer (a new epoch, indexes and tokens forgotten) and restarts of the target on carried-over state (spec 12).',
    'A reboot by the runner sends the restart hint of [SW-12.2-1]: a FULL datagram of the new epoch with CHALLENGE and PING.',
  ],
  scenarios: [deviceReboot(true), deviceReboot(false), bothRestart(true), bothRestart(false), replayAfterRestart, hubRestartHint, deviceRestartHint, hubReboot],
};
