/**
 * The multicast group of the SDK's adapter (sdk.ts): secured multicast and discovery (spec 19), mapped
 * onto the SDK as check/multicast.ts maps its vectors.
 */
import { tweetnaclEd25519 } from '../../../src/crypto/ed25519.js';
import { deriveDeviceKey } from '../../../src/crypto/keys.js';
import type { CryptoSuite } from '../../../src/crypto/suite.js';
import { GTYPE_DATA, GTYPE_SIGNED } from '../../../src/multicast/constants.js';
import { decodeGrant, encodeGrant, type GroupGrant } from '../../../src/multicast/grant.js';
import { encodeGroupHeader, groupNonce } from '../../../src/multicast/header.js';
import { deriveDiscoveryKeys, deriveSenderKey, deriveSiteGroupKey } from '../../../src/multicast/keys.js';
import { GroupReceiver } from '../../../src/multicast/receiver.js';
import { DiscoveryResponder } from '../../../src/multicast/responder.js';
import { Scouter } from '../../../src/multicast/scout.js';
import { SiteKeyring } from '../../../src/session/keyring.js';
import { concat, fromHex as h, toHex } from '../../../src/util/bytes.js';

type Req = Record<string, any> & { op: string };
type Reply = Record<string, unknown>;

const refused = (f: () => Reply): Reply => {
  try {
    return f();
  } catch {
    return { refused: true };
  }
};
/** A suite whose random draws return the given values first (the vectors' RAND and nonces). */
const scripted = (base: CryptoSuite, next: Uint8Array[]): CryptoSuite => ({ ...base, randomBytes: (n) => next.shift()?.slice(0, n) ?? base.randomBytes(n) });
const grantOf = (j: any): GroupGrant => ({
  gid: j.gid, gen: j.gen, member: j.member, key: h(j.key), activateMs: j.activateMs, graceMs: j.graceMs, lifetimeS: j.lifetimeS, epochFloor: j.epochFloor, regrant: j.regrant,
  ...(j.controller !== undefined && { controller: { member: j.controller.member, publicKey: h(j.controller.publicKey) } }),
});
function grantJson(g: GroupGrant): Reply {
  return {
    gid: g.gid, gen: g.gen, member: g.member, key: toHex(g.key), activateMs: g.activateMs, graceMs: g.graceMs, lifetimeS: g.lifetimeS, epochFloor: g.epochFloor, regrant: g.regrant,
    ...(g.controller !== undefined && { controller: { member: g.controller.member, publicKey: toHex(g.controller.publicKey) } }),
  };
}
/** A delivered group message as the vectors write it: its fields, bytes in hex. */
const msg = (m: object): Reply => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]));
const receiverFor = (suite: CryptoSuite, grant: unknown): GroupReceiver => {
  const r = new GroupReceiver({ suite, ed25519: tweetnaclEd25519 });
  r.installSync(grantOf(grant), 0);
  return r;
};

/** The reply to a multicast operation, or undefined for another operation. */
export function handleMulticast(suite: CryptoSuite, r: Req): Reply | undefined {
  switch (r.op) {
    case 'mc.group-key':
      return refused(() => ({ groupKey: toHex(deriveSiteGroupKey(suite, h(r.siteKey), r.gid, r.gen)) }));
    case 'mc.sender-key':
      return refused(() => ({ senderKey: toHex(deriveSenderKey(suite, h(r.groupKey), r.gid, r.gen, r.member, r.epoch, h(r.boot))) }));
    case 'mc.discovery-keys': {
      const pk = deriveDeviceKey(suite, h(r.siteKey), r.id, r.gen);
      const k = deriveDiscoveryKeys(suite, pk, r.id, r.gen);
      return { pairKey: toHex(pk), scoutKey: toHex(k.scout), announceKey: toHex(k.announce) };
    }
    case 'mc.grant.decode': {
      const d = decodeGrant(h(r.bytes));
      return d === undefined ? { invalid: true } : { grant: grantJson(d) };
    }
    case 'mc.grant.encode':
      return { bytes: toHex(encodeGrant(grantOf(r.grant))) };
    case 'mc.seal': {
      const type = r.type === 'SIGNED' ? GTYPE_SIGNED : GTYPE_DATA;
      const header = encodeGroupHeader({ type, gid: r.gid, gen: r.gen, member: r.member, epoch: r.epoch, counter: r.counter, boot: h(r.boot) });
      const sk = deriveSenderKey(suite, h(r.groupKey), r.gid, r.gen, r.member, r.epoch, h(r.boot));
      const body = h(r.body);
      const sig = type === GTYPE_SIGNED ? tweetnaclEd25519.sign(concat(header, body), tweetnaclEd25519.keyPair(h(r.controllerSeed)).secretKey) : undefined;
      return { datagram: toHex(suite.seal(sk, groupNonce(header), sig === undefined ? body : concat(body, sig), header)) };
    }
    case 'mc.open': {
      const got = receiverFor(suite, r.grant).receiveSync(h(r.datagram), 0);
      return got.ok ? { accept: { member: got.delivery.member, tier: got.delivery.tier, message: msg(got.delivery.message) } } : { drop: got.reason };
    }
    case 'mc.receive.run': {
      const rec = receiverFor(suite, r.grant);
      return {
        verdicts: (r.steps as Array<{ datagram: string }>).map((s) => {
          const got = rec.receiveSync(h(s.datagram), 0);
          return got.ok ? 'accept' : got.reason;
        }),
      };
    }
    case 'mc.scout': {
      const resp = new DiscoveryResponder({
        suite: scripted(suite, r.rand === undefined ? [] : [h(r.rand)]),
        hubId: r.hubId,
        keyring: new SiteKeyring(suite, h(r.siteKey)),
        announce: { port: r.port, ...(r.address !== undefined && { address: r.address }) },
        random: () => 0,
      });
      const o = resp.onScout(h(r.scout), '192.0.2.9:5000', 0);
      return o.ok ? { announce: toHex(o.reply), toGroup: o.toGroup } : { silent: o.reason };
    }
    case 'mc.announce': {
      const s = new Scouter({ suite: scripted(suite, (r.outstanding as string[]).map((x) => h(x))), id: r.id, gen: r.gen, pairKey: deriveDeviceKey(suite, h(r.siteKey), r.id, r.gen) });
      for (let i = 0; i < r.outstanding.length; i++) s.next();
      const a = s.accept(h(r.announce));
      return typeof a === 'string' ? { drop: a } : { accept: a as unknown as Reply };
    }
    default:
      return undefined;
  }
}
