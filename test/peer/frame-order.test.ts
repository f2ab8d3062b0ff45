// A node's handling of an accepted datagram (spec 9.3, 10.2), seen from a scripted peer that seals its
// own datagrams (PeerSender) and opens the node's answers (Receiver): a new address gets a CHALLENGE
// in the very next datagram, and an ECHO decides freshness before any other frame is acted on,
// wherever it sits in the plaintext.
import { describe, expect, it } from 'vitest';
import { decodeFrames, deriveDeviceKey, encodeFrames, PairKeyring, PeerSender, Receiver, tweetnaclSuite as suite, type WireFrame } from '../../src/core.js';
import type { Address } from '../../src/transport/transport.js';
import { Harness, HUB, SITE, text } from './harness.js';

/** A device played by hand: seals with its own sender, opens the hub's datagrams, keeps their frames. */
function scripted(h: Harness) {
  const pk = deriveDeviceKey(suite, SITE, 'sensor-1', 0);
  const tx = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: pk, gen: 0, epoch: 1, boot: new Uint8Array(8).fill(1) });
  const rx = new Receiver({ suite, selfId: 'sensor-1', keyring: new PairKeyring().add('hub', 0, pk) });
  const got: Array<{ at: number; to: Address; frames: WireFrame[] }> = [];
  const bind = (port: number) => {
    const t = h.net.bind({ host: 'sensor-1', port });
    t.onReceive((d) => {
      const r = rx.open(d, h.net.scheduler.now());
      if (r.ok) got.push({ at: h.net.scheduler.now(), to: t.local, frames: decodeFrames(r.plaintext)! });
    });
    return (frames: WireFrame[]) => void t.send(tx.seal(encodeFrames(frames)), HUB);
  };
  return { got, bind };
}

const types = (fs: WireFrame[]): string[] => fs.map((f) => f.type);
const challengeOf = (fs: WireFrame[]): Uint8Array => (fs.find((f) => f.type === 'CHALLENGE') as { token: Uint8Array }).token;

describe('the receive side of the peer layer', () => {
  it("a learned peer's first address, and a new unvalidated one, get a CHALLENGE in the next datagram, at once [SW-10.2-1]", async () => {
    const h = new Harness();
    await h.hub();
    const dev = scripted(h);
    const first = dev.bind(5000);
    const t0 = h.net.scheduler.now();
    first([{ type: 'PING' }]); // no CHALLENGE of its own: nothing else asks the hub for one
    await h.run(20);
    expect(dev.got[0]!.at).toBe(t0);
    expect(types(dev.got[0]!.frames)).toContain('CHALLENGE');
    first([{ type: 'ECHO', token: challengeOf(dev.got[0]!.frames) }]); // the first address validated
    await h.run(20);
    const moved = dev.bind(5001);
    const n = dev.got.length;
    const t1 = h.net.scheduler.now();
    moved([{ type: 'PING' }]);
    await h.run(20);
    const toNew = dev.got.slice(n).filter((g) => g.to.port === 5001);
    expect(toNew.length).toBeGreaterThan(0);
    expect(toNew[0]!.at).toBe(t1);
    expect(types(toNew[0]!.frames)).toContain('CHALLENGE');
  });

  it('an ECHO decides freshness before the frames it follows in the plaintext: data ahead of it is delivered fresh, and the peer heard [SW-9.3-8] [SW-9.3-3]', async () => {
    const h = new Harness();
    const hub = await h.hub();
    const dev = scripted(h);
    const send = dev.bind(5000);
    send([{ type: 'PING' }, { type: 'MSG', channel: 0, data: text('unknown') }]);
    await h.run(20);
    expect(h.texts('hub')).toEqual([]); // freshness unknown: its MSG is not acted on ([SW-14.10-5])
    expect(hub.peer('sensor-1')!.lastHeard).toBeLessThan(0); // nor heard for liveness
    const token = challengeOf(dev.got[0]!.frames);
    const at = h.net.scheduler.now();
    send([{ type: 'MSG', channel: 0, data: text('fresh') }, { type: 'ECHO', token }]); // ECHO last in the plaintext
    await h.run(20);
    expect(h.texts('hub')).toEqual(['fresh']);
    expect(h.inbox.get('hub')![0]!.fresh).toBe(true);
    expect(hub.peer('sensor-1')!.lastHeard).toBe(at);
  });
});
