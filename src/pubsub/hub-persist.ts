/**
 * What a hub persists through its StateStore when the store keeps no journal [SW-18.3-7] (else the
 * journal, hub-ledger.ts, [SW-18.3-3]): subscriptions, retained store and QoS 2
 * window, each under its key. Saves are coalesced: marking a key dirty starts a save unless one is
 * in flight, in which case the key is saved again (with the state of that moment) once it ends, so
 * at most one save is in flight and the stored state lags by at most that save.
 * @module
 */
import type { StateStore } from '../peer/state-store.js';
import { DEDUPE_KEY, DedupeWindow, type DedupeWindowOptions } from './dedupe-window.js';
import { HubSessions, SUBSCRIPTIONS_KEY, type HubSessionsOptions } from './hub-sessions.js';
import { RetainedStore, type RetainedOptions } from './retained-store.js';

export class HubPersistence {
  private readonly dirtyKeys = new Set<string>();
  private running: Promise<void> | undefined;
  /** Saves that failed (the key stays dirty until the next change retries it). */
  failures = 0;
  saves = 0;

  /** `encoders` turn the current state of each key into bytes, at save time. */
  constructor(private readonly store: StateStore, private readonly encoders: Readonly<Record<string, () => Uint8Array>>) {}

  /** The state under `key` changed. */
  dirty(key: string): void {
    this.dirtyKeys.add(key);
    this.running ??= this.run();
  }

  /** Resolves once every change made so far is saved (or its save failed). */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    await Promise.resolve(); // changes of the same task coalesce into one save
    try {
      while (this.dirtyKeys.size > 0) {
        const keys = [...this.dirtyKeys];
        this.dirtyKeys.clear();
        for (const key of keys) {
          const encode = this.encoders[key];
          if (encode === undefined) continue;
          try {
            await this.store.save(key, encode());
            this.saves++;
          } catch {
            this.failures++;
          }
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}

export interface HubState {
  readonly sessions: HubSessions;
  readonly retained: RetainedStore;
  readonly dedupe: DedupeWindow;
  /** Records that could not be read: the hub started empty for those keys. */
  readonly corrupt: number;
}

/**
 * What a hub persisted, read before it routes anything [SW-18.3-1]; empty without a store. A
 * corrupt record must not stop the hub: that key starts empty and is counted.
 */
export async function loadHubState(store: StateStore | undefined, now: number, sessions: HubSessionsOptions, retained?: RetainedOptions, dedupe?: DedupeWindowOptions): Promise<HubState> {
  let corrupt = 0;
  const load = async <T>(f: (s: StateStore) => Promise<T | undefined>, empty: () => T): Promise<T> => {
    if (store === undefined) return empty();
    try {
      return (await f(store)) ?? empty();
    } catch {
      corrupt++;
      return empty();
    }
  };
  const s = await load(async (st) => {
    const b = await st.load(SUBSCRIPTIONS_KEY);
    return b === undefined ? undefined : HubSessions.decode(b, sessions);
  }, () => new HubSessions(sessions));
  const r = await load((st) => RetainedStore.load(st, now, retained), () => new RetainedStore(retained));
  const window = new DedupeWindow(dedupe);
  await load(async (st) => {
    const b = await st.load(DEDUPE_KEY);
    if (b !== undefined) window.import(b, now); // throws on a corrupt record, which changes nothing
    return window;
  }, () => window);
  return { sessions: s, retained: r, dedupe: window, corrupt };
}
