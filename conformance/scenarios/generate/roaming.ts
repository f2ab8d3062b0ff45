/**
 * roaming.json: the path follows the peer to a new address only once that address echoed a token
 * sent there, spoofed copies gain an attacker a challenge within 3x and take nothing from the
 * validated path, and datagrams of unknown freshness move nothing (spec 10, 9.3-6).
 * @module
 */
import { appSend, budget, datagram, DEV, device, deviceContact, event, F, hub, HUB, hubContact, mark, message, noMessage, nothing, replay, restart, send, wait, type FileDef, type ScenarioDef } from './dsl.js';

const newPort: ScenarioDef = {
  comment: 'the device roams to a new port: its fresh datagram is delivered and makes the new address the candidate; the hub target challenges it at once within 3x with a token of its own and pings the validated address, where everything keeps going; the echo from the new address moves the path there, and the old address gets nothing after',
  flags: ['Roaming', 'HubTarget', 'PathFollows'],
  specRefs: ['SW-10.1-1', 'SW-10.1-2', 'SW-10.1-8', 'SW-10.2-6', 'SW-10.2-7'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'B'],
  steps: [
    ...hubContact(),
    mark('moved'),
    send('dev', 'B', [F.pad(100), F.data('from-b')], { form: 'auto' }),
    message('dev', 'from-b', ['SW-9.3-7', 'SW-10.1-8']),
    datagram('B', { includes: ['CHALLENGE'], excludes: ['DATAGRAM'] }, ['SW-10.2-6', 'SW-10.1-2']),
    datagram('A', { includes: ['PING'] }, ['SW-10.2-7']),
    budget('B', ['SW-10.3-1', 'SW-10.3-2'], 'moved'),
    appSend('dev', 'still-a'),
    datagram('A', { text: 'still-a' }, ['SW-10.1-8']),
    nothing('B', 200, ['SW-10.1-8', 'SW-10.2-6'], { since: 'moved', match: { includes: ['DATAGRAM'] } }),
    send('dev', 'B', [F.echo], { form: 'auto' }),
    mark('validated'),
    appSend('dev', 'to-b'),
    datagram('B', { text: 'to-b' }, ['SW-10.2-6', 'SW-10.2-3']),
    // reporting the move is not required: the event, if the target reports it, must name B, validated
    event('address', 'dev', ['SW-10.2-6'], { socket: 'B', validated: true, level: 'SHOULD', since: 'moved' }),
    nothing('A', 500, ['SW-10.2-6', 'SW-10.1-2'], { since: 'validated' }),
  ],
};

const spoofed: ScenarioDef = {
  comment: 'an attacker withholds a fresh datagram of the device and sends it from a victim address: the victim gets the challenge of a candidate and at most 3x the bytes, never data; everything keeps going to the validated address; after VALIDATION_TIMEOUT the candidate is forgotten and the victim gets nothing more',
  flags: ['Spoofing', 'Roaming', 'HubTarget', 'PathFollows'],
  specRefs: ['SW-10.1-8', 'SW-10.2-6', 'SW-10.2-7', 'SW-10.3-1'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'V'],
  steps: [
    ...hubContact(),
    send('dev', 'A', [F.pad(40), F.data('withheld')], { form: 'auto', record: 'w', withhold: true }),
    mark('spoof'),
    replay('w', 'V'),
    datagram('V', { includes: ['CHALLENGE'], excludes: ['DATAGRAM'] }, ['SW-10.2-6']),
    appSend('dev', 'bulk-'.repeat(60), 8),
    datagram('A', { text: 'bulk-'.repeat(60) }, ['SW-10.1-8']),
    wait(600),
    budget('V', ['SW-10.3-1', 'SW-10.3-2'], 'spoof'),
    nothing('V', 0, ['SW-10.1-8', 'SW-10.2-6'], { since: 'spoof', match: { includes: ['DATAGRAM'] } }),
    wait({ const: 'VALIDATION_TIMEOUT', plusMs: 600 }),
    mark('forgotten'),
    budget('V', ['SW-10.3-1'], 'spoof'),
    appSend('dev', 'after-timeout'),
    datagram('A', { text: 'after-timeout' }, ['SW-10.1-8']),
    nothing('V', 1500, ['SW-10.2-7'], { since: 'forgotten' }),
  ],
};

const copyThenOriginal: ScenarioDef = {
  comment: 'an attacker copies a fresh datagram of the device and gets the copy there first from another address; the original is then a duplicate, and the device\'s next datagram from its validated address ends the candidate: the copy\'s address gets the one challenge and nothing after',
  flags: ['Spoofing', 'Roaming', 'HubTarget'],
  specRefs: ['SW-10.1-8', 'SW-10.2-7'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'V'],
  steps: [
    ...hubContact(),
    send('dev', 'A', [F.pad(40), F.data('copied')], { form: 'auto', record: 'c', withhold: true }),
    replay('c', 'V'),
    message('dev', 'copied', ['SW-9.3-7']),
    datagram('V', { includes: ['CHALLENGE'] }, ['SW-10.2-6']),
    replay('c', 'A'), // the original, late: a duplicate
    send('dev', 'A', [F.data('next')], { form: 'auto' }),
    message('dev', 'next', ['SW-9.3-7']),
    mark('ended'),
    appSend('dev', 'to-a'),
    datagram('A', { text: 'to-a' }, ['SW-10.1-8']),
    nothing('V', 1500, ['SW-10.2-7'], { since: 'ended' }),
    noMessage(0, ['SW-5.4-1'], { text: 'copied', since: 'ended' }), // the late original was a duplicate
  ],
};

const unknownElsewhere: ScenarioDef = {
  comment: 'after the hub target restarts, datagrams of unknown freshness arrive from the device address and from another one: neither is delivered, the other address gets the challenge within 3x but not the path, and only the echo from there moves the path (at once if the restarted target kept no validated address, after a candidate challenge if it did)',
  flags: ['Roaming', 'Freshness', 'TargetRestart', 'HubTarget', 'PathFollows'],
  specRefs: ['SW-10.1-6', 'SW-9.3-6'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'B'],
  steps: [
    ...hubContact(),
    restart('kill'),
    mark('restarted'),
    send('dev', 'A', [F.pad(200), F.data('u1')]),
    datagram('A', { includes: ['CHALLENGE'] }, ['SW-12.3-1']),
    mark('b'),
    send('dev', 'B', [F.pad(40), F.data('u2')]),
    datagram('B', { includes: ['CHALLENGE'] }, ['SW-10.1-6', 'SW-12.3-1']),
    budget('B', ['SW-10.1-6'], 'b'),
    appSend('dev', 'still-a'),
    datagram('A', { text: 'still-a' }, ['SW-10.1-6', 'SW-9.3-6']),
    nothing('B', 300, ['SW-10.1-6', 'SW-9.3-6'], { since: 'b', match: { includes: ['DATAGRAM'] } }),
    noMessage(0, ['SW-12.3-5'], { since: 'restarted' }),
    send('dev', 'B', [F.echo, F.data('u3')]),
    message('dev', 'u3', ['SW-12.3-4', 'SW-9.3-7']),
    wait(200),
    send('dev', 'B', [F.echoIfAny]), // the candidate's token, if the target kept A validated [SW-10.2-6]
    appSend('dev', 'now-b'),
    datagram('B', { text: 'now-b' }, ['SW-10.1-6', 'SW-10.2-2', 'SW-10.2-6']),
    noMessage(0, ['SW-12.3-4'], { text: 'u1', since: 'restarted' }),
    noMessage(0, ['SW-12.3-4'], { text: 'u2', since: 'restarted' }),
  ],
};

const hubMoves: ScenarioDef = {
  comment: 'the hub of a device target moves to a new port: its fresh datagram makes the new address the candidate, the device challenges it at once within 3x and pings the configured address; the echo from the new address moves the path there, and the configured address gets nothing after',
  flags: ['Roaming', 'DeviceTarget', 'PathFollows'],
  specRefs: ['SW-10.1-2', 'SW-10.1-8', 'SW-10.2-6', 'SW-10.2-7'],
  target: device(),
  actors: [HUB],
  sockets: ['H', 'H2'],
  steps: [
    ...deviceContact(),
    mark('moved'),
    send('hub', 'H2', [F.pad(100), F.data('from-h2')], { form: 'auto' }),
    message('hub', 'from-h2', ['SW-9.3-7']),
    datagram('H2', { includes: ['CHALLENGE'] }, ['SW-10.2-6', 'SW-10.1-2']),
    datagram('H', { includes: ['PING'] }, ['SW-10.2-7']),
    budget('H2', ['SW-10.3-1', 'SW-10.3-2'], 'moved'),
    send('hub', 'H2', [F.echo], { form: 'auto' }),
    mark('validated'),
    appSend('hub', 'to-h2'),
    datagram('H2', { text: 'to-h2' }, ['SW-10.2-6']),
    nothing('H', 500, ['SW-10.2-6', 'SW-10.1-2'], { since: 'validated' }),
  ],
};

export const roamingFile: FileDef = {
  name: 'roaming.json',
  algorithm: 'Saltwire peer layer scenarios: roaming and path validation',
  label: 'roaming',
  header: [
    'The runner\'s device moves between its sockets (a new port, as after a NAT rebinding) and an attacker resends its datagrams from a victim socket (spec 10).',
    'A victim socket never answers: it cannot echo a challenge.',
  ],
  scenarios: [newPort, spoofed, copyThenOriginal, unknownElsewhere, hubMoves],
};
