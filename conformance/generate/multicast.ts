/**
 * multicast.json: spec 19. Key derivations (group key from the site key, sender keys, discovery
 * keys), grants, GROUP_DATA and SIGNED datagrams built byte by byte, what a member makes of a
 * datagram (accepted with its message, or dropped with its reason), a sender's datagrams in a row
 * (replays, epochs, BOOT), and discovery: the ANNOUNCE a hub sends for a SCOUT or why it stays
 * silent, and which ANNOUNCEs a scouting node accepts. Seeded: run twice, same bytes.
 */
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { tweetnaclEd25519 } from '../../src/crypto/ed25519.js';
import type { CryptoSuite } from '../../src/crypto/suite.js';
import { SiteKeyring } from '../../src/session/keyring.js';
import { GTYPE_DATA, GTYPE_SIGNED } from '../../src/multicast/constants.js';
import { encodeGroupMessage, type GroupMessage } from '../../src/multicast/frames.js';
import { encodeGrant, type GroupGrant } from '../../src/multicast/grant.js';
import { encodeGroupHeader, groupNonce } from '../../src/multicast/header.js';
import { deriveDiscoveryKeys, deriveSenderKey, deriveSiteGroupKey, senderKeyInfo } from '../../src/multicast/keys.js';
import { DiscoveryResponder } from '../../src/multicast/responder.js';
import { Scouter } from '../../src/multicast/scout.js';
import { concat } from '../../src/util/bytes.js';
import { hex, Seeded, suite, text, VectorFile } from './common.js';

const SITE = new Seeded('multicast/site').bytes(32);
const GK = new Seeded('multicast/gk').bytes(32);
const SEED = new Seeded('multicast/controller').bytes(32);
const CTL = tweetnaclEd25519.keyPair(SEED);
const GID = 0x0102;
const CTL_MEMBER = 1;
const boot = (n: number) => new Seeded(`multicast/boot/${n}`).bytes(8);

/** A suite whose randomBytes replays given bytes (scout ids, announce RAND), so vectors are fixed. */
export function scripted(base: CryptoSuite, next: Uint8Array[]): CryptoSuite {
  return { ...base, randomBytes: (n) => next.shift()?.slice(0, n) ?? base.randomBytes(n) };
}

/** A NACK naming counters of member 2 (the sender of the datagrams below), epoch 1 (19.12). */
const NACK: GroupMessage = { kind: 'nack', gen: 0, member: 2, epoch: 1, boot: boot(2), counters: [5, 6, 36] };
const pub = (topic: string, payload: string): GroupMessage => ({ kind: 'publish', topic, payload: text(payload) });

/** A GROUP_DATA or SIGNED datagram built as 19.4 and 19.5 say. */
export function groupDatagram(type: number, member: number, epoch: number, counter: number, b: Uint8Array, body: Uint8Array, key = GK, gen = 0) {
  const header = encodeGroupHeader({ type: type as 3 | 4, gid: GID, gen, member, epoch, counter, boot: b });
  const sk = deriveSenderKey(suite, key, GID, gen, member, epoch, b);
  const sig = type === GTYPE_SIGNED ? tweetnaclEd25519.sign(concat(header, body), CTL.secretKey) : undefined;
  const datagram = suite.seal(sk, groupNonce(header), sig === undefined ? body : concat(body, sig), header);
  return { header, sk, sig, datagram };
}

const messageJson = (m: GroupMessage) =>
  m.kind === 'publish'
    ? { kind: m.kind, topic: m.topic, payload: hex(m.payload) }
    : m.kind === 'command'
      ? { kind: m.kind, name: m.name, params: hex(m.params) }
      : m.kind === 'nack'
        ? { kind: m.kind, gen: m.gen, member: m.member, epoch: m.epoch, boot: hex(m.boot), counters: m.counters }
        : { kind: m.kind, payload: hex(m.payload) };

export function multicastVectors(): VectorFile {
  const f = new VectorFile('multicast.json', 'Saltwire secured multicast and discovery', 'saltwire_multicast_v1', [
    'Spec section 19. Integers big-endian; keys, nonces, datagrams hex. Ed25519 per RFC 8032 (deterministic).',
  ], {
    Derivation: { bugType: 'BASIC', description: 'A key derived as 19.2 says.' },
    Refused: { bugType: 'MODIFIED_PARAMETER', description: 'An input out of range: the implementation refuses to derive or encode.' },
    Tier: { bugType: 'AUTH_BYPASS', description: 'A command outside the signed tier, or a signature that does not verify ([SW-19.5-4]-[SW-19.5-6]).' },
    Replay: { bugType: 'AUTH_BYPASS', description: 'A datagram already accepted, or of an older start of its sender (19.5).' },
    Malformed: { bugType: 'EDGE_CASE', description: 'A header or plaintext that does not parse.' },
    Silence: { bugType: 'AUTH_BYPASS', description: 'A scout that does not authenticate: the hub sends nothing ([SW-19.7-1]).' },
    Budget: { bugType: 'DEFINED', description: 'The reply budget: an answer never larger than its scout ([SW-19.7-2]).' },
  });

  const gk = f.group('GroupKeyTest', { siteKey: hex(SITE) });
  for (const [gid, gen] of [[1, 0], [0x0102, 7], [65535, 255]] as const) {
    gk({ comment: `GK for GID ${gid}, GEN ${gen}`, flags: ['Derivation'], specRefs: ['SW-19.2-2'], result: 'valid', gid, gen, info: hex(Uint8Array.of(gid >> 8, gid & 255, gen)), groupKey: hex(deriveSiteGroupKey(suite, SITE, gid, gen)) });
  }
  gk({ comment: 'GID 0 is not a group id', flags: ['Refused'], specRefs: ['SW-19.2-1'], result: 'invalid', gid: 0, gen: 0 });

  const sk = f.group('SenderKeyTest', { groupKey: hex(GK) });
  for (const [gid, gen, member, epoch, b] of [[GID, 0, 1, 1, 1], [GID, 0, 2, 1, 1], [GID, 0, 2, 1, 2], [GID, 3, 65535, 0xfffffffe, 3]] as const) {
    sk({ comment: `member ${member}, epoch ${epoch}, boot ${b}`, flags: ['Derivation'], specRefs: ['SW-19.2-4'], result: 'valid', gid, gen, member, epoch, boot: hex(boot(b)), info: hex(senderKeyInfo(gid, gen, member, epoch, boot(b))), senderKey: hex(deriveSenderKey(suite, GK, gid, gen, member, epoch, boot(b))) });
  }
  sk({ comment: 'member 0', flags: ['Refused'], specRefs: ['SW-19.2-3'], result: 'invalid', gid: GID, gen: 0, member: 0, epoch: 1, boot: hex(boot(1)) });
  sk({ comment: 'epoch 0', flags: ['Refused'], specRefs: ['SW-19.4-3'], result: 'invalid', gid: GID, gen: 0, member: 1, epoch: 0, boot: hex(boot(1)) });

  const dk = f.group('DiscoveryKeyTest', { siteKey: hex(SITE) });
  for (const [id, gen] of [['sensor-1', 0], ['d', 3], ['x'.repeat(32), 255]] as const) {
    const pk = deriveDeviceKey(suite, SITE, id, gen);
    const k = deriveDiscoveryKeys(suite, pk, id, gen);
    dk({ comment: `discovery keys of ${id.slice(0, 8)} at generation ${gen}`, flags: ['Derivation'], specRefs: ['SW-19.2-6'], result: 'valid', id, gen, pairKey: hex(pk), scoutKey: hex(k.scout), announceKey: hex(k.announce) });
  }

  const grant = (over: Partial<GroupGrant> = {}): GroupGrant => ({ gid: GID, gen: 0, member: 2, key: GK, activateMs: 250, graceMs: 2000, lifetimeS: 86400, epochFloor: 0, regrant: false, controller: { member: CTL_MEMBER, publicKey: CTL.publicKey }, ...over });
  const gr = f.group('GrantTest', {});
  const json = (g: GroupGrant) => ({ gid: g.gid, gen: g.gen, member: g.member, key: hex(g.key), activateMs: g.activateMs, graceMs: g.graceMs, lifetimeS: g.lifetimeS, epochFloor: g.epochFloor, regrant: g.regrant, ...(g.controller && { controller: { member: g.controller.member, publicKey: hex(g.controller.publicKey) } }) });
  for (const [c, g] of [['with a controller', grant()], ['no controller, re-grant, epoch floor 9', (({ controller: _c, ...r }) => ({ ...r, regrant: true, epochFloor: 9 }))(grant())]] as const) {
    gr({ comment: c, flags: ['Derivation'], specRefs: ['SW-19.3-2'], result: 'valid', grant: json(g), bytes: hex(encodeGrant(g)) });
  }
  const good = encodeGrant(grant());
  const bad = (c: string, b: Uint8Array) => gr({ comment: c, flags: ['Malformed'], specRefs: ['SW-19.3-2'], result: 'invalid', bytes: hex(b) });
  bad('version 2', Uint8Array.from([2, ...good.subarray(1)]));
  bad('a reserved flag bit', Uint8Array.from([1, good[1]! | 4, ...good.subarray(2)]));
  bad('C set, controller missing', good.subarray(0, 55));
  bad('member 0', Uint8Array.from(good, (x, i) => (i === 5 || i === 6 ? 0 : x)));

  // datagrams built byte by byte
  const seal = f.group('GroupSealTest', { gid: GID, gen: 0, groupKey: hex(GK), controllerSeed: hex(SEED), controllerMember: CTL_MEMBER, controllerPublicKey: hex(CTL.publicKey) });
  const cases: Array<[string, number, number, number, number, GroupMessage, number]> = [
    ['a publication, counter 0', GTYPE_DATA, 2, 1, 0, pub('state/lamp', 'on'), 0],
    ['a DATAGRAM frame after 3 PADDING bytes', GTYPE_DATA, 3, 0x01020304, 77, { kind: 'datagram', payload: Uint8Array.of(1, 2, 3, 4, 5, 6) }, 3],
    ['the controller’s signed command', GTYPE_SIGNED, CTL_MEMBER, 5, 9, { kind: 'command', name: 'door/open', params: Uint8Array.of(0x81, 0xa1, 0x74, 0x05) }, 0],
    ['member 3’s NACK for counters 5, 6 and 36 of member 2’s epoch 1 (19.12)', GTYPE_DATA, 3, 2, 14, NACK, 0],
  ];
  for (const [c, type, member, epoch, counter, m, pad] of cases) {
    const body = encodeGroupMessage(m, pad);
    const d = groupDatagram(type, member, epoch, counter, boot(member), body);
    seal({
      comment: c,
      flags: ['Derivation'],
      // the sealed bytes start 0x70 and a TYPE that is not reserved [SW-19.1-1]
      specRefs: [...(type === GTYPE_SIGNED ? ['SW-19.4-2', 'SW-19.5-4'] : m.kind === 'nack' ? ['SW-19.4-2', 'SW-19.12-3'] : ['SW-19.4-2', 'SW-19.4-4']), 'SW-19.1-1'],
      result: 'valid',
      type: type === GTYPE_DATA ? 'GROUP_DATA' : 'SIGNED',
      member,
      epoch,
      counter,
      boot: hex(boot(member)),
      body: hex(body),
      message: messageJson(m),
      intermediate: { senderKey: hex(d.sk), header: hex(d.header), nonce: hex(groupNonce(d.header)), ...(d.sig && { signature: hex(d.sig) }) },
      datagram: hex(d.datagram),
    });
  }

  // what a member makes of one datagram (a fresh receiver holding the group's grant)
  const open = f.group('GroupOpenTest', { grant: json(grant({ member: 3 })) });
  const ok = (c: string, d: Uint8Array, m: GroupMessage, refs: string[], tier = 'group') => open({ comment: c, flags: ['Derivation'], specRefs: refs, result: 'valid', datagram: hex(d), expected: { member: d[6], tier, message: messageJson(m) } });
  const no = (c: string, d: Uint8Array, reason: string, flag: string, refs: string[]) => open({ comment: c, flags: [flag], specRefs: refs, result: 'invalid', datagram: hex(d), reason });
  const pubBody = encodeGroupMessage(pub('state/lamp', 'on'));
  const cmd: GroupMessage = { kind: 'command', name: 'door/open', params: Uint8Array.of(1) };
  const d0 = groupDatagram(GTYPE_DATA, 2, 1, 0, boot(2), pubBody).datagram;
  ok('a member’s publication', d0, pub('state/lamp', 'on'), ['SW-19.5-1']);
  ok('the controller’s signed command', groupDatagram(GTYPE_SIGNED, CTL_MEMBER, 5, 0, boot(1), encodeGroupMessage(cmd)).datagram, cmd, ['SW-19.5-4'], 'signed');
  const flip = (d: Uint8Array, i: number) => Uint8Array.from(d, (x, j) => (j === i ? x ^ 1 : x));
  no('a tag bit flipped', flip(d0, 30), 'AUTH', 'Malformed', ['SW-19.5-1']);
  no('BOOT changed: another sender key', flip(d0, 16), 'AUTH', 'Malformed', ['SW-19.2-4']);
  const long = groupDatagram(GTYPE_DATA, 2, 1, 1, boot(2), encodeGroupMessage(pub('state/lamp', 'x'.repeat(80)))).datagram;
  no('TYPE SIGNED on a GROUP_DATA box (TYPE is in the nonce), from a non-controller', Uint8Array.from(long, (x, j) => (j === 1 ? 4 : x)), 'WRONG_TIER', 'Tier', ['SW-19.5-5']);
  no('an unknown group', Uint8Array.from(d0, (x, j) => (j === 3 ? 9 : x)), 'UNKNOWN_KEY', 'Replay', ['SW-19.5-1']);
  no('a generation never granted', Uint8Array.from(d0, (x, j) => (j === 4 ? 1 : x)), 'UNKNOWN_KEY', 'Replay', ['SW-19.5-1']);
  no('reserved first-byte bits', Uint8Array.from(d0, (x, j) => (j === 0 ? 0x71 : x)), 'BAD_FLAGS', 'Malformed', ['SW-19.1-2']);
  no('a reserved TYPE', Uint8Array.from(d0, (x, j) => (j === 1 ? 0x05 : x)), 'BAD_TYPE', 'Malformed', ['SW-19.1-2']);
  no('38 bytes', d0.subarray(0, 38), 'MALFORMED', 'Malformed', ['SW-19.4-3']);
  no('SIGNED, 102 bytes, from a member that is not the controller: too short comes first', Uint8Array.from([0x70, 4, ...d0.subarray(2, 23), ...new Uint8Array(79)]), 'MALFORMED', 'Malformed', ['SW-19.4-3', 'SW-19.5-1']);
  no('MEMBER 0', groupDatagram(GTYPE_DATA, 0x0000 + 2, 1, 0, boot(2), pubBody).datagram.map((x, j) => (j === 5 || j === 6 ? 0 : x)), 'MALFORMED', 'Malformed', ['SW-19.4-3']);
  no('COUNTER_LIMIT', Uint8Array.from(d0, (x, j) => (j >= 11 && j < 15 ? 0xff : x)), 'COUNTER_LIMIT', 'Malformed', ['SW-19.4-3']);
  no('a command in the group tier', groupDatagram(GTYPE_DATA, 2, 1, 0, boot(2), encodeGroupMessage(cmd)).datagram, 'WRONG_TIER', 'Tier', ['SW-19.5-6']);
  const forgedSig = (() => {
    // a member seals as the controller with a signature of its own key: authentic, not signed by the controller
    const other = tweetnaclEd25519.keyPair(new Seeded('multicast/not-controller').bytes(32));
    const body = encodeGroupMessage(cmd);
    const header = encodeGroupHeader({ type: GTYPE_SIGNED, gid: GID, gen: 0, member: CTL_MEMBER, epoch: 5, counter: 0, boot: boot(1) });
    return suite.seal(deriveSenderKey(suite, GK, GID, 0, CTL_MEMBER, 5, boot(1)), groupNonce(header), concat(body, tweetnaclEd25519.sign(concat(header, body), other.secretKey)), header);
  })();
  no('a member forging the controller’s command', forgedSig, 'BAD_SIGNATURE', 'Tier', ['SW-19.5-4']);
  no('a plaintext with padding only', groupDatagram(GTYPE_DATA, 2, 1, 0, boot(2), new Uint8Array(4)).datagram, 'MALFORMED_INNER', 'Malformed', ['SW-19.4-5']);
  const nackBody = encodeGroupMessage(NACK);
  ok('a member’s NACK, delivered for the repair of 19.12', groupDatagram(GTYPE_DATA, 4, 1, 0, boot(4), nackBody).datagram, NACK, ['SW-19.12-3']);
  const nackWith = (f: (b: Uint8Array) => void) => {
    const b = nackBody.slice();
    f(b);
    return groupDatagram(GTYPE_DATA, 4, 1, 1, boot(4), b).datagram;
  };
  no('a NACK body of 22 bytes', groupDatagram(GTYPE_DATA, 4, 1, 2, boot(4), nackBody.subarray(0, 23)).datagram, 'MALFORMED_INNER', 'Malformed', ['SW-19.12-3']);
  no('a NACK whose MASK names no counter', nackWith((b) => b.fill(0, 20)), 'MALFORMED_INNER', 'Malformed', ['SW-19.12-3']);
  no('a NACK naming MEMBER 0', nackWith((b) => b.fill(0, 2, 4)), 'MALFORMED_INNER', 'Malformed', ['SW-19.12-3']);
  no('a NACK naming counter 2^32-1 (BASE 2^32-2, bits 0 and 1)', nackWith((b) => { b.fill(0xff, 16, 20); b[16 + 3] = 0xfe; b.fill(0, 20); b[23] = 3; }), 'MALFORMED_INNER', 'Malformed', ['SW-19.12-3']);
  no('a topic that is not valid UTF-8', groupDatagram(GTYPE_DATA, 2, 1, 0, boot(2), Uint8Array.of(1, 2, 0xc3, 0x28)).datagram, 'MALFORMED_INNER', 'Malformed', ['SW-19.4-5']);

  // one sender's datagrams in a row at one member
  const seq = f.group('GroupReceiveScenario', { grant: json(grant({ member: 3 })) });
  const dg = (epoch: number, counter: number, b: number) => hex(groupDatagram(GTYPE_DATA, 2, epoch, counter, boot(b), encodeGroupMessage(pub('t', `${epoch}/${counter}`))).datagram);
  seq({
    comment: 'replays, reordering, a new epoch, the old epoch and a reused epoch under another BOOT',
    flags: ['Replay'],
    specRefs: ['SW-19.5-2', 'SW-5.5-4'],
    result: 'valid',
    steps: [
      { datagram: dg(4, 0, 1), expect: 'accept' },
      { datagram: dg(4, 2, 1), expect: 'accept' },
      { datagram: dg(4, 0, 1), expect: 'REPLAY' },
      { datagram: dg(4, 1, 1), expect: 'accept' },
      { datagram: dg(4, 3000, 1), expect: 'accept' },
      { datagram: dg(4, 3, 1), expect: 'TOO_OLD' },
      { datagram: dg(5, 0, 2), expect: 'accept' },
      { datagram: dg(4, 3001, 1), expect: 'STALE_EPOCH' },
      { datagram: dg(5, 1, 3), expect: 'STALE_EPOCH' },
      { datagram: dg(5, 1, 2), expect: 'accept' },
    ],
  });
  seq({
    comment: 'repairs (19.12): counter 1 lost, then re-sent unchanged twice (two NACKs); the first copy fills the gap, the second is a replay',
    flags: ['Replay'],
    specRefs: ['SW-19.12-4', 'SW-19.5-2'],
    result: 'valid',
    steps: [
      { datagram: dg(7, 0, 7), expect: 'accept' },
      { datagram: dg(7, 2, 7), expect: 'accept' },
      { datagram: dg(7, 1, 7), expect: 'accept' },
      { datagram: dg(7, 1, 7), expect: 'REPLAY' },
      { datagram: dg(7, 2, 7), expect: 'REPLAY' },
    ],
  });

  // discovery: the hub's side
  const scoutFor = (id: string, pk: Uint8Array, scoutId: Uint8Array, padTo: number, unicast = false) => {
    const s = new Scouter({ suite: scripted(suite, unicast ? [new Uint8Array(12), scoutId] : [scoutId]), id, pairKey: pk, padTo });
    if (unicast) s.next();
    return s.next();
  };
  const hubAnswer = (scout: Uint8Array, rand: Uint8Array, address?: string) => {
    const r = new DiscoveryResponder({ suite: scripted(suite, [rand]), hubId: 'hub', keyring: new SiteKeyring(suite, SITE), announce: { port: 4000, ...(address !== undefined && { address }) }, random: () => 0 });
    return r.onScout(scout, '192.0.2.9:5000', 0);
  };
  const sc = f.group('ScoutTest', { siteKey: hex(SITE), hubId: 'hub', port: 4000 });
  const pk1 = deriveDeviceKey(suite, SITE, 'sensor-1', 0);
  const sid = (n: number) => new Seeded(`multicast/scout/${n}`).bytes(12);
  const rnd = (n: number) => new Seeded(`multicast/rand/${n}`).bytes(8);
  for (const [c, scout, rand, address, refs] of [
    ['a scout padded to 96 bytes, answered to the group with the hub’s IPv4 address', scoutFor('sensor-1', pk1, sid(1), 96), rnd(1), '192.0.2.7', ['SW-19.6-1', 'SW-19.6-5']],
    ['U set: a unicast answer, no address', scoutFor('sensor-1', pk1, sid(2), 64, true), rnd(2), undefined, ['SW-19.6-7', 'SW-19.6-6']],
    ['a scout too short for the address: the hub leaves it out', scoutFor('sensor-1', pk1, sid(3), 49), rnd(3), '2001:db8::7', ['SW-19.7-2', 'SW-19.6-6']],
  ] as const) {
    const r = hubAnswer(scout, rand, address);
    if (!r.ok) throw new Error(`multicast vectors: ${c}: ${r.reason}`);
    sc({ comment: c, flags: ['Derivation'], specRefs: [...refs, 'SW-19.1-1'], result: 'valid', scout: hex(scout), rand: hex(rand), ...(address !== undefined && { address }), announce: hex(r.reply), toGroup: r.toGroup }); // the ANNOUNCE: 0x70, TYPE 0x02 [SW-19.1-1]
  }
  const silent = (c: string, scout: Uint8Array, flag: string, refs: string[]) => {
    const r = hubAnswer(scout, rnd(9));
    if (r.ok) throw new Error(`multicast vectors: ${c} was answered`);
    sc({ comment: c, flags: [flag], specRefs: refs, result: 'invalid', scout: hex(scout), reason: r.reason });
  };
  silent('another site’s device', scoutFor('sensor-1', deriveDeviceKey(suite, new Seeded('multicast/other').bytes(32), 'sensor-1', 0), sid(4), 96), 'Silence', ['SW-19.7-1']);
  silent('a bit flipped in the sender id', ((s) => Uint8Array.from(s, (x, j) => (j === 18 ? x ^ 2 : x)))(scoutFor('sensor-1', pk1, sid(5), 96)), 'Silence', ['SW-19.7-1', 'SW-19.6-3']);
  silent('the hub’s own id', scoutFor('hub', deriveDeviceKey(suite, SITE, 'hub', 0), sid(6), 96), 'Silence', ['SW-19.7-1']);
  silent('a reserved FLAGS bit', ((s) => Uint8Array.from(s, (x, j) => (j === 3 ? 2 : x)))(scoutFor('sensor-1', pk1, sid(7), 96)), 'Malformed', ['SW-19.6-2']);
  silent('a non-zero padding byte', (() => {
    const header = Uint8Array.from([0x70, 1, 0, 0, ...sid(8), 8, ...text('sensor-1')]);
    const k = deriveDiscoveryKeys(suite, pk1, 'sensor-1', 0);
    const n = new Uint8Array(24);
    n.set(header.subarray(0, 16));
    return suite.seal(k.scout, n, Uint8Array.of(0, 1, 0), header);
  })(), 'Malformed', ['SW-19.6-4']);
  silent('a scout of 41 bytes: no announcement fits', scoutFor('sensor-1', pk1, sid(10), 41), 'Budget', ['SW-19.7-2']);

  // discovery: the scouting node's side
  const an = f.group('AnnounceTest', { siteKey: hex(SITE), id: 'sensor-1', gen: 0, outstanding: [hex(sid(11)), hex(sid(13))] });
  const mine = scoutFor('sensor-1', pk1, sid(11), 96);
  const answer = hubAnswer(mine, rnd(11), '192.0.2.7');
  if (!answer.ok) throw new Error('multicast vectors: no answer');
  an({ comment: 'the answer to an outstanding scout', flags: ['Derivation'], specRefs: ['SW-19.6-8'], result: 'valid', announce: hex(answer.reply), expected: { hubId: 'hub', port: 4000, address: '192.0.2.7' } });
  const six = hubAnswer(scoutFor('sensor-1', pk1, sid(13), 96), rnd(13), '2001:db8:0:0:1:0:0:7');
  if (!six.ok) throw new Error('multicast vectors: no answer');
  an({ comment: 'an IPv6 address, written as RFC 5952 does', flags: ['Derivation'], specRefs: ['SW-19.6-6', 'SW-19.6-8'], result: 'valid', announce: hex(six.reply), expected: { hubId: 'hub', port: 4000, address: '2001:db8::1:0:0:7' } });
  const notMine = hubAnswer(scoutFor('sensor-1', pk1, sid(12), 96), rnd(12));
  if (!notMine.ok) throw new Error('multicast vectors: no answer');
  an({ comment: 'an authentic answer to a scout not outstanding', flags: ['Replay'], specRefs: ['SW-19.6-8'], result: 'invalid', announce: hex(notMine.reply), reason: 'UNSOLICITED' });
  an({ comment: 'RAND changed', flags: ['Malformed'], specRefs: ['SW-19.6-5', 'SW-19.6-8'], result: 'invalid', announce: hex(flip(answer.reply, 20)), reason: 'AUTH' });
  return f;
}
