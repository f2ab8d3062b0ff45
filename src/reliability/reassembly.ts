/**
 * Reassembly of fragmented messages from one peer (spec 14.6), with a byte limit per message
 * (MAX_MESSAGE), per peer and for all peers together (a shared ReassemblyBudget). A message's whole
 * length is reserved when its first fragment arrives, so two partial messages can never deadlock
 * each other for memory, and a message is delivered whole or not at all [SW-14.6-3].
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { FragmentInfo } from './frames.js';

/** Reassembly bytes reserved across every peer of a node. */
export class ReassemblyBudget {
  reserved = 0;
  constructor(readonly limit: number) {
    if (!(limit >= 0)) throw new InvalidArgumentError('reassembly limit must be >= 0');
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
  private readonly partials = new Map<number, Partial>();
  /** Bytes reserved by this peer's partial messages. */
  reserved = 0;

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
      if (f.total > this.maxMessage) return 'refused';
      if (this.reserved + f.total > this.perPeerLimit || this.budget.reserved + f.total > this.budget.limit) return 'refused';
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
      p = { count: f.count, total: f.total, created: now, parts: new Array(f.count).fill(undefined), received: 0, unit: undefined };
      this.partials.set(firstId, p);
      this.reserved += f.total;
      this.budget.reserved += f.total;
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
  }

  /** Discards partial messages whose first id is below `floor` (the sender gave them up, FORWARD). */
  discardBelow(floor: number): number {
    let n = 0;
    for (const id of [...this.partials.keys()]) if (id < floor) (this.discard(id), n++);
    return n;
  }

  /** Discards partial messages older than the lifetime [SW-14.6-4]; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const [id, p] of [...this.partials]) if (now >= p.created + this.lifetimeMs) (this.discard(id), n++);
    return n;
  }

  nextDeadline(): number {
    let d = Infinity;
    for (const p of this.partials.values()) d = Math.min(d, p.created + this.lifetimeMs);
    return d;
  }

  /** Releases everything (the peer's state is dropped). */
  clear(): void {
    for (const id of [...this.partials.keys()]) this.discard(id);
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
