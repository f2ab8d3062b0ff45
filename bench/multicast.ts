/**
 * Secured multicast (spec 19): bytes per message next to Group OSCORE's published example, the cost
 * of the group-authenticated path (seal, receive), and of Ed25519 verification on tweetnacl and,
 * when installed, sodium-native: the figure behind VERIFY_RATE ([SW-19.5-8]). Bounded: ~0.5 s per
 * cell. Run: npm run bench:multicast
 */
import { createRequire } from 'node:module';
import { tweetnaclEd25519 } from '../src/crypto/ed25519.js';
import { deriveDeviceKey } from '../src/crypto/keys.js';
import { tweetnaclSuite } from '../src/crypto/tweetnacl.js';
import { VERIFY_RATE } from '../src/multicast/constants.js';
import { GroupManager } from '../src/multicast/manager.js';
import { GroupReceiver } from '../src/multicast/receiver.js';
import { DiscoveryResponder } from '../src/multicast/responder.js';
import { Scouter } from '../src/multicast/scout.js';
import { GroupSender } from '../src/multicast/sender.js';
import { loadSodiumSuite } from '../src/node/crypto.js';
import { SiteKeyring } from '../src/session/keyring.js';

const CELL_MS = 500;
function perOp(fn: () => void, warm = 20): number {
  for (let i = 0; i < warm; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < CELL_MS) {
    fn();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

const suite = tweetnaclSuite;
const ctl = tweetnaclEd25519.keyPair();
const mgr = new GroupManager({ suite, gid: 1, controller: { id: 'hub', publicKey: ctl.publicKey } });
mgr.add('a');
const member = (id: string) => {
  const r = new GroupReceiver({ suite, ed25519: tweetnaclEd25519, verifyRate: 1e9 });
  r.installSync(mgr.grantFor(id), 0);
  return r;
};
const rxA = member('a');
const rxHub = member('hub');
const sender = new GroupSender({ suite, membership: rxHub.membership(1), epoch: 1, boot: new Uint8Array(8), signing: { ed25519: tweetnaclEd25519, secretKey: ctl.secretKey } });

// ---- bytes per message ----
const six = new Uint8Array(6);
const groupSix = sender.seal({ kind: 'datagram', payload: six }, 0).length;
const signedSix = sender.sealSigned({ kind: 'datagram', payload: six }, 0).length;
const pubTopic = sender.seal({ kind: 'publish', topic: 'sensors/t', payload: six }, 0).length;
console.log('bytes per message (6-byte payload):');
console.log(`  Group OSCORE group mode, compressed (draft example, 8-byte tag, 64-byte countersignature): 85`);
console.log(`  Saltwire group-authenticated, DATAGRAM frame:                 ${groupSix}  (overhead ${groupSix - 6})`);
console.log(`  Saltwire group-authenticated, PUBLISH 'sensors/t':            ${pubTopic}  (overhead ${pubTopic - 6})`);
console.log(`  Saltwire signed tier (Ed25519 by the controller), DATAGRAM:   ${signedSix}  (overhead ${signedSix - 6})`);

// ---- discovery sizes ----
const site = suite.randomBytes(32);
const scouter = new Scouter({ suite, id: 'sensor-1', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0) });
const scout = scouter.next();
const hub = new DiscoveryResponder({ suite, hubId: 'hub', keyring: new SiteKeyring(suite, site), announce: { port: 4000, address: '192.0.2.7' } });
const r = hub.onScout(scout, '10.0.0.1:5000', 0);
console.log(`discovery: scout ${scout.length} bytes, announce ${r.ok ? r.reply.length : '-'} bytes (hub 'hub' with an IPv4 address)`);

// ---- costs ----
let counter = 0;
const seal = perOp(() => void sender.seal({ kind: 'datagram', payload: six }, 0), 200);
const pre = Array.from({ length: 200_000 }, () => sender.seal({ kind: 'datagram', payload: six }, 0));
const open = perOp(() => void rxA.receiveSync(pre[counter++ % pre.length]!, 0), 200);
const msg = new Uint8Array(100);
const sig = tweetnaclEd25519.sign(msg, ctl.secretKey);
const verifyTweet = perOp(() => void tweetnaclEd25519.verify(msg, sig, ctl.publicKey));
const signTweet = perOp(() => void tweetnaclEd25519.sign(msg, ctl.secretKey));
console.log(`group tier (tweetnacl): seal ${(seal * 1000).toFixed(1)} µs, receive ${(open * 1000).toFixed(1)} µs per datagram`);
console.log(`Ed25519 on tweetnacl: verify ${verifyTweet.toFixed(2)} ms, sign ${signTweet.toFixed(2)} ms`);
let verifySodium: number | undefined;
if (loadSodiumSuite() !== undefined) {
  const sodium = createRequire(import.meta.url)('sodium-native') as {
    crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
  };
  verifySodium = perOp(() => void sodium.crypto_sign_verify_detached(sig, msg, ctl.publicKey), 200);
  console.log(`Ed25519 on sodium-native: verify ${(verifySodium * 1000).toFixed(1)} µs`);
}
const share = (VERIFY_RATE * verifyTweet) / 10;
console.log(`budget: VERIFY_RATE ${VERIFY_RATE}/s costs at most ${share.toFixed(0)}% of one core on tweetnacl${verifySodium === undefined ? '' : `, ${((VERIFY_RATE * verifySodium) / 10).toFixed(2)}% on sodium-native`}; one core verifies at most ${Math.floor(1000 / verifyTweet)}/s on tweetnacl`);
