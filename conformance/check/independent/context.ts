// Receive contexts (5.3), epoch changes (5.5) and freshness (5.6): steps 7c, 7d and 10 of [SW-6.1-9].
// Contract:
// - precheck() is steps 7c/7d for a datagram already mapped to (peer, gen). 7c: STALE_EPOCH if the
//   epoch is below the context's maxEpoch, or, with no context in memory, below the persisted maxEpoch
//   [SW-5.5-1]; also STALE_EPOCH for a FULL datagram at the context's maxEpoch whose BOOT differs from
//   the context's [SW-5.5-4] (a persisted record holds no BOOT: no such check without a context). The
//   spec's step table (6.1) names only the epoch comparison for 7c; [SW-5.5-4] gives the reason
//   STALE_EPOCH and [SW-5.5-2] applies the window only under the context's BOOT, so the BOOT check is
//   made here, before 7d. 7d: the window pre-check [SW-5.4-1] only if a context exists and
//   epoch == maxEpoch (and BOOT the context's) [SW-5.5-2]. It changes nothing [SW-5.4-3].
// - commit() is step 10, called only after authentication [SW-5.3-2]: it creates the context with its
//   freshness floor [SW-5.6-6] and the datagram's BOOT, or advances maxEpoch (taking the datagram's
//   BOOT, emptying the window and unassigning the index [SW-5.5-2] [SW-5.5-3]), then updates the
//   window [SW-5.4-2]. It returns the datagram's freshness mark: fresh iff the context has a floor F and
//   maxEpoch > F [SW-5.6-3].
import type { DropReason } from './constants.js';
import { ReplayWindow } from './window.js';

export interface ReceiveContext {
  peer: string;
  gen: number;
  maxEpoch: number;
  /** BOOT value of maxEpoch's start, from the FULL datagram that set it [SW-5.5-4] */
  boot: Uint8Array;
  window: ReplayWindow;
  /** receiver index assigned to the context's current epoch (4.8), or null */
  index: number | null;
  /** freshness floor F set at creation [SW-5.6-6]; null = no floor */
  floor: number | null;
}

export type Freshness = 'fresh' | 'unknown';

export function freshnessOf(ctx: ReceiveContext): Freshness {
  return ctx.floor !== null && ctx.maxEpoch > ctx.floor ? 'fresh' : 'unknown'; // [SW-5.6-3]
}

/** `boot`: the FULL header's BOOT, or null for a SHORT datagram (it has none: the index names the context). */
export function precheck(ctx: ReceiveContext | undefined, persistedMaxEpoch: number | undefined, epoch: number, boot: Uint8Array | null, counter: number): DropReason | null {
  if (!ctx) return persistedMaxEpoch !== undefined && epoch < persistedMaxEpoch ? 'STALE_EPOCH' : null; // 7c [SW-5.5-1]
  if (epoch < ctx.maxEpoch) return 'STALE_EPOCH'; // 7c [SW-5.5-1]
  if (epoch > ctx.maxEpoch) return null; // new epoch: its window is empty [SW-5.5-2]
  if (boot !== null && !sameBytes(boot, ctx.boot)) return 'STALE_EPOCH'; // 7c [SW-5.5-4]: another start at this epoch
  const v = ctx.window.verdict(counter); // 7d [SW-5.4-1]
  return v === 'accept' ? null : v;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Floor of a new context [SW-5.6-6]: the persisted maxEpoch M if one exists; else 0 if the store is
 * complete (durable, never wiped, written before every delivery); else none.
 */
export function floorForNewContext(persistedMaxEpoch: number | undefined, completeStore: boolean): number | null {
  if (persistedMaxEpoch !== undefined) return persistedMaxEpoch;
  return completeStore ? 0 : null;
}

/** Step 10. `newFloor` is used only when the context is created. */
export function commit(
  ctx: ReceiveContext | undefined,
  peer: string,
  gen: number,
  epoch: number,
  boot: Uint8Array | null,
  counter: number,
  windowSize: number,
  newFloor: number | null,
): { ctx: ReceiveContext; freshness: Freshness } {
  if (!ctx) {
    if (boot === null) throw new Error('internal: a context is created only by a FULL datagram');
    ctx = { peer, gen, maxEpoch: epoch, boot, window: new ReplayWindow(windowSize), index: null, floor: newFloor };
  } else if (epoch > ctx.maxEpoch) {
    if (boot === null) throw new Error('internal: a SHORT datagram names the current epoch');
    ctx.maxEpoch = epoch;
    ctx.boot = boot; // [SW-5.5-2]
    ctx.window.clear();
    ctx.index = null; // [SW-5.5-3]
  } else if (epoch < ctx.maxEpoch) {
    throw new Error('internal: commit of a stale epoch (precheck must have dropped it)');
  }
  ctx.window.update(counter);
  return { ctx, freshness: freshnessOf(ctx) };
}
