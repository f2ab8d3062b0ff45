/**
 * Reassembly of fragmented messages from one peer (spec 14.6), with a byte limit per message
 * (MAX_MESSAGE), per peer and for all peers together (a shared ReassemblyBudget). A message's whole
 * length is reserved when its first fragment arrives, so two partial messages can never deadlock
 * each other for memory, and a message is delivered whole or not at all [SW-14.6-3].
 *
 * Fair shares [SW-14.6-6]: when the budget is full, a peer whose holdings with the new message stay
 * within its fair share (the budget divided by the peers holding partial messages, itself included)
 * gets room: the oldest partial messages of peers over their share are evicted. An evicted message
 * is remembered (a tombstone) until its sender gives it up (FORWARD) or its fragment lifetime ends,
 * and its later fragments are refused: its sender, whose earlier fragments were acknowledged, then
 * fails it at its fragment lifetime [SW-14.6-4] instead of taking it as delivered.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { REASSEMBLY_TOMBSTONES } from './constants.js';
import type { FragmentInfo } from './frames.js';

/** Reassembly bytes reserved across every peer of a node, and who holds them. */
export class ReassemblyBudget {
  reserved = 0;
  /** Partial messages evicted to make room for a peer within its fair share [SW-14.6-6]. */
  evicted = 0;
  /** New messages refused while the budget was full because they would take their peer past its fair share. */
  refusedOverShare = 0;
  /** Peers holding at least one partial message. */
  readonly holders = new Set<Reassembly>();
  constructor(readonly limit: number) {
    if (!(limit >= 0)) throw new InvalidArgumentError('reassembly limit must be >= 0');
  }

  /**
   * The evictions that make room for `total` more bytes of `peer` when the budget is full, or
   * undefined if `peer` would pass its fair share or the peers over theirs cannot free enough.
   * Scans the holders only when the budget is full and `peer` is within its share.
   */
  plan(peer: Reassembly, total: number): Array<{ readonly from: Reassembly; readonly firstId: number }> | undefined {
    const holders = this.holders.size + (this.holders.has(peer) ? 0 : 1);
    const share = Math.floor(this.limit / holders);
    if (peer.reserved + total > share) return undefined;
    let need = this.reserved + total - this.limit;
    const over = [...this.holders].filter((h) => h !== peer && h.reserved > share && h.canEvict()).sort((a, b) => b.reserved - a.reserved);
    const out: Array<{ readonly from: Reassembly; readonly firstId: number }> = [];
    for (const h of over) {
      let held = h.reserved;
      for (const [firstId, total] of h.oldestFirst()) {
        if (need <= 0 || held <= share) break;
        out.push({ from: h, firstId });
        held -= total;
        need -= total;
      }
      if (need <= 0) return out;
    }
    return undefined;
  }
}

interface Partial {
  readonly count: number;
  readonly total: number;
  readonly created: number;
  readonly parts: Array<Uint8Array | undefined>;
  received: number;
  /** Length of every fragment but the last, once a non-last fragment has been seen. */
  unit: number | undefined;
}

export type Offer =
  | { readonly kind: 'partial' }
  | { readonly kind: 'complete'; readonly data: Uint8Array }
  | { readonly kind: 'refused' } // over a memory limit: the fragment is not taken (and not acknowledged)
  | { readonly kind: 'invalid' }; // inconsistent with the fragments already held: the message is dropped

export class Reassembly {
  /** Partial messages by first id, oldest first (Map order). */
  private readonly partials = new Map<number, Partial>();
  /** Evicted messages [SW-14.6-6]: first id -> when it may be forgotten (the sender gave it up by then). */
  private readonly tombstones = new Map<number, number>();
  /** Bytes reserved by this peer's partial messages. */
  reserved = 0;
  /** Partial messages of this peer evicted for another peer's fair share [SW-14.6-6]. */
  evicted = 0;

  constructor(
    readonly budget: ReassemblyBudget,
    readonly perPeerLimit: number,
    readonly maxMessage: number,
    readonly lifetimeMs: number,
  ) {}

  get messages(): number {
    return this.partials.size;
  }

  has(firstId: number): boolean {
    return this.partials.has(firstId);
  }

  /**
   * What offer() would answer for a fragment, without taking it: 'refused' when memory is short,
   * 'invalid' when it contradicts the partial message, 'complete' when it is the last one missing.
   */
  check(firstId: number, f: FragmentInfo, len: number): 'partial' | 'complete' | 'refused' | 'invalid' {
    const p = this.partials.get(firstId);
    if (p === undefined) {
      if (f.total > this.maxMessage || this.tombstones.has(firstId)) return 'refused';
      if (this.reserved + f.total > this.perPeerLimit) return 'refused';
      if (this.budget.reserved + f.total > this.budget.limit && !this.roomFor(f.total)) return 'refused';
      if (!fits(f, len, undefined)) return 'invalid';
      return 'partial';
    }
    if (p.count !== f.count || p.total !== f.total || !fits(f, len, p.unit)) return 'invalid';
    const lastPart = p.parts[p.count - 1];
    if (p.unit === undefined && f.index < f.count - 1 && lastPart !== undefined && lastPart.length !== f.total - (f.count - 1) * len) return 'invalid';
    if (p.parts[f.index] !== undefined) return 'partial'; // a duplicate fragment (ids dedupe first)
    return p.received + 1 === p.count ? 'complete' : 'partial';
  }

  /** Takes a fragment (its id was new). */
  offer(firstId: number, f: FragmentInfo, data: Uint8Array, now: number): Offer {
    const verdict = this.check(firstId, f, data.length);
    if (verdict === 'refused') return { kind: 'refused' };
    if (verdict === 'invalid') {
      this.discard(firstId);
      return { kind: 'invalid' };
    }
    let p = this.partials.get(firstId);
    if (p === undefined) {
      if (this.budget.reserved + f.total > this.budget.limit) for (const e of this.budget.plan(this, f.total) ?? []) e.from.evict(e.firstId);
      p = { count: f.count, total: f.total, created: now, parts: new Array(f.count).fill(undefined), received: 0, unit: undefined };
      this.partials.set(firstId, p);
      this.reserved += f.total;
      this.budget.reserved += f.total;
      this.budget.holders.add(this);
    }
    if (p.parts[f.index] === undefined) {
      p.parts[f.index] = data.slice();
      p.received++;
      if (f.index < f.count - 1) p.unit = data.length;
    }
    if (p.received < p.count) return { kind: 'partial' };
    const out = new Uint8Array(p.total);
    let o = 0;
    for (const part of p.parts) {
      out.set(part!, o);
      o += part!.length;
    }
    this.discard(firstId);
    return { kind: 'complete', data: out };
  }

  discard(firstId: number): void {
    const p = this.partials.get(firstId);
    if (p === undefined) return;
    this.partials.delete(firstId);
    this.reserved -= p.total;
    this.budget.reserved -= p.total;
    if (this.partials.size === 0) this.budget.holders.delete(this);
  }

  /** Whether room for `total` bytes can be made by evicting over-share peers [SW-14.6-6]; counts a refusal. */
  private roomFor(total: number): boolean {
    if (this.budget.plan(this, total) !== undefined) return true;
    this.budget.refusedOverShare++;
    return false;
  }

  /** Whether `firstId` was evicted and its fragments are refused [SW-14.6-6]. */
  tombstoned(firstId: number): boolean {
    return this.tombstones.has(firstId);
  }

  /** Whether one more of this peer's messages can be evicted (its tombstones are bounded). */
  canEvict(): boolean {
    return this.tombstones.size < REASSEMBLY_TOMBSTONES;
  }

  /** (first id, total) of this peer's partial messages, oldest first. */
  *oldestFirst(): Generator<[number, number]> {
    for (const [id, p] of this.partials) yield [id, p.total];
  }

  /** Evicts a partial message for another peer's fair share; its later fragments are refused [SW-14.6-6]. */
  evict(firstId: number): void {
    const p = this.partials.get(firstId);
    if (p === undefined) return;
    this.tombstones.set(firstId, p.created + this.lifetimeMs);
    this.discard(firstId);
    this.evicted++;
    this.budget.evicted++;
  }

  /** Discards partial messages (and tombstones) whose first id is below `floor` (the sender gave them up, FORWARD). */
  discardBelow(floor: number): number {
    let n = 0;
    for (const id of [...this.partials.keys()]) if (id < floor) (this.discard(id), n++);
    for (const id of [...this.tombstones.keys()]) if (id < floor) this.tombstones.delete(id);
    return n;
  }

  /** Discards partial messages older than the lifetime [SW-14.6-4], and tombstones past it; returns how many partials. */
  expire(now: number): number {
    let n = 0;
    for (const [id, p] of [...this.partials]) if (now >= p.created + this.lifetimeMs) (this.discard(id), n++);
    for (const [id, until] of [...this.tombstones]) if (now >= until) this.tombstones.delete(id);
    return n;
  }

  /** No partial message and no tombstone. */
  get idle(): boolean {
    return this.partials.size === 0 && this.tombstones.size === 0;
  }

  nextDeadline(): number {
    let d = Infinity;
    for (const p of this.partials.values()) d = Math.min(d, p.created + this.lifetimeMs);
    for (const until of this.tombstones.values()) d = Math.min(d, until);
    return d;
  }

  /** Releases everything (the peer's state is dropped). */
  clear(): void {
    for (const id of [...this.partials.keys()]) this.discard(id);
    this.tombstones.clear();
  }
}

/** Fragment sizes [SW-14.6-2]: every fragment but the last has one length `unit`; the last has total - (count-1)*unit. */
function fits(f: FragmentInfo, len: number, unit: number | undefined): boolean {
  const last = f.index === f.count - 1;
  if (!last) {
    if (unit !== undefined && len !== unit) return false;
    const rest = f.total - (f.count - 1) * len;
    return rest >= 1 && rest <= len;
  }
  if (unit !== undefined) return len === f.total - (f.count - 1) * unit;
  return len >= 1 && len <= f.total - (f.count - 1);
}
