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

/**
 * Starts a new epoch [SW-5.2-2]: E = load(); refuses at EPOCH_MAX; save(E+1); load() again and
 * require E+1. A missing record is accepted only with `provisioning: true` (the node's first start
 * with its keys, [SW-5.2-5]). Throws EpochPersistError if any step fails: the caller MUST NOT send.
 */
export async function beginEpoch(store: EpochStore, options: { provisioning?: boolean } = {}): Promise<number> {
  let current: number | undefined;
  try {
    current = await store.load();
  } catch (cause) {
    throw new EpochPersistError('cannot read the stored epoch', { cause });
  }
  // [SW-5.2-5]: a missing record is a first start only at provisioning; otherwise it was lost.
  if (current === undefined && options.provisioning !== true) {
    throw new EpochPersistError('epoch record missing: if this node was provisioned before, its pair keys need a new generation');
  }
  const e = current ?? 0;
  if (!Number.isInteger(e) || e < 0 || e > EPOCH_MAX) throw new EpochPersistError(`stored epoch is corrupt: ${e}`);
  if (e === EPOCH_MAX) throw new EpochPersistError('epochs exhausted: the pair keys need a new generation');
  const next = e + 1;
  try {
    await store.save(next);
    const back = await store.load();
    if (back !== next) throw new Error(`read back ${String(back)} after writing ${next}`);
  } catch (cause) {
    throw new EpochPersistError('cannot persist the new epoch', { cause });
  }
  return next;
}

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
