// The RPC engine over SaltwireNodes on a MemoryNetwork with virtual time (spec 16, 18.4, 17.6-17.8):
// every outcome produced for real, at-most-once through a hub restart, the caller's local refusals.
import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/acl/acl.js';
import { InvalidArgumentError, InvalidNodeIdError, NodeClosedError } from '../../src/errors.js';
import { decodeOp } from '../../src/messaging/op-codec.js';
import { RPC_CHANNEL } from '../../src/messaging/ops.js';
import { NodePort } from '../../src/messaging/port.js';
import { RpcEngine } from '../../src/rpc/engine.js';
import {
  RpcCancelledError,
  RpcNoResponderError,
  RpcRejectedError,
  RpcRemoteError,
  RpcTimeoutError,
  RpcUnreachableError,
  TooManyCallsError,
} from '../../src/rpc/errors.js';
import { HUB } from '../peer/harness.js';
import { dev, flush, node, rig, shutdown, track, until } from './rpc-harness.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('RPC engine: Ok and the values it carries [SW-16.1-2] [SW-16.2-1]', () => {
  it('device -> hub (direct): params and results of several MessagePack types round-trip, binary and nested included', async () => {
    const r = await rig(['dev-a']);
    const seen: unknown[] = [];
    r.hub.serve('echo', (p, ctx) => {
      seen.push([p, ctx.from, ctx.method]);
      return p;
    });
    const values: unknown[] = [
      42,
      -7,
      1.5,
      'text é',
      true,
      null,
      bytes(0, 1, 254, 255),
      [1, 'two', [3, [4, { five: bytes(5) }]]],
      { a: { b: { c: [true, false, null] } }, bin: bytes(9, 9), n: 2 ** 40 },
    ];
    const calls = values.map((v) => track(r.h, dev(r, 'dev-a').call('hub', 'echo', v)));
    await until(r.h, () => calls.every((c) => c.state !== 'pending'), 5_000);
    expect(calls.map((c) => c.state)).toEqual(values.map(() => 'ok'));
    expect(calls.map((c) => c.value)).toEqual(values);
    expect(calls[6]!.value).toBeInstanceOf(Uint8Array);
    expect(seen.map((s) => (s as unknown[])[1])).toEqual(values.map(() => 'dev-a')); // ctx.from = the authenticated caller
    await shutdown(r);
  });

  it('no params is nil: the handler gets null, and a handler returning undefined resolves null [SW-16.1-1]', async () => {
    const r = await rig(['dev-a']);
    let got: unknown = 'unset';
    r.hub.serve('void', (p) => void (got = p));
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'void'));
    await until(r.h, () => c.state !== 'pending', 5_000);
    expect(c).toMatchObject({ state: 'ok', value: null });
    expect(got).toBeNull();
    await shutdown(r);
  });

  it('hub -> device (direct) and device -> hub -> device routed by id: ctx.from is the caller, CALL_ID = epoch x 2^32 + N [SW-16.1-1] [SW-18.4-1]', async () => {
    const r = await rig(['dev-a', 'dev-b']);
    const from: string[] = [];
    dev(r, 'dev-b').serve('dev-b.read', async (p, ctx) => {
      from.push(ctx.from);
      return { v: (p as { x: number }).x * 2 };
    });
    // watch the CALLs that reach dev-b
    const ids: bigint[] = [];
    node(r, 'dev-b').on('message', (m) => {
      const op = m.channel === RPC_CHANNEL ? decodeOp(m.data) : undefined;
      if (op?.op === 'CALL') ids.push(op.callId);
    });
    const viaHub = track(r.h, dev(r, 'dev-a').call('dev-b', 'dev-b.read', { x: 21 }));
    const direct = track(r.h, r.hub.call('dev-b', 'dev-b.read', { x: 5 }));
    await until(r.h, () => viaHub.state !== 'pending' && direct.state !== 'pending', 5_000);
    expect(viaHub).toMatchObject({ state: 'ok', value: { v: 42 } });
    expect(direct).toMatchObject({ state: 'ok', value: { v: 10 } });
    expect(from.sort()).toEqual(['dev-a', 'hub']);
    expect(r.hub.counters.forwarder).toMatchObject({ forwarded: 1, results: 1 });
    const high = ids.map((id) => Number(id >> 32n)).sort();
    expect(high).toEqual([node(r, 'dev-a').epoch, r.hubNode.epoch].sort());
    expect(ids.map((id) => Number(id & 0xffffffffn))).toEqual([1, 1]); // N counts from 1
    await shutdown(r);
  });

  it('a forwarded call through a hub is CALLACKed: a handler slower than the timeout fails with Timeout delivered=true [SW-16.1-3] [SW-18.4-1]', async () => {
    const r = await rig(['dev-a', 'dev-b']);
    let runs = 0;
    dev(r, 'dev-b').serve('slow', () => {
      runs++;
      return new Promise((res) => r.h.net.scheduler.at(r.h.net.scheduler.now() + 3_000, () => res('late')));
    });
    const c = track(r.h, dev(r, 'dev-a').call('dev-b', 'slow', null, { timeout: 1_000 }));
    await until(r.h, () => c.state !== 'pending', 5_000);
    expect(c.state).toBe('failed');
    expect(c.error).toBeInstanceOf(RpcTimeoutError);
    expect((c.error as RpcTimeoutError).delivered).toBe(true);
    expect((c.error as RpcTimeoutError).timeoutMs).toBe(1_000);
    expect(runs).toBe(1);
    // the late RESULT still comes through the hub and is ignored [SW-16.1-3]
    await until(r.h, () => dev(r, 'dev-a').counters.caller.lateResults > 0, 5_000);
    expect(dev(r, 'dev-a').counters.caller.lateResults).toBe(1);
    await shutdown(r);
  });
});

describe('RPC engine: failure outcomes produced for real [SW-16.2-1] [SW-16.2-2]', () => {
  it('NoResponder: the target serves no such method; an unregistered method stops being served', async () => {
    const r = await rig(['dev-a']);
    const stop = r.hub.serve('m', () => 1);
    const first = track(r.h, dev(r, 'dev-a').call('hub', 'm'));
    await until(r.h, () => first.state !== 'pending', 5_000);
    expect(first).toMatchObject({ state: 'ok', value: 1 });
    stop();
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'm'));
    const other = track(r.h, dev(r, 'dev-a').call('hub', 'nope'));
    await until(r.h, () => c.state !== 'pending' && other.state !== 'pending', 5_000);
    expect(c.error).toBeInstanceOf(RpcNoResponderError);
    expect(other.error).toBeInstanceOf(RpcNoResponderError);
    expect((other.error as RpcNoResponderError).method).toBe('nope');
    expect(r.hub.counters.responder.noResponder).toBe(2);
    await shutdown(r);
  });

  it('RemoteError: code, message and data from the thrown error; defaults code "error"; the stack is not sent', async () => {
    const r = await rig(['dev-a']);
    r.hub.serve('fail', (p) => {
      if (p === 'plain') throw new Error('plain failure');
      if (p === 'string') throw 'just a string';
      throw Object.assign(new Error('valve stuck'), { code: 'E_VALVE', data: { valve: 3, raw: bytes(1, 2) } });
    });
    const coded = track(r.h, dev(r, 'dev-a').call('hub', 'fail', 'coded'));
    const plain = track(r.h, dev(r, 'dev-a').call('hub', 'fail', 'plain'));
    const str = track(r.h, dev(r, 'dev-a').call('hub', 'fail', 'string'));
    await until(r.h, () => [coded, plain, str].every((c) => c.state !== 'pending'), 5_000);
    const e = coded.error as RpcRemoteError;
    expect(e).toBeInstanceOf(RpcRemoteError);
    expect([e.remoteCode, e.remoteMessage, e.data]).toEqual(['E_VALVE', 'valve stuck', { valve: 3, raw: bytes(1, 2) }]);
    expect(e.message).not.toMatch(/at /); // no stack
    const p = plain.error as RpcRemoteError;
    expect([p.remoteCode, p.remoteMessage, p.data]).toEqual(['error', 'plain failure', undefined]);
    expect([(str.error as RpcRemoteError).remoteCode, (str.error as RpcRemoteError).remoteMessage]).toEqual(['error', 'just a string']);
    await shutdown(r);
  });

  it('RemoteError bad-result: a result with no MessagePack form (a function, a cycle, a Map) [SW-16.2-2]', async () => {
    const r = await rig(['dev-a']);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    const results: unknown[] = [() => 1, cyc, new Map([[1, 2]])];
    r.hub.serve('bad', (i) => results[i as number]);
    const cs = [0, 1, 2].map((i) => track(r.h, dev(r, 'dev-a').call('hub', 'bad', i)));
    await until(r.h, () => cs.every((c) => c.state !== 'pending'), 5_000);
    for (const c of cs) {
      expect(c.error).toBeInstanceOf(RpcRemoteError);
      expect((c.error as RpcRemoteError).remoteCode).toBe('bad-result');
    }
    await shutdown(r);
  });

  it('an async handler gets the same outcomes as a sync one: its value, RemoteError from its rejection, bad-result [SW-16.2-2]', async () => {
    const r = await rig(['dev-a']);
    r.hub.serve('later', async (p) => {
      await new Promise((res) => setTimeout(res, 1));
      if (p === 'fail') throw Object.assign(new Error('valve stuck later'), { code: 'E_LATER' });
      if (p === 'bad') return () => 1;
      return { echo: p };
    });
    const ok = track(r.h, dev(r, 'dev-a').call('hub', 'later', 'x'));
    const fail = track(r.h, dev(r, 'dev-a').call('hub', 'later', 'fail'));
    const bad = track(r.h, dev(r, 'dev-a').call('hub', 'later', 'bad'));
    for (let i = 0; i < 200 && [ok, fail, bad].some((c) => c.state === 'pending'); i++) {
      await new Promise((res) => setTimeout(res, 2)); // the handler's timer is a real one
      await until(r.h, () => false, 10);
    }
    expect(ok.value).toEqual({ echo: 'x' });
    expect([(fail.error as RpcRemoteError).remoteCode, (fail.error as RpcRemoteError).remoteMessage]).toEqual(['E_LATER', 'valve stuck later']);
    expect((bad.error as RpcRemoteError).remoteCode).toBe('bad-result');
    await shutdown(r);
  });

  it('RemoteError bad-params: PARAMS that are not one MessagePack value never reach the handler [SW-16.1-2]', async () => {
    const r = await rig(['dev-a']);
    let runs = 0;
    r.hub.serve('m', () => runs++);
    const port = new NodePort(node(r, 'dev-a'));
    const results: Array<{ outcome: number; body: Uint8Array }> = [];
    port.on('op', (e) => e.op.op === 'RESULT' && results.push(e.op));
    const bad = [bytes(0xc1), bytes(0x92, 0x01), bytes(0x01, 0x02), bytes(0xd4, 0x05, 0x01)]; // reserved byte, truncated, two values, an extension
    for (const [i, params] of bad.entries()) {
      void port.send('hub', { op: 'CALL', callId: BigInt(i + 1), timeoutMs: 1000, to: '', from: '', method: 'm', params }, { qos: 1 });
    }
    await until(r.h, () => results.length === bad.length, 5_000);
    expect(results.map((x) => x.outcome)).toEqual([3, 3, 3, 3]);
    const { decode } = await import('@msgpack/msgpack');
    expect(results.map((x) => (decode(x.body) as { code: string }).code)).toEqual(['bad-params', 'bad-params', 'bad-params', 'bad-params']);
    expect(runs).toBe(0);
    expect(r.hub.counters.responder.badParams).toBe(4);
    port.close();
    await shutdown(r);
  });

  it('Timeout delivered=false: the request never arrived (partition); delivered=true: the handler is slower than the timeout (direct) [SW-16.1-3]', async () => {
    const r = await rig(['dev-a']);
    let runs = 0;
    r.hub.serve('slow', () => {
      runs++;
      return new Promise(() => undefined); // never completes
    });
    r.h.net.partition(node(r, 'dev-a').local, HUB);
    const t0 = r.h.net.scheduler.now();
    const lost = track(r.h, dev(r, 'dev-a').call('hub', 'slow', 1, { timeout: 800 }));
    await until(r.h, () => lost.state !== 'pending', 2_000);
    expect(lost.error).toBeInstanceOf(RpcTimeoutError);
    expect((lost.error as RpcTimeoutError).delivered).toBe(false);
    expect(lost.at! - t0).toBeGreaterThanOrEqual(800); // settled at its timeout, not earlier
    expect(runs).toBe(0);
    r.h.net.heal();
    await r.h.run(3_000); // the retransmitted CALL may still arrive: it runs once, its RESULT is ignored
    const slow = track(r.h, dev(r, 'dev-a').call('hub', 'slow', 2, { timeout: 800 }));
    await until(r.h, () => slow.state !== 'pending', 2_000);
    expect(slow.error).toBeInstanceOf(RpcTimeoutError);
    expect((slow.error as RpcTimeoutError).delivered).toBe(true);
    expect(runs).toBeLessThanOrEqual(2);
    await shutdown(r);
  });

  it('Cancelled: an AbortSignal fails the call at once; its RESULT, when it comes, is ignored [SW-16.2-1]', async () => {
    const r = await rig(['dev-a']);
    let release: () => void = () => undefined;
    r.hub.serve('wait', () => new Promise<string>((res) => (release = () => res('done'))));
    const ac = new AbortController();
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'wait', null, { signal: ac.signal, timeout: 10_000 }));
    await r.h.run(300);
    expect(c.state).toBe('pending');
    ac.abort('user');
    await flush();
    expect(c.state).toBe('failed');
    expect(c.error).toBeInstanceOf(RpcCancelledError);
    expect((c.error as RpcCancelledError).reason).toBe('user');
    expect(dev(r, 'dev-a').outstanding).toBe(0);
    release();
    await until(r.h, () => dev(r, 'dev-a').counters.caller.lateResults > 0, 3_000);
    expect(dev(r, 'dev-a').counters.caller.lateResults).toBe(1);
    // an already aborted signal: refused before anything is sent
    const sent = node(r, 'dev-a').stats.sent.datagrams;
    const pre = track(r.h, dev(r, 'dev-a').call('hub', 'wait', null, { signal: AbortSignal.abort('early') }));
    await flush();
    expect(pre.error).toBeInstanceOf(RpcCancelledError);
    await r.h.run(20);
    expect(node(r, 'dev-a').stats.sent.datagrams).toBe(sent);
    await shutdown(r);
  });
});

describe('RPC engine: Unreachable [SW-16.1-3] [SW-18.4-1]', () => {
  it('the hub known unreachable: the call fails at once and no datagram is sent for it', async () => {
    const r = await rig(['dev-a']);
    r.hub.serve('m', () => 1);
    r.h.net.partition(node(r, 'dev-a').local, HUB);
    await until(r.h, () => node(r, 'dev-a').reachability('hub') === 'unreachable', 10_000);
    expect(node(r, 'dev-a').reachability('hub')).toBe('unreachable');
    const sent = node(r, 'dev-a').stats.sent.datagrams;
    const direct = track(r.h, dev(r, 'dev-a').call('hub', 'm'));
    const via = track(r.h, dev(r, 'dev-a').call('dev-z', 'm'));
    await flush();
    expect(direct.error).toBeInstanceOf(RpcUnreachableError);
    expect(via.error).toBeInstanceOf(RpcUnreachableError);
    expect((via.error as RpcUnreachableError).peer).toBe('dev-z');
    expect(node(r, 'dev-a').stats.sent.datagrams).toBe(sent);
    await shutdown(r);
  });

  it('hub -> device known unreachable fails at once, sending nothing', async () => {
    const r = await rig(['dev-b']);
    r.h.net.partition(node(r, 'dev-b').local);
    await until(r.h, () => r.hubNode.reachability('dev-b') === 'unreachable', 10_000);
    const sent = r.hubNode.stats.sent.datagrams;
    const c = track(r.h, r.hub.call('dev-b', 'x'));
    await flush();
    expect(c.error).toBeInstanceOf(RpcUnreachableError);
    expect(r.hubNode.stats.sent.datagrams).toBe(sent);
    await shutdown(r);
  });

  it('the hub answers Unreachable at once for a target it does not know', async () => {
    const r = await rig(['dev-a']);
    const c = track(r.h, dev(r, 'dev-a').call('ghost', 'm', null, { timeout: 5_000 }));
    const took = await until(r.h, () => c.state !== 'pending', 5_000);
    expect(c.error).toBeInstanceOf(RpcUnreachableError);
    expect(took).toBeLessThan(500);
    expect(r.hub.counters.forwarder?.unreachable).toBe(1);
    await shutdown(r);
  });

  it('the target goes away before acknowledging the forwarded CALL: Unreachable once the hub sees it unreachable, before the timeout', async () => {
    const r = await rig(['dev-a', 'dev-b']);
    let runs = 0;
    dev(r, 'dev-b').serve('m', () => runs++);
    r.h.net.partition(node(r, 'dev-b').local);
    const t0 = r.h.net.scheduler.now();
    const c = track(r.h, dev(r, 'dev-a').call('dev-b', 'm', null, { timeout: 20_000 }));
    await until(r.h, () => c.state !== 'pending', 20_000);
    expect(c.error).toBeInstanceOf(RpcUnreachableError);
    expect(c.at! - t0).toBeLessThan(10_000);
    expect(r.hubNode.reachability('dev-b')).toBe('unreachable');
    expect(runs).toBe(0);
    await shutdown(r);
  });

  it('the target goes away after acknowledging (handler running): Timeout with delivered=true', async () => {
    const r = await rig(['dev-a', 'dev-b']);
    let runs = 0;
    dev(r, 'dev-b').serve('m', () => {
      runs++;
      // gone while its handler runs, once its acknowledgement of the CALL is out
      r.h.net.scheduler.at(r.h.net.scheduler.now() + 100, () => r.h.net.partition(node(r, 'dev-b').local));
      return new Promise((res) => r.h.net.scheduler.at(r.h.net.scheduler.now() + 500, () => res(1)));
    });
    const c = track(r.h, dev(r, 'dev-a').call('dev-b', 'm', null, { timeout: 3_000 }));
    await until(r.h, () => c.state !== 'pending', 10_000);
    expect(runs).toBe(1);
    expect(c.error).toBeInstanceOf(RpcTimeoutError);
    expect((c.error as RpcTimeoutError).delivered).toBe(true);
    await shutdown(r);
  });

  it('calls outstanding to a peer that becomes unreachable fail with Unreachable', async () => {
    const r = await rig(['dev-a']);
    r.hub.serve('hang', () => new Promise(() => undefined));
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'hang', null, { timeout: 60_000 }));
    await r.h.run(300);
    r.h.net.partition(node(r, 'dev-a').local, HUB);
    const t0 = r.h.net.scheduler.now();
    await until(r.h, () => c.state !== 'pending', 20_000);
    expect(c.error).toBeInstanceOf(RpcUnreachableError);
    expect(node(r, 'dev-a').reachability('hub')).toBe('unreachable');
    expect(c.at! - t0).toBeLessThan(10_000); // well before its 60 s timeout
    await shutdown(r);
  });
});

describe('RPC engine: access control through a hub [SW-17.6-2] [SW-17.7-1] [SW-17.8-3] [SW-17.8-2]', () => {
  const acl = AccessControl.fromConfig({
    revoked: ['dev-r'],
    rules: [{ devices: ['*'], call: ['dev-*', 'time'], serve: ['{id}.*'] }, { devices: ['*'], deny: { call: ['dev-b.read'] } }],
  });

  it('Rejected, with an empty body, when the caller may not call or the target may not serve; nothing runs [SW-17.1-2]', async () => {
    const r = await rig(['dev-a', 'dev-b', 'dev-c'], { acl });
    const runs: string[] = [];
    dev(r, 'dev-b').serve('dev-b.read', () => runs.push('b'));
    dev(r, 'dev-b').serve('dev-c.read', () => runs.push('b-as-c'));
    dev(r, 'dev-c').serve('dev-c.read', () => runs.push('c'));
    r.hub.serve('time', () => 123);
    r.hub.serve('secret', () => runs.push('secret'));
    const bodies: number[] = [];
    node(r, 'dev-a').on('message', (m) => {
      const op = m.channel === RPC_CHANNEL ? decodeOp(m.data) : undefined;
      if (op?.op === 'RESULT' && op.outcome === 2) bodies.push(op.body.length);
    });
    const denied = track(r.h, dev(r, 'dev-a').call('dev-b', 'dev-b.read')); // deny pattern for the caller
    const notServe = track(r.h, dev(r, 'dev-a').call('dev-b', 'dev-c.read')); // dev-b may not serve dev-c.*
    const allowed = track(r.h, dev(r, 'dev-a').call('dev-c', 'dev-c.read'));
    const hubOk = track(r.h, dev(r, 'dev-a').call('hub', 'time'));
    const hubNo = track(r.h, dev(r, 'dev-a').call('hub', 'secret'));
    const all = [denied, notServe, allowed, hubOk, hubNo];
    await until(r.h, () => all.every((c) => c.state !== 'pending'), 5_000);
    expect(denied.error).toBeInstanceOf(RpcRejectedError);
    expect(notServe.error).toBeInstanceOf(RpcRejectedError);
    expect(hubNo.error).toBeInstanceOf(RpcRejectedError);
    expect(allowed.state).toBe('ok');
    expect(hubOk.value).toBe(123);
    expect(runs).toEqual(['c']);
    expect(bodies).toEqual([0, 0, 0]);
    // the error says nothing about why [SW-17.8-2]
    expect((denied.error as RpcRejectedError).message).not.toMatch(/deny|revoked|rule/);
    await shutdown(r);
  });

  it('a revoked device is answered nothing: its calls are dropped and counted, and it cannot be called', async () => {
    const r = await rig(['dev-a', 'dev-r'], { acl });
    dev(r, 'dev-a').serve('dev-a.read', () => 1);
    dev(r, 'dev-r').serve('dev-r.read', () => 2);
    r.hub.serve('time', () => 3);
    const fromRevoked = track(r.h, dev(r, 'dev-r').call('dev-a', 'dev-a.read', null, { timeout: 1_000 }));
    const toHub = track(r.h, dev(r, 'dev-r').call('hub', 'time', null, { timeout: 1_000 }));
    const toRevoked = track(r.h, dev(r, 'dev-a').call('dev-r', 'dev-r.read'));
    await until(r.h, () => [fromRevoked, toHub, toRevoked].every((c) => c.state !== 'pending'), 5_000);
    expect(fromRevoked.error).toBeInstanceOf(RpcTimeoutError);
    expect(toHub.error).toBeInstanceOf(RpcTimeoutError);
    expect(toRevoked.error).toBeInstanceOf(RpcRejectedError);
    expect(r.hub.counters.engine.revoked).toBe(2);
    await shutdown(r);
  });
});

describe('RPC engine: at most once [SW-16.3-1] [SW-14.7-4]', () => {
  it('a hub restart while a call is in flight: the CALL reaches the target twice, the handler runs once, the caller gets its result', async () => {
    const r = await rig(['dev-a', 'dev-b'], { seed: 3 });
    let runs = 0;
    dev(r, 'dev-b').serve('count', async (p) => {
      runs++;
      return { got: p };
    });
    let callsAtB = 0;
    node(r, 'dev-b').on('message', (m) => {
      const op = m.channel === RPC_CHANNEL ? decodeOp(m.data) : undefined;
      if (op?.op === 'CALL') callsAtB++;
    });
    // Nothing from the hub reaches the caller: its CALL is never acknowledged, so it is sent again
    // to the restarted hub, which forwards it again.
    r.h.net.partition(HUB, node(r, 'dev-a').local, { oneWay: true });
    const c = track(r.h, dev(r, 'dev-a').call('dev-b', 'count', 'x', { timeout: 20_000 }));
    await until(r.h, () => runs > 0, 1_000);
    await r.h.run(100);
    expect([runs, callsAtB]).toEqual([1, 1]);
    r.hub.close();
    await r.hubNode.close();
    await r.startHub(); // same state store: a new epoch
    r.h.net.heal();
    await until(r.h, () => c.state !== 'pending', 20_000);
    expect(c).toMatchObject({ state: 'ok', value: { got: 'x' } });
    expect(callsAtB).toBe(2);
    expect(runs).toBe(1);
    expect(dev(r, 'dev-b').counters.responder.duplicates).toBe(1);
    await shutdown(r);
  });

  it('the serving device restarts: a call it had taken fails Timeout delivered=true and is not run again (at most once); one it had not taken waits and is served by the new process [SW-14.1-2] [SW-14.7-4] [SW-16.3-3]', async () => {
    const r = await rig(['dev-a', 'dev-b'], { seed: 4 });
    let firstRuns = 0;
    dev(r, 'dev-b').serve('work', () => {
      firstRuns++;
      return new Promise(() => undefined); // the first process dies before it answers
    });
    const taken = track(r.h, dev(r, 'dev-a').call('dev-b', 'work', 1, { timeout: 5_000 }));
    await until(r.h, () => firstRuns > 0, 2_000);
    // dev-b goes dark before a second call reaches it, then restarts
    r.h.net.partition(HUB, node(r, 'dev-b').local);
    const waiting = track(r.h, dev(r, 'dev-a').call('dev-b', 'work', 2, { timeout: 20_000 }));
    await r.h.run(500);
    dev(r, 'dev-b').close();
    await node(r, 'dev-b').close();
    r.h.net.heal();
    const again = await r.h.device('dev-b'); // same state store: a new epoch
    r.nodes.set('dev-b', again);
    const engine = new RpcEngine(new NodePort(again), { role: 'client', hub: 'hub' });
    r.devs.set('dev-b', engine);
    const secondRuns: unknown[] = [];
    engine.serve('work', (p) => {
      secondRuns.push(p);
      return { done: p };
    });
    await until(r.h, () => taken.state !== 'pending' && waiting.state !== 'pending', 30_000);
    expect(taken.state).toBe('failed');
    expect(taken.error).toBeInstanceOf(RpcTimeoutError);
    expect((taken.error as RpcTimeoutError).delivered).toBe(true);
    expect(waiting).toMatchObject({ state: 'ok', value: { done: 2 } });
    expect(secondRuns).toEqual([2]); // call 1 never ran twice
    expect(firstRuns).toBe(1);
    await shutdown(r);
  });

  it('a copy of a call that arrives while the handler runs is answered when it completes, and a later copy from the cache', async () => {
    const r = await rig(['dev-a']);
    let runs = 0;
    let release: () => void = () => undefined;
    r.hub.serve('m', () => {
      runs++;
      return new Promise((res) => (release = () => res('v')));
    });
    const port = new NodePort(node(r, 'dev-a'));
    const results: Array<{ outcome: number; body: Uint8Array }> = [];
    port.on('op', (e) => e.op.op === 'RESULT' && results.push(e.op));
    const call = { op: 'CALL', callId: (BigInt(node(r, 'dev-a').epoch) << 32n) | 77n, timeoutMs: 1000, to: '', from: '', method: 'm', params: new Uint8Array(0) } as const;
    void port.send('hub', call, { qos: 1 });
    await r.h.run(200);
    void port.send('hub', call, { qos: 1 }); // a copy while running
    await r.h.run(200);
    expect(results.length).toBe(0);
    release();
    await until(r.h, () => results.length === 2, 2_000);
    void port.send('hub', call, { qos: 1 }); // a copy after completion
    await until(r.h, () => results.length === 3, 2_000);
    expect(runs).toBe(1);
    expect(results.map((x) => [x.outcome, [...x.body]])).toEqual([0, 1, 2].map(() => [0, [0xa1, 0x76]]));
    port.close();
    await shutdown(r);
  });
});

describe('RPC engine: local refusals [SW-15.3-4] [SW-16.1-3]', () => {
  it('TooManyCallsError at the bound; nothing is sent for the refused call', async () => {
    const r = await rig(['dev-a'], { maxPending: 2 });
    r.hub.serve('hang', () => new Promise(() => undefined));
    const a = track(r.h, dev(r, 'dev-a').call('hub', 'hang', null, { timeout: 2_000 }));
    const b = track(r.h, dev(r, 'dev-a').call('hub', 'hang', null, { timeout: 2_000 }));
    await r.h.run(300);
    const sent = node(r, 'dev-a').stats.sent.datagrams;
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'hang'));
    await flush();
    expect(c.error).toBeInstanceOf(TooManyCallsError);
    expect((c.error as TooManyCallsError).limit).toBe(2);
    expect(node(r, 'dev-a').stats.sent.datagrams).toBe(sent);
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    await until(r.h, () => a.state !== 'pending', 3_000);
    // room again once they settle
    const d = track(r.h, dev(r, 'dev-a').call('hub', 'hang', null, { timeout: 500 }));
    await until(r.h, () => d.state !== 'pending', 3_000);
    expect(d.error).toBeInstanceOf(RpcTimeoutError);
    await shutdown(r);
  });

  it('bad method names, bad peer ids, bad timeouts and unencodable params are refused at the API, nothing sent', async () => {
    const r = await rig(['dev-a']);
    const e = dev(r, 'dev-a');
    const sent = node(r, 'dev-a').stats.sent.datagrams;
    const bad = [
      e.call('hub', ''),
      e.call('hub', 'x'.repeat(65)),
      e.call('hub', 'a\u0000b'),
      e.call('hub', '\uD800'),
      e.call('hub', 'é'.repeat(33)), // 66 bytes of UTF-8
      e.call('hub', 'm', () => 1),
      e.call('hub', 'm', new Date()),
      e.call('hub', 'm', 1n),
      e.call('hub', 'm', null, { timeout: 0 }),
      e.call('hub', 'm', null, { timeout: 2 ** 32 }),
    ];
    const badId = [e.call('bad id', 'm'), e.call('', 'm'), e.call('x'.repeat(33), 'm')];
    for (const p of bad) await expect(p).rejects.toBeInstanceOf(InvalidArgumentError);
    for (const p of badId) await expect(p).rejects.toBeInstanceOf(InvalidNodeIdError);
    await r.h.run(10);
    expect(node(r, 'dev-a').stats.sent.datagrams).toBe(sent);
    // the longest valid name is accepted
    r.hub.serve('m'.repeat(64), () => 'ok');
    const ok = track(r.h, e.call('hub', 'm'.repeat(64)));
    await until(r.h, () => ok.state !== 'pending', 3_000);
    expect(ok.value).toBe('ok');
    await shutdown(r);
  });

  it('serve refuses a duplicate or invalid method; unregistering lets it be served again', async () => {
    const r = await rig([]);
    const stop = r.hub.serve('a', () => 1);
    expect(() => r.hub.serve('a', () => 2)).toThrow(InvalidArgumentError);
    expect(() => r.hub.serve('', () => 2)).toThrow(InvalidArgumentError);
    stop();
    expect(() => r.hub.serve('a', () => 2)).not.toThrow();
    await shutdown(r);
  });

  it('close() fails outstanding calls with NodeClosedError and refuses new ones', async () => {
    const r = await rig(['dev-a']);
    r.hub.serve('hang', () => new Promise(() => undefined));
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'hang'));
    await r.h.run(200);
    dev(r, 'dev-a').close();
    await flush();
    expect(c.error).toBeInstanceOf(NodeClosedError);
    await expect(dev(r, 'dev-a').call('hub', 'hang')).rejects.toBeInstanceOf(NodeClosedError);
    await shutdown(r);
  });
});

describe('RPC engine: network input never throws', () => {
  it('RESULTs from the wrong peer, for unknown calls, or misrouted are dropped and counted', async () => {
    const r = await rig(['dev-a', 'dev-b']);
    r.hub.serve('hang', () => new Promise(() => undefined));
    const c = track(r.h, dev(r, 'dev-a').call('hub', 'hang', null, { timeout: 5_000 }));
    await r.h.run(200);
    const hubPort = new NodePort(r.hubNode);
    const id = (BigInt(node(r, 'dev-a').epoch) << 32n) | 1n;
    // a RESULT for another call id, and a malformed Ok body, from the right hop
    void hubPort.send('dev-a', { op: 'RESULT', callId: id + 5n, to: '', outcome: 0, body: new Uint8Array(0) }, { qos: 1 });
    void hubPort.send('dev-a', { op: 'RESULT', callId: id, to: '', outcome: 0, body: bytes(0xc1) }, { qos: 1 });
    // a client does not forward: a CALL with TO naming another node, a CALL with FROM from a non-hub
    void hubPort.send('dev-a', { op: 'CALL', callId: 9n, timeoutMs: 1, to: 'dev-b', from: '', method: 'm', params: new Uint8Array(0) }, { qos: 1 });
    await r.h.run(200);
    expect(c.state).toBe('pending');
    expect(dev(r, 'dev-a').counters.caller).toMatchObject({ lateResults: 1, malformedResults: 1 });
    expect(dev(r, 'dev-a').counters.engine.misrouted).toBe(1);
    // a device that claims FROM towards the hub is not believed
    const devPort = new NodePort(node(r, 'dev-b'));
    void devPort.send('hub', { op: 'CALL', callId: 1n, timeoutMs: 1, to: '', from: 'dev-a', method: 'hang', params: new Uint8Array(0) }, { qos: 1 });
    await r.h.run(100);
    expect(r.hub.counters.engine.untrustedFrom).toBe(1);
    hubPort.close();
    devPort.close();
    await shutdown(r);
  });
});

describe('RPC engine: result cache timers [SW-16.3-2]', () => {
  it('a completed entry expires after its lifetime through the scheduler: a copy after that runs again', async () => {
    const h = await rig(['dev-a']);
    h.hub.close();
    const hub = new RpcEngine(new NodePort(h.hubNode), { role: 'hub', resultCache: { lifetimeMs: 2_000 } });
    let runs = 0;
    hub.serve('m', () => ++runs);
    const port = new NodePort(node(h, 'dev-a'));
    const results: number[] = [];
    port.on('op', (e) => e.op.op === 'RESULT' && results.push(e.op.body[0]!));
    const call = { op: 'CALL', callId: (BigInt(node(h, 'dev-a').epoch) << 32n) | 5n, timeoutMs: 1000, to: '', from: '', method: 'm', params: new Uint8Array(0) } as const;
    void port.send('hub', call, { qos: 1 });
    await until(h.h, () => results.length === 1, 2_000);
    void port.send('hub', call, { qos: 1 });
    await until(h.h, () => results.length === 2, 2_000);
    expect(runs).toBe(1);
    await h.h.run(2_500);
    void port.send('hub', call, { qos: 1 });
    await until(h.h, () => results.length === 3, 2_000);
    expect(runs).toBe(2);
    expect(results).toEqual([1, 1, 2]);
    hub.close();
    port.close();
    await shutdown(h);
  });
});
