/**
 * What a node keeps across restarts (spec 12.1), behind one small interface so the core never
 * touches a file system: its epoch (spec 5.2: durable before the first datagram) and the peers it
 * knew, so that after a restart it can tell them at once (spec 12.2). Node's file-backed store is
 * node/file-state-store.ts; MemoryStateStore serves tests and nodes that accept losing state.
 * @module
 */
import { CorruptEpochError, type EpochStore } from '../session/epoch.js';
import { readU32, writeU32 } from '../util/bytes.js';
import { MemoryJournal, type JournalingStore, type JournalStore } from './journal-store.js';

/** @group Transports, state and time */
export interface StateStore {
  /** The value stored under `key`, or undefined if none. */
  load(key: string): Promise<Uint8Array | undefined>;
  /** Stores `value` under `key`; resolves only once it is durable (would survive a power cut). */
  save(key: string, value: Uint8Array): Promise<void>;
}

/** @group Transports, state and time */
export class MemoryStateStore implements StateStore, JournalingStore {
  private readonly values = new Map<string, Uint8Array>();
  private readonly journals = new Map<string, MemoryJournal>();
  /** The same journal object on every open: it outlives the hub that wrote it, like a file. */
  async journal(name: string): Promise<JournalStore> {
    let j = this.journals.get(name);
    if (j === undefined) this.journals.set(name, (j = new MemoryJournal()));
    return j;
  }
  async load(key: string): Promise<Uint8Array | undefined> {
    return this.values.get(key)?.slice();
  }
  async save(key: string, value: Uint8Array): Promise<void> {
    this.values.set(key, value.slice());
  }
}

export const EPOCH_KEY = 'epoch';
export const PEERS_KEY = 'peers';

/** The epoch as a 4-byte big-endian record under EPOCH_KEY, for beginEpoch() (spec 5.2). */
export function epochStoreOf(store: StateStore): EpochStore {
  return {
    async load() {
      const v = await store.load(EPOCH_KEY);
      if (v === undefined) return undefined;
      if (v.length !== 4) throw new CorruptEpochError(`corrupt epoch record (${v.length} bytes)`);
      return readU32(v, 0);
    },
    async save(epoch) {
      const v = new Uint8Array(4);
      writeU32(v, 0, epoch);
      await store.save(EPOCH_KEY, v);
    },
  };
}

/** A remembered peer: enough to send it a restart hint (spec 12.2). */
export interface RememberedPeer {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodePeers(peers: readonly RememberedPeer[]): Uint8Array {
  return enc.encode(JSON.stringify(peers.map((p) => [p.id, p.host, p.port])));
}

/** Decodes a peers record; a corrupt record yields no peers (they are a hint, never required). */
export function decodePeers(v: Uint8Array | undefined): RememberedPeer[] {
  if (v === undefined) return [];
  try {
    const rows: unknown = JSON.parse(dec.decode(v));
    if (!Array.isArray(rows)) return [];
    return rows
      .filter((r): r is [string, string, number] => Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'string' && Number.isInteger(r[2]))
      .map(([id, host, port]) => ({ id, host, port }));
  } catch {
    return [];
  }
}
