/**
 * first_contact.json: a device the hub target has never heard from (spec 5.6, 10.1-3, 12.3).
 * @module
 */
import { budget, datagram, DEV, F, hub, message, noMessage, send, type FileDef, type ScenarioDef } from './dsl.js';

const challenged: ScenarioDef = {
  comment: 'first contact with a hub target that keeps peer epochs in memory: the first datagram is of unknown freshness, not delivered, and challenged at once within 3x; the echo makes the next datagram fresh, and the first is never delivered',
  flags: ['Freshness', 'HubTarget', 'MemoryPeerEpochs'],
  specRefs: ['SW-12.3-1', 'SW-12.3-5', 'SW-5.6-6'],
  target: hub({ durablePeerEpochs: false }),
  actors: [DEV],
  sockets: ['A'],
  steps: [
    send('dev', 'A', [F.pad(100), F.data('first')]),
    datagram('A', { includes: ['CHALLENGE'] }, ['SW-12.3-1', 'SW-9.3-4']),
    budget('A', ['SW-10.3-1', 'SW-10.1-3']),
    noMessage(800, ['SW-12.3-5', 'SW-5.6-3']),
    send('dev', 'A', [F.echo, F.data('second')]),
    message('dev', 'second', ['SW-12.3-4', 'SW-9.3-7']),
    noMessage(300, ['SW-12.3-5', 'SW-12.3-4'], { text: 'first', since: 'start' }),
  ],
};

const zeroRtt: ScenarioDef = {
  comment: 'first contact with a hub target whose peer-epoch store is complete (durable since provisioning): the first datagram is fresh and delivered at once, and the unvalidated first address gets at most 3x',
  flags: ['Freshness', 'HubTarget', 'DurablePeerEpochs', 'ShouldLevel'],
  specRefs: ['SW-5.6-6', 'SW-10.1-3'],
  target: hub({ durablePeerEpochs: true }),
  actors: [DEV],
  sockets: ['A'],
  steps: [
    send('dev', 'A', [F.pad(100), F.data('zero-rtt')]),
    message('dev', 'zero-rtt', ['SW-5.6-6', 'SW-5.6-3', 'SW-9.3-7']),
    datagram('A', { includes: ['CHALLENGE'] }, ['SW-12.3-8', 'SW-10.1-3'], 1500, { level: 'SHOULD' }),
    budget('A', ['SW-10.3-1', 'SW-10.1-3']),
  ],
};

export const firstContactFile: FileDef = {
  name: 'first_contact.json',
  algorithm: 'Saltwire peer layer scenarios: first contact',
  label: 'first-contact',
  header: ['The runner\'s device sends its first datagram to a hub target that has never heard from it (spec 5.6-2, 10.1-3, 12.3).'],
  scenarios: [challenged, zeroRtt],
};
