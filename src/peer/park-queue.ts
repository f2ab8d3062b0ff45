/**
 * When senders are set aside (spec 9.5, [SW-9.5-2]), for all peers at once: an IdleQueue of the
 * peers whose sender is live (idle-queue.ts says why one queue and one timer, not the peers' own).
 * Every sender's idle period is the same (senderIdleMs). Runtime-agnostic: time comes from the Scheduler.
 * @module
 */
import type { Scheduler } from '../time/scheduler.js';
import { IdleQueue } from './idle-queue.js';
import { parkAt, parkIfIdle } from './parking.js';
import type { Peer } from './peer.js';

export class ParkQueue {
  private readonly queue: IdleQueue<Peer>;

  constructor(
    scheduler: Scheduler,
    private readonly idleMs: number,
    /** Integer ms, as every time a peer keeps. */
    private readonly now: () => number,
    /** Whether the peer is still the node's (not evicted or replaced). */
    current: (p: Peer) => boolean,
  ) {
    this.queue = new IdleQueue<Peer>(scheduler, now, {
      queuedAt: (p) => p.parkQueuedAt,
      setQueuedAt: (p, at) => void (p.parkQueuedAt = at),
      dueAt: (p) => (current(p) ? parkAt(p, idleMs) : Infinity),
      idle: (p, t) => void (current(p) && parkIfIdle(p, t, idleMs)), // a no-op when parked already
    });
  }

  /** The peer's live sender is in use now: make sure it is set aside once idle for idleMs. */
  note(p: Peer): void {
    if (p.sender !== undefined) this.queue.note(p, this.now() + this.idleMs);
  }

  get size(): number {
    return this.queue.size;
  }

  close(): void {
    this.queue.close();
  }
}
