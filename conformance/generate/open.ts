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
import { bootFor, hex, Seeded, suite, text, VectorFile } from './common.js';

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
      MalformedFrames: { bugType: 'MODIFIED_PARAMETER', description: 'Authenticated, but the frames do not parse [SW-4.7-5].' },
      UnknownIndex: { bugType: 'MODIFIED_PARAMETER', description: 'A SHORT receiver index that is not assigned.' },
      TooLarge: { bugType: 'DEFINED', description: 'Longer than the receiver MAX_DATAGRAM [SW-4.10-1].' },
      ForgedEpoch: { bugType: 'AUTH_BYPASS', description: 'A higher epoch with a bad tag: dropped, and the epoch is not advanced.' },
      KeyCheckOrder: { bugType: 'DEFINED', description: 'Several key checks of step 7a or 7b fail; the first in the order of [SW-6.1-6] gives the reason.' },
      SelfAddressed: { bugType: 'AUTH_BYPASS', description: 'Sender id equal to the receiver id, sealed under the key a receiver without that check would derive [SW-3.5-3].' },
      ProvisioningOrder: { bugType: 'FUNCTIONALITY', description: 'The first pair key listed for a peer is its current generation [SW-3.6-9].' },
      ExplicitKeyWins: { bugType: 'AUTH_BYPASS', description: 'site+pairs keyring: a peer named by a provisioned pair key never gets a derived key [SW-3.8-3].' },
      KeyGone: { bugType: 'AUTH_BYPASS', description: 'A SHORT index whose (peer, generation) has no key or no accepted generation anymore [SW-6.1-7].' },
      StaleStart: { bugType: 'FUNCTIONALITY', description: 'A start of the sender whose stored epoch was lost (wiped, restored, shared): its epoch is below the one the receiver holds [SW-5.5-1] (spec 12.4).' },
      BootMismatch: { bugType: 'AUTH_BYPASS', description: "The context's epoch under another BOOT: another start of the sender that reused the epoch [SW-5.5-4]." },
      StaleFrame: { bugType: 'FUNCTIONALITY', description: 'The STALE frame of spec 12.4 (type 0x0c): decoded, or malformed [SW-12.4-4].' },
      StaleAnswer: { bugType: 'FUNCTIONALITY', description: 'A receiver that answers stale datagrams (group staleAnswer: every stale FULL datagram is authenticated, [SW-12.4-9]): `stale` is what its answer names [SW-12.4-2]; a forged stale datagram gets no `stale`.' },
    },
  );
  const rnd = new Seeded('open');
  const site = rnd.bytes(32);
  const dk = (id: string, gen: number): Uint8Array => deriveDeviceKey(suite, site, id, gen);
  const dg = (s: string | Uint8Array): Uint8Array => encodeFrames([{ type: 'DATAGRAM', data: typeof s === 'string' ? text(s) : s }]);

  /** The BOOT value of the sender's start at (gen, epoch): one start per epoch unless a test says otherwise. */
  const bootOf = (s: string, gen: number, epoch: number): Uint8Array => bootFor(`open/${s}/${gen}/${epoch}`);
  /** A receive context of the group state, holding the BOOT of its maxEpoch's start [SW-5.5-4]. */
  const context = (peer: string, gen: number, maxEpoch: number, floor: number | null, top: number | null, seen: number[], index: number | null): OpenGroup['contexts'][number] =>
    ({ peer, gen, maxEpoch, boot: hex(bootOf(peer, gen, maxEpoch)), floor, top, seen, index });

  /**
   * Seals with an explicit header: any counter or epoch, even ones a sender must refuse. The traffic
   * key is TK(s -> r, epoch, boot) [SW-3.5-1]; a SHORT datagram's boot is its context's.
   */
  const seal = (pk: Uint8Array, s: string, r: string, form: 'FULL' | 'SHORT', gen: number, epoch: number, counter: number, index: number, pt: Uint8Array, boot = bootOf(s, gen, epoch)): Uint8Array => {
    const header = form === 'FULL' ? encodeFullHeader(gen, Math.max(epoch, 1), Math.min(counter, 0xfffffffe), boot, s) : encodeShortHeader(index || 1, Math.min(counter, 0xfffffffe));
    if (form === 'FULL') writeU32ForVectors(header, 2, epoch);
    if (form === 'FULL') writeU32ForVectors(header, 6, counter);
    if (form === 'SHORT') writeU32ForVectors(header, 1, index);
    if (form === 'SHORT') writeU32ForVectors(header, 5, counter);
    return sealDatagram(suite, deriveTrafficKey(suite, pk, s, r, epoch, boot), header, form, pt);
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
      context('sensor-1', 1, 7, 6, 5000, [4000, 4500, 4990, 5000], IDX),
      context('replayed-dev', 0, 100, null, 3, [3], null),
      context('old-dev', 1, 2, 0, 5, [5], 0x22222222),
    ],
    persistedMaxEpochs: [{ peer: 'dev-p', gen: 0, maxEpoch: 5 }],
    durableMaxEpochs: false,
  };
  const hub = addGroup(hubGroup);
  const pk1 = dk('sensor-1', 1);
  const up = (form: 'FULL' | 'SHORT', epoch: number, counter: number, pt: Uint8Array = dg('21.5'), gen = 1, id = 'sensor-1', pk = pk1) =>
    seal(pk, id, 'hub', form, gen, epoch, counter, form === 'SHORT' ? IDX : 0, pt);
  const V = ['SW-6.1-9', 'SW-4.5-2'];
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
  hub(seal(dk('new-device', 0), 'new-device', 'hub', 'FULL', 0, 1, 0, 0, dg('hello')), ['Freshness'], ['SW-5.3-2', 'SW-5.6-6'], 'first datagram of a never-seen device: freshness unknown', 'valid');
  hub(seal(dk('dev-p', 0), 'dev-p', 'hub', 'FULL', 0, 6, 0, 0, dg('x')), ['Freshness'], ['SW-5.6-6'], 'restarted hub, epoch above the persisted one: fresh', 'valid');
  hub(seal(dk('dev-p', 0), 'dev-p', 'hub', 'FULL', 0, 5, 9, 0, dg('x')), ['Freshness'], ['SW-5.6-6'], 'restarted hub, epoch equal to the persisted one: unknown', 'valid');
  hub(seal(dk('dev-p', 0), 'dev-p', 'hub', 'FULL', 0, 4, 9, 0, dg('x')), ['EpochRollback'], ['SW-5.5-1'], 'restarted hub, epoch below the persisted one', 'invalid');
  hub(seal(dk('replayed-dev', 0), 'replayed-dev', 'hub', 'FULL', 0, 101, 0, 0, dg('x')), ['Freshness'], ['SW-5.6-3'], 'context created without a floor: a higher epoch does not make it fresh', 'valid');
  hub(seal(dk('old-dev', 1), 'old-dev', 'hub', 'SHORT', 1, 2, 6, 0x22222222, dg('x')), ['RetiredGeneration'], ['SW-6.1-4', 'SW-3.6-1'], 'SHORT onto a context whose generation has expired', 'invalid');
  hub(sealDatagram(suite, rnd.bytes(32), encodeFullHeader(0, 1, 0, bootOf('hub', 0, 1), 'hub'), 'FULL', dg('x')), ['Reflected'], ['SW-3.5-3'], 'sender id equal to the receiver id', 'invalid');
  hub(up('FULL', 7, 5003, new Uint8Array(0)), ['Normal'], ['SW-4.7-5'], 'empty plaintext', 'valid');
  hub(up('FULL', 7, 5004, encodeFrames([{ type: 'INDEX', index: 77, gen: 0, epoch: 2 }, { type: 'DATAGRAM', data: text('a') }])), ['Normal'], ['SW-4.7-5', 'SW-4.8-2'], 'INDEX then DATAGRAM', 'valid');
  hub(up('FULL', 7, 5005, encodeFrames([{ type: 'PADDING', length: 7 }])), ['Normal'], ['SW-4.7-5'], 'padding only', 'valid');
  hub(up('FULL', 7, 5008, encodeFrames([{ type: 'PADDING', length: 3 }, { type: 'DATAGRAM', data: text('21.5') }])), ['Normal'], ['SW-4.7-5', 'SW-4.7-4'], 'padding before data', 'valid');
  hub(up('FULL', 7, 5009, encodeFrames([{ type: 'DATAGRAM', data: new Uint8Array(0) }])), ['Boundary'], ['SW-4.7-2'], 'empty DATAGRAM frame', 'valid');
  const H = 19 + 'sensor-1'.length; // the FULL header of sensor-1: 27 bytes (4.3)
  const big = up('FULL', 7, 5006, dg(rnd.bytes(1500 - H - 16 - 1)));
  hub(big, ['Boundary'], ['SW-4.10-1'], 'exactly MAX_DATAGRAM bytes', 'valid');
  hub(up('FULL', 7, 5007, dg(rnd.bytes(1500 - H - 16))), ['TooLarge'], ['SW-4.10-1'], 'MAX_DATAGRAM + 1 bytes', 'invalid');

  for (let bit = 0; bit < H * 8; bit++) {
    const d = base.slice();
    d[bit >> 3]! ^= 0x80 >> (bit & 7);
    // BOOT is not in the nonce and selects the key [SW-4.3-3]; at the context's epoch another BOOT is
    // another start of the sender, dropped before any decryption [SW-5.5-4]
    const boot = bit >= 80 && bit < 144;
    hub(d, ['HeaderBitFlip'], ['SW-4.5-2', 'SW-6.1-9', 'SW-4.2-2', ...(boot ? ['SW-4.3-3', 'SW-5.5-4'] : [])], `FULL header bit ${bit} (byte ${bit >> 3}${boot ? ', BOOT at the context epoch' : ''}) flipped`, 'invalid');
  }
  for (let bit = 0; bit < 9 * 8; bit++) {
    const d = baseShort.slice();
    d[bit >> 3]! ^= 0x80 >> (bit & 7);
    hub(d, ['HeaderBitFlip'], ['SW-4.5-2', 'SW-6.1-9'], `SHORT header bit ${bit} (byte ${bit >> 3}) flipped`, 'invalid');
  }
  for (const bit of [0, 63, 127]) {
    const d = base.slice();
    d[H + (bit >> 3)]! ^= 0x80 >> (bit & 7);
    hub(d, ['TagFlip'], ['SW-4.5-2'], `tag bit ${bit} flipped`, 'invalid');
  }
  for (const at of [H + 16, base.length - 1]) {
    const d = base.slice();
    d[at]! ^= 1;
    hub(d, ['CiphertextFlip'], ['SW-4.5-2'], `ciphertext byte ${at - H - 16} flipped`, 'invalid');
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
    d[18] = len; // SID_LEN (4.3)
    return d;
  };
  hub(sidLen(0), ['MalformedHeader'], ['SW-4.3-1'], 'SID_LEN 0', 'invalid');
  hub(sidLen(33), ['MalformedHeader'], ['SW-4.3-1'], 'SID_LEN 33', 'invalid');
  const badChar = base.slice();
  badChar[19] = 0x2f; // '/' as the first character of the sender id
  hub(badChar, ['MalformedHeader'], ['SW-3.2-2', 'SW-4.3-1'], 'sender id contains /', 'invalid');
  hub(new Uint8Array(0), ['MalformedHeader'], ['SW-6.1-9'], 'empty datagram', 'invalid');
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
    hub(up('FULL', 7, 5010, pt), ['MalformedFrames'], ['SW-4.7-5', 'SW-6.1-3'], why, 'invalid');
  }
  const forged = up('FULL', 9, 0);
  forged[H + 1]! ^= 1; // a tag byte
  hub(forged, ['ForgedEpoch'], ['SW-5.4-3', 'SW-5.3-2'], 'higher epoch with a bad tag', 'invalid');

  // ---- Group 2: a device with one explicit pair key, the minimum window ----
  const dev = addGroup({
    receiver: 'sensor-1',
    maxDatagram: 512,
    windowSize: 64,
    keyring: { mode: 'pairs', pairKeys: [{ peer: 'hub', gen: 0, key: hex(dk('sensor-1', 0)) }] },
    generations: {},
    contexts: [context('hub', 0, 3, 2, 200, [150, 199, 200], 0x11111111)],
    persistedMaxEpochs: [],
    durableMaxEpochs: false,
  });
  const pk0 = dk('sensor-1', 0);
  const down = (form: 'FULL' | 'SHORT', epoch: number, counter: number) => seal(pk0, 'hub', 'sensor-1', form, 0, epoch, counter, form === 'SHORT' ? 0x11111111 : 0, dg('on'));
  dev(down('FULL', 3, 201), ['Normal'], ['SW-6.1-9'], 'hub to device, FULL', 'valid');
  dev(down('SHORT', 3, 137), ['Boundary'], ['SW-5.4-1', 'SW-5.4-4'], 'W=64: 63 behind the top is accepted', 'valid');
  dev(down('SHORT', 3, 136), ['Replayed', 'Boundary'], ['SW-5.4-1', 'SW-5.4-4'], 'W=64: 64 behind the top is too old', 'invalid');
  dev(down('SHORT', 3, 199), ['Replayed'], ['SW-5.4-1'], 'W=64: replay', 'invalid');
  dev(seal(pk0, 'sensor-1', 'hub', 'FULL', 0, 3, 201, 0, dg('x')), ['Reflected'], ['SW-3.5-2', 'SW-6.1-2'], 'own FULL datagram reflected: no key for itself', 'invalid');
  dev(seal(pk0, 'sensor-1', 'hub', 'SHORT', 0, 3, 201, 0x11111111, dg('x')), ['Reflected'], ['SW-3.5-2'], 'own SHORT datagram reflected onto a matching index', 'invalid');
  dev(seal(dk('sensor-2', 0), 'sensor-2', 'sensor-1', 'FULL', 0, 1, 0, 0, dg('x')), ['WrongKeyId'], ['SW-6.1-2'], 'datagram from a node the device has no key for', 'invalid');
  dev(seal(pk0, 'hub', 'sensor-1', 'FULL', 0, 3, 202, 0, dg(rnd.bytes(512 - (19 + 3) - 16 - 1 + 1))), ['TooLarge'], ['SW-4.10-1'], '513 bytes to a 512-byte receiver', 'invalid');

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
  hub2(seal(pk1, 'sensor-1', 'hub-2', 'FULL', 1, 7, 5001, 0, dg('21.5')), ['Normal', 'Freshness'], ['SW-3.5-1', 'SW-5.6-6'], 'sealed for hub-2: accepted, fresh (durable store without a record)', 'valid');

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
      context('hub', 2, 9, 8, 30, [30], 0x70000001),
      // hub-old's key was erased after this context was made
      context('hub-old', 0, 4, null, 10, [10], 0x70000002),
      // generation 0 of hub is held but no longer accepted
      context('hub', 0, 3, null, 5, [5], 0x70000003),
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
    contexts: [context('gateway', 3, 12, 11, 40, [40], 0x66666666)],
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
  const selfBoot = bootOf('hub', 0, 1);
  const selfHeader = encodeFullHeader(0, 1, 0, selfBoot, 'hub');
  mixed(sealDatagram(suite, selfTrafficKeyForVectors(suite, dk('hub', 0), 'hub', 1, selfBoot), selfHeader, 'FULL', dg('x')), ['SelfAddressed'], ['SW-3.5-3', 'SW-6.1-6'], 'sender id = receiver id, sealed under TK(hub -> hub) from DK(hub, 0)', 'invalid');
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
    hubPeer(up('FULL', 7, c++, pt), ['PeerFrames', 'MalformedFrames'], ['SW-9.4-1', 'SW-4.7-5'], why, 'invalid');
  }

  // ---- Group 8: BOOT and stale starts (5.2, 5.5, 12.4) at a hub that does not answer stale datagrams ----
  // sensor-3 held epoch 7 (BOOT of that start in the context); its store was then wiped, and it starts
  // again at epoch 1 with a new BOOT. dev-q is known only from a persisted maxEpoch (5.6).
  const pk3 = dk('sensor-3', 0);
  const IDX3 = 0x33333333;
  const bootWiped = bootFor('open/sensor-3/wiped-start');
  const bootOther = bootFor('open/sensor-3/second-process');
  const staleState = {
    receiver: 'hub',
    maxDatagram: 1500,
    windowSize: 1024,
    keyring: { mode: 'site' as const, siteKey: hex(site) },
    generations: {},
    contexts: [context('sensor-3', 0, 7, 6, 10, [10], IDX3)],
    persistedMaxEpochs: [{ peer: 'dev-q', gen: 0, maxEpoch: 5 }],
    durableMaxEpochs: false,
  };
  const boots = addGroup(staleState);
  const s3 = (form: 'FULL' | 'SHORT', epoch: number, counter: number, pt: Uint8Array, boot?: Uint8Array): Uint8Array =>
    seal(pk3, 'sensor-3', 'hub', form, 0, epoch, counter, form === 'SHORT' ? IDX3 : 0, pt, boot);
  const ask = (t: Uint8Array = tok) => frames([0x03], [0x04, ...t]); // PING, CHALLENGE
  boots(s3('FULL', 1, 0, ask(), bootWiped), ['StaleStart'], ['SW-5.5-1', 'SW-5.2-5'], 'wiped sender: FULL epoch 1 (new BOOT) against a context at epoch 7', 'invalid');
  boots(s3('FULL', 7, 11, dg('x'), bootOther), ['BootMismatch'], ['SW-5.5-4'], 'the context epoch 7 under another BOOT (a second start reusing the epoch), counter above the window', 'invalid');
  boots(s3('FULL', 7, 10, dg('x'), bootOther), ['BootMismatch', 'Replayed'], ['SW-5.5-4', 'SW-5.5-2'], 'the context epoch 7 under another BOOT with a counter the window has seen: STALE_EPOCH, the window does not apply to another start', 'invalid');
  boots(s3('FULL', 7, 11, dg('x')), ['Normal'], ['SW-5.5-4', 'SW-5.5-2', 'SW-5.4-1'], 'the context epoch 7 under its own BOOT: the window applies, accepted', 'valid');
  boots(s3('SHORT', 7, 11, dg('x')), ['Normal'], ['SW-3.5-1', 'SW-6.1-7'], 'SHORT onto the context: opened with TK(sensor-3 -> hub, 7, the context BOOT)', 'valid');
  boots(s3('SHORT', 7, 11, dg('x'), bootOther), ['BootMismatch'], ['SW-3.5-1', 'SW-4.5-2'], 'SHORT onto the context, sealed by another start under its BOOT: AUTH', 'invalid');
  for (const bit of [80, 143]) {
    const d = s3('FULL', 8, 0, dg('x'), bootWiped);
    d[bit >> 3]! ^= 0x80 >> (bit & 7);
    boots(d, ['HeaderBitFlip'], ['SW-4.3-3', 'SW-4.5-2'], `FULL at a new epoch (8) with BOOT bit ${bit} flipped: another traffic key, AUTH`, 'invalid');
  }
  boots(s3('FULL', 8, 0, dg('x'), bootWiped), ['Normal', 'StaleStart'], ['SW-5.5-2', 'SW-12.4-3', 'SW-5.2-6'], 'the wiped sender after the answer: epoch 8, BOOT kept, accepted (the context takes the new BOOT)', 'valid');
  boots(seal(dk('dev-q', 0), 'dev-q', 'hub', 'FULL', 0, 5, 3, 0, dg('x'), bootFor('open/dev-q/another-start')), ['Freshness'], ['SW-5.5-4', 'SW-5.6-6'], 'persisted maxEpoch 5 holds no BOOT: epoch 5 under any BOOT creates the context, freshness unknown', 'valid');
  boots(seal(dk('dev-q', 0), 'dev-q', 'hub', 'FULL', 0, 1, 0, 0, ask(), bootFor('open/dev-q/wiped-start')), ['StaleStart'], ['SW-5.5-1'], 'persisted maxEpoch 5, wiped sender at epoch 1', 'invalid');

  // ---- Group 9: the same hub answering stale datagrams (spec 12.4): staleAnswer grants every one ----
  const answering = addGroup({ ...staleState, staleAnswer: true });
  const A = ['SW-12.4-9', 'SW-12.4-10', 'SW-12.4-2'];
  const recovery = s3('FULL', 1, 0, ask(), bootWiped);
  answering(recovery, ['StaleStart', 'StaleAnswer'], [...A, 'SW-5.5-1'], 'the recovery datagram: wiped sender at epoch 1 with PING and CHALLENGE; authentic: the answer names floor 7 and echoes the token', 'invalid');
  answering(s3('FULL', 1, 1, frames([0x03]), bootWiped), ['StaleStart', 'StaleAnswer'], [...A, 'SW-5.5-1'], 'the same start, PING without CHALLENGE: no token to echo', 'invalid');
  const badTag = recovery.slice();
  badTag[19 + 'sensor-3'.length]! ^= 0x01;
  answering(badTag, ['StaleStart', 'StaleAnswer', 'TagFlip'], [...A, 'SW-4.5-2'], 'the recovery datagram with a tag bit flipped: a silent drop, no answer', 'invalid');
  answering(seal(dk('sensor-4', 0), 'sensor-3', 'hub', 'FULL', 0, 1, 0, 0, ask(), bootWiped), ['StaleStart', 'StaleAnswer', 'WrongKeyId'], [...A, 'SW-4.5-2'], 'a stale datagram sealed with another device key: a silent drop, no answer', 'invalid');
  answering(s3('FULL', 7, 11, ask(Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1)), bootOther), ['BootMismatch', 'StaleAnswer'], [...A, 'SW-5.5-4'], 'a second start at the context epoch 7 under another BOOT: authentic, answered with floor 7', 'invalid');
  answering(s3('FULL', 6, 40, dg('old reading')), ['EpochRollback', 'StaleAnswer'], [...A, 'SW-5.5-1', 'SW-12.4-3'], 'the replay of an earlier life (epoch 6, its own BOOT): authentic, so answered, and rejected', 'invalid');
  answering(s3('FULL', 7, 10, dg('x')), ['Replayed'], ['SW-5.4-1', 'SW-5.5-2'], 'a replay within the current start (epoch 7, its BOOT): REPLAY, not stale, no answer', 'invalid');
  answering(s3('FULL', 8, 0, ask(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9)), bootWiped), ['Normal', 'StaleStart'], ['SW-12.4-3', 'SW-5.5-2'], 'the peer\'s next start after the answer: epoch 8 above the floor, accepted, fresh', 'valid');
  answering(seal(dk('dev-q', 0), 'dev-q', 'hub', 'FULL', 0, 1, 0, 0, ask(), bootFor('open/dev-q/wiped-start')), ['StaleStart', 'StaleAnswer'], [...A, 'SW-5.5-1'], 'no context, persisted maxEpoch 5: the answer names the persisted record as floor', 'invalid');

  // ---- Group 10: the answer as the wiped device receives it: the STALE frame (12.4) ----
  // sensor-3 after the wipe: its pair key, no contexts, no floors. The hub seals from its epoch 4.
  const wiped = addGroup({
    receiver: 'sensor-3',
    maxDatagram: 512,
    windowSize: 64,
    keyring: { mode: 'pairs', pairKeys: [{ peer: 'hub', gen: 0, key: hex(pk3) }] },
    generations: {},
    contexts: [],
    persistedMaxEpochs: [],
    durableMaxEpochs: false,
  });
  const fromHub = (counter: number, pt: Uint8Array) => seal(pk3, 'hub', 'sensor-3', 'FULL', 0, 4, counter, 0, pt);
  const staleFrame = (gen: number, epoch: number) => [0x0c, gen, epoch >>> 24, (epoch >>> 16) & 0xff, (epoch >>> 8) & 0xff, epoch & 0xff];
  const S = ['SW-12.4-2', 'SW-12.4-3', 'SW-4.7-5'];
  wiped(fromHub(0, frames(staleFrame(0, 7), [0x05, ...tok])), ['StaleFrame', 'StaleAnswer'], S, "the peer's answer: STALE (generation 0, epoch 7) and the ECHO of the recovery datagram's token", 'valid');
  wiped(fromHub(1, frames(staleFrame(0, 7))), ['StaleFrame'], S, 'STALE alone', 'valid');
  wiped(fromHub(2, frames(staleFrame(255, 0xffffffff), [0x00, 0x00], [0x02, 0x68, 0x69])), ['StaleFrame', 'Boundary'], S, 'STALE with generation 255 and epoch 2^32-1, padding, then DATAGRAM', 'valid');
  wiped(fromHub(3, frames(staleFrame(0, 0))), ['StaleFrame', 'MalformedFrames'], ['SW-12.4-4', 'SW-4.7-5'], 'STALE with epoch 0', 'invalid');
  wiped(fromHub(4, frames(staleFrame(0, 7), staleFrame(0, 8))), ['StaleFrame', 'MalformedFrames'], ['SW-12.4-4', 'SW-4.7-5'], 'two STALE frames', 'invalid');
  wiped(fromHub(5, frames(staleFrame(0, 7), [0x05, ...tok], staleFrame(0, 7))), ['StaleFrame', 'MalformedFrames'], ['SW-12.4-4', 'SW-4.7-5'], 'STALE, ECHO, the same STALE again', 'invalid');
  wiped(fromHub(6, frames(staleFrame(0, 7).slice(0, 5))), ['StaleFrame', 'MalformedFrames'], ['SW-4.7-5'], 'STALE truncated to 4 body bytes', 'invalid');
  return f;
}
