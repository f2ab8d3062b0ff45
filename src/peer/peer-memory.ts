/**
 * Remembered peers (spec 12.2): the ids and validated addresses of learned peers, saved in the
 * StateStore so that a restarted node can tell them at once instead of waiting for their timers.
 * A peer not saved yet is saved within NEW_PEER_SAVE_DELAY_MS, so that a node killed soon after
 * meeting it still tells it [SW-12.1-4]; address changes of known peers are coalesced (at most one
 * save per SAVE_DELAY_MS) because they come with every roam. A lost save only delays recovery, it
 * never weakens security (a restart hint is an ordinary authenticated datagram).
 * @module
 */
import type { Scheduler, Timer } from '../time/scheduler.js';
import type { Address } from '../transport/transport.js';
import type { Peer } from './peer.js';
import { decodePeers, encodePeers, PEERS_KEY, type StateStore } from './state-store.js';

export const SAVE_DELAY_MS = 5_000;
/** A newly learned peer is saved this soon (saves of a burst of new peers are still coalesced). */
export const NEW_PEER_SAVE_DELAY_MS = 100;
/** At most this many peers are remembered (the most recently heard). */
export const REMEMBERED_PEERS_MAX = 65_536;

export class PeerMemory {
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private source: (() => Iterable<Peer>) | undefined;
  /** Ids in the last record saved or loaded: a peer outside it is new and saved soon. */
  private saved = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly enabled: boolean,
    private readonly scheduler: Scheduler,
    private readonly restore: (id: string, address: Address) => void,
  ) {}

  /** Loads remembered peers into the table through `restore`. A corrupt record restores nothing. */
  async load(): Promise<void> {
    if (!this.enabled) return;
    for (const p of decodePeers(await this.store.load(PEERS_KEY).catch(() => undefined))) {
      this.saved.add(p.id);
      this.restore(p.id, { host: p.host, port: p.port });
    }
  }

  /**
   * Notes that the address of `peer` changed (or was validated); a save follows within
   * SAVE_DELAY_MS, or within NEW_PEER_SAVE_DELAY_MS when the last save did not hold the peer.
   */
  changed(peers?: () => Iterable<Peer>, peer?: Peer): void {
    if (!this.enabled) return;
    if (peers !== undefined) this.source = peers;
    const fresh = peer !== undefined && !peer.configured && !this.saved.has(peer.id);
    const at = this.scheduler.now() + (fresh ? NEW_PEER_SAVE_DELAY_MS : SAVE_DELAY_MS);
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.scheduler.at(at, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      if (this.source !== undefined) void this.flush(this.source()).catch(() => undefined);
    });
  }

  /** Saves now. */
  async flush(peers: Iterable<Peer>): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    if (!this.enabled) return;
    const rows = [...peers]
      .filter((p) => !p.configured && p.validated && p.address !== undefined)
      .sort((a, b) => b.lastHeard - a.lastHeard)
      .slice(0, REMEMBERED_PEERS_MAX)
      .map((p) => ({ id: p.id, host: p.address!.host, port: p.address!.port }));
    await this.store.save(PEERS_KEY, encodePeers(rows));
    this.saved = new Set(rows.map((r) => r.id));
  }
}
