/**
 * HubLedger: what a hub makes durable before it acknowledges [SW-18.3-3], kept in a journal with
 * group commit [SW-18.3-4]: each device's subscriptions and will, every publication it took with the
 * subscribers it still owes it to (QoS 1 and 2, until each acknowledged it), the retained store and
 * the QoS 2 window (through the publications that change them). At start it replays the journal
 * (loadLedger) and compacts it; a restarted hub sends the publications still owed again [SW-18.3-5].
 *
 * The hub changes its state in memory first, then appends the record that describes the change in
 * the same task: the journal's order is the order of the changes, and a snapshot taken between two
 * appends describes exactly what the journal holds.
 * @module
 */
import type { QoS } from '../messaging/ops.js';
import { DedupeWindow, type DedupeWindowOptions } from './dedupe-window.js';
import { GroupCommit, type CommitRetry } from './group-commit.js';
import { decodeHubRecord, encodeHubRecord, HubRecordError, type HubRecord, type StoredPublication, type StoredWill } from './hub-records.js';
import { HubSessions, type HubSessionsOptions } from './hub-sessions.js';
import type { JournalStore } from '../peer/journal-store.js';
import { RetainedLimitError, RetainedStore, type RetainedOptions } from './retained-store.js';

/** The clocks a ledger needs: the scheduler's (monotonic, per process) and the wall clock (across restarts). */
export interface LedgerClock {
  now(): number;
  wall(): number;
}

/** The hub state a ledger describes (the hub's own objects: the ledger reads them for snapshots). */
export interface LedgerState {
  readonly sessions: HubSessions;
  readonly retained: RetainedStore;
  readonly dedupe: DedupeWindow;
  readonly wills: Map<string, StoredWill>;
}

interface Owed {
  readonly pub: StoredPublication;
  readonly remaining: Set<string>;
}

export class HubLedger {
  readonly commits: GroupCommit;
  private readonly owedBySeq = new Map<number, Owed>();

  constructor(
    store: JournalStore,
    private readonly state: LedgerState,
    private readonly clock: LedgerClock,
    private nextSeq = 1,
    owed: Iterable<Owed> = [],
    minCompactBytes?: number,
    retry?: CommitRetry,
  ) {
    for (const o of owed) this.owedBySeq.set(o.pub.seq, o);
    this.commits = new GroupCommit(store, () => this.snapshot(), minCompactBytes, retry);
  }

  /**
   * Publications still owed to at least one subscriber, oldest first, with those subscribers and,
   * for one with a message expiry, when it expires on this process's scheduler clock.
   */
  owed(): Array<{ readonly pub: StoredPublication; readonly devices: readonly string[]; readonly expiresAt?: number }> {
    const now = this.clock.now();
    const wall = this.clock.wall();
    return [...this.owedBySeq.values()].map((o) => ({ pub: o.pub, devices: [...o.remaining], ...(o.pub.expiresAt !== undefined && { expiresAt: now + (o.pub.expiresAt - wall) }) }));
  }

  /** The device's subscriptions changed (SUBSCRIBE, UNSUBSCRIBE, SYNC, access control). */
  subscriptions(device: string): Promise<void> {
    return this.commits.commit(encodeHubRecord({ type: 'SUBS', device, filters: [...this.state.sessions.filtersOf(device)] }));
  }

  /** The device's will changed (undefined: cleared). */
  will(device: string, will: StoredWill | undefined): Promise<void> {
    return this.commits.commit(encodeHubRecord({ type: 'WILL', device, will }));
  }

  /**
   * A publication the hub took (its retained and QoS 2 effects already applied in memory), owed
   * to `targets`; `durable` resolves once the record is. `expiresAt` is on the scheduler's clock
   * (recorded on the wall clock, so that a restarted hub still gives the copies up after it).
   * Returns its number for delivered().
   */
  publication(p: Omit<StoredPublication, 'seq' | 'at'>): { seq: number; durable: Promise<void> } {
    const at = this.clock.wall();
    const pub: StoredPublication = { ...p, seq: this.nextSeq++, at, ...(p.expiresAt !== undefined && { expiresAt: at + (p.expiresAt - this.clock.now()) }) };
    if (pub.targets.size > 0) this.owedBySeq.set(pub.seq, { pub, remaining: new Set(pub.targets.keys()) });
    return { seq: pub.seq, durable: this.commits.commit(encodeHubRecord({ type: 'PUB', pub })) };
  }

  /** `device` acknowledged publication `seq` (or it was given up or dropped): no longer owed. Nobody waits for it. */
  delivered(seq: number, device: string): void {
    const o = this.owedBySeq.get(seq);
    if (o === undefined || !o.remaining.delete(device)) return;
    if (o.remaining.size === 0) this.owedBySeq.delete(seq);
    this.commits.add(encodeHubRecord({ type: 'DONE', seq, device }));
  }

  /** Resolves once everything recorded so far is durable. */
  barrier(): Promise<void> {
    return this.commits.barrier();
  }

  close(): Promise<void> {
    return this.commits.close();
  }

  /** Records describing the whole state now (a compacted journal). */
  snapshot(): Uint8Array[] {
    const { sessions, retained, dedupe, wills } = this.state;
    const now = this.clock.now();
    const at = this.clock.wall();
    const out: HubRecord[] = [
      { type: 'RETAINED', at, bytes: retained.encode(now) },
      { type: 'DEDUPE', at, bytes: dedupe.export(now) },
      { type: 'NEXT', seq: this.nextSeq },
    ];
    for (const device of sessions.devices()) out.push({ type: 'SUBS', device, filters: [...sessions.filtersOf(device)] });
    for (const [device, will] of wills) out.push({ type: 'WILL', device, will });
    for (const o of this.owedBySeq.values()) {
      const targets = new Map<string, QoS>([...o.remaining].map((d) => [d, o.pub.targets.get(d) ?? 1]));
      // its retained and QoS 2 effects are in the snapshots above: only the deliveries are owed
      out.push({ type: 'PUB', pub: { ...o.pub, owedOnly: true, targets } });
    }
    return out.map(encodeHubRecord);
  }
}

export interface LoadedLedger {
  readonly ledger: HubLedger;
  readonly state: LedgerState;
  /** Records that passed the journal's checksum but could not be decoded (skipped). */
  readonly corrupt: number;
  /** Whether the journal held any record (false: a new hub, or one that persisted the old way). */
  readonly found: boolean;
}

export interface LedgerOptions {
  readonly sessions?: HubSessionsOptions;
  readonly retained?: RetainedOptions;
  readonly dedupe?: DedupeWindowOptions;
  /** Compaction threshold (tests). */
  readonly minCompactBytes?: number;
  /** How failed commits are retried [SW-18.3-8]; none: a failed commit fails its waiters at once. */
  readonly retry?: CommitRetry;
}

/**
 * Replays `store`'s journal into a fresh state (or into `initial`, the state loaded the old way,
 * when the journal is empty), then compacts the journal before the hub routes anything.
 */
export async function loadLedger(store: JournalStore, clock: LedgerClock, options: LedgerOptions = {}, initial?: Omit<LedgerState, 'wills'>): Promise<LoadedLedger> {
  const records = store.records();
  const old = records.length === 0 ? initial : undefined;
  const sessions = old?.sessions ?? new HubSessions(options.sessions);
  let retained = old?.retained ?? new RetainedStore(options.retained);
  const dedupe = old?.dedupe ?? new DedupeWindow(options.dedupe);
  const wills = new Map<string, StoredWill>();
  const owed = new Map<number, Owed>();
  let nextSeq = 1;
  let corrupt = 0;
  const now = clock.now();
  const wall = clock.wall();
  // a time of the previous process, on this process's scheduler clock
  const then = (at: number): number => now - Math.max(0, wall - at);
  for (const bytes of records) {
    let r: HubRecord;
    try {
      r = decodeHubRecord(bytes);
    } catch (e) {
      if (!(e instanceof HubRecordError)) throw e;
      corrupt++;
      continue;
    }
    try {
      switch (r.type) {
        case 'SUBS':
          sessions.clear(r.device);
          for (const [f, q] of r.filters) sessions.set(r.device, f, q);
          break;
        case 'WILL':
          if (r.will === undefined) wills.delete(r.device);
          else wills.set(r.device, r.will);
          break;
        case 'PUB': {
          const p = r.pub;
          nextSeq = Math.max(nextSeq, p.seq + 1);
          if (p.retain && !p.copy && p.owedOnly !== true) {
            try {
              retained.set(p.topic, p.payload, p.qos, p.from, then(p.at));
            } catch (e) {
              if (!(e instanceof RetainedLimitError)) throw e;
            }
          }
          if (p.pubId !== undefined && p.owedOnly !== true) dedupe.seen(p.from, p.pubId, then(p.at));
          if (p.targets.size > 0) owed.set(p.seq, { pub: p, remaining: new Set(p.targets.keys()) });
          break;
        }
        case 'DONE': {
          const o = owed.get(r.seq);
          o?.remaining.delete(r.device);
          if (o?.remaining.size === 0) owed.delete(r.seq);
          break;
        }
        case 'RETAINED':
          retained = RetainedStore.decode(r.bytes, then(r.at), options.retained);
          break;
        case 'DEDUPE':
          dedupe.import(r.bytes, then(r.at));
          break;
        case 'NEXT':
          nextSeq = Math.max(nextSeq, r.seq);
          break;
      }
    } catch {
      corrupt++; // a record that decodes but does not apply (an invalid filter, a bad snapshot): skipped
    }
  }
  const state: LedgerState = { sessions, retained, dedupe, wills };
  const ledger = new HubLedger(store, state, clock, nextSeq, owed.values(), options.minCompactBytes, options.retry);
  await ledger.commits.compact();
  return { ledger, state, corrupt, found: records.length > 0 };
}
