// Evaluators for multicast.json (spec 19), written from spec/19-multicast.md alone: HKDF and
// secretbox from primitives.ts, Ed25519 from libsodium (crypto_sign_*; it rejects S >= L as
// [SW-19.5-8] asks), and a receiver, a hub and a scouting node of their own, each a few lines per step.
import _sodium from 'libsodium-wrappers';
import { ascii, concat, ctEqual, fromHex, readU32, toHex, u32 } from './bytes.js';
import { hex, Report, type Evaluator, type Json } from './evalcommon.js';
import { deviceKey, isValidNodeIdBytes, lp } from './keys.js';
import { readUvar, utf8Decode } from './messageops.js';
import { hkdf, secretbox, secretboxOpen } from './primitives.js';

const u16 = (x: number) => Uint8Array.of(x >> 8, x & 255);
const LBL = {
  group: ascii('saltwire/v1 group key'),
  sender: ascii('saltwire/v1 group sender key'),
  scout: ascii('saltwire/v1 discovery scout'),
  announce: ascii('saltwire/v1 discovery announce'),
};
const pad24 = (b: Uint8Array) => concat(b, new Uint8Array(24 - b.length));
const flag = (ok: boolean) => (ok ? undefined : 'refused');

function senderKey(gk: Uint8Array, gid: number, gen: number, member: number, epoch: number, boot: Uint8Array): Uint8Array | undefined {
  if (gid < 1 || gid > 65535 || member < 1 || member > 65535 || epoch < 1 || boot.length !== 8) return undefined;
  return hkdf(LBL.sender, gk, concat(u16(gid), Uint8Array.of(gen), u16(member), u32(epoch), boot), 32);
}

/** 19.3: the grant's fields, or undefined for bytes a member ignores ([SW-19.3-2]). */
function readGrant(b: Uint8Array): Json | undefined {
  if (b.length < 55 || b[0] !== 1 || (b[1] & ~3) !== 0) return undefined;
  const c = (b[1] & 2) !== 0;
  if (b.length !== (c ? 89 : 55)) return undefined;
  const gid = (b[2] << 8) | b[3];
  const member = (b[5] << 8) | b[6];
  const cm = c ? (b[55] << 8) | b[56] : -1;
  if (gid === 0 || member === 0 || cm === 0) return undefined;
  return {
    gid, gen: b[4], member, key: toHex(b.subarray(23, 55)), activateMs: readU32(b, 7), graceMs: readU32(b, 11), lifetimeS: readU32(b, 15), epochFloor: readU32(b, 19), regrant: (b[1] & 1) !== 0,
    ...(c && { controller: { member: cm, publicKey: toHex(b.subarray(57, 89)) } }),
  };
}

function writeGrant(j: Json): Uint8Array {
  const c = j.controller !== undefined;
  return concat(Uint8Array.of(1, (j.regrant ? 1 : 0) | (c ? 2 : 0)), u16(j.gid), Uint8Array.of(j.gen), u16(j.member), u32(j.activateMs), u32(j.graceMs), u32(j.lifetimeS), u32(j.epochFloor), fromHex(j.key),
    ...(c ? [u16(j.controller.member), fromHex(j.controller.publicKey)] : []));
}

/** A topic name of 15.1 (the syntax of COMMAND names too, 19.4). */
function topicName(b: Uint8Array): string | null {
  const s = utf8Decode(b);
  if (s === null || s.length === 0 || b.length > 256 || s.includes('\u0000') || /[+#]/.test(s) || s.split('/').length > 32) return null;
  return s;
}

/** 19.4's plaintext: PADDING, then one message frame; null if malformed ([SW-19.4-5]). */
function readMessage(p: Uint8Array): Json | null {
  let i = 0;
  while (i < p.length && p[i] === 0) i++;
  if (i >= p.length) return null;
  const kind = p[i++];
  if (kind === 2) return { kind: 'datagram', payload: toHex(p.subarray(i)) };
  if (kind === 4) return readNack(p.subarray(i));
  if (kind !== 1 && kind !== 3) return null;
  const at = { pos: i };
  const n = readUvar(p, at);
  if (n === null || at.pos + n > p.length) return null;
  const name = topicName(p.subarray(at.pos, at.pos + n));
  if (name === null) return null;
  const rest = toHex(p.subarray(at.pos + n));
  return kind === 1 ? { kind: 'publish', topic: name, payload: rest } : { kind: 'command', name, params: rest };
}

/** 19.12's NACK body: exactly 23 bytes, MEMBER, EPOCH and MASK not 0, no counter at 2^32-1 ([SW-19.12-3]). */
function readNack(b: Uint8Array): Json | null {
  if (b.length !== 23) return null;
  const member = (b[1] << 8) | b[2], epoch = readU32(b, 3), base = readU32(b, 15), mask = readU32(b, 19);
  if (member === 0 || epoch === 0 || mask === 0) return null;
  const counters: number[] = [];
  for (let i = 0; i < 32; i++) if (Math.floor(mask / 2 ** i) % 2 === 1) counters.push(base + i);
  if (counters[counters.length - 1] >= 0xffffffff) return null;
  return { kind: 'nack', gen: b[0], member, epoch, boot: toHex(b.subarray(7, 15)), counters };
}

/** One member holding one grant: 19.5's steps, in order, for a run of datagrams. */
class Member {
  private ctx = new Map<number, { epoch: number; boot: Uint8Array; top: number; seen: Set<number> }>();
  constructor(private readonly g: Json) {}
  receive(d: Uint8Array): { reason: string } | { member: number; tier: string; message: Json } {
    if (d.length < 2) return { reason: 'MALFORMED' };
    if (d[0] >> 6 !== 1) return { reason: 'BAD_VERSION' };
    if (((d[0] >> 4) & 3) !== 3) return { reason: 'BAD_FORM' };
    if ((d[0] & 15) !== 0) return { reason: 'BAD_FLAGS' };
    if (d[1] !== 3 && d[1] !== 4) return { reason: 'BAD_TYPE' };
    const signed = d[1] === 4;
    if (d.length < (signed ? 103 : 39)) return { reason: 'MALFORMED' };
    const gid = (d[2] << 8) | d[3], gen = d[4], member = (d[5] << 8) | d[6], epoch = readU32(d, 7), counter = readU32(d, 11), boot = d.subarray(15, 23);
    if (gid === 0 || member === 0 || epoch === 0) return { reason: 'MALFORMED' };
    if (counter === 0xffffffff) return { reason: 'COUNTER_LIMIT' };
    if (gid !== this.g.gid || gen !== this.g.gen) return { reason: 'UNKNOWN_KEY' };
    const ctl = this.g.controller;
    if (signed && (ctl === undefined || ctl.member !== member)) return { reason: 'WRONG_TIER' };
    const c = this.ctx.get(member);
    if (c && epoch < c.epoch) return { reason: 'STALE_EPOCH' };
    if (c && epoch === c.epoch && !ctEqual(boot, c.boot)) return { reason: 'STALE_EPOCH' };
    if (c && epoch === c.epoch) {
      if (counter <= c.top && c.top - counter >= 1024) return { reason: 'TOO_OLD' };
      if (c.seen.has(counter)) return { reason: 'REPLAY' };
    }
    const key = senderKey(fromHex(this.g.key), gid, gen, member, epoch, boot)!;
    const inner = secretboxOpen(key, pad24(d.subarray(0, 15)), d.subarray(23));
    if (inner === null) return { reason: 'AUTH' };
    let body = inner;
    if (signed) {
      if (inner.length < 64) return { reason: 'MALFORMED_INNER' };
      body = inner.subarray(0, inner.length - 64);
      if (!_sodium.crypto_sign_verify_detached(inner.subarray(body.length), concat(d.subarray(0, 23), body), fromHex(ctl.publicKey))) return { reason: 'BAD_SIGNATURE' };
    }
    const cur = c && epoch === c.epoch ? c : { epoch, boot: boot.slice(), top: -1, seen: new Set<number>() };
    cur.seen.add(counter);
    cur.top = Math.max(cur.top, counter);
    this.ctx.set(member, cur);
    const m = readMessage(body);
    if (m === null) return { reason: 'MALFORMED_INNER' };
    if (m.kind === 'command' && !signed) return { reason: 'WRONG_TIER' };
    return { member, tier: signed ? 'signed' : 'group', message: m };
  }
}

function discoveryKeys(site: Uint8Array, id: string, gen: number) {
  const pk = deviceKey(site, id, gen);
  const info = concat(lp(id), Uint8Array.of(gen));
  return { pk, scout: hkdf(LBL.scout, pk, info, 32), announce: hkdf(LBL.announce, pk, info, 32) };
}

function ipBytes(a: string): Uint8Array {
  if (a.includes('.')) return Uint8Array.from(a.split('.').map(Number));
  const [l, r = ''] = a.split('::');
  const gs = (x: string) => (x ? x.split(':').map((h) => parseInt(h, 16)) : []);
  const all = a.includes('::') ? [...gs(l), ...Array(8 - gs(l).length - gs(r).length).fill(0), ...gs(r)] : gs(l);
  return concat(...all.map(u16));
}

/** 19.6 and 19.7 at a hub: the ANNOUNCE for `scout` with `rand`, or why it stays silent. */
function hubAnswer(g: Json, scout: Uint8Array, rand: Uint8Array | undefined, address: string | undefined): { reason: string } | { announce: Uint8Array; toGroup: boolean } {
  if (scout.length < 2 || scout[0] !== 0x70) return { reason: 'MALFORMED' };
  if (scout[1] !== 1) return { reason: 'BAD_TYPE' };
  if (scout.length < 17 + 1 + 16) return { reason: 'MALFORMED' };
  if ((scout[3] & ~1) !== 0) return { reason: 'BAD_FLAGS' };
  const n = scout[16];
  if (n < 1 || n > 32 || scout.length < 17 + n + 16 || !isValidNodeIdBytes(scout.subarray(17, 17 + n))) return { reason: 'MALFORMED' };
  const id = String.fromCharCode(...scout.subarray(17, 17 + n));
  if (id === g.hubId) return { reason: 'UNKNOWN_KEY' };
  const k = discoveryKeys(fromHex(g.siteKey), id, scout[2]);
  const p = secretboxOpen(k.scout, pad24(scout.subarray(0, 16)), scout.subarray(17 + n));
  if (p === null) return { reason: 'AUTH' };
  if (p.some((x) => x !== 0)) return { reason: 'MALFORMED_INNER' };
  const header = concat(Uint8Array.of(0x70, 2, scout[2], 0), scout.subarray(4, 16), rand ?? new Uint8Array(8));
  const seal = (addr: Uint8Array) => concat(header, secretbox(k.announce, header, concat(lp(g.hubId), u16(g.port), Uint8Array.of(addr.length), addr)));
  let a = seal(address === undefined ? new Uint8Array(0) : ipBytes(address));
  if (a.length > scout.length) a = seal(new Uint8Array(0));
  if (a.length > scout.length) return { reason: 'REPLY_TOO_LARGE' };
  return { announce: a, toGroup: (scout[3] & 1) === 0 };
}

/** RFC 5952: lowercase, no leading zeros, the first longest run of two or more zero groups as '::'. */
function ipv6Text(b: Uint8Array): string {
  const g = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let at = -1, len = 0;
  for (let i = 0; i < 8; i++) {
    let n = 0;
    while (i + n < 8 && g[i + n] === 0) n++;
    if (n >= 2 && n > len) { at = i; len = n; }
  }
  const h = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return at < 0 ? h(g) : `${h(g.slice(0, at))}::${h(g.slice(at + len))}`;
}

function readAnnounce(g: Json, a: Uint8Array): Json | string {
  if (a.length < 40 || a[0] !== 0x70 || a[1] !== 2 || a[3] !== 0) return 'MALFORMED';
  if (a[2] !== g.gen) return 'UNKNOWN_KEY';
  if (!(g.outstanding as string[]).includes(toHex(a.subarray(4, 16)))) return 'UNSOLICITED';
  const p = secretboxOpen(discoveryKeys(fromHex(g.siteKey), g.id, g.gen).announce, a.subarray(0, 24), a.subarray(24));
  if (p === null) return 'AUTH';
  const n = p[0];
  const o = 1 + n;
  const al = p[o + 2];
  if (p.length !== o + 3 + al || ![0, 4, 16].includes(al)) return 'MALFORMED_INNER';
  const addr = p.subarray(o + 3);
  const address = al === 4 ? [...addr].join('.') : al === 16 ? ipv6Text(addr) : undefined;
  return { hubId: String.fromCharCode(...p.subarray(1, o)), port: (p[o] << 8) | p[o + 1], ...(address !== undefined && { address }) };
}

export const evalMulticast: Evaluator = (g, t) => {
  const r = new Report();
  const valid = t.result === 'valid';
  switch (g.type) {
    case 'GroupKeyTest': {
      if (!valid) { r.eq('refused', t.gid >= 1 && t.gid <= 65535 ? 'derived' : 'refused', 'refused'); break; }
      r.hex('info', concat(u16(t.gid), Uint8Array.of(t.gen)), t.info);
      r.hex('groupKey', hkdf(LBL.group, hex(g, 'siteKey'), concat(u16(t.gid), Uint8Array.of(t.gen)), 32), t.groupKey);
      break;
    }
    case 'SenderKeyTest': {
      const k = senderKey(hex(g, 'groupKey'), t.gid, t.gen, t.member, t.epoch, hex(t, 'boot'));
      if (!valid) { r.eq('refused', flag(k === undefined), undefined); break; }
      r.hex('info', concat(u16(t.gid), Uint8Array.of(t.gen), u16(t.member), u32(t.epoch), hex(t, 'boot')), t.info);
      if (k) r.hex('senderKey', k, t.senderKey);
      break;
    }
    case 'DiscoveryKeyTest': {
      const k = discoveryKeys(hex(g, 'siteKey'), t.id, t.gen);
      r.hex('pairKey', k.pk, t.pairKey);
      r.hex('scoutKey', k.scout, t.scoutKey);
      r.hex('announceKey', k.announce, t.announceKey);
      break;
    }
    case 'GrantTest': {
      const d = readGrant(hex(t, 'bytes'));
      if (!valid) { if (d !== undefined) r.fail('this checker accepts the grant'); break; }
      r.eq('grant', d, t.grant);
      r.hex('bytes', writeGrant(t.grant), t.bytes);
      break;
    }
    case 'GroupSealTest': {
      const header = concat(Uint8Array.of(0x70, t.type === 'SIGNED' ? 4 : 3), u16(g.gid), Uint8Array.of(g.gen), u16(t.member), u32(t.epoch), u32(t.counter), hex(t, 'boot'));
      const sk = senderKey(hex(g, 'groupKey'), g.gid, g.gen, t.member, t.epoch, hex(t, 'boot'))!;
      const body = hex(t, 'body');
      let inner = body;
      if (t.type === 'SIGNED') {
        const kp = _sodium.crypto_sign_seed_keypair(hex(g, 'controllerSeed'));
        r.hex('controllerPublicKey', kp.publicKey, g.controllerPublicKey);
        const sig = _sodium.crypto_sign_detached(concat(header, body), kp.privateKey);
        r.hex('signature', sig, t.intermediate.signature);
        inner = concat(body, sig);
      }
      r.hex('header', header, t.intermediate.header);
      r.hex('nonce', pad24(header.subarray(0, 15)), t.intermediate.nonce);
      r.hex('senderKey', sk, t.intermediate.senderKey);
      r.hex('datagram', concat(header, secretbox(sk, pad24(header.subarray(0, 15)), inner)), t.datagram);
      r.eq('message', readMessage(body), t.message);
      break;
    }
    case 'GroupOpenTest': {
      const got = new Member(g.grant).receive(hex(t, 'datagram'));
      if (valid) r.eq('delivery', got, t.expected);
      else r.eq('reason', 'reason' in got ? got.reason : 'accepted', t.reason);
      break;
    }
    case 'GroupReceiveScenario': {
      const m = new Member(g.grant);
      for (const [i, s] of (t.steps as Json[]).entries()) {
        const got = m.receive(fromHex(s.datagram));
        r.eq(`step ${i}`, 'reason' in got ? got.reason : 'accept', s.expect);
      }
      break;
    }
    case 'ScoutTest': {
      const got = hubAnswer(g, hex(t, 'scout'), t.rand === undefined ? undefined : hex(t, 'rand'), t.address);
      if (!valid) { r.eq('reason', 'reason' in got ? got.reason : 'answered', t.reason); break; }
      if ('reason' in got) { r.fail(`this hub stays silent (${got.reason})`); break; }
      r.hex('announce', got.announce, t.announce);
      r.eq('toGroup', got.toGroup, t.toGroup);
      if (got.announce.length > hex(t, 'scout').length) r.fail('an announcement larger than its scout [SW-19.7-2]');
      break;
    }
    case 'AnnounceTest': {
      const got = readAnnounce(g, hex(t, 'announce'));
      if (valid) r.eq('announcement', got, t.expected);
      else r.eq('reason', got, t.reason);
      break;
    }
    default:
      r.fail(`unknown group type ${g.type}`);
  }
  return r.failures;
};
