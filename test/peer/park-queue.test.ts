/**
 * ParkQueue (src/peer/park-queue.ts): idle senders set aside for all peers with one runtime timer,
 * never before SENDER_IDLE of silence [SW-9.5-2], and no work for a peer whose sender is parked.
 */
import { describe, expect, it } from 'vitest';
import { NONE } from '../../src/peer/liveness.js';
import { ParkQueue } from '../../src/peer/park-queue.js';
import type { Peer } from '../../src/peer/peer.js';
import { VirtualScheduler } from '../../src/time/scheduler.js';

const IDLE = 10_000;

/** The fields of a Peer the queue and parkIfIdle read and write, with a sender that counts parks. */
function fakePeer(id: string): Peer & { parks: number } {
  const p = {
    id,
    parks: 0,
    lastSent: NONE,
    parkQueuedAt: NONE,
    parked: undefined as unknown,
    sender: undefined as unknown,
  };
  p.sender = { park: () => (p.parks++, { gen: 0, epoch: 1, counter: 5, index: 0, lastHeard: 0 }) };
  return p as unknown as Peer & { parks: number };
}

function setup(n: number) {
  const sched = new VirtualScheduler(1000);
  const gone = new Set<string>();
  const q = new ParkQueue(sched, IDLE, () => Math.floor(sched.now()), (p) => !gone.has(p.id));
  const peers = Array.from({ length: n }, (_, i) => fakePeer(`p${i}`));
  /** The peer sends now: its sender is in use (what the node's sender callback does), then lastSent. */
  const send = (p: Peer): void => {
    if (p.sender === undefined) p.sender = { park: () => ((p as Peer & { parks: number }).parks++, { gen: 0, epoch: 1, counter: 6, index: 0, lastHeard: 0 }) } as unknown as Peer['sender'];
    q.note(p);
    p.lastSent = Math.floor(sched.now());
  };
  return { sched, q, peers, send, gone };
}

describe('ParkQueue: idle senders set aside for all peers at once [SW-9.5-2]', () => {
  it('sets a sender aside after SENDER_IDLE of silence, never before, with one runtime timer for 1,000 peers', () => {
    const { sched, q, peers, send } = setup(1000);
    peers.forEach((p, i) => {
      sched.advance(i % 7); // spread over a few ms
      send(p);
    });
    expect(q.size).toBe(1000);
    expect(sched.pending).toBe(1); // one timer, not one per peer
    const first = peers[0]!;
    sched.runUntil(first.lastSent + IDLE - 1);
    expect(first.sender).toBeDefined(); // 1 ms short of SENDER_IDLE: still live
    sched.runUntil(Math.max(...peers.map((p) => p.lastSent)) + IDLE);
    expect(peers.every((p) => p.sender === undefined && p.parked !== undefined)).toBe(true);
    expect(peers.every((p) => p.parks === 1)).toBe(true);
    expect(q.size).toBe(0);
    expect(sched.pending).toBe(0); // nothing queued: no wake-up at all
  });

  it('a sender in use again is set aside SENDER_IDLE after its last send, not after its first', () => {
    const { sched, q, peers, send } = setup(3);
    const [a, b, c] = peers as [Peer & { parks: number }, Peer & { parks: number }, Peer & { parks: number }];
    send(a);
    sched.advance(1000);
    send(b);
    sched.advance(4000);
    send(a); // a sends again at 5 s: still queued once
    expect(q.size).toBe(2);
    sched.advance(IDLE - 5000); // 10 s after a's first send
    expect(a.sender).toBeDefined();
    sched.advance(1000); // b: 10 s after its only send
    expect(b.sender).toBeUndefined();
    sched.advance(3999); // a: 1 ms short of 10 s after its last send
    expect(a.sender).toBeDefined();
    sched.advance(1);
    expect(a.sender).toBeUndefined();
    expect(c.parks).toBe(0);
    expect(sched.pending).toBe(0);
  });

  it('a peer no longer the node\'s, or parked meanwhile, is dropped from the queue untouched', () => {
    const { sched, q, peers, send, gone } = setup(2);
    const [a, b] = peers as [Peer & { parks: number }, Peer & { parks: number }];
    send(a);
    send(b);
    gone.add(a.id); // evicted
    b.parked = b.sender!.park(); // parked by the peer's own timer meanwhile
    b.sender = undefined;
    sched.advance(IDLE);
    expect(a.parks).toBe(0);
    expect(b.parks).toBe(1);
    expect(q.size).toBe(0);
    expect(a.parkQueuedAt).toBe(NONE);
  });
});
