// The receiver-index table (spec 4.8) under the rules of 4.8 and 5.5: an index names one context at a
// time and is never 0, a context keeps its index while it stays at one epoch, and a newer epoch of the
// peer unassigns the older one's index, so a SHORT datagram of that epoch names nothing.
import { describe, expect, it } from 'vitest';
import { deriveDeviceKey, encodeFrames, PeerSender, Receiver, SiteKeyring, tweetnaclSuite, type Accepted, type CryptoSuite } from '../../src/core.js';

const site = new Uint8Array(32).fill(5);
const data = encodeFrames([{ type: 'DATAGRAM', data: new Uint8Array([1]) }]);
const sender = (suite: CryptoSuite, id: string, epoch: number) =>
  new PeerSender({ suite, selfId: id, peerId: 'hub', pairKey: deriveDeviceKey(suite, site, id, 0), gen: 0, epoch, boot: new Uint8Array(8).fill(epoch) });

describe('receiver indexes', () => {
  it('each index names at most one context, and none is 0, even when the random source gives 0 and repeats itself [SW-4.8-1]', () => {
    // 4-byte draws: 0, then the same value three times, then the real source
    const rigged = [Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0, 0, 0, 2), Uint8Array.of(0, 0, 0, 2), Uint8Array.of(0, 0, 0, 2)];
    const suite: CryptoSuite = { ...tweetnaclSuite, randomBytes: (n) => (n === 4 && rigged.length > 0 ? rigged.shift()! : tweetnaclSuite.randomBytes(n)) };
    const hub = new Receiver({ suite, selfId: 'hub', keyring: new SiteKeyring(suite, site) });
    const ids = ['d1', 'd2', 'd3'];
    const indexes = ids.map((id) => (hub.open(sender(suite, id, 1).seal(data), 0) as Accepted).announceIndex!.index);
    expect(indexes.every((i) => i !== 0)).toBe(true);
    expect(new Set(indexes).size).toBe(3);
    expect(ids.map((id) => hub.context(id, 0)!.index)).toEqual(indexes);
  });

  it('a context keeps its index while it stays at one epoch, however many FULL datagrams name it [SW-4.8-7]', () => {
    const hub = new Receiver({ suite: tweetnaclSuite, selfId: 'hub', keyring: new SiteKeyring(tweetnaclSuite, site) });
    const tx = sender(tweetnaclSuite, 'd1', 3); // never applies the INDEX: every datagram stays FULL
    const first = (hub.open(tx.seal(data), 0) as Accepted).announceIndex!.index;
    for (let t = 1; t <= 5; t++) {
      const r = hub.open(tx.seal(data), t) as Accepted;
      expect(r.ok && r.form).toBe('FULL');
      if (r.announceIndex !== undefined) expect(r.announceIndex.index).toBe(first);
      expect(hub.context('d1', 0)!.index).toBe(first);
    }
  });

  it("a newer epoch of the peer unassigns the older epoch's index: a SHORT datagram of the old epoch names nothing [SW-5.5-3]", () => {
    const hub = new Receiver({ suite: tweetnaclSuite, selfId: 'hub', keyring: new SiteKeyring(tweetnaclSuite, site) });
    const old = sender(tweetnaclSuite, 'd1', 1);
    const a = hub.open(old.seal(data), 0) as Accepted;
    expect(old.applyIndex(a.announceIndex!, 0)).toBe(true);
    const late = old.seal(data, 1); // SHORT, naming the index of epoch 1
    expect(late[0]).toBe(0x40);
    const b = hub.open(sender(tweetnaclSuite, 'd1', 2).seal(data), 2) as Accepted;
    expect(b.ok && b.epoch).toBe(2);
    expect(hub.context('d1', 0)!.index).not.toBe(a.announceIndex!.index);
    const r = hub.open(late, 3);
    expect(r.ok).toBe(false);
  });
});
