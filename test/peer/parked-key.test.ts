/**
 * A parked sender keeps its traffic key (spec 9.5, [SW-9.5-2] allows keeping or discarding it): a hub
 * answering an idle device's keepalive rebuilds the sender without deriving anything, seals exactly
 * as a freshly derived sender at the same counter would, and still refuses a revoked device; a key
 * rotation never reuses the kept key [SW-3.6-3].
 */
import { describe, expect, it } from 'vitest';
import { tweetnaclSuite } from '../../src/crypto/tweetnacl.js';
import { parkIfIdle, senderFor } from '../../src/peer/parking.js';
import { Peer } from '../../src/peer/peer.js';
import { SiteKeyring } from '../../src/session/keyring.js';
import { PeerSender } from '../../src/session/sender.js';

const IDLE = 10_000;
const BOOT = new Uint8Array(8).fill(7);
const site = new Uint8Array(32).fill(9);

function setup() {
  const keyring = new SiteKeyring(tweetnaclSuite, site);
  let lookups = 0;
  const counted = new Proxy(keyring, {
    get(t, k) {
      if (k === 'lookup') return (...a: Parameters<SiteKeyring['lookup']>) => (lookups++, t.lookup(...a));
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  const o = { suite: tweetnaclSuite, id: 'hub', keyring: counted };
  const p = new Peer('dev-1');
  return { keyring, o, p, lookups: () => lookups };
}

describe('a parked sender keeps its traffic key [SW-9.5-2]', () => {
  it('is rebuilt with no key lookup or derivation, and seals as a derived sender at the same counter', () => {
    const { keyring, o, p, lookups } = setup();
    const s1 = senderFor(p, o, 1, BOOT, 0)!;
    s1.seal(new Uint8Array([1]), 0);
    s1.seal(new Uint8Array([2]), 0);
    p.lastSent = 0;
    expect(lookups()).toBe(1);
    parkIfIdle(p, IDLE, IDLE);
    expect(p.sender).toBeUndefined();
    expect(p.parked!.trafficKey).toHaveLength(6); // packed: six integers below 2^48
    expect(p.parked!.counter).toBe(2);

    const s2 = senderFor(p, o, 1, BOOT, IDLE + 1)!;
    expect(lookups()).toBe(1); // nothing looked up (so nothing derived) for the rebuild
    expect(s2.counter).toBe(2); // the counter goes on: no nonce repeats [SW-5.1-1]
    const sealed = s2.seal(new Uint8Array([3]), IDLE + 1);
    // the same bytes as a sender derived from the pair key and resumed at counter 2
    const pair = keyring.lookup('dev-1', 0, 0);
    if (!pair.ok) throw new Error('no key');
    const derived = new PeerSender({ suite: tweetnaclSuite, selfId: 'hub', peerId: 'dev-1', pairKey: pair.pairKey, gen: 0, epoch: 1, boot: BOOT, resume: { gen: 0, epoch: 1, counter: 2, index: 0, lastHeard: -1 } });
    expect(Buffer.from(sealed).toString('hex')).toBe(Buffer.from(derived.seal(new Uint8Array([3]), IDLE + 1)).toString('hex'));
  });

  it('is not rebuilt for a revoked device [SW-6.1-2]', () => {
    const { keyring, o, p } = setup();
    senderFor(p, o, 1, BOOT, 0)!.seal(new Uint8Array([1]), 0);
    p.lastSent = 0;
    parkIfIdle(p, IDLE, IDLE);
    keyring.revoke('dev-1');
    expect(senderFor(p, o, 1, BOOT, IDLE + 1)).toBeUndefined();
  });

  it('a new epoch or a rotated generation derives a new key, never the kept one [SW-3.6-3]', () => {
    const { keyring, o, p, lookups } = setup();
    const s1 = senderFor(p, o, 1, BOOT, 0)!;
    s1.seal(new Uint8Array([1]), 0);
    const kept = Buffer.from((s1 as unknown as { trafficKey: Uint8Array }).trafficKey).toString('hex');
    p.lastSent = 0;
    parkIfIdle(p, IDLE, IDLE);
    const s2 = senderFor(p, o, 2, BOOT, IDLE + 1)!; // the node renewed its epoch
    expect(lookups()).toBe(2);
    expect(s2.counter).toBe(0);
    const s2key = Buffer.from((s2 as unknown as { trafficKey: Uint8Array }).trafficKey).toString('hex');
    expect(s2key).not.toBe(kept);
    p.lastSent = IDLE + 1;
    parkIfIdle(p, 2 * IDLE + 1, IDLE);
    keyring.generations.set('dev-1', { current: 1 });
    const s3 = senderFor(p, o, 2, BOOT, 2 * IDLE + 2)!;
    expect(s3.gen).toBe(1);
    expect(s3.counter).toBe(0);
    expect(Buffer.from((s3 as unknown as { trafficKey: Uint8Array }).trafficKey).toString('hex')).not.toBe(s2key);
  });
});
