/**
 * Receive contexts (spec 5.3) and the receiver-index table (spec 4.8). A context exists only for a
 * (peer, generation) that has sent an authenticated datagram [SW-5.3-2].
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import { readU32, wipe } from '../util/bytes.js';
import type { ReplayWindow } from './replay.js';
import type { IndexHolder } from './session-receiver.js';

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
   * Freshness floor [SW-5.6-6]: the persisted maxEpoch known when the context was created (0 for a
   * durable store that never saw the peer), or null if unknown. It only ever rises: an echo in epoch
   * E raises it to E [SW-12.3-7].
   */
  floor: number | null;
  /**
   * Counter from which datagrams of `maxEpoch` are known fresh because the peer echoed a challenge in
   * the datagram with this counter (spec 12.3); -1 when no echo was seen in this epoch.
   */
  verifiedFrom: number;
  /** Another generation's context of the same peer (rare: during a rotation's grace period). */
  next: ReceiveContext | undefined;
  /** Time of the last authenticated datagram (eviction order). */
  lastAuth: number;
  /** Time an INDEX frame was last handed out for this context (repeat limit, [SW-4.8-6]). */
  indexAnnouncedAt: number;
}

/**
 * Contexts by (peer, gen), keyed by the peer id alone with the other generations of a peer chained
 * behind: no composite key string per peer (spec 9.5), and a peer rarely has more than one.
 */
export class ContextMap {
  private readonly byPeer = new Map<string, ReceiveContext>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(peer: string, gen: number): ReceiveContext | undefined {
    let c = this.byPeer.get(peer);
    while (c !== undefined && c.gen !== gen) c = c.next;
    return c;
  }

  /** Adds `ctx`, which must not be present (the caller checked with get). */
  set(ctx: ReceiveContext): void {
    ctx.next = this.byPeer.get(ctx.peer);
    this.byPeer.set(ctx.peer, ctx);
    this.count++;
  }

  delete(ctx: ReceiveContext): void {
    const head = this.byPeer.get(ctx.peer);
    if (this.get(ctx.peer, ctx.gen) !== ctx) return;
    this.count--;
    if (head === ctx) {
      if (ctx.next === undefined) this.byPeer.delete(ctx.peer);
      else this.byPeer.set(ctx.peer, ctx.next);
    } else {
      for (let c = head; c !== undefined; c = c.next) {
        if (c.next === ctx) {
          c.next = ctx.next;
          break;
        }
      }
    }
    ctx.next = undefined;
  }

  *values(): IterableIterator<ReceiveContext> {
    for (let c of this.byPeer.values()) for (; c !== undefined; c = c.next!) yield c;
  }

  /** The highest maxEpoch among `peer`'s contexts (one per key generation); undefined if it has none. */
  maxEpoch(peer: string): number | undefined {
    let epoch: number | undefined;
    for (let c = this.byPeer.get(peer); c !== undefined; c = c.next) if (epoch === undefined || c.maxEpoch > epoch) epoch = c.maxEpoch;
    return epoch;
  }
}

/** Persisted maxEpoch per (peer, gen) [SW-5.6-1]. Synchronous: an implementation caches in memory. */
export interface MaxEpochStore {
  get(peer: string, gen: number): number | undefined;
  set(peer: string, gen: number, epoch: number): void;
  /**
   * True if values survive a restart. A durable store is written at every new epoch [SW-5.6-1]; a
   * memory-only store only needs a context's maxEpoch when the context is erased (while it exists,
   * the context is the record), which saves an entry per live peer (spec 9.5).
   */
  readonly durable?: boolean;
}

/**
 * In memory. Keyed by peer id with (gen, epoch) packed in one number, so a peer costs one map
 * entry and no extra string (spec 9.5); the rare other generations go to a second map.
 */
export class MemoryMaxEpochStore implements MaxEpochStore {
  /** `durable: true` makes it behave as a durable store would (written at every new epoch), for tests. */
  constructor(readonly durable = false) {}
  private readonly latest = new Map<string, number>();
  private readonly others = new Map<string, number>();
  get(peer: string, gen: number): number | undefined {
    const v = this.latest.get(peer);
    if (v !== undefined && Math.floor(v / 2 ** 32) === gen) return v % 2 ** 32;
    return this.others.get(`${gen}:${peer}`);
  }
  set(peer: string, gen: number, epoch: number): void {
    const v = this.latest.get(peer);
    if (v !== undefined && Math.floor(v / 2 ** 32) !== gen) this.others.set(`${Math.floor(v / 2 ** 32)}:${peer}`, v % 2 ** 32);
    this.others.delete(`${gen}:${peer}`);
    this.latest.set(peer, gen * 2 ** 32 + epoch);
  }
}

/**
 * The receiver-index table: each index names at most one context [SW-4.8-1], or, in session mode,
 * one session or pending initiation, never both [SW-13.8-7]. Holders are told apart from contexts by
 * their `kind` field, which receive contexts do not have (no extra field per context, spec 9.5).
 */
export class IndexTable {
  private readonly byIndex = new Map<number, ReceiveContext | IndexHolder>();
  constructor(private readonly suite: CryptoSuite) {}

  /** The receive context `index` names, or undefined (none, or a session's index). */
  get(index: number): ReceiveContext | undefined {
    const e = index === 0 ? undefined : this.byIndex.get(index);
    return e === undefined || 'kind' in e ? undefined : e;
  }

  /** The session or pending initiation `index` names, or undefined. */
  holder(index: number): IndexHolder | undefined {
    const e = index === 0 ? undefined : this.byIndex.get(index);
    return e !== undefined && 'kind' in e ? e : undefined;
  }

  /** A free random non-zero index, not yet assigned: a candidate for place() (spec 13.6 step 13). */
  pick(): number {
    let index = 0;
    // 31 bits: a small integer for V8 (no boxed number per context, spec 9.5); 2^31 is plenty to pick from
    while (index === 0 || this.byIndex.has(index)) index = readU32(this.suite.randomBytes(4), 0) >>> 1;
    return index;
  }

  /** Assigns a fresh random non-zero index to `ctx`, replacing any it had. */
  assign(ctx: ReceiveContext): number {
    this.release(ctx);
    const index = this.pick();
    this.byIndex.set(index, ctx);
    ctx.index = index;
    return index;
  }

  /** Assigns a given index (restoring saved state, or a picked one). Returns false if it is taken or 0. */
  restore(ctx: ReceiveContext | IndexHolder, index: number): boolean {
    if (index === 0 || this.byIndex.has(index)) return false;
    this.release(ctx);
    this.byIndex.set(index, ctx);
    ctx.index = index;
    return true;
  }

  /** Moves the index of `from` to `to` (a pending initiation becomes its session, [SW-13.4-4]). */
  transfer(from: IndexHolder, to: IndexHolder): void {
    const index = from.index;
    this.release(to);
    if (index !== 0 && this.byIndex.get(index) === from) this.byIndex.set(index, to);
    from.index = 0;
    to.index = index;
  }

  release(ctx: ReceiveContext | IndexHolder): void {
    if (ctx.index !== 0 && this.byIndex.get(ctx.index) === ctx) this.byIndex.delete(ctx.index);
    ctx.index = 0;
  }

  get size(): number {
    return this.byIndex.size;
  }
}

/**
 * [SW-5.6-3]: fresh iff a floor is known and the context's epoch is above it, or [SW-12.3-4] the
 * datagram's counter is at or after the one that echoed this receiver's challenge in this epoch.
 */
export function freshnessOf(ctx: { floor: number | null; maxEpoch: number; verifiedFrom?: number }, counter = -1): Freshness {
  if (ctx.floor !== null && ctx.maxEpoch > ctx.floor) return 'fresh';
  const from = ctx.verifiedFrom ?? -1;
  return from >= 0 && counter >= from ? 'fresh' : 'unknown';
}

/** Erases a context's secrets (spec 3.8-1). */
export function wipeContext(ctx: ReceiveContext): void {
  wipe(ctx.trafficKey);
}
