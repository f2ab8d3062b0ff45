/**
 * SDK checker hook for multicast.json (spec 19): derivations and grants through src/multicast,
 * datagrams rebuilt byte by byte, each GroupOpenTest and GroupReceiveScenario through a
 * GroupReceiver holding the group's grant, each ScoutTest through a DiscoveryResponder and each
 * AnnounceTest through a Scouter with the vector's outstanding scout.
 */
import { tweetnaclEd25519 } from '../../src/crypto/ed25519.js';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import type { CryptoSuite } from '../../src/crypto/suite.js';
import { GTYPE_DATA, GTYPE_SIGNED } from '../../src/multicast/constants.js';
import { decodeGrant, encodeGrant, type GroupGrant } from '../../src/multicast/grant.js';
import { encodeGroupHeader, groupNonce } from '../../src/multicast/header.js';
import { deriveDiscoveryKeys, deriveSenderKey, deriveSiteGroupKey, senderKeyInfo } from '../../src/multicast/keys.js';
import { GroupReceiver } from '../../src/multicast/receiver.js';
import { DiscoveryResponder } from '../../src/multicast/responder.js';
import { Scouter } from '../../src/multicast/scout.js';
import type { GroupMessage } from '../../src/multicast/frames.js';
import { SiteKeyring } from '../../src/session/keyring.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';

export const MULTICAST_GROUP_TYPES = ['GroupKeyTest', 'SenderKeyTest', 'DiscoveryKeyTest', 'GrantTest', 'GroupSealTest', 'GroupOpenTest', 'GroupReceiveScenario', 'ScoutTest', 'AnnounceTest'];

type Test = Record<string, any> & { tcId: number; result: 'valid' | 'invalid' };
const h = fromHex;
const throws = (f: () => unknown): boolean => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};
const scripted = (base: CryptoSuite, next: Uint8Array[]): CryptoSuite => ({ ...base, randomBytes: (n) => next.shift()?.slice(0, n) ?? base.randomBytes(n) });
const grantOf = (j: any): GroupGrant => ({
  gid: j.gid, gen: j.gen, member: j.member, key: h(j.key), activateMs: j.activateMs, graceMs: j.graceMs, lifetimeS: j.lifetimeS, epochFloor: j.epochFloor, regrant: j.regrant,
  ...(j.controller !== undefined && { controller: { member: j.controller.member, publicKey: h(j.controller.publicKey) } }),
});
const msg = (m: GroupMessage) =>
  m.kind === 'publish'
    ? { kind: m.kind, topic: m.topic, payload: toHex(m.payload) }
    : m.kind === 'command'
      ? { kind: m.kind, name: m.name, params: toHex(m.params) }
      : m.kind === 'nack'
        ? { kind: m.kind, gen: m.gen, member: m.member, epoch: m.epoch, boot: toHex(m.boot), counters: m.counters }
        : { kind: m.kind, payload: toHex(m.payload) };
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const receiverFor = (suite: CryptoSuite, g: any): GroupReceiver => {
  const r = new GroupReceiver({ suite, ed25519: tweetnaclEd25519 });
  r.installSync(grantOf(g.grant), 0);
  return r;
};

/** Returns a failure message, or undefined if the SDK agrees with the vector. */
export function checkMulticastVector(suite: CryptoSuite, g: Record<string, any> & { type: string }, t: Test): string | undefined {
  const valid = t.result === 'valid';
  switch (g.type) {
    case 'GroupKeyTest':
      if (!valid) return throws(() => deriveSiteGroupKey(suite, h(g.siteKey), t.gid, t.gen)) ? undefined : 'not refused';
      return toHex(deriveSiteGroupKey(suite, h(g.siteKey), t.gid, t.gen)) === t.groupKey ? undefined : 'group key';
    case 'SenderKeyTest':
      if (!valid) return throws(() => deriveSenderKey(suite, h(g.groupKey), t.gid, t.gen, t.member, t.epoch, h(t.boot))) ? undefined : 'not refused';
      return toHex(senderKeyInfo(t.gid, t.gen, t.member, t.epoch, h(t.boot))) === t.info && toHex(deriveSenderKey(suite, h(g.groupKey), t.gid, t.gen, t.member, t.epoch, h(t.boot))) === t.senderKey ? undefined : 'sender key';
    case 'DiscoveryKeyTest': {
      const pk = deriveDeviceKey(suite, h(g.siteKey), t.id, t.gen);
      const k = deriveDiscoveryKeys(suite, pk, t.id, t.gen);
      return toHex(pk) === t.pairKey && toHex(k.scout) === t.scoutKey && toHex(k.announce) === t.announceKey ? undefined : 'keys';
    }
    case 'GrantTest': {
      const d = decodeGrant(h(t.bytes));
      if (!valid) return d === undefined ? undefined : 'decoded';
      return d !== undefined && toHex(encodeGrant(grantOf(t.grant))) === t.bytes && toHex(encodeGrant(d)) === t.bytes ? undefined : 'grant bytes';
    }
    case 'GroupSealTest': {
      const type = t.type === 'SIGNED' ? GTYPE_SIGNED : GTYPE_DATA;
      const header = encodeGroupHeader({ type, gid: g.gid, gen: g.gen, member: t.member, epoch: t.epoch, counter: t.counter, boot: h(t.boot) });
      const sk = deriveSenderKey(suite, h(g.groupKey), g.gid, g.gen, t.member, t.epoch, h(t.boot));
      const body = h(t.body);
      const sig = type === GTYPE_SIGNED ? tweetnaclEd25519.sign(concat(header, body), tweetnaclEd25519.keyPair(h(g.controllerSeed)).secretKey) : undefined;
      const d = suite.seal(sk, groupNonce(header), sig === undefined ? body : concat(body, sig), header);
      const im = t.intermediate;
      if (toHex(sk) !== im.senderKey || toHex(header) !== im.header || toHex(groupNonce(header)) !== im.nonce || (sig !== undefined && toHex(sig) !== im.signature)) return 'intermediate';
      if (toHex(d) !== t.datagram) return 'datagram';
      // and a member reads it back
      const r = receiverFor(suite, { grant: { gid: g.gid, gen: g.gen, member: 9, key: g.groupKey, activateMs: 0, graceMs: 0, lifetimeS: 60, epochFloor: 0, regrant: false, controller: { member: g.controllerMember, publicKey: g.controllerPublicKey } } });
      const got = r.receiveSync(d, 0);
      return got.ok && same(msg(got.delivery.message), t.message) ? undefined : `read back: ${got.ok ? 'other message' : got.reason}`;
    }
    case 'GroupOpenTest': {
      const got = receiverFor(suite, g).receiveSync(h(t.datagram), 0);
      if (!valid) return !got.ok && got.reason === t.reason ? undefined : `got ${got.ok ? 'accepted' : got.reason}, want ${t.reason}`;
      if (!got.ok) return `dropped ${got.reason}`;
      const e = { member: got.delivery.member, tier: got.delivery.tier, message: msg(got.delivery.message) };
      return same(e, t.expected) ? undefined : `got ${JSON.stringify(e).slice(0, 120)}`;
    }
    case 'GroupReceiveScenario': {
      const r = receiverFor(suite, g);
      for (const [i, s] of (t.steps as Array<{ datagram: string; expect: string }>).entries()) {
        const got = r.receiveSync(h(s.datagram), 0);
        const v = got.ok ? 'accept' : got.reason;
        if (v !== s.expect) return `step ${i}: got ${v}, want ${s.expect}`;
      }
      return undefined;
    }
    case 'ScoutTest': {
      const resp = new DiscoveryResponder({
        suite: scripted(suite, t.rand === undefined ? [] : [h(t.rand)]),
        hubId: g.hubId,
        keyring: new SiteKeyring(suite, h(g.siteKey)),
        announce: { port: g.port, ...(t.address !== undefined && { address: t.address }) },
        random: () => 0,
      });
      const r = resp.onScout(h(t.scout), '192.0.2.9:5000', 0);
      if (!valid) return !r.ok && r.reason === t.reason ? undefined : `got ${r.ok ? 'an answer' : r.reason}, want ${t.reason}`;
      if (!r.ok) return `silent: ${r.reason}`;
      return toHex(r.reply) === t.announce && r.toGroup === t.toGroup && r.reply.length <= h(t.scout).length ? undefined : 'announce';
    }
    case 'AnnounceTest': {
      const s = new Scouter({ suite: scripted(suite, (g.outstanding as string[]).map((x) => h(x))), id: g.id, gen: g.gen, pairKey: deriveDeviceKey(suite, h(g.siteKey), g.id, g.gen) });
      for (let i = 0; i < g.outstanding.length; i++) s.next();
      const a = s.accept(h(t.announce));
      if (!valid) return a === t.reason ? undefined : `got ${typeof a === 'string' ? a : 'accepted'}, want ${t.reason}`;
      return typeof a !== 'string' && same(a, t.expected) ? undefined : `got ${JSON.stringify(a)}`;
    }
    default:
      return `unknown group type ${g.type}`;
  }
}
