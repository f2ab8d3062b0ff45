/**
 * Receive contexts (spec 5.3) and the receiver-index table (spec 4.8). A context exists only for a
 * (peer, generation) that has sent an authenticated datagram [SW-5.3-2].
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import { readU32, wipe } from '../util/bytes.js';
import type { ReplayWindow } from './replay.js';

export type Freshness = 'fresh' | 'unknown';

export interface ReceiveContext {
  readonly peer: string;
  readonly gen: number;
  /** Highest authenticated epoch; the window and traffic key belong to it. */
  maxEpoch: number;
  trafficKey: Uint8Array;
  readonly window: ReplayWindow;
  /** Receiver index assigned to (peer, gen, maxEpoch); 0 when none. */
  index: number;
  /**
   * Freshness floor [SW-5.6-2]: the persisted maxEpoch known when the context was created (0 for a
   * durable store that never saw the peer), or null if unknown. Fixed for the context's lifetime.
   */
  readonly floor: number | null;
  /** Time of the last authenticated datagram (eviction order). */
  lastAuth: number;
  /** Time an INDEX frame was last handed out for this context (repeat limit, [SW-4.8-4]). */
  indexAnnouncedAt: number;
}

/** Persisted maxEpoch per (peer, gen) [SW-5.6-1]. Synchronous: an implementation caches in memory. */
export interface MaxEpochStore {
  get(peer: string, gen: number): number | undefined;
  set(peer: string, gen: number, epoch: number): void;
}

export class MemoryMaxEpochStore implements MaxEpochStore {
  private readonly values = new Map<string, number>();
  get(peer: string, gen: number): number | undefined {
    return this.values.get(`${gen}:${peer}`);
  }
  set(peer: string, gen: number, epoch: number): void {
    this.values.set(`${gen}:${peer}`, epoch);
  }
}

/** The receiver-index table: each index names at most one context [SW-4.8-1]. */
export class IndexTable {
  private readonly byIndex = new Map<number, ReceiveContext>();
  constructor(private readonly suite: CryptoSuite) {}

  get(index: number): ReceiveContext | undefined {
    return index === 0 ? undefined : this.byIndex.get(index);
  }

  /** Assigns a fresh random non-zero index to `ctx`, replacing any it had. */
  assign(ctx: ReceiveContext): number {
    this.release(ctx);
    let index = 0;
    while (index === 0 || this.byIndex.has(index)) index = readU32(this.suite.randomBytes(4), 0);
    this.byIndex.set(index, ctx);
    ctx.index = index;
    return index;
  }

  /** Assigns a given index (restoring saved state). Returns false if it is taken or 0. */
  restore(ctx: ReceiveContext, index: number): boolean {
    if (index === 0 || this.byIndex.has(index)) return false;
    this.release(ctx);
    this.byIndex.set(index, ctx);
    ctx.index = index;
    return true;
  }

  release(ctx: ReceiveContext): void {
    if (ctx.index !== 0 && this.byIndex.get(ctx.index) === ctx) this.byIndex.delete(ctx.index);
    ctx.index = 0;
  }

  get size(): number {
    return this.byIndex.size;
  }
}

/** [SW-5.6-3]: fresh iff a floor is known and the context's epoch is above it. */
export function freshnessOf(ctx: { floor: number | null; maxEpoch: number }): Freshness {
  return ctx.floor !== null && ctx.maxEpoch > ctx.floor ? 'fresh' : 'unknown';
}

/** Erases a context's secrets (spec 3.8-1). */
export function wipeContext(ctx: ReceiveContext): void {
  wipe(ctx.trafficKey);
}
