/**
 * Seal+open throughput of the SDK path (PeerSender.seal + Receiver.open: header, nonce, replay
 * window, key lookup) next to the raw library calls (secretbox + secretbox.open), per backend, in
 * one run. Goal (issue 2): the SDK path keeps at least 90% of the raw library. Bounded: ~0.6 s per
 * cell. Run: npm run bench
 */
import nacl from 'tweetnacl';
import {
  deriveDeviceKey,
  encodeFrames,
  PeerSender,
  Receiver,
  SiteKeyring,
  tweetnaclSuite,
  type CryptoSuite,
  type Accepted,
} from '../src/core.js';
import { loadSodiumSuite } from '../src/node/crypto.js';
import { encodeOp } from '../src/messaging/op-codec.js';
import { PUBLISH_CHANNEL } from '../src/messaging/ops.js';
import { createRequire } from 'node:module';

const CELL_MS = 600;

function rate(fn: () => void): number {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < CELL_MS) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

function rawTweetnacl(size: number): () => void {
  const k = nacl.randomBytes(32);
  const nonce = nacl.randomBytes(24);
  const m = nacl.randomBytes(size);
  return () => {
    const b = nacl.secretbox(m, nonce, k);
    if (nacl.secretbox.open(b, nonce, k) === null) throw new Error('open failed');
  };
}

function rawSodium(size: number): (() => void) | undefined {
  let s: any;
  try {
    s = createRequire(import.meta.url)('sodium-native');
  } catch {
    return undefined;
  }
  const k = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(24, 2);
  const m = Buffer.alloc(size, 3);
  return () => {
    const c = Buffer.allocUnsafe(size + 16);
    s.crypto_secretbox_easy(c, m, nonce, k);
    const out = Buffer.allocUnsafe(size);
    if (!s.crypto_secretbox_open_easy(out, c, nonce, k)) throw new Error('open failed');
  };
}

function sdkPath(suite: CryptoSuite, size: number): { fn: () => void; datagramLen: number } {
  const site = new Uint8Array(32).fill(5);
  const hub = new Receiver({ suite, selfId: 'hub', keyring: new SiteKeyring(suite, site) });
  const tx = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0), gen: 0, epoch: 1, boot: new Uint8Array(8) });
  const first = hub.open(tx.seal(new Uint8Array(0)), 0) as Accepted;
  tx.applyIndex(first.announceIndex!);
  // the payload is the whole plaintext minus the frame type byte, so both columns move `size` bytes
  const pt = encodeFrames([{ type: 'DATAGRAM', data: new Uint8Array(size - 1).fill(3) }]);
  let datagramLen = 0;
  return {
    fn: () => {
      const d = tx.seal(pt);
      datagramLen = d.length;
      if (!hub.open(d, 0).ok) throw new Error('open failed');
    },
    get datagramLen() {
      return datagramLen;
    },
  };
}

const rows: string[][] = [['backend', 'plaintext B', 'raw pairs/s', 'SDK pairs/s', 'SDK/raw', 'datagram B', 'overhead B']];
const sodium = loadSodiumSuite();
for (const size of [32, 100, 256, 1200]) {
  for (const [suite, raw] of [[tweetnaclSuite, rawTweetnacl(size)], [sodium, rawSodium(size)]] as const) {
    if (suite === undefined || raw === undefined) continue;
    const r = rate(raw);
    const sdk = sdkPath(suite, size);
    const s = rate(sdk.fn);
    rows.push([suite.name, String(size), r.toFixed(0), s.toFixed(0), (s / r).toFixed(2), String(sdk.datagramLen), String(sdk.datagramLen - size)]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
console.log('\noverhead B = datagram - plaintext = 9 (SHORT header) + 16 (tag); the plaintext includes the 1-byte frame type');

// Bytes a steady-state QoS 0 publication by topic alias costs beyond its payload (spec 4.9, 15.7):
// a real sealed SHORT datagram of the PUBLISH operation in an unreliable MSG frame on PUBLISH_CHANNEL.
{
  const site = new Uint8Array(32).fill(5);
  const suite = tweetnaclSuite;
  const hub = new Receiver({ suite, selfId: 'hub', keyring: new SiteKeyring(suite, site) });
  const tx = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0), gen: 0, epoch: 1, boot: new Uint8Array(8) });
  tx.applyIndex((hub.open(tx.seal(new Uint8Array(0)), 0) as Accepted).announceIndex!);
  const payload = new TextEncoder().encode('21.5');
  const op = encodeOp({ op: 'PUBLISH', qos: 0, retain: false, alias: 5, payload });
  const d = tx.seal(encodeFrames([{ type: 'MSG', channel: PUBLISH_CHANNEL, data: op }]));
  if (!hub.open(d, 0).ok) throw new Error('open failed');
  console.log(`QoS 0 publication by alias: ${d.length - payload.length} B beyond the payload (datagram ${d.length} B for ${payload.length} B; 34 in draft 1)`);
}
