/**
 * The peer table (spec 9.2): peers by id, with a declared limit. When full, a new peer evicts the
 * least recently heard learned peer [SW-9.2-3]; configured peers are never evicted, and if every
 * entry is configured the new peer is refused (the caller drops its datagram, reason PEER_LIMIT).
 * @module
 */
import { Peer } from './peer.js';

export class PeerTable {
  private readonly peers = new Map<string, Peer>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.peers.size;
  }

  get(id: string): Peer | undefined {
    return this.peers.get(id);
  }

  values(): IterableIterator<Peer> {
    return this.peers.values();
  }

  /**
   * Adds `peer`. Returns the evicted peer (the caller erases its receive context), `peer` itself if
   * no room could be made, or undefined if there was room.
   */
  add(peer: Peer, fresh = true): Peer | undefined {
    let evicted: Peer | undefined;
    if (this.peers.size >= this.limit) {
      evicted = this.victim(fresh);
      if (evicted === undefined) return peer;
      this.peers.delete(evicted.id);
    }
    this.peers.set(peer.id, peer);
    return evicted;
  }

  /** Whether add() would find room for a new peer now (a free slot, or a peer it may evict). */
  hasRoom(fresh = true): boolean {
    return this.peers.size < this.limit || this.victim(fresh) !== undefined;
  }

  delete(id: string): boolean {
    return this.peers.delete(id);
  }

  /**
   * Least recently heard learned peer; for a newcomer whose datagram may be a replay, only a peer
   * never heard fresh ([SW-9.3-6]). O(n), run only when the table is full.
   */
  private victim(fresh: boolean): Peer | undefined {
    let v: Peer | undefined;
    for (const p of this.peers.values()) {
      if (p.configured || (!fresh && p.lastHeard >= 0)) continue;
      if (v === undefined || p.lastHeard < v.lastHeard) v = p;
    }
    return v;
  }
}
