/**
 * The typed outcomes of an RPC call as seen by the caller, the small numeric outcome code that
 * carries them on the wire, and the CLI exit codes they map to. Every failure is a SaltwireError
 * subclass with a stable `code`: callers branch on the class or the code, never on the message.
 *
 * Also home of the two non-outcome errors of the pub/sub and RPC structures (TooManyCallsError,
 * CorruptRecordError) so that these layers add one error module, not several.
 * @module
 */
import { SaltwireError } from '../errors.js';

/**
 * The outcome code of an RPC response on the wire (one byte). Ok carries the result; every other
 * value maps to one error class below. Values 6..255 are unassigned: a response carrying one is
 * malformed (a counted drop at the caller, never an exception).
 */
export enum RpcOutcome {
  Ok = 0,
  NoResponder = 1,
  Rejected = 2,
  RemoteError = 3,
  Unreachable = 4,
  Timeout = 5,
}

/**
 * Base class of every RPC outcome error. `peer` is the target of the call.
 * @group Errors
 */
export abstract class RpcError extends SaltwireError {
  readonly peer: string;
  constructor(code: string, peer: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.peer = peer;
  }
}

const q = (s: string): string => JSON.stringify(s);

/**
 * The target peer is known to be unreachable (spec 11): the call failed at once, nothing was sent.
 * @group Errors
 */
export class RpcUnreachableError extends RpcError {
  constructor(peer: string) {
    super('ERR_RPC_UNREACHABLE', peer, `peer ${q(peer)} is unreachable: the call was not sent`);
  }
}

/**
 * The peer has no handler registered for `method`. The handler did not run.
 * @group Errors
 */
export class RpcNoResponderError extends RpcError {
  readonly method: string;
  constructor(peer: string, method: string) {
    super('ERR_RPC_NO_RESPONDER', peer, `peer ${q(peer)} has no responder for method ${q(method)}`);
    this.method = method;
  }
}

/**
 * No response arrived within `timeoutMs`. `delivered` says whether the request is known to have
 * reached the responder (its reliable delivery was acknowledged): if true the handler may have run
 * (at most once); if false the request may not have arrived at all.
 * @group Errors
 */
export class RpcTimeoutError extends RpcError {
  readonly method: string;
  readonly timeoutMs: number;
  readonly delivered: boolean;
  constructor(peer: string, method: string, timeoutMs: number, delivered: boolean) {
    const what = delivered
      ? 'the request reached the responder (acknowledged) but no response arrived'
      : 'the request was not acknowledged: it may not have reached the responder';
    super('ERR_RPC_TIMEOUT', peer, `call of ${q(method)} on peer ${q(peer)} timed out after ${timeoutMs} ms: ${what}`);
    this.method = method;
    this.timeoutMs = timeoutMs;
    this.delivered = delivered;
  }
}

/**
 * The responder's access control refused the call. The handler did not run.
 * @group Errors
 */
export class RpcRejectedError extends RpcError {
  readonly method: string;
  readonly reason: string;
  constructor(peer: string, method: string, reason: string) {
    super('ERR_RPC_REJECTED', peer, `peer ${q(peer)} rejected the call of ${q(method)}: ${reason}`);
    this.method = method;
    this.reason = reason;
  }
}

/**
 * The handler ran and threw. `remoteCode`, `remoteMessage` and `data` are what the responder sent.
 * @group Errors
 */
export class RpcRemoteError extends RpcError {
  readonly method: string;
  readonly remoteCode: string;
  readonly remoteMessage: string;
  readonly data: unknown;
  constructor(peer: string, method: string, remoteCode: string, remoteMessage: string, data?: unknown) {
    super('ERR_RPC_REMOTE', peer, `handler of ${q(method)} on peer ${q(peer)} failed: ${remoteCode}: ${remoteMessage}`);
    this.method = method;
    this.remoteCode = remoteCode;
    this.remoteMessage = remoteMessage;
    this.data = data;
  }
}

/**
 * The caller's AbortSignal fired. Local only: it has no wire outcome. The handler may have run.
 * @group Errors
 */
export class RpcCancelledError extends RpcError {
  readonly method: string;
  readonly reason: unknown;
  constructor(peer: string, method: string, reason: unknown) {
    super('ERR_RPC_CANCELLED', peer, `call of ${q(method)} on peer ${q(peer)} was cancelled`, { cause: reason });
    this.method = method;
    this.reason = reason;
  }
}

/**
 * The caller's table of outstanding calls is full (PendingCalls maxPending); nothing was sent.
 * @group Errors
 */
export class TooManyCallsError extends SaltwireError {
  readonly limit: number;
  constructor(limit: number) {
    super('ERR_TOO_MANY_CALLS', `too many outstanding calls (limit ${limit}): nothing was sent`);
    this.limit = limit;
  }
}

/**
 * A persisted record (StateStore value) is truncated, has an unknown version, or is otherwise not
 * in its documented format. `record` names it (its key); `offset` is where decoding stopped.
 */
export class CorruptRecordError extends SaltwireError {
  readonly record: string;
  readonly offset: number;
  constructor(record: string, offset: number, problem: string) {
    super('ERR_CORRUPT_RECORD', `corrupt ${q(record)} record at byte ${offset}: ${problem}`);
    this.record = record;
    this.offset = offset;
  }
}

/** CLI exit code per error code; any other error exits with 1. */
export const RPC_EXIT_CODES: Readonly<Record<string, number>> = Object.freeze({
  ERR_RPC_UNREACHABLE: 3,
  ERR_RPC_NO_RESPONDER: 4,
  ERR_RPC_TIMEOUT: 5,
  ERR_RPC_REJECTED: 6,
  ERR_RPC_REMOTE: 7,
});

/** The CLI exit code for `err`: RPC_EXIT_CODES for the codes it lists, 1 for anything else. */
export function rpcExitCode(err: unknown): number {
  if (err instanceof SaltwireError) return RPC_EXIT_CODES[err.code] ?? 1;
  return 1;
}

/** What a non-Ok response carries besides its outcome code. Fields a kind does not use are ignored. */
export interface RpcErrorFields {
  readonly peer: string;
  readonly method: string;
  /** Rejected: why. */
  readonly reason?: string;
  /** RemoteError: the handler's error code, message and optional data. */
  readonly remoteCode?: string;
  readonly remoteMessage?: string;
  readonly data?: unknown;
  /** Timeout (reported by an intermediary, e.g. a hub relaying the call): its timeout and delivery. */
  readonly timeoutMs?: number;
  readonly delivered?: boolean;
}

/**
 * The error for a response with outcome `kind`, or undefined if `kind` is Ok or not an assigned
 * RpcOutcome value (the caller then counts the response as malformed: bad network input is never
 * an exception). Missing text fields become '' and a missing timeout 0.
 */
export function rpcErrorFromWire(kind: number, fields: RpcErrorFields): RpcError | undefined {
  const { peer, method } = fields;
  switch (kind) {
    case RpcOutcome.NoResponder:
      return new RpcNoResponderError(peer, method);
    case RpcOutcome.Rejected:
      return new RpcRejectedError(peer, method, fields.reason ?? '');
    case RpcOutcome.RemoteError:
      return new RpcRemoteError(peer, method, fields.remoteCode ?? '', fields.remoteMessage ?? '', fields.data);
    case RpcOutcome.Unreachable:
      return new RpcUnreachableError(peer);
    case RpcOutcome.Timeout:
      return new RpcTimeoutError(peer, method, fields.timeoutMs ?? 0, fields.delivered ?? false);
    default:
      return undefined;
  }
}

/**
 * The wire outcome of `err`, for a responder or relay that answers with it; undefined for an error
 * that has no wire form (RpcCancelledError, or anything that is not an RPC outcome).
 */
export function rpcErrorKind(err: unknown): RpcOutcome | undefined {
  if (err instanceof RpcNoResponderError) return RpcOutcome.NoResponder;
  if (err instanceof RpcRejectedError) return RpcOutcome.Rejected;
  if (err instanceof RpcRemoteError) return RpcOutcome.RemoteError;
  if (err instanceof RpcUnreachableError) return RpcOutcome.Unreachable;
  if (err instanceof RpcTimeoutError) return RpcOutcome.Timeout;
  return undefined;
}
