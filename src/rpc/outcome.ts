/**
 * RESULT bodies [SW-16.2-1]: building them on the responder, turning them into the caller's settled
 * value or typed error. Ok carries the handler's value; RemoteError a map {code, message, data?};
 * NoResponder, Rejected, Unreachable and Timeout an empty body.
 * @module
 */
import { decodeValue, encodeValue } from './params.js';
import { RpcOutcome, RpcRemoteError, RpcTimeoutError, rpcErrorFromWire, type RpcError } from './errors.js';

const EMPTY = new Uint8Array(0);

/** An outcome ready to send: OUTCOME and BODY. */
export interface WireOutcome {
  readonly outcome: RpcOutcome;
  readonly body: Uint8Array;
}

export const outcomeOf = (outcome: RpcOutcome): WireOutcome => ({ outcome, body: EMPTY });

/**
 * A RemoteError body. `data` that cannot be encoded is left out rather than failing the answer
 * (the code and message still say what went wrong).
 */
export function remoteError(code: string, message: string, data?: unknown): WireOutcome {
  const withData = data === undefined ? undefined : encodeValue({ code, message, data });
  return { outcome: RpcOutcome.RemoteError, body: withData ?? encodeValue({ code, message })! };
}

/**
 * The RemoteError for what a handler threw [SW-16.2-2]: `code` if it is a string, else `error`;
 * `message` if it is a string, else the thrown value as text; `data` if present. Never the stack.
 */
export function remoteErrorFromThrown(err: unknown): WireOutcome {
  const o = typeof err === 'object' && err !== null ? (err as { code?: unknown; message?: unknown; data?: unknown }) : undefined;
  const code = typeof o?.code === 'string' ? o.code : 'error';
  const message = typeof o?.message === 'string' ? o.message : o === undefined ? String(err) : '';
  return remoteError(code, message, o?.data);
}

/** Packs an outcome into the bytes the result cache keeps: OUTCOME then BODY. */
export function packOutcome(w: WireOutcome): Uint8Array {
  const out = new Uint8Array(1 + w.body.length);
  out[0] = w.outcome;
  out.set(w.body, 1);
  return out;
}

export function unpackOutcome(b: Uint8Array): WireOutcome {
  return { outcome: (b[0] ?? RpcOutcome.RemoteError) as RpcOutcome, body: b.subarray(1) };
}

/** How the caller settles a call from a RESULT, or 'malformed' for a body it cannot read (a counted drop). */
export type Settlement = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: RpcError } | 'malformed';

export interface CallFacts {
  /** The target of the call (named in the errors). */
  readonly peer: string;
  readonly method: string;
  readonly timeoutMs: number;
  /** Whether the request is known to have reached the target (CALL acknowledged, or CALLACK). */
  readonly delivered: boolean;
}

/**
 * The settlement of a call by a RESULT. Bodies of the empty-bodied outcomes are not inspected (they
 * carry nothing). A Rejected carries no reason on the wire [SW-17.8-2], so `reason` is ''.
 */
export function settlementOf(outcome: number, body: Uint8Array, call: CallFacts): Settlement {
  switch (outcome) {
    case RpcOutcome.Ok: {
      const d = decodeValue(body);
      return d.ok ? { ok: true, value: d.value } : 'malformed';
    }
    case RpcOutcome.RemoteError: {
      const d = decodeValue(body);
      if (!d.ok || typeof d.value !== 'object' || d.value === null || Array.isArray(d.value)) return 'malformed';
      const m = d.value as { code?: unknown; message?: unknown; data?: unknown };
      if (typeof m.code !== 'string' || typeof m.message !== 'string') return 'malformed';
      return { ok: false, error: new RpcRemoteError(call.peer, call.method, m.code, m.message, m.data) };
    }
    case RpcOutcome.Timeout:
      return { ok: false, error: new RpcTimeoutError(call.peer, call.method, call.timeoutMs, call.delivered) };
    default: {
      const error = rpcErrorFromWire(outcome, { peer: call.peer, method: call.method, reason: 'refused by access control' });
      return error === undefined ? 'malformed' : { ok: false, error };
    }
  }
}
