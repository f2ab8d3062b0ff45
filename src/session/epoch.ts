/**
 * Epoch start (spec 5.2): read, write epoch+1, confirm, and only then send. The storage is behind
 * an interface; session/ stays free of file systems.
 * @module
 */
import { EPOCH_MAX } from '../constants.js';
import { EpochPersistError } from '../errors.js';

/** Durable storage for one node's epoch [SW-5.2-1]. */
export interface EpochStore {
  /** The stored epoch, or undefined if none was ever stored. */
  load(): Promise<number | undefined>;
  /** Stores `epoch` durably; resolves only once it would survive a power cut. */
  save(epoch: number): Promise<void>;
}

/** What startEpoch() found and did. */
export interface EpochStart {
  /** The new epoch, persisted and read back. */
  readonly epoch: number;
  /**
   * True when the record was missing or unreadable at a start that was not a provisioning: the node
   * lost its state (or was never provisioned here). Safe to send all the same, because every start
   * has a BOOT value of its own [SW-5.2-6]; peers that remember a higher epoch tell the node (12.4).
   */
  readonly lost: boolean;
}

/**
 * Starts a new epoch [SW-5.2-2]: E = load(); refuses at EPOCH_MAX; save(max(E, above) + 1); load()
 * again and require that value. A missing or corrupt record starts from 0 and reports `lost`
 * (unless `provisioning`: the node's first start with its keys) [SW-5.2-5]. `above` is a floor a
 * peer reported (STALE, [SW-12.4-3]). Throws EpochPersistError if the store cannot be read or
 * written: the caller MUST NOT send [SW-5.2-4].
 */
export async function startEpoch(store: EpochStore, options: { provisioning?: boolean; above?: number } = {}): Promise<EpochStart> {
  let current: number | undefined;
  let lost = false;
  try {
    current = await store.load();
  } catch (cause) {
    if (!(cause instanceof CorruptEpochError)) throw new EpochPersistError('cannot read the stored epoch', { cause });
    lost = true; // unreadable content: a lost record, overwritten below
  }
  if (current !== undefined && (!Number.isInteger(current) || current < 0 || current > EPOCH_MAX)) {
    current = undefined;
    lost = true;
  }
  if (current === undefined && options.provisioning !== true) lost = true;
  const e = Math.max(current ?? 0, options.above ?? 0);
  if (e >= EPOCH_MAX) throw new EpochPersistError('epochs exhausted: the pair keys need a new generation');
  const next = e + 1;
  try {
    await store.save(next);
    const back = await store.load();
    if (back !== next) throw new Error(`read back ${String(back)} after writing ${next}`);
  } catch (cause) {
    throw new EpochPersistError('cannot persist the new epoch', { cause });
  }
  return { epoch: next, lost };
}

/** startEpoch() for callers that need only the epoch. */
export async function beginEpoch(store: EpochStore, options: { provisioning?: boolean; above?: number } = {}): Promise<number> {
  return (await startEpoch(store, options)).epoch;
}

/** Thrown by an EpochStore's load() for a record that exists but cannot be a stored epoch. */
export class CorruptEpochError extends Error {}

/** An EpochStore in memory, for tests and for nodes that accept losing it (they must rotate keys). */
export class MemoryEpochStore implements EpochStore {
  constructor(private value?: number) {}
  async load(): Promise<number | undefined> {
    return this.value;
  }
  async save(epoch: number): Promise<void> {
    this.value = epoch;
  }
}
