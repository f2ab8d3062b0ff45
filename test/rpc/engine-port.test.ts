// The RPC engine over a scripted MessagePort: the cases a real network cannot easily stage (a RESULT
// from the wrong peer, a full result cache, a result over the peer's message limit, FROM trust).
import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { MessageTooLargeError } from '../../src/errors.js';
import type { CallOp, Op, ResultOp } from '../../src/messaging/ops.js';
import { RpcEngine } from '../../src/rpc/engine.js';
import { RpcRemoteError, RpcTimeoutError } from '../../src/rpc/errors.js';
import { encodeValue } from '../../src/rpc/params.js';
import { FakePort } from '../messaging/fake-port.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const call = (callId: bigint, method: string, params: unknown = null, extra: Partial<CallOp> = {}): CallOp => ({
  op: 'CALL',
  callId,
  timeoutMs: 1000,
  to: '',
  from: '',
  method,
  params: encodeValue(params)!,
  ...extra,
});

describe('RpcEngine over a scripted port', () => {
  it('a RESULT or CALLACK from a peer other than the call\'s next hop is ignored and counted [SW-16.1-3] [SW-16.1-4]', async () => {
    const port = new FakePort('dev-a');
    port.known.add('hub');
    const e = new RpcEngine(port, { role: 'client', hub: 'hub' });
    let state = 'pending';
    let err: unknown;
    e.call('dev-b', 'm', null, { timeout: 1_000 }).then(
      () => (state = 'ok'),
      (x: unknown) => ((state = 'failed'), (err = x)),
    );
    await flush();
    const sent = port.sent[0]!;
    expect(sent.peer).toBe('hub');
    expect(sent.op).toMatchObject({ op: 'CALL', to: 'dev-b', from: '' });
    const id = (sent.op as CallOp).callId;
    expect(id).toBe((7n << 32n) | 1n); // epoch x 2^32 + N [SW-16.1-1]
    port.deliver('dev-x', { op: 'CALLACK', callId: id, to: '' });
    port.deliver('dev-x', { op: 'RESULT', callId: id, to: '', outcome: 0, body: encodeValue('forged')! });
    await flush();
    expect(state).toBe('pending');
    expect(e.counters.caller.foreignResults).toBe(2);
    port.scheduler.advance(1_000);
    await flush();
    expect(err).toBeInstanceOf(RpcTimeoutError);
    expect((err as RpcTimeoutError).delivered).toBe(false); // the forged CALLACK did not count
  });

  it('each call times out at its own deadline, earliest first, whatever order the calls were made in [SW-16.1-3]', async () => {
    const port = new FakePort('dev-a');
    port.known.add('hub');
    const e = new RpcEngine(port, { role: 'client', hub: 'hub' });
    const at: Record<string, number> = {};
    const t0 = port.scheduler.now();
    const start = (name: string, timeout: number): void =>
      void e.call('hub', name, null, { timeout }).catch((x: unknown) => {
        expect(x).toBeInstanceOf(RpcTimeoutError);
        at[name] = port.scheduler.now() - t0;
      });
    start('long', 5_000);
    start('short', 100); // earlier than the timer armed for 'long'
    start('answered', 300);
    start('mid', 2_000);
    await flush();
    const answered = (port.sent[2]!.op as CallOp).callId;
    port.deliver('hub', { op: 'RESULT', callId: answered, to: '', outcome: 0, body: encodeValue(1)! });
    for (let t = 0; t < 5_000; t += 50) {
      port.scheduler.advance(50);
      await flush();
    }
    expect(at).toEqual({ short: 100, mid: 2_000, long: 5_000 });
    expect(e.counters.caller.lateResults).toBe(0);
  });

  it('CALL_IDs take the current epoch: after a new epoch, ids differ in the high half [SW-16.1-1]', async () => {
    const port = new FakePort('dev-a');
    port.known.add('hub');
    const e = new RpcEngine(port, { role: 'client', hub: 'hub' });
    void e.call('hub', 'm', null, { timeout: 100 }).catch(() => undefined);
    port.ep = 8;
    void e.call('hub', 'm', null, { timeout: 100 }).catch(() => undefined);
    await flush();
    const ids = port.sent.map((s) => (s.op as CallOp).callId);
    expect(ids.map((i) => i >> 32n)).toEqual([7n, 8n]);
    expect(new Set(ids).size).toBe(2);
    e.close();
  });

  it('every cache entry running: RemoteError busy, the handler does not run [SW-16.3-2]', async () => {
    const port = new FakePort('hub');
    const e = new RpcEngine(port, { role: 'hub', resultCache: { maxEntries: 1 } });
    let runs = 0;
    e.serve('hang', () => {
      runs++;
      return new Promise(() => undefined);
    });
    port.deliver('dev-a', call(1n, 'hang'));
    port.deliver('dev-b', call(1n, 'hang'));
    await flush();
    expect(runs).toBe(1);
    const r = port.results();
    expect(r.length).toBe(1);
    expect(r[0]!.outcome).toBe(3);
    expect(decode(r[0]!.body)).toMatchObject({ code: 'busy' });
    expect(e.counters.responder.busy).toBe(1);
  });

  it('the same CALL_ID from two callers, or from one caller in two epochs, are two calls [SW-16.3-1]', async () => {
    const port = new FakePort('hub');
    const e = new RpcEngine(port, { role: 'hub' });
    let runs = 0;
    e.serve('m', () => ++runs);
    port.deliver('dev-a', call((1n << 32n) | 1n, 'm'));
    port.deliver('dev-b', call((1n << 32n) | 1n, 'm'));
    port.deliver('dev-a', call((2n << 32n) | 1n, 'm'));
    port.deliver('dev-a', call((1n << 32n) | 1n, 'm')); // a true copy
    await flush();
    expect(runs).toBe(3);
    // the copy joined the running first call and is answered with it
    expect(port.results().map((r) => decode(r.body))).toEqual([1, 1, 2, 3]);
    expect(e.counters.responder.duplicates).toBe(1);
  });

  it('a result over the peer\'s message limit is answered RemoteError bad-result rather than left to time out', async () => {
    const port = new FakePort('hub');
    const e = new RpcEngine(port, { role: 'hub' });
    e.serve('big', () => new Uint8Array(100));
    port.failWith = (op) => (op.op === 'RESULT' && op.outcome === 0 ? new MessageTooLargeError(110, 64) : undefined);
    port.deliver('dev-a', call(1n, 'big'));
    await flush();
    const r = port.results();
    expect(r.length).toBe(1);
    expect(decode(r[0]!.body)).toMatchObject({ code: 'bad-result' });
    expect(e.counters.responder.sendFailures).toBe(1);
  });

  it('FROM is believed from the hub only: the RESULT goes back to the hub with TO = FROM; a client drops a CALL whose TO names another node [SW-16.3-1] [SW-18.4-1] [SW-16.1-4]', async () => {
    const port = new FakePort('dev-b');
    port.known.add('hub');
    const e = new RpcEngine(port, { role: 'client', hub: 'hub' });
    const from: string[] = [];
    e.serve('m', (_p, ctx) => void from.push(ctx.from));
    port.deliver('hub', call(5n, 'm', null, { from: 'dev-a' }));
    port.deliver('dev-x', call(6n, 'm', null, { from: 'dev-a' })); // not the hub: dropped
    port.deliver('dev-x', call(7n, 'm', null, { to: 'dev-c' })); // TO another node at a client: dropped
    await flush();
    expect(from).toEqual(['dev-a']);
    expect(port.sent).toEqual([{ peer: 'hub', op: { op: 'RESULT', callId: 5n, to: 'dev-a', outcome: 0, body: new Uint8Array(0) } }]);
    expect(e.counters.engine).toMatchObject({ untrustedFrom: 1, misrouted: 1 });
  });

  it('a target answers a CALL carrying FROM with TO = that FROM, and a CALL without FROM with TO empty [SW-16.1-4]', async () => {
    const port = new FakePort('dev-b');
    port.known.add('hub');
    const e = new RpcEngine(port, { role: 'client', hub: 'hub' });
    e.serve('m', () => 1);
    port.deliver('hub', call(5n, 'm', null, { from: 'dev-a' }));
    port.deliver('hub', call(6n, 'm'));
    await flush();
    expect(port.sent.map((x) => [x.peer, (x.op as ResultOp).callId, (x.op as ResultOp).to])).toEqual([
      ['hub', 5n, 'dev-a'],
      ['hub', 6n, ''],
    ]);
  });

  it('a hub forwards a CALL with FROM = the sender (never what it wrote) and TO empty, and a RESULT with TO emptied [SW-18.4-1]', async () => {
    const port = new FakePort('hub');
    port.known.add('dev-a').add('dev-b');
    const e = new RpcEngine(port, { role: 'hub' });
    port.deliver('dev-a', call(9n, 'x', 1, { to: 'dev-b', from: 'dev-z' }));
    await flush();
    expect(port.sent[0]).toEqual({ peer: 'dev-b', op: { ...call(9n, 'x', 1), to: '', from: 'dev-a' } });
    expect(port.sent[1]).toEqual({ peer: 'dev-a', op: { op: 'CALLACK', callId: 9n, to: '' } });
    port.deliver('dev-b', { op: 'RESULT', callId: 9n, to: 'dev-a', outcome: 3, body: encodeValue({ code: 'c', message: 'm' })! });
    port.deliver('dev-b', { op: 'RESULT', callId: 9n, to: 'dev-q', outcome: 0, body: new Uint8Array(0) }); // unknown TO
    await flush();
    expect(port.sent[2]).toEqual({ peer: 'dev-a', op: { op: 'RESULT', callId: 9n, to: '', outcome: 3, body: encodeValue({ code: 'c', message: 'm' })! } });
    expect(port.sent.length).toBe(3);
    expect(e.counters.forwarder).toMatchObject({ forwarded: 1, results: 1, undeliverable: 1 });
  });

  it('a RemoteError body that is not {code, message} is a counted drop, not a settlement', async () => {
    const port = new FakePort('dev-a');
    port.known.add('hub');
    const e = new RpcEngine(port, { role: 'client', hub: 'hub' });
    let err: unknown;
    e.call('hub', 'm', null, { timeout: 500 }).catch((x: unknown) => (err = x));
    await flush();
    const id = (port.sent[0]!.op as CallOp).callId;
    port.deliver('hub', { op: 'RESULT', callId: id, to: '', outcome: 3, body: encodeValue({ code: 1 })! });
    await flush();
    expect(err).toBeUndefined();
    expect(e.counters.caller.malformedResults).toBe(1);
    port.deliver('hub', { op: 'RESULT', callId: id, to: '', outcome: 3, body: encodeValue({ code: 'x', message: 'y', data: [1] })! });
    await flush();
    expect(err).toBeInstanceOf(RpcRemoteError);
    expect((err as RpcRemoteError).data).toEqual([1]);
  });
});
