// The bounds of unreliable messages waiting for room [SW-14.8-6]: per peer, in all, in time; every
// refusal and expiry counted and typed (OutboxFullError); order kept; a failing push fails only its message.
import { describe, expect, it } from 'vitest';
import { MessageTooLargeError, OutboxFullError } from '../../src/errors.js';
import { UnreliableWaiting } from '../../src/peer/unreliable-waiting.js';
import { track } from '../pubsub/world.js';

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const msg = (i: number): Uint8Array => Uint8Array.of(i);

describe('UnreliableWaiting [SW-14.8-6]', () => {
  it('admits in order up to the room given, refuses past the per-peer and total bounds, counted', async () => {
    const w = new UnreliableWaiting<string>({ max: 3, maxTotal: 4, timeoutMs: 100 });
    const a = [0, 1, 2, 3].map((i) => track(w.add('a', 'a', msg(i), 0, 0)));
    const b = [0, 1].map((i) => track(w.add('b', 'b', msg(i), 0, 0)));
    await flush();
    expect(a.map((t) => t.state)).toEqual(['pending', 'pending', 'pending', 'failed']); // per peer: 3
    expect(b.map((t) => t.state)).toEqual(['pending', 'failed']); // in all: 4
    expect(a[3]!.error).toBeInstanceOf(OutboxFullError);
    const pushed: number[] = [];
    expect(w.admit('a', 'a', 2, 10, (d) => void pushed.push(d[0]!))).toBe(2);
    await flush();
    expect(pushed).toEqual([0, 1]);
    expect(a.map((t) => t.state)).toEqual(['ok', 'ok', 'pending', 'failed']);
    expect(w.stats).toEqual({ waiting: 2, waited: 2, refused: 2, expired: 0, givenUp: 0 });
  });

  it('fails what waited past the timeout, and reports when the next one does; a push that throws fails its message only', async () => {
    const w = new UnreliableWaiting<string>({ timeoutMs: 100 });
    const first = track(w.add('a', 'a', msg(0), 0, 0));
    const second = track(w.add('a', 'a', msg(1), 0, 50));
    const third = track(w.add('a', 'a', msg(2), 0, 60));
    expect(w.nextExpiry('a')).toBe(100);
    w.expire('a', 'a', 100);
    await flush();
    expect([first.state, second.state]).toEqual(['failed', 'pending']);
    expect(first.error).toBeInstanceOf(OutboxFullError);
    expect(w.nextExpiry('a')).toBe(150);
    const n = w.admit('a', 'a', 5, 120, (d) => {
      if (d[0] === 1) throw new MessageTooLargeError(2000, 1000, 'unreliable message');
    });
    await flush();
    expect(n).toBe(1);
    expect(second.error).toBeInstanceOf(MessageTooLargeError);
    expect(third.state).toBe('ok');
    expect(w.has('a')).toBe(false);
    expect(w.stats).toEqual({ waiting: 0, waited: 1, refused: 0, expired: 1, givenUp: 0 });
  });
});
