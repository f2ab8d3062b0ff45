// The RPC outcome errors: classes, stable codes, fields, messages, exit codes and the wire mapping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SaltwireError } from '../../src/errors.js';
import {
  CorruptRecordError,
  RPC_EXIT_CODES,
  RpcCancelledError,
  RpcError,
  RpcNoResponderError,
  RpcOutcome,
  RpcRejectedError,
  RpcRemoteError,
  RpcTimeoutError,
  RpcUnreachableError,
  TooManyCallsError,
  rpcErrorFromWire,
  rpcErrorKind,
  rpcExitCode,
} from '../../src/rpc/errors.js';

describe('RPC errors', () => {
  it('each class has its stable code, name and fields, and is a SaltwireError', () => {
    const cases: Array<[SaltwireError, string, Record<string, unknown>]> = [
      [new RpcUnreachableError('p1'), 'ERR_RPC_UNREACHABLE', { peer: 'p1' }],
      [new RpcNoResponderError('p1', 'm'), 'ERR_RPC_NO_RESPONDER', { peer: 'p1', method: 'm' }],
      [new RpcTimeoutError('p1', 'm', 250, true), 'ERR_RPC_TIMEOUT', { peer: 'p1', method: 'm', timeoutMs: 250, delivered: true }],
      [new RpcRejectedError('p1', 'm', 'acl'), 'ERR_RPC_REJECTED', { peer: 'p1', method: 'm', reason: 'acl' }],
      [new RpcRemoteError('p1', 'm', 'E_X', 'boom', { n: 1 }), 'ERR_RPC_REMOTE', { peer: 'p1', method: 'm', remoteCode: 'E_X', remoteMessage: 'boom', data: { n: 1 } }],
      [new RpcCancelledError('p1', 'm', 'stop'), 'ERR_RPC_CANCELLED', { peer: 'p1', method: 'm', reason: 'stop' }],
      [new TooManyCallsError(7), 'ERR_TOO_MANY_CALLS', { limit: 7 }],
      [new CorruptRecordError('dedupe', 3, 'x'), 'ERR_CORRUPT_RECORD', { record: 'dedupe', offset: 3 }],
    ];
    for (const [err, code, fields] of cases) {
      expect(err).toBeInstanceOf(SaltwireError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.name).toBe(err.constructor.name);
      expect(err).toMatchObject(fields);
    }
  });

  it('a timeout message says whether the request was delivered', () => {
    expect(new RpcTimeoutError('p', 'm', 100, true).message).toMatch(/reached the responder/);
    expect(new RpcTimeoutError('p', 'm', 100, false).message).toMatch(/not acknowledged/);
    expect(new RpcTimeoutError('p', 'm', 100, false).message).toMatch(/100 ms/);
  });

  it('a cancellation keeps its reason as cause', () => {
    const reason = new Error('aborted');
    expect(new RpcCancelledError('p', 'm', reason).cause).toBe(reason);
  });

  it('maps codes to CLI exit codes: 3..7, 1 for anything else', () => {
    expect(RPC_EXIT_CODES).toEqual({ ERR_RPC_UNREACHABLE: 3, ERR_RPC_NO_RESPONDER: 4, ERR_RPC_TIMEOUT: 5, ERR_RPC_REJECTED: 6, ERR_RPC_REMOTE: 7 });
    expect(rpcExitCode(new RpcUnreachableError('p'))).toBe(3);
    expect(rpcExitCode(new RpcNoResponderError('p', 'm'))).toBe(4);
    expect(rpcExitCode(new RpcTimeoutError('p', 'm', 1, false))).toBe(5);
    expect(rpcExitCode(new RpcRejectedError('p', 'm', 'r'))).toBe(6);
    expect(rpcExitCode(new RpcRemoteError('p', 'm', 'c', 'x'))).toBe(7);
    expect(rpcExitCode(new RpcCancelledError('p', 'm', undefined))).toBe(1);
    expect(rpcExitCode(new TooManyCallsError(1))).toBe(1);
    expect(rpcExitCode(new Error('x'))).toBe(1);
    expect(rpcExitCode('string')).toBe(1);
    expect(Object.isFrozen(RPC_EXIT_CODES)).toBe(true);
  });

  it('outcome codes have their fixed values', () => {
    expect([RpcOutcome.Ok, RpcOutcome.NoResponder, RpcOutcome.Rejected, RpcOutcome.RemoteError, RpcOutcome.Unreachable, RpcOutcome.Timeout]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rpcErrorFromWire and rpcErrorKind round-trip every error outcome with its fields', () => {
    const fields = { peer: 'hub', method: 'get', reason: 'denied', remoteCode: 'E', remoteMessage: 'bad', data: [1, 2], timeoutMs: 9, delivered: true };
    const expected: Array<[RpcOutcome, new (...a: never[]) => RpcError]> = [
      [RpcOutcome.NoResponder, RpcNoResponderError],
      [RpcOutcome.Rejected, RpcRejectedError],
      [RpcOutcome.RemoteError, RpcRemoteError],
      [RpcOutcome.Unreachable, RpcUnreachableError],
      [RpcOutcome.Timeout, RpcTimeoutError],
    ];
    for (const [kind, cls] of expected) {
      const err = rpcErrorFromWire(kind, fields);
      expect(err).toBeInstanceOf(cls);
      expect(err?.peer).toBe('hub');
      expect(rpcErrorKind(err)).toBe(kind);
    }
    expect(rpcErrorFromWire(RpcOutcome.Rejected, fields)).toMatchObject({ reason: 'denied', method: 'get' });
    expect(rpcErrorFromWire(RpcOutcome.RemoteError, fields)).toMatchObject({ remoteCode: 'E', remoteMessage: 'bad', data: [1, 2] });
    expect(rpcErrorFromWire(RpcOutcome.Timeout, fields)).toMatchObject({ timeoutMs: 9, delivered: true });
  });

  it('missing optional fields get neutral defaults', () => {
    expect(rpcErrorFromWire(RpcOutcome.Rejected, { peer: 'p', method: 'm' })).toMatchObject({ reason: '' });
    expect(rpcErrorFromWire(RpcOutcome.Timeout, { peer: 'p', method: 'm' })).toMatchObject({ timeoutMs: 0, delivered: false });
    expect(rpcErrorFromWire(RpcOutcome.RemoteError, { peer: 'p', method: 'm' })).toMatchObject({ remoteCode: '', remoteMessage: '', data: undefined });
  });

  it('Ok and unassigned outcome codes give undefined, never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.constant(Number.NaN), fc.double()), (kind) => {
        const err = rpcErrorFromWire(kind, { peer: 'p', method: 'm' });
        const assigned = [1, 2, 3, 4, 5].includes(kind);
        expect(err === undefined).toBe(!assigned);
      }),
    );
    expect(rpcErrorFromWire(RpcOutcome.Ok, { peer: 'p', method: 'm' })).toBeUndefined();
  });

  it('errors without a wire form have no kind', () => {
    expect(rpcErrorKind(new RpcCancelledError('p', 'm', undefined))).toBeUndefined();
    expect(rpcErrorKind(new TooManyCallsError(1))).toBeUndefined();
    expect(rpcErrorKind(new Error('x'))).toBeUndefined();
    expect(rpcErrorKind(undefined)).toBeUndefined();
  });
});
