// Fair shares of the reassembly budget (issue 14, "one device exhausts what all share"): unfinished
// messages of 127 authenticated peers must not keep a peer within its fair share out [SW-14.6-6].
import { describe, expect, it } from 'vitest';
import { Reassembly, ReassemblyBudget } from '../../src/reliability/reassembly.js';
import { REASSEMBLY_PER_PEER, REASSEMBLY_TOTAL, MAX_MESSAGE, FRAGMENT_LIFETIME_MS } from '../../src/reliability/constants.js';

const UNIT = 1059;
const frag = (index: number, total: number): { index: number; count: number; total: number } => ({ index, count: Math.ceil(total / UNIT), total });
const data = (index: number, total: number): Uint8Array => new Uint8Array(index === Math.ceil(total / UNIT) - 1 ? total - index * UNIT : UNIT);

/** 127 peers, each holding the first fragment of a 64 KiB message and of a 2,200-byte one: the budget is full. */
function attacked(): { budget: ReassemblyBudget; attackers: Reassembly[] } {
  const budget = new ReassemblyBudget(REASSEMBLY_TOTAL);
  const attackers: Reassembly[] = [];
  for (let i = 0; i < 127; i++) {
    const r = new Reassembly(budget, REASSEMBLY_PER_PEER, MAX_MESSAGE, FRAGMENT_LIFETIME_MS);
    r.offer(1, frag(0, MAX_MESSAGE), data(0, MAX_MESSAGE), i);
    r.offer(100, frag(0, 2200), data(0, 2200), i);
    attackers.push(r);
  }
  return { budget, attackers };
}

describe('fair shares of the reassembly budget [SW-14.6-6]', () => {
  it('with the budget held by 127 peers, a peer within its fair share (budget / holders) gets room at once: the oldest partial of a peer over its share is evicted', () => {
    const { budget, attackers } = attacked();
    expect(budget.reserved).toBeGreaterThan(REASSEMBLY_TOTAL - 61_440); // full for a 60 KB message
    const legit = new Reassembly(budget, REASSEMBLY_PER_PEER, MAX_MESSAGE, FRAGMENT_LIFETIME_MS);
    const total = 61_440;
    const before = attackers.map((a) => a.evicted);
    let last: string = '';
    for (let i = 0; i < frag(0, total).count; i++) last = legit.offer(7, frag(i, total), data(i, total), 1_000).kind;
    expect(last).toBe('complete');
    expect(attackers.filter((a, i) => a.evicted > before[i]!)).toHaveLength(1); // one 64 KiB partial made the room
    expect(budget.reserved).toBeLessThanOrEqual(budget.limit);
  });

  it('an evicted message is refused from then on (its later fragments are not taken, so its sender gives it up instead of taking it as delivered), until FORWARD passes it', () => {
    const { budget, attackers } = attacked();
    const legit = new Reassembly(budget, REASSEMBLY_PER_PEER, MAX_MESSAGE, FRAGMENT_LIFETIME_MS);
    const before = attackers.map((a) => a.evicted);
    expect(legit.offer(7, frag(0, 61_440), data(0, 61_440), 1_000).kind).toBe('partial');
    const victim = attackers.find((a, i) => a.evicted > before[i]!)!;
    expect(victim.has(1)).toBe(false);
    expect(victim.tombstoned(1)).toBe(true);
    expect(victim.offer(1, frag(5, MAX_MESSAGE), data(5, MAX_MESSAGE), 1_001).kind).toBe('refused');
    victim.discardBelow(2); // the sender gave it up (FORWARD)
    expect(victim.tombstoned(1)).toBe(false);
  });

  it('a peer over its fair share evicts nobody: a second message of an attacker is refused, and the legitimate partial is never the victim', () => {
    const { budget, attackers } = attacked();
    const legit = new Reassembly(budget, REASSEMBLY_PER_PEER, MAX_MESSAGE, FRAGMENT_LIFETIME_MS);
    expect(legit.offer(7, frag(0, 61_440), data(0, 61_440), 1_000).kind).toBe('partial');
    const evictedBefore = budget.evicted;
    // every attacker tries another message; the one that was evicted holds 2,200 bytes now
    for (const a of attackers) a.offer(200, frag(0, MAX_MESSAGE), data(0, MAX_MESSAGE), 2_000);
    expect(legit.has(7)).toBe(true);
    expect(budget.evicted).toBe(evictedBefore);
    expect(budget.refusedOverShare).toBeGreaterThan(0);
  });

  it('tombstones are bounded: they expire with the fragment lifetime', () => {
    const { budget, attackers } = attacked();
    const legit = new Reassembly(budget, REASSEMBLY_PER_PEER, MAX_MESSAGE, FRAGMENT_LIFETIME_MS);
    legit.offer(7, frag(0, 61_440), data(0, 61_440), 1_000);
    const victim = attackers.find((a) => a.evicted > 0)!;
    expect(victim.tombstoned(1)).toBe(true);
    victim.expire(1_000 + FRAGMENT_LIFETIME_MS);
    expect(victim.tombstoned(1)).toBe(false);
  });
});
