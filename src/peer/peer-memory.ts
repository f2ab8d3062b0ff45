/**
 * Remembered peers (spec 12.2): the ids and validated addresses of learned peers, saved in the
 * StateStore so that a restarted node can tell them at once instead of waiting for their timers.
 * Saves are coalesced (at most one per SAVE_DELAY_MS) because addresses change with every roam; a
 * lost save only delays recovery, it never weakens security (a restart hint is an ordinary
 * authenticated datagram).
 * @module
 */
import type { Scheduler, Timer } from '../time/scheduler.js';
import type { Address } from '../transport/transport.js';
import type { Peer } from './peer.js';
import { decodePeers, encodePeers, PEERS_KEY, type StateStore } from './state-store.js';

export const SAVE_DELAY_MS = 5_000;
/** At most this many peers are remembered (the most recently heard). */
export const REMEMBERED_PEERS_MAX = 65_536;

export class PeerMemory {
  private timer: Timer | undefined;
  private source: (() => Iterable<Peer>) | undefined;

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
      this.restore(p.id, { host: p.host, port: p.port });
    }
  }

  /** Notes that a peer's address changed; a save follows within SAVE_DELAY_MS. */
  changed(peers?: () => Iterable<Peer>): void {
    if (!this.enabled) return;
    if (peers !== undefined) this.source = peers;
    if (this.timer !== undefined) return;
    this.timer = this.scheduler.at(this.scheduler.now() + SAVE_DELAY_MS, () => {
      this.timer = undefined;
      if (this.source !== undefined) void this.flush(this.source()).catch(() => undefined);
    });
  }

  /** Saves now. */
  async flush(peers: Iterable<Peer>): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.enabled) return;
    const rows = [...peers]
      .filter((p) => !p.configured && p.validated && p.address !== undefined)
      .sort((a, b) => b.lastHeard - a.lastHeard)
      .slice(0, REMEMBERED_PEERS_MAX)
      .map((p) => ({ id: p.id, host: p.address!.host, port: p.address!.port }));
    await this.store.save(PEERS_KEY, encodePeers(rows));
  }
}
