/**
 * datagram_open.json: the receive path of spec 6 against a stated receiver configuration and state.
 * Expectations are computed by the SDK's Receiver and verified independently by check/independent.
 */
import {
  deriveDeviceKey,
  deriveTrafficKey,
  encodeFrames,
  encodeFullHeader,
  encodeShortHeader,
  sealDatagram,
  selfTrafficKeyForVectors,
  writeU32ForVectors,
} from './wire-helpers.js';
import { buildReceiver, NOW, renderOpen, type OpenGroup } from '../sdk-adapter.js';
import { hex, Seeded, suite, text, VectorFile } from './common.js';

export function openVectors(): VectorFile {
  const f = new VectorFile(
    'datagram_open.json',
    'Saltwire datagram receive path',
    'saltwire_open_schema_v1',
    [
      'Each test starts from the group state. valid: the datagram is accepted with `expected`;',
      'invalid: it is dropped, silently, with `reason` (the first failing check of spec 6.1).',
    ],
    {
      Normal: { bugType: 'BASIC', description: 'A datagram the receiver must accept.' },
      Boundary: { bugType: 'EDGE_CASE', description: 'Window edge, last counter, largest datagram, generation in grace.' },
      Freshness: { bugType: 'FUNCTIONALITY', description: 'Freshness classification after receiver state loss (spec 5.6).' },
      HeaderBitFlip: { bugType: 'MODIFIED_PARAMETER', description: 'One bit of the clear header flipped [SW-4.5-2].' },
      TagFlip: { bugType: 'AUTH_BYPASS', description: 'One bit of the Poly1305 tag flipped.' },
      CiphertextFlip: { bugType: 'AUTH_BYPASS', description: 'One bit of the ciphertext flipped.' },
      Truncated: { bugType: 'MODIFIED_PARAMETER', description: 'The datagram cut to a shorter length.' },
      Appended: { bugType: 'MODIFIED_PARAMETER', description: 'One byte appended.' },
      WrongKeyId: { bugType: 'AUTH_BYPASS', description: 'Unknown sender, unknown generation or wrong key.' },
      RetiredGeneration: { bugType: 'AUTH_BYPASS', description: 'A generation past its grace period [SW-3.6-1].' },
      Reflected: { bugType: 'AUTH_BYPASS', description: 'A datagram sent back to its own sender [SW-3.5-2].' },
      Redirected: { bugType: 'AUTH_BYPASS', description: 'A datagram delivered to a receiver it was not sealed for [SW-3.5-2].' },
      Replayed: { bugType: 'AUTH_BYPASS', description: 'A counter already accepted, or too old for the window.' },
      EpochRollback: { bugType: 'AUTH_BYPASS', description: 'An epoch lower than the highest seen [SW-5.5-1].' },
      CounterLimit: { bugType: 'DEFINED', description: 'Counter 2^32-1 [SW-5.1-3].' },
      MalformedHeader: { bugType: 'MODIFIED_PARAMETER', description: 'A header that does not parse.' },
      PeerFrames: { bugType: 'FUNCTIONALITY', description: 'PING, CHALLENGE and ECHO frames of the peer layer [SW-9.4-1].' },
      MalformedFrames: { bugType: 'MODIFIED_PARAMETER', description: 'Authenticated, but the frames do not parse [SW-4.7-1].' },
      UnknownIndex: { bugType: 'MODIFIED_PARAMETER', description: 'A SHORT receiver index that is not assigned.' },
      TooLarge: { bugType: 'DEFINED', description: 'Longer than the receiver MAX_DATAGRAM [SW-4.10-1].' },
      ForgedEpoch: { bugType: 'AUTH_BYPASS', description: 'A higher epoch with a bad tag: dropped, and the epoch is not advanced.' },
      KeyCheckOrder: { bugType: 'DEFINED', description: 'Several key checks of step 7a or 7b fail; the first in the order of [SW-6.1-6] gives the reason.' },
      SelfAddressed: { bugType: 'AUTH_BYPASS', description: 'Sender id equal to the receiver id, sealed under the key a receiver without that check would derive [SW-3.5-3].' },
      ProvisioningOrder: { bugType: 'FUNCTIONALITY', description: 'The first pair key listed for a peer is its current generation [SW-3.6-9].' },
      ExplicitKeyWins: { bugType: 'AUTH_BYPASS', description: 'site+pairs keyring: a peer named by a provisioned pair key never gets a derived key [SW-3.8-3].' },
      KeyGone: { bugType: 'AUTH_BYPASS', description: 'A SHORT index whose (peer, generation) has no key or no accepted generation anymore [SW-6.1-7].' },
    },
  );
  const rnd = new Seeded('open');
  const site = rnd.bytes(32);
  const dk = (id: string, gen: number): Uint8Array => deriveDeviceKey(suite, site, id, gen);
  const dg = (s: string | Uint8Array): Uint8Array => encodeFrames([{ type: 'DATAGRAM', data: typeof s === 'string' ? text(s) : s }]);

  /** Seals with an explicit header: any counter or epoch, even ones a sender must refuse. */
  const seal = (pk: Uint8Array, s: string, r: string, form: 'FULL' | 'SHORT', gen: number, epoch: number, counter: number, index: number, pt: Uint8Array): Uint8Array => {
    const header = form === 'FULL' ? encodeFullHeader(gen, Math.max(epoch, 1), Math.min(counter, 0xfffffffe), s) : encodeShortHeader(index || 1, Math.min(counter, 0xfffffffe));
    if (form === 'FULL') writeU32ForVectors(header, 2, epoch);
    if (form === 'FULL') writeU32ForVectors(header, 6, counter);
    if (form === 'SHORT') writeU32ForVectors(header, 1, index);
    if (form === 'SHORT') writeU32ForVectors(header, 5, counter);
    return sealDatagram(suite, deriveTrafficKey(suite, pk, s, r, epoch), header, form, pt);
  };

  const addGroup = (g: OpenGroup) => {
    const add = f.group('OpenTest', { ...g });
    return (datagram: Uint8Array, flags: string[], specRefs: string[], comment: string, expect?: 'valid' | 'invalid') => {
      const out = renderOpen(buildReceiver(g, suite).open(datagram, NOW));
      if (expect !== undefined && out.result !== expect) throw new Error(`${comment}: expected ${expect}, got ${JSON.stringify(out)}`);
      add({ comment, flags, specRefs, datagram: hex(datagram), ...out });
    };
  };

  // ---- Group 1: a hub deriving keys from the site key ----
  const IDX = 0x0a0b0c0d;
  const hubGroup: OpenGroup = {
    receiver: 'hub',
    maxDatagram: 1500,
    windowSize: 1024,
    keyring: { mode: 'site', siteKey: hex(site) },
    generations: { 'sensor-1': { current: 1, previous: 0, previousInGrace: true }, 'old-dev': { current: 2, previous: 1, previousInGrace: false } },
    contexts: [
      { peer: 'sensor-1', gen: 1, maxEpoch: 7, floor: 6, top: 5000, seen: [4000, 4500, 4990, 5000], index: IDX },
      { peer: 'replayed-dev', gen: 0, maxEpoch: 100, floor: null, top: 3, seen: [3], index: null },
      { peer: 'old-dev', gen: 1, maxEpoch: 2, floor: 0, top: 5, seen: [5], index: 0x22222222 },
    ],
    persistedMaxEpochs: [{ peer: 'dev-p', gen: 0, maxEpoch: 5 }],
    durableMaxEpochs: false,
  };
  const hub = addGroup(hubGroup);
  const pk1 = dk('sensor-1', 1);
  const up = (form: 'FULL' | 'SHORT', epoch: number, counter: number, pt: Uint8Array = dg('21.5'), gen = 1, id = 'sensor-1', pk = pk1) =>
    seal(pk, id, 'hub', form, gen, epoch, counter, form === 'SHORT' ? IDX : 0, pt);
  const V = ['SW-6.1-1', 'SW-4.5-2'];
  const base = up('FULL', 7, 5001);
  const baseShort = up('SHORT', 7, 5002);
  hub(base, ['Normal'], [...V, 'SW-5.4-1'], 'FULL, current epoch, next counter', 'valid');
  hub(up('FULL', 7, 4999), ['Normal'], [...V, 'SW-5.4-1'], 'FULL, in window, not seen', 'valid');
  hub(up('FULL', 7, 5000 - 1023), ['Boundary'], ['SW-5.4-1'], 'FULL, W-1 behind the top: accepted', 'valid');
  hub(baseShort, ['Normal'], [...V, 'SW-4.4-1'], 'SHORT with the assigned index', 'valid');
  hub(up('SHORT', 7, 0xfffffffe), ['Boundary'], ['SW-5.1-3'], 'SHORT, last usable counter', 'valid');
  hub(up('FULL', 8, 0), ['Normal'], ['SW-5.5-2', 'SW-5.6-3'], 'FULL, next epoch (sender rebooted): accepted, fresh', 'valid');
  hub(up('FULL', 4000000, 3), ['Normal'], ['SW-5.5-2'], 'FULL, epoch jumps far ahead', 'valid');
  hub(up('FULL', 3, 0, dg('x'), 0, 'sensor-1', dk('sensor-1', 0)), ['Boundary'], ['SW-3.6-1'], 'previous generation within its grace period', 'valid');
  hub(seal(dk('new-device', 0), 'new-device', 'hub', 'FULL', 0, 1, 0, 0, dg('hello')), ['Freshness'], ['SW-5.3-2', 'SW-5.6-2'], 'first datagram of a never-seen device: freshness unknown', 'valid');
  hub(seal(dk('dev-p', 0), 'dev-p', 'hub', 'FULL', 0, 6, 0, 0, dg('x')), ['Freshness'], ['SW-5.6-2'], 'restarted hub, epoch above the persisted one: fresh', 'valid');
  hub(seal(dk('dev-p', 0), 'dev-p', 'hub', 'FULL', 0, 5, 9, 0, dg('x')), ['Freshness'], ['SW-5.6-2'], 'restarted hub, epoch equal to the persisted one: unknown', 'valid');
  hub(seal(dk('dev-p', 0), 'dev-p', 'hub', 'FULL', 0, 4, 9, 0, dg('x')), ['EpochRollback'], ['SW-5.5-1'], 'restarted hub, epoch below the persisted one', 'invalid');
  hub(seal(dk('replayed-dev', 0), 'replayed-dev', 'hub', 'FULL', 0, 101, 0, 0, dg('x')), ['Freshness'], ['SW-5.6-3'], 'context created without a floor: a higher epoch does not make it fresh', 'valid');
  hub(seal(dk('old-dev', 1), 'old-dev', 'hub', 'SHORT', 1, 2, 6, 0x22222222, dg('x')), ['RetiredGeneration'], ['SW-6.1-4', 'SW-3.6-1'], 'SHORT onto a context whose generation has expired', 'invalid');
  hub(sealDatagram(suite, rnd.bytes(32), encodeFullHeader(0, 1, 0, 'hub'), 'FULL', dg('x')), ['Reflected'], ['SW-3.5-3'], 'sender id equal to the receiver id', 'invalid');
  hub(up('FULL', 7, 5003, new Uint8Array(0)), ['Normal'], ['SW-4.7-1'], 'empty plaintext', 'valid');
  hub(up('FULL', 7, 5004, encodeFrames([{ type: 'INDEX', index: 77, gen: 0, epoch: 2 }, { type: 'DATAGRAM', data: text('a') }])), ['Normal'], ['SW-4.7-1', 'SW-4.8-2'], 'INDEX then DATAGRAM', 'valid');
  hub(up('FULL', 7, 5005, encodeFrames([{ type: 'PADDING', length: 7 }])), ['Normal'], ['SW-4.7-1'], 'padding only', 'valid');
  hub(up('FULL', 7, 5008, encodeFrames([{ type: 'PADDING', length: 3 }, { type: 'DATAGRAM', data: text('21.5') }])), ['Normal'], ['SW-4.7-1', 'SW-4.7-4'], 'padding before data', 'valid');
  hub(up('FULL', 7, 5009, encodeFrames([{ type: 'DATAGRAM', data: new Uint8Array(0) }])), ['Boundary'], ['SW-4.7-2'], 'empty DATAGRAM frame', 'valid');
  const big = up('FULL', 7, 5006, dg(rnd.bytes(1500 - 19 - 16 - 1)));
  hub(big, ['Boundary'], ['SW-4.10-1'], 'exactly MAX_DATAGRAM bytes', 'valid');
  hub(up('FULL', 7, 5007, dg(rnd.bytes(1500 - 19 - 16))), ['TooLarge'], ['SW-4.10-1'], 'MAX_DATAGRAM + 1 bytes', 'invalid');

  for (let bit = 0; bit < 19 * 8; bit++) {
    const d = base.slice();
    d[bit >> 3]! ^= 0x80 >> (bit & 7);
    hub(d, ['HeaderBitFlip'], ['SW-4.5-2', 'SW-6.1-1', 'SW-4.2-2'], `FULL header bit ${bit} (byte ${bit >> 3}) flipped`, 'invalid');
  }
  for (let bit = 0; bit < 9 * 8; bit++) {
    const d = baseShort.slice();
    d[bit >> 3]! ^= 0x80 >> (bit & 7);
    hub(d, ['HeaderBitFlip'], ['SW-4.5-2', 'SW-6.1-1'], `SHORT header bit ${bit} (byte ${bit >> 3}) flipped`, 'invalid');
  }
  for (const bit of [0, 63, 127]) {
    const d = base.slice();
    d[19 + (bit >> 3)]! ^= 0x80 >> (bit & 7);
    hub(d, ['TagFlip'], ['SW-4.5-2'], `tag bit ${bit} flipped`, 'invalid');
  }
  for (const at of [35, base.length - 1]) {
    const d = base.slice();
    d[at]! ^= 1;
    hub(d, ['CiphertextFlip'], ['SW-4.5-2'], `ciphertext byte ${at - 35} flipped`, 'invalid');
  }
  for (let n = 0; n < base.length; n++) hub(base.subarray(0, n), ['Truncated'], ['SW-4.3-1', 'SW-4.5-2'], `FULL datagram cut to ${n} bytes`, 'invalid');
  for (let n = 0; n < baseShort.length; n++) hub(baseShort.subarray(0, n), ['Truncated'], ['SW-4.4-1', 'SW-4.5-2'], `SHORT datagram cut to ${n} bytes`, 'invalid');
  for (const [d, which] of [[base, 'FULL'], [baseShort, 'SHORT']] as const) {
    const longer = new Uint8Array(d.length + 1);
    longer.set(d);
    hub(longer, ['Appended'], ['SW-4.5-2'], `${which} datagram with one zero byte appended`, 'invalid');
  }

  hub(up('FULL', 7, 5001, dg('x'), 5), ['WrongKeyId'], ['SW-3.6-1'], 'generation 5, above the current one', 'invalid');
  hub(up('FULL', 7, 5001, dg('x'), 1, 'sensor-1', dk('sensor-2', 1)), ['WrongKeyId'], ['SW-3.6-2', 'SW-4.5-2'], 'sealed with another device key', 'invalid');
  hub(seal(dk('old-dev', 0), 'old-dev', 'hub', 'FULL', 0, 1, 0, 0, dg('x')), ['RetiredGeneration'], ['SW-3.6-1'], 'generation older than previous', 'invalid');
  hub(seal(dk('old-dev', 1), 'old-dev', 'hub', 'FULL', 1, 1, 0, 0, dg('x')), ['RetiredGeneration'], ['SW-3.6-1', 'SW-3.6-4'], 'previous generation past its grace deadline', 'invalid');
  hub(seal(pk1, 'hub', 'sensor-1', 'FULL', 1, 7, 1, 0, dg('on')), ['Reflected'], ['SW-3.5-2'], 'hub-to-device datagram sent back to the hub', 'invalid');
  hub(seal(dk('sensor-1', 0), 'hub', 'sensor-1', 'FULL', 0, 7, 1, 0, dg('on')), ['Reflected'], ['SW-3.5-3', 'SW-6.1-6'], 'hub-to-device datagram at generation 0 sent back to the hub: its sender id is the hub\'s own id, dropped at step 7a (check 1) before any key is looked up', 'invalid');
  hub(up('FULL', 7, 5000), ['Replayed'], ['SW-5.4-1', 'SW-5.4-3'], 'counter equal to the top: replay', 'invalid');
  hub(up('FULL', 7, 4500), ['Replayed'], ['SW-5.4-1'], 'counter inside the window, already seen', 'invalid');
  hub(up('SHORT', 7, 4990), ['Replayed'], ['SW-5.4-1'], 'SHORT, counter already seen', 'invalid');
  hub(up('FULL', 7, 5000 - 1024), ['Replayed', 'Boundary'], ['SW-5.4-1'], 'exactly W behind the top: too old', 'invalid');
  hub(up('FULL', 7, 12), ['Replayed'], ['SW-5.4-1'], 'far behind the window', 'invalid');
  hub(up('FULL', 6, 9000), ['EpochRollback'], ['SW-5.5-1'], 'previous epoch', 'invalid');
  hub(up('FULL', 7, 0xffffffff), ['CounterLimit'], ['SW-5.1-3'], 'FULL, counter 2^32-1', 'invalid');
  hub(up('SHORT', 7, 0xffffffff), ['CounterLimit'], ['SW-5.1-3'], 'SHORT, counter 2^32-1', 'invalid');
  hub(up('FULL', 0, 1), ['MalformedHeader'], ['SW-4.3-2'], 'epoch 0', 'invalid');
  hub(seal(pk1, 'sensor-1', 'hub', 'SHORT', 1, 7, 5001, 0x0a0b0c0e, dg('x')), ['UnknownIndex'], ['SW-4.4-1'], 'index not assigned', 'invalid');
  hub(seal(pk1, 'sensor-1', 'hub', 'SHORT', 1, 7, 5001, 0, dg('x')), ['UnknownIndex'], ['SW-4.4-1'], 'index 0', 'invalid');
  const sidLen = (len: number) => {
    const d = base.slice();
    d[10] = len;
    return d;
  };
  hub(sidLen(0), ['MalformedHeader'], ['SW-4.3-1'], 'SID_LEN 0', 'invalid');
  hub(sidLen(33), ['MalformedHeader'], ['SW-4.3-1'], 'SID_LEN 33', 'invalid');
  const badChar = base.slice();
  badChar[11] = 0x2f; // '/'
  hub(badChar, ['MalformedHeader'], ['SW-3.2-2', 'SW-4.3-1'], 'sender id contains /', 'invalid');
  hub(new Uint8Array(0), ['MalformedHeader'], ['SW-6.1-1'], 'empty datagram', 'invalid');
  for (const [b, why] of [[0x80, 'version 2'], [0x00, 'version 0'], [0x60, 'HANDSHAKE form (not implemented here)'], [0x70, 'GROUP form (not implemented here)'], [0x41, 'reserved bit 0 set'], [0x48, 'reserved bit 3 set']] as const) {
    const d = baseShort.slice();
    d[0] = b;
    hub(d, ['MalformedHeader'], ['SW-4.2-2'], `first byte 0x${b.toString(16).padStart(2, '0')}: ${why}`, 'invalid');
  }
  for (const [pt, why] of [
    [Uint8Array.of(0x7f, 1, 2), 'frame type 0x7f (never sent in this version)'],
    [Uint8Array.of(0x40), 'frame type 0x40'],
    [Uint8Array.of(0x01, 0, 0, 0, 5, 0, 0, 0), 'truncated INDEX frame'],
    [Uint8Array.of(0x01, 0, 0, 0, 0, 1, 0, 0, 0, 1), 'INDEX frame with index 0'],
    [Uint8Array.of(0x01, 0, 0, 0, 9, 1, 0, 0, 0, 0), 'INDEX frame with epoch 0'],
    [Uint8Array.of(0x01, 0, 0, 0, 9, 1, 0, 0, 0, 1, 0x01, 0, 0, 0, 8, 1, 0, 0, 0, 1), 'two INDEX frames'],
    [Uint8Array.of(0x00, 0x00, 0xff), 'padding then frame type 0xff'],
  ] as const) {
    hub(up('FULL', 7, 5010, pt), ['MalformedFrames'], ['SW-4.7-1', 'SW-6.1-3'], why, 'invalid');
  }
  const forged = up('FULL', 9, 0);
  forged[20]! ^= 1;
  hub(forged, ['ForgedEpoch'], ['SW-5.4-3', 'SW-5.3-2'], 'higher epoch with a bad tag', 'invalid');

  // ---- Group 2: a device with one explicit pair key, the minimum window ----
  const dev = addGroup({
    receiver: 'sensor-1',
    maxDatagram: 512,
    windowSize: 64,
    keyring: { mode: 'pairs', pairKeys: [{ peer: 'hub', gen: 0, key: hex(dk('sensor-1', 0)) }] },
    generations: {},
    contexts: [{ peer: 'hub', gen: 0, maxEpoch: 3, floor: 2, top: 200, seen: [150, 199, 200], index: 0x11111111 }],
    persistedMaxEpochs: [],
    durableMaxEpochs: false,
  });
  const pk0 = dk('sensor-1', 0);
  const down = (form: 'FULL' | 'SHORT', epoch: number, counter: number) => seal(pk0, 'hub', 'sensor-1', form, 0, epoch, counter, form === 'SHORT' ? 0x11111111 : 0, dg('on'));
  dev(down('FULL', 3, 201), ['Normal'], ['SW-6.1-1'], 'hub to device, FULL', 'valid');
  dev(down('SHORT', 3, 137), ['Boundary'], ['SW-5.4-1', 'SW-5.4-4'], 'W=64: 63 behind the top is accepted', 'valid');
  dev(down('SHORT', 3, 136), ['Replayed', 'Boundary'], ['SW-5.4-1', 'SW-5.4-4'], 'W=64: 64 behind the top is too old', 'invalid');
  dev(down('SHORT', 3, 199), ['Replayed'], ['SW-5.4-1'], 'W=64: replay', 'invalid');
  dev(seal(pk0, 'sensor-1', 'hub', 'FULL', 0, 3, 201, 0, dg('x')), ['Reflected'], ['SW-3.5-2', 'SW-6.1-2'], 'own FULL datagram reflected: no key for itself', 'invalid');
  dev(seal(pk0, 'sensor-1', 'hub', 'SHORT', 0, 3, 201, 0x11111111, dg('x')), ['Reflected'], ['SW-3.5-2'], 'own SHORT datagram reflected onto a matching index', 'invalid');
  dev(seal(dk('sensor-2', 0), 'sensor-2', 'sensor-1', 'FULL', 0, 1, 0, 0, dg('x')), ['WrongKeyId'], ['SW-6.1-2'], 'datagram from a node the device has no key for', 'invalid');
  dev(seal(pk0, 'hub', 'sensor-1', 'FULL', 0, 3, 202, 0, dg(rnd.bytes(512 - 14 - 16 - 1 + 1))), ['TooLarge'], ['SW-4.10-1'], '513 bytes to a 512-byte receiver', 'invalid');

  // ---- Group 3: redirection ----
  const other = addGroup({
    receiver: 'sensor-2',
    maxDatagram: 1500,
    windowSize: 64,
    keyring: { mode: 'pairs', pairKeys: [{ peer: 'sensor-1', gen: 1, key: hex(pk1) }] },
    generations: {},
    contexts: [],
    persistedMaxEpochs: [],
    durableMaxEpochs: false,
  });
  other(base, ['Redirected'], ['SW-3.5-2'], 'sensor-1 to hub datagram delivered to sensor-2, which holds the same pair key', 'invalid');
  const hub2 = addGroup({
    receiver: 'hub-2',
    maxDatagram: 1500,
    windowSize: 1024,
    keyring: { mode: 'site', siteKey: hex(site) },
    generations: { 'sensor-1': { current: 1 } },
    contexts: [],
    persistedMaxEpochs: [],
    durableMaxEpochs: true,
  });
  hub2(base, ['Redirected'], ['SW-3.5-2', 'SW-3.8-2'], 'delivered to another hub of the same site', 'invalid');
  hub2(seal(pk1, 'sensor-1', 'hub-2', 'FULL', 1, 7, 5001, 0, dg('21.5')), ['Normal', 'Freshness'], ['SW-3.5-1', 'SW-5.6-2'], 'sealed for hub-2: accepted, fresh (durable store without a record)', 'valid');

  // ---- Group 5: a device with explicit pair keys: provisioning order, the order of the key checks ----
  const k2 = rnd.bytes(32);
  const k0 = rnd.bytes(32);
  const oldKey = rnd.bytes(32);
  const dev5 = addGroup({
    receiver: 'sensor-5',
    maxDatagram: 512,
    windowSize: 64,
    // provisioned first at generation 2, then a key at generation 0: 2 is current [SW-3.6-9]
    keyring: { mode: 'pairs', pairKeys: [{ peer: 'hub', gen: 2, key: hex(k2) }, { peer: 'hub', gen: 0, key: hex(k0) }] },
    generations: { stranger: { current: 1 } },
    contexts: [
      { peer: 'hub', gen: 2, maxEpoch: 9, floor: 8, top: 30, seen: [30], index: 0x70000001 },
      // hub-old's key was erased after this context was made
      { peer: 'hub-old', gen: 0, maxEpoch: 4, floor: null, top: 10, seen: [10], index: 0x70000002 },
      // generation 0 of hub is held but no longer accepted
      { peer: 'hub', gen: 0, maxEpoch: 3, floor: null, top: 5, seen: [5], index: 0x70000003 },
    ],
    persistedMaxEpochs: [],
    durableMaxEpochs: false,
  });
  const toDev5 = (pk: Uint8Array, s: string, form: 'FULL' | 'SHORT', gen: number, epoch: number, counter: number, index = 0) =>
    seal(pk, s, 'sensor-5', form, gen, epoch, counter, index, dg('on'));
  dev5(toDev5(k2, 'hub', 'FULL', 2, 9, 31), ['ProvisioningOrder'], ['SW-3.6-9', 'SW-6.1-6'], 'generation 2, listed first: current', 'valid');
  dev5(toDev5(k0, 'hub', 'FULL', 0, 1, 0), ['ProvisioningOrder', 'RetiredGeneration'], ['SW-3.6-9', 'SW-3.6-1'], 'generation 0, provisioned after generation 2: key held, generation not accepted', 'invalid');
  dev5(toDev5(rnd.bytes(32), 'hub', 'FULL', 1, 1, 0), ['KeyCheckOrder'], ['SW-6.1-6', 'SW-3.6-1'], 'generation 1: below current (check 3) and no key (check 4): RETIRED_KEY', 'invalid');
  dev5(toDev5(rnd.bytes(32), 'hub', 'FULL', 3, 1, 0), ['KeyCheckOrder', 'WrongKeyId'], ['SW-6.1-6', 'SW-3.6-1'], 'generation 3: above current (check 3) and no key (check 4): UNKNOWN_KEY', 'invalid');
  dev5(toDev5(rnd.bytes(32), 'stranger', 'FULL', 0, 1, 0), ['KeyCheckOrder', 'WrongKeyId'], ['SW-6.1-6', 'SW-6.1-2'], 'no key for the peer (check 2) and a generation below its configured current one (check 3): UNKNOWN_KEY', 'invalid');
  dev5(toDev5(k2, 'hub', 'SHORT', 2, 9, 31, 0x70000001), ['Normal'], ['SW-6.1-7', 'SW-4.4-1'], 'SHORT onto the current generation\'s context', 'valid');
  dev5(toDev5(oldKey, 'hub-old', 'SHORT', 0, 4, 11, 0x70000002), ['KeyGone'], ['SW-6.1-7', 'SW-6.1-4'], 'SHORT onto a context whose peer has no key anymore', 'invalid');
  dev5(toDev5(k0, 'hub', 'SHORT', 0, 3, 6, 0x70000003), ['KeyGone', 'RetiredGeneration'], ['SW-6.1-7', 'SW-6.1-4', 'SW-3.6-1'], 'SHORT onto a context whose generation is held but no longer accepted', 'invalid');

  // ---- Group 6: a hub with a site key and explicit pair keys (site+pairs) ----
  const g3 = rnd.bytes(32);
  const g2 = rnd.bytes(32);
  const s7 = rnd.bytes(32);
  const mixed = addGroup({
    receiver: 'hub',
    maxDatagram: 1500,
    windowSize: 1024,
    keyring: {
      mode: 'site+pairs',
      siteKey: hex(site),
      pairKeys: [{ peer: 'gateway', gen: 3, key: hex(g3) }, { peer: 'gateway', gen: 2, key: hex(g2) }, { peer: 'sensor-7', gen: 0, key: hex(s7) }],
    },
    generations: {},
    contexts: [{ peer: 'gateway', gen: 3, maxEpoch: 12, floor: 11, top: 40, seen: [40], index: 0x66666666 }],
    persistedMaxEpochs: [],
    durableMaxEpochs: false,
  });
  const toHub = (pk: Uint8Array, s: string, form: 'FULL' | 'SHORT', gen: number, epoch: number, counter: number, index = 0) =>
    seal(pk, s, 'hub', form, gen, epoch, counter, index, dg('21.5'));
  mixed(toHub(dk('sensor-1', 0), 'sensor-1', 'FULL', 0, 1, 0), ['Normal'], ['SW-3.8-3', 'SW-3.6-8', 'SW-3.4-1'], 'peer not named in pairKeys: derived device key, generation 0 current', 'valid');
  mixed(toHub(g3, 'gateway', 'FULL', 3, 12, 41), ['Normal', 'ProvisioningOrder'], ['SW-3.8-3', 'SW-3.6-9'], 'named peer, its first listed key (generation 3): current', 'valid');
  mixed(toHub(g3, 'gateway', 'SHORT', 3, 12, 42, 0x66666666), ['Normal'], ['SW-6.1-7', 'SW-4.4-1'], 'named peer, SHORT onto its context', 'valid');
  mixed(toHub(g2, 'gateway', 'FULL', 2, 1, 0), ['ProvisioningOrder', 'RetiredGeneration'], ['SW-3.6-9', 'SW-3.6-1'], 'named peer, key listed second (generation 2): not accepted', 'invalid');
  mixed(toHub(dk('gateway', 3), 'gateway', 'FULL', 3, 12, 43), ['ExplicitKeyWins'], ['SW-3.8-3', 'SW-3.6-2', 'SW-4.5-2'], 'named peer sealed with the derived key of its current generation', 'invalid');
  mixed(toHub(s7, 'sensor-7', 'FULL', 0, 1, 0), ['Normal'], ['SW-3.8-3'], 'named peer whose id a site key could also derive: its provisioned key', 'valid');
  mixed(toHub(dk('sensor-7', 0), 'sensor-7', 'FULL', 0, 1, 0), ['ExplicitKeyWins'], ['SW-3.8-3', 'SW-3.6-2', 'SW-4.5-2'], 'the same peer sealed with its derived key', 'invalid');
  mixed(toHub(dk('sensor-7', 1), 'sensor-7', 'FULL', 1, 1, 0), ['ExplicitKeyWins', 'WrongKeyId'], ['SW-3.8-3', 'SW-6.1-6'], 'named peer at a generation with no provisioned key: no derived key instead', 'invalid');
  const selfHeader = encodeFullHeader(0, 1, 0, 'hub');
  mixed(sealDatagram(suite, selfTrafficKeyForVectors(suite, dk('hub', 0), 'hub', 1), selfHeader, 'FULL', dg('x')), ['SelfAddressed'], ['SW-3.5-3', 'SW-6.1-6'], 'sender id = receiver id, sealed under TK(hub -> hub) from DK(hub, 0)', 'invalid');
  // ---- Group 7: peer frames (section 9.4) on group 1's receiver; last, so earlier tcIds keep their numbers ----
  const hubPeer = addGroup(hubGroup);
  const tok = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const tok2 = Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9);
  const frames = (...parts: number[][]) => Uint8Array.from(parts.flat());
  let c = 6000;
  for (const [pt, why] of [
    [frames([0x03]), 'PING alone'],
    [frames([0x04, ...tok]), 'CHALLENGE alone'],
    [frames([0x05, ...tok]), 'ECHO alone'],
    [frames([0x01, 0x12, 0x34, 0x56, 0x78, 1, 0, 0, 0, 7], [0x05, ...tok], [0x04, ...tok2], [0x03], [0x02, 0x68, 0x69]), 'INDEX, ECHO, CHALLENGE, PING, then DATAGRAM'],
    [frames([0x03], [0x00, 0x00], [0x04, ...tok]), 'PING, padding, CHALLENGE: any order is accepted'],
  ] as const) {
    hubPeer(up('FULL', 7, c++, pt), ['PeerFrames'], ['SW-9.4-1', 'SW-9.4-2'], why, 'valid');
  }
  for (const [pt, why] of [
    [frames([0x03], [0x03]), 'two PING frames'],
    [frames([0x04, ...tok], [0x04, ...tok2]), 'two CHALLENGE frames'],
    [frames([0x05, ...tok], [0x05, ...tok]), 'two ECHO frames'],
    [frames([0x04, 1, 2, 3, 4, 5, 6, 7]), 'CHALLENGE token of 7 bytes'],
    [frames([0x05, 1, 2, 3]), 'ECHO token of 3 bytes'],
  ] as const) {
    hubPeer(up('FULL', 7, c++, pt), ['PeerFrames', 'MalformedFrames'], ['SW-9.4-1', 'SW-4.7-1'], why, 'invalid');
  }
  return f;
}
