// The caller's table of outstanding calls: ids, wrap-around, delivery, expiry, per-peer failure, limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { RpcTimeoutError, TooManyCallsError } from '../../src/rpc/errors.js';
import { MAX_CALL_ID, MAX_PENDING_CALLS, PendingCalls, timeoutErrorOf } from '../../src/rpc/pending-calls.js';

describe('PendingCalls', () => {
  it('gives increasing ids from 1 and records the call', () => {
    const p = new PendingCalls();
    expect(p.maxPending).toBe(MAX_PENDING_CALLS);
    expect(MAX_PENDING_CALLS).toBe(1024);
    const a = p.add('hub', 'get', 500, 100);
    const b = p.add('hub', 'set', 200, 110);
    expect([a, b]).toEqual([1, 2]);
    expect(p.get(a)).toMatchObject({ callId: 1, peer: 'hub', method: 'get', timeoutMs: 500, startedAt: 100, deadline: 600, delivered: false });
    expect(p.size).toBe(2);
  });

  it('keeps a context value with the call', () => {
    const p = new PendingCalls<{ tag: string }>();
    const id = p.add('x', 'm', 10, 0, { tag: 'mine' });
    expect(p.settle(id)?.context).toEqual({ tag: 'mine' });
  });

  it('does not reuse a settled id before wrapping', () => {
    const p = new PendingCalls();
    const a = p.add('x', 'm', 10, 0);
    p.settle(a);
    expect(p.add('x', 'm', 10, 0)).toBe(a + 1);
  });

  it('wraps from 2^32-1 to 1, never giving 0', () => {
    const p = new PendingCalls({ firstCallId: MAX_CALL_ID - 1 });
    expect([p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0)]).toEqual([MAX_CALL_ID - 1, MAX_CALL_ID, 1]);
    expect(p.get(0)).toBeUndefined();
  });

  it('skips ids still in use when the counter comes round to them', () => {
    const p = new PendingCalls({ firstCallId: MAX_CALL_ID - 1, maxPending: 8 });
    const held = [p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0)]; // 2^32-2, 2^32-1, 1, 2
    p.settle(MAX_CALL_ID);
    // Coming round takes 2^32 calls; white-box: put the counter where it would then be.
    (p as unknown as { nextId: number }).nextId = MAX_CALL_ID - 1;
    expect(p.add('x', 'm', 10, 0)).toBe(MAX_CALL_ID); // 2^32-2 is in use, 2^32-1 is free again
    expect(p.add('x', 'm', 10, 0)).toBe(3); // 1 and 2 are in use
    expect(held.every((id) => id === MAX_CALL_ID || p.get(id) !== undefined)).toBe(true);
  });

  it('markDelivered sets the flag that the timeout reports', () => {
    const p = new PendingCalls();
    const a = p.add('hub', 'get', 100, 0);
    const b = p.add('hub', 'get', 100, 0);
    expect(p.markDelivered(a)).toBe(true);
    expect(p.markDelivered(999)).toBe(false);
    const dead = p.expire(100);
    expect(dead.map((c) => [c.callId, c.delivered])).toEqual([[a, true], [b, false]]);
    const err = timeoutErrorOf(dead[0]!);
    expect(err).toBeInstanceOf(RpcTimeoutError);
    expect(err).toMatchObject({ peer: 'hub', method: 'get', timeoutMs: 100, delivered: true, code: 'ERR_RPC_TIMEOUT' });
    expect(timeoutErrorOf(dead[1]!).delivered).toBe(false);
  });

  it('settle removes and returns once; a duplicate response finds nothing', () => {
    const p = new PendingCalls();
    const a = p.add('x', 'm', 10, 0);
    expect(p.settle(a)?.callId).toBe(a);
    expect(p.settle(a)).toBeUndefined();
    expect(p.size).toBe(0);
  });

  it('expire returns calls at or past their deadline, earliest first, and nextDeadline follows', () => {
    const p = new PendingCalls();
    const long = p.add('x', 'm', 300, 0);
    const short = p.add('x', 'm', 100, 0);
    const mid = p.add('x', 'm', 150, 10);
    expect(p.nextDeadline()).toBe(100);
    expect(p.expire(99)).toEqual([]);
    expect(p.expire(160).map((c) => c.callId)).toEqual([short, mid]);
    expect(p.nextDeadline()).toBe(300);
    expect(p.expire(300).map((c) => c.callId)).toEqual([long]);
    expect(p.nextDeadline()).toBe(Infinity);
  });

  it('failPeer removes and returns every call of that peer only', () => {
    const p = new PendingCalls();
    const a1 = p.add('a', 'm', 10, 0);
    const b1 = p.add('b', 'm', 10, 0);
    const a2 = p.add('a', 'n', 10, 0);
    expect(p.failPeer('a').map((c) => c.callId)).toEqual([a1, a2]);
    expect(p.failPeer('a')).toEqual([]);
    expect(p.get(b1)).toBeDefined();
    expect(p.size).toBe(1);
    expect(p.drain().map((c) => c.callId)).toEqual([b1]);
    expect(p.size).toBe(0);
  });

  it('at maxPending add throws TooManyCallsError and registers nothing; a settled slot is reusable', () => {
    const p = new PendingCalls({ maxPending: 3 });
    const ids = [p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0), p.add('x', 'm', 10, 0)];
    expect(() => p.add('x', 'm', 10, 0)).toThrow(TooManyCallsError);
    try {
      p.add('x', 'm', 10, 0);
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERR_TOO_MANY_CALLS', limit: 3 });
    }
    expect(p.size).toBe(3);
    p.settle(ids[0]!);
    expect(p.add('x', 'm', 10, 0)).toBe(4);
  });

  it('the default limit is 1024 calls', () => {
    const p = new PendingCalls();
    for (let i = 0; i < 1024; i++) p.add('x', 'm', 10, 0);
    expect(() => p.add('x', 'm', 10, 0)).toThrow(TooManyCallsError);
  });

  it('rejects bad arguments', () => {
    const p = new PendingCalls();
    expect(() => p.add('x', 'm', 0, 0)).toThrow(InvalidArgumentError);
    expect(() => p.add('x', 'm', Infinity, 0)).toThrow(InvalidArgumentError);
    expect(() => p.add('x', 'm', Number.NaN, 0)).toThrow(InvalidArgumentError);
    expect(() => new PendingCalls({ maxPending: 0 })).toThrow(InvalidArgumentError);
    expect(() => new PendingCalls({ firstCallId: 0 })).toThrow(InvalidArgumentError);
    expect(() => new PendingCalls({ firstCallId: 2 ** 32 })).toThrow(InvalidArgumentError);
  });

  it('property: ids of outstanding calls are distinct, in 1..2^32-1, and each call leaves exactly once', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('add' as const), peer: fc.constantFrom('a', 'b'), timeout: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ t: fc.constant('settle' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('expire' as const), dt: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ t: fc.constant('fail' as const), peer: fc.constantFrom('a', 'b') }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_CALL_ID }), fc.array(op, { maxLength: 150 }), (first, ops) => {
        const p = new PendingCalls({ firstCallId: first, maxPending: 8 });
        const live = new Set<number>();
        let now = 0;
        const leave = (ids: number[]): void => {
          for (const id of ids) {
            expect(live.delete(id)).toBe(true);
          }
        };
        for (const o of ops) {
          if (o.t === 'add') {
            if (live.size === 8) {
              expect(() => p.add(o.peer, 'm', o.timeout, now)).toThrow(TooManyCallsError);
            } else {
              const id = p.add(o.peer, 'm', o.timeout, now);
              expect(id).toBeGreaterThanOrEqual(1);
              expect(id).toBeLessThanOrEqual(MAX_CALL_ID);
              expect(live.has(id)).toBe(false);
              live.add(id);
            }
          } else if (o.t === 'settle') {
            const id = [...live][o.pick % Math.max(1, live.size)];
            if (id !== undefined) leave([p.settle(id)!.callId]);
          } else if (o.t === 'expire') {
            now += o.dt;
            const dead = p.expire(now);
            for (const c of dead) expect(c.deadline).toBeLessThanOrEqual(now);
            leave(dead.map((c) => c.callId));
            expect(p.nextDeadline()).toBeGreaterThan(now);
          } else {
            const gone = p.failPeer(o.peer);
            for (const c of gone) expect(c.peer).toBe(o.peer);
            leave(gone.map((c) => c.callId));
          }
          expect(p.size).toBe(live.size);
        }
      }),
    );
  });
  it('takeWhere removes and returns the matching calls in the order added, leaving the rest', () => {
    const p = new PendingCalls<{ hop: string }>();
    const a = p.add('dev-b', 'm', 10, 0, { hop: 'hub' });
    const b = p.add('hub', 'm', 10, 0, { hop: 'hub' });
    const c = p.add('dev-c', 'm', 10, 0, { hop: 'dev-c' });
    expect(p.takeWhere((x) => x.context.hop === 'hub').map((x) => x.callId)).toEqual([a, b]);
    expect(p.size).toBe(1);
    expect(p.get(c)).toBeDefined();
  });
});
