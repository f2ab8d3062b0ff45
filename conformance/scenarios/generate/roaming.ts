/**
 * roaming.json: the path follows the peer to a new address only after validation, spoofed copies
 * gain an attacker at most 3x, and datagrams of unknown freshness move nothing (spec 10, 9.3-6).
 * @module
 */
import { appSend, budget, datagram, DEV, device, deviceContact, event, F, hub, HUB, hubContact, mark, message, noMessage, nothing, replay, restart, send, wait, type FileDef, type ScenarioDef } from './dsl.js';

const newPort: ScenarioDef = {
  comment: 'the device roams to a new port: its fresh datagram is delivered, the hub target challenges the new address at once within 3x, the echo from there validates it, data follows, and the old address gets nothing',
  flags: ['Roaming', 'HubTarget', 'PathFollows'],
  specRefs: ['SW-10.1-1', 'SW-10.1-2', 'SW-10.2-1', 'SW-10.2-2'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'B'],
  steps: [
    ...hubContact(),
    mark('moved'),
    send('dev', 'B', [F.pad(100), F.data('from-b')], { form: 'auto' }),
    message('dev', 'from-b', ['SW-9.3-2']),
    datagram('B', { includes: ['CHALLENGE'] }, ['SW-10.2-1', 'SW-10.1-2']),
    budget('B', ['SW-10.3-1', 'SW-10.3-2'], 'moved'),
    send('dev', 'B', [F.echo], { form: 'auto' }),
    appSend('dev', 'to-b'),
    datagram('B', { text: 'to-b' }, ['SW-10.2-2', 'SW-10.2-3']),
    // reporting the validated path is not required: the event, if the target reports it, must name B
    event('address', 'dev', ['SW-10.2-2'], { socket: 'B', validated: true, level: 'SHOULD', since: 'moved' }),
    nothing('A', 500, ['SW-10.2-5', 'SW-10.1-2'], { since: 'moved' }),
  ],
};

const spoofed: ScenarioDef = {
  comment: 'an attacker withholds a fresh datagram of the device and sends it from a victim address: the victim gets the challenge and at most 3x the bytes, nothing goes to the old address, and after VALIDATION_TIMEOUT the hub target is back on the validated address',
  flags: ['Spoofing', 'Roaming', 'HubTarget', 'PathFollows'],
  specRefs: ['SW-10.2-5', 'SW-10.3-1'],
  target: hub(),
  actors: [DEV],
  sockets: ['A', 'V'],
  steps: [
    ...hubContact(),
    send('dev', 'A', [F.pad(40), F.data('withheld')], { form: 'auto', record: 'w', withhold: true }),
    mark('spoof'),
    replay('w', 'V'),
    datagram('V', { includes: ['CHALLENGE'] }, ['SW-10.2-1']),
    appSend('dev', 'bulk-'.repeat(60), 8),
    wait(600),
    budget('V', ['SW-10.3-1', 'SW-10.3-2'], 'spoof'),
    wait({ const: 'VALIDATION_TIMEOUT', plusMs: 600 }),
    nothing('A', 0, ['SW-10.2-5'], { since: 'spoof' }),
    budget('V', ['SW-10.3-1'], 'spoof'),
    appSend('dev', 'after-fallback'),
    datagram('A', { text: 'after-fallback' }, ['SW-10.2-5']),
    nothing('V', 300, ['SW-10.2-5'], { match: { text: 'after-fallback' } }),
  ],
};

const unknownElsewhere: ScenarioDef = {
  comment: 'after the hub target restarts, datagrams of unknown freshness arrive from the device address and from another one: neither is delivered, the other address gets the challenge within 3x but not the path, and only the echo from there moves the path',
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
    message('dev', 'u3', ['SW-12.3-4', 'SW-9.3-2']),
    appSend('dev', 'now-b'),
    datagram('B', { text: 'now-b' }, ['SW-10.1-6', 'SW-10.2-2']),
    noMessage(0, ['SW-12.3-4'], { text: 'u1', since: 'restarted' }),
    noMessage(0, ['SW-12.3-4'], { text: 'u2', since: 'restarted' }),
  ],
};

const hubMoves: ScenarioDef = {
  comment: 'the hub of a device target moves to a new port: its fresh datagram moves the path, the device challenges the new address at once within 3x, the echo validates it, data follows, and the configured address gets nothing more',
  flags: ['Roaming', 'DeviceTarget', 'PathFollows'],
  specRefs: ['SW-10.1-2', 'SW-10.2-1', 'SW-10.2-2', 'SW-10.2-5'],
  target: device(),
  actors: [HUB],
  sockets: ['H', 'H2'],
  steps: [
    ...deviceContact(),
    mark('moved'),
    send('hub', 'H2', [F.pad(100), F.data('from-h2')], { form: 'auto' }),
    message('hub', 'from-h2', ['SW-9.3-2']),
    datagram('H2', { includes: ['CHALLENGE'] }, ['SW-10.2-1', 'SW-10.1-2']),
    budget('H2', ['SW-10.3-1', 'SW-10.3-2'], 'moved'),
    send('hub', 'H2', [F.echo], { form: 'auto' }),
    appSend('hub', 'to-h2'),
    datagram('H2', { text: 'to-h2' }, ['SW-10.2-2']),
    nothing('H', 500, ['SW-10.2-5', 'SW-10.1-2'], { since: 'moved' }),
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
  scenarios: [newPort, spoofed, unknownElsewhere, hubMoves],
};
