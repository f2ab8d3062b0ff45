/**
 * A member's keys for one group (spec 19.8): at most two generations, the newest and the one before
 * it; which one it sends under and which ones it accepts, at time `now` (ms, passed in).
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { wipe } from '../util/bytes.js';
import type { GroupGrant } from './grant.js';

/** One installed generation. */
export interface GenerationState {
  readonly grant: GroupGrant;
  /** When this member may start sending under it: receipt + ACTIVATE [SW-19.8-2]. */
  readonly activateAt: number;
  /** Past this the key is neither sent nor accepted under: receipt + LIFETIME [SW-19.8-5]. */
  readonly expiresAt: number;
  /** Set once a newer generation activates: accepted until then [SW-19.8-3]. */
  retireAt?: number;
}

export type KeyVerdict = { readonly ok: true; readonly state: GenerationState } | { readonly ok: false; readonly reason: 'UNKNOWN_KEY' | 'RETIRED_KEY' };

export class GroupMembership {
  /** Newest first; never more than two [SW-19.8-4]. */
  private gens: GenerationState[] = [];
  /** Called with a generation whose key was erased, so receive state of it can go too. */
  onErase: ((gen: number) => void) | undefined;

  constructor(readonly gid: number) {}

  /**
   * Installs a grant received at `now` [SW-19.8-1]. A generation at or below the newest one is
   * ignored (a repeated or replayed grant) unless it is the same generation with the same key.
   * Returns false if ignored.
   */
  install(grant: GroupGrant, now: number): boolean {
    if (grant.gid !== this.gid) throw new InvalidArgumentError(`grant for group ${grant.gid}, not ${this.gid}`);
    const newest = this.gens[0];
    if (newest !== undefined && !isNewer(grant.gen, newest.grant.gen)) return false;
    grant = { ...grant, key: grant.key.slice() }; // ours to wipe
    const state: GenerationState = { grant, activateAt: now + grant.activateMs, expiresAt: now + grant.lifetimeS * 1000 };
    if (newest === undefined) {
      // a first grant is active at once: there is nothing older to send under meanwhile
      this.gens = [{ ...state, activateAt: now }];
      return true;
    }
    const dropped = this.gens.slice(1);
    this.gens = [state, newest];
    for (const d of dropped) this.erase(d);
    return true;
  }

  /** Restores a generation from the store after a restart (times relative to `now`). */
  restore(state: GenerationState): void {
    this.gens.push(state);
    this.gens.sort((a, b) => (isNewer(a.grant.gen, b.grant.gen) ? -1 : 1));
    for (const d of this.gens.splice(2)) this.erase(d);
  }

  /** Applies the clock: activation of the newest retires the older one [SW-19.8-3]; expiry erases. */
  tick(now: number): void {
    const [newest, older] = this.gens;
    if (newest !== undefined && older !== undefined && older.retireAt === undefined && now >= newest.activateAt) {
      older.retireAt = newest.activateAt + newest.grant.graceMs;
    }
    for (const g of [...this.gens]) {
      if (now >= g.expiresAt || (g.retireAt !== undefined && now >= g.retireAt)) this.erase(g);
    }
  }

  /** The generation to send under now [SW-19.8-2], or undefined (no key, or expired). */
  sending(now: number): GenerationState | undefined {
    this.tick(now);
    for (const g of this.gens) if (now >= g.activateAt && now < g.expiresAt) return g;
    return undefined;
  }

  /** Whether datagrams of `gen` are accepted now [SW-19.8-3]. */
  accepts(gen: number, now: number): KeyVerdict {
    this.tick(now);
    const g = this.gens.find((s) => s.grant.gen === gen);
    if (g !== undefined) return { ok: true, state: g };
    const newest = this.gens[0];
    return { ok: false, reason: newest !== undefined && isNewer(newest.grant.gen, gen) ? 'RETIRED_KEY' : 'UNKNOWN_KEY' };
  }

  generations(): readonly GenerationState[] {
    return this.gens;
  }

  private erase(g: GenerationState): void {
    const i = this.gens.indexOf(g);
    if (i >= 0) this.gens.splice(i, 1);
    wipe(g.grant.key); // [SW-3.8-1]
    this.onErase?.(g.grant.gen);
  }
}

/**
 * Generations are compared modulo 256 over a half range (RFC 1982 serial numbers), so a group
 * can rotate past 255: `a` is newer than `b` if it is 1 to 127 steps ahead [SW-19.8-6].
 */
export function isNewer(a: number, b: number): boolean {
  const d = (a - b) & 0xff;
  return d >= 1 && d <= 127;
}
