/**
 * Which key generations a receiver accepts from each peer (spec 3.6): the current one, and the
 * previous one until its grace deadline. Time is passed in (milliseconds, any monotonic origin).
 * @module
 */
import { KEY_GRACE_MS } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { assertGeneration } from '../crypto/keys.js';

export interface GenerationPolicy {
  readonly current: number;
  readonly previous?: number;
  /** Time (same clock as `now`) after which `previous` is refused. */
  readonly previousUntil?: number;
}

const DEFAULT_POLICY: GenerationPolicy = { current: 0 };

export type GenerationVerdict = 'ok' | 'UNKNOWN_KEY' | 'RETIRED_KEY';

export class Generations {
  private readonly policies = new Map<string, GenerationPolicy>();

  /** Sets a peer's policy explicitly. Without one, a peer has current 0 and no previous [SW-3.6-8]. */
  set(peer: string, policy: GenerationPolicy): void {
    assertGeneration(policy.current);
    if (policy.previous !== undefined) {
      assertGeneration(policy.previous);
      if (policy.previous >= policy.current) throw new InvalidArgumentError('previous generation must be lower than current');
    }
    this.policies.set(peer, policy);
  }

  /** Makes `next` current and keeps the old current for `graceMs` (spec 3.6 rotation). */
  rotate(peer: string, next: number, now: number, graceMs: number = KEY_GRACE_MS): void {
    const old = this.current(peer);
    if (next <= old) throw new InvalidArgumentError(`new generation ${next} must be higher than ${old}`);
    this.set(peer, { current: next, previous: old, previousUntil: now + graceMs });
  }

  current(peer: string): number {
    return this.policies.get(peer)?.current ?? 0;
  }

  /** Per [SW-3.6-1], current is accepted; previous until its deadline; lower is RETIRED, other UNKNOWN. */
  check(peer: string, gen: number, now: number): GenerationVerdict {
    const p = this.policies.get(peer) ?? DEFAULT_POLICY;
    if (gen === p.current) return 'ok';
    if (gen === p.previous && now < (p.previousUntil ?? -Infinity)) return 'ok';
    return gen < p.current ? 'RETIRED_KEY' : 'UNKNOWN_KEY';
  }

  /** Peers whose previous generation has expired at `now` ([SW-3.6-4] erasure is the caller's). */
  expired(now: number): Array<{ peer: string; gen: number }> {
    const out: Array<{ peer: string; gen: number }> = [];
    for (const [peer, p] of this.policies) {
      if (p.previous !== undefined && now >= (p.previousUntil ?? -Infinity)) out.push({ peer, gen: p.previous });
    }
    return out;
  }
}
