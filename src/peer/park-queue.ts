/**
 * When senders are set aside (spec 9.5, [SW-9.5-2]), for all peers at once: one FIFO of the peers
 * whose sender is live, in the order they were last queued, and one runtime timer for its head.
 *
 * Why not the peer's own timer: a hub answers each device's keepalive PING about every 25 s and sets
 * the sender aside 10 s later, so with parking in the peer's deadline every answer cost a full peer
 * timer firing (liveness, session and reliability ticks, the deadline recomputed) on top of the
 * datagram: per peer, not per message. Here a peer costs one queue entry per idle period, and a
 * firing looks at two fields of the peers that are due, nothing else.
 *
 * Every sender's idle period is the same (senderIdleMs), so the queue stays in deadline order: a
 * peer queued later is never due earlier, except one whose sender sent again after it was queued,
 * which is queued again at the tail when it comes up (so set aside late, never early: the spec's MAY
 * allows any delay). A peer is queued at most once at a time (`parkQueuedAt`), and the queue holds only
 * peers that sent within the last idle period: its work follows activity, not the number of peers.
 * Runtime-agnostic: time comes from the Scheduler.
 * @module
 */
import type { Scheduler, Timer } from '../time/scheduler.js';
import { NONE } from './liveness.js';
import { parkAt, parkIfIdle } from './parking.js';
import type { Peer } from './peer.js';

export class ParkQueue {
  // A ring of peers: head..tail, grown by doubling. No entry object per peer.
  private ring: Array<Peer | undefined> = new Array<Peer | undefined>(16);
  private head = 0;
  private count = 0;
  private timer: Timer | undefined;
  private timerFor = Infinity;
  private closed = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly idleMs: number,
    /** Integer ms, as every time a peer keeps. */
    private readonly now: () => number,
    /** Whether the peer is still the node's (not evicted or replaced). */
    private readonly current: (p: Peer) => boolean,
  ) {}

  /** The peer's live sender is in use now: make sure it is set aside once idle for idleMs. */
  note(p: Peer): void {
    if (this.closed || p.parkQueuedAt !== NONE || p.sender === undefined) return;
    p.parkQueuedAt = this.now() + this.idleMs;
    this.push(p);
    this.arm(p.parkQueuedAt);
  }

  get size(): number {
    return this.count;
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (let i = 0; i < this.count; i++) {
      const p = this.ring[(this.head + i) % this.ring.length];
      if (p !== undefined) p.parkQueuedAt = NONE;
    }
    this.ring = [];
    this.count = 0;
  }

  private run(): void {
    this.timer = undefined;
    this.timerFor = Infinity;
    const now = this.now();
    // each entry looked at once per run at most: one requeued for a later time is not seen again
    for (let budget = this.count; !this.closed && budget > 0 && this.count > 0; budget--) {
      const p = this.ring[this.head]!;
      const current = this.current(p);
      const at = current ? parkAt(p, this.idleMs) : Infinity;
      if (at <= now || at === Infinity) {
        this.shift();
        p.parkQueuedAt = NONE;
        if (current) parkIfIdle(p, now, this.idleMs); // a no-op when parked already
        continue;
      }
      if (at === p.parkQueuedAt) break; // the head, not due yet: neither is any peer behind it
      // sent again since it was queued: to the tail, for its new time
      this.shift();
      p.parkQueuedAt = at;
      this.push(p);
    }
    if (this.count > 0) this.arm(this.ring[this.head]!.parkQueuedAt);
  }

  private arm(at: number): void {
    if (this.closed || !(at < Infinity) || at >= this.timerFor) return;
    this.timer?.cancel();
    this.timerFor = at;
    this.timer = this.scheduler.at(at, () => this.run());
  }

  private push(p: Peer): void {
    if (this.count === this.ring.length) {
      const grown = new Array<Peer | undefined>(this.ring.length * 2);
      for (let i = 0; i < this.count; i++) grown[i] = this.ring[(this.head + i) % this.ring.length];
      this.ring = grown;
      this.head = 0;
    }
    this.ring[(this.head + this.count) % this.ring.length] = p;
    this.count++;
  }

  private shift(): void {
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
  }
}
