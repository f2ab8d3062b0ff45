/**
 * The caller side of RPC (spec 16.1, 16.2): sends CALLs, keeps the outstanding ones (PendingCalls),
 * and settles each exactly once: by its RESULT, its timeout, its AbortSignal, its next hop becoming
 * unreachable, or close(). Whatever comes from the network afterwards is ignored and counted.
 * @module
 */
import { InvalidArgumentError, InvalidNodeIdError, NodeClosedError, PeerUnreachableError, UnknownPeerError, DeadlineExceededError } from '../errors.js';
import type { CallOptions } from '../messaging/api.js';
import { isValidMethod } from '../messaging/op-codec.js';
import type { CallAckOp, Op, ResultOp } from '../messaging/ops.js';
import type { MessagePort } from '../messaging/port.js';
import type { Timer } from '../time/scheduler.js';
import { isValidNodeId } from '../wire/node-id.js';
import { RpcCancelledError, RpcUnreachableError, type RpcError } from './errors.js';
import type { RemoteForwarding } from './forwarder.js';
import { encodeValue, whyNotEncodable } from './params.js';
import { settlementOf } from './outcome.js';
import { PendingCalls, timeoutErrorOf, type PendingCall } from './pending-calls.js';

/** Default call timeout, ms [SW-16.1-3]. */
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;
/** TIMEOUT is a u32 on the wire [SW-15.3-2]. */
const MAX_TIMEOUT_MS = 0xffff_ffff;

interface CallCtx {
  /** The wire CALL_ID: epoch × 2^32 + N [SW-16.1-1]. Matches RESULTs: N alone is reused across epochs. */
  fullId: bigint;
  /** Where the CALL went: the target itself, or the hub that forwards it. */
  readonly hop: string;
  readonly viaHub: boolean;
  /** A hub's call to a node another hub of its cluster holds: its CALLACK and RESULT come through onRemote(). */
  readonly remote: boolean;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  unlisten?: () => void;
}

export interface CallerCounters {
  /** RESULTs for calls no longer outstanding (settled, timed out, cancelled): ignored [SW-16.1-3]. */
  lateResults: number;
  /** RESULTs or CALLACKs from a peer other than the call's next hop: ignored. */
  foreignResults: number;
  /** RESULTs whose body is not what the outcome requires (undecodable value, bad error map). */
  malformedResults: number;
  /** CALLACKs for calls no longer outstanding. */
  lateAcks: number;
}

export class Caller {
  readonly counters: CallerCounters = { lateResults: 0, foreignResults: 0, malformedResults: 0, lateAcks: 0 };
  private readonly pending: PendingCalls<CallCtx>;
  private closed = false;
  private readonly unrenew: (() => void) | undefined;
  /**
   * One runtime timer for every outstanding call, at the earliest deadline it was armed for: a call
   * that settles leaves it be (it finds nothing to expire, or a later call), so a call costs no
   * timer of its own [SW-16.1-3].
   */
  private timer: Timer | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly port: MessagePort,
    /** Role client: the hub through which calls to unknown peers go. */
    private readonly hub: string | undefined,
    maxPending?: number,
    /** Role hub in a cluster: how nodes other hubs hold are reached (Forwarder's RemoteForwarding). */
    private readonly remote?: () => RemoteForwarding | undefined,
  ) {
    this.pending = new PendingCalls<CallCtx>(maxPending === undefined ? {} : { maxPending });
    this.unrenew = port.onRenewedOp?.((_peer, op) => this.restamp(op));
  }

  /**
   * A CALL of ours moved to a new epoch of this node, never taken: its CALL_ID, stamped under the old
   * (perhaps stale, 12.4) epoch, may repeat one whose result the responder still caches from this
   * node's earlier life, so it gets the new epoch's, with the same N [SW-16.1-5].
   */
  private restamp(op: Op): Op | undefined {
    if (op.op !== 'CALL' || op.from !== '') return undefined;
    const c = this.lookup(op.callId);
    const epoch = BigInt(this.port.epoch());
    if (c === undefined || op.callId >> 32n === epoch) return undefined;
    c.context.fullId = (epoch << 32n) | (op.callId & 0xffff_ffffn);
    return { ...op, callId: c.context.fullId };
  }

  get outstanding(): number {
    return this.pending.size;
  }

  /** See RpcEngine.call. Every failure, including bad arguments, is a rejection of the promise. */
  call(peer: string, method: string, params?: unknown, options: CallOptions = {}): Promise<unknown> {
    try {
      return this.start(peer, method, params, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private start(peer: string, method: string, params: unknown, options: CallOptions): Promise<unknown> {
    if (this.closed) throw new NodeClosedError();
    if (!isValidNodeId(peer)) throw new InvalidNodeIdError(String(peer));
    if (!isValidMethod(method)) throw new InvalidArgumentError(`invalid method name ${JSON.stringify(method)}: 1 to 64 bytes of UTF-8, no U+0000`);
    const timeout = options.timeoutMs ?? options.timeout ?? DEFAULT_CALL_TIMEOUT_MS;
    if (!(Number.isFinite(timeout) && timeout > 0 && timeout <= MAX_TIMEOUT_MS)) throw new InvalidArgumentError(`timeoutMs must be a number of ms in (0, 2^32-1], got ${timeout}`);
    const signal = options.signal;
    if (signal?.aborted === true) throw new RpcCancelledError(peer, method, signal.reason);
    const bytes = encodeValue(params);
    if (bytes === undefined) throw new InvalidArgumentError(`params cannot be encoded as MessagePack: ${whyNotEncodable(params)}`);
    // A hub of a cluster: a node another hub holds is called through that hub; one no live hub holds is Unreachable.
    const remote = this.remote?.();
    const where = remote?.where(peer) ?? 'here';
    if (where === 'nowhere') throw new RpcUnreachableError(peer);
    // Direct when we can address the target; otherwise through the hub, with TO = target [SW-16.1-1].
    const viaHub = where === 'remote' || !this.port.knows(peer);
    const hop = where === 'remote' ? '' : viaHub ? this.hub : peer;
    // Known unreachable: fail at once and send nothing [SW-16.1-3].
    if (where === 'here' && (hop === undefined || !this.port.knows(hop) || this.port.reachability(hop) === 'unreachable')) throw new RpcUnreachableError(peer);

    const now = this.port.scheduler.now();
    return new Promise<unknown>((resolve, reject) => {
      const ctx: CallCtx = { fullId: 0n, hop: hop!, viaHub, remote: where === 'remote', resolve, reject };
      const n = this.pending.add(peer, method, timeout, now, ctx); // TooManyCallsError: rejects, nothing sent
      const fullId = (BigInt(this.port.epoch()) << 32n) | BigInt(n);
      ctx.fullId = fullId;
      if (now + timeout < this.timerAt) this.armTimer(now + timeout);
      if (signal !== undefined) {
        const onAbort = (): void => void this.finish(n, ctx.fullId, new RpcCancelledError(peer, method, signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        ctx.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      const op = { op: 'CALL', callId: fullId, timeoutMs: Math.ceil(timeout), to: viaHub ? peer : '', from: '', method, params: bytes } as const;
      if (ctx.remote) {
        // its hub's CALLACK says it reached the target; no way there now (the hub just died): Unreachable
        if (!remote!.call(this.port.self, op)) this.finish(n, fullId, new RpcUnreachableError(peer));
        return;
      }
      this.port.send(ctx.hop, op, { qos: 1, deadlineMs: timeout }).then(
        // A direct CALL acknowledged has reached the target [SW-16.1-3]; through a hub only CALLACK says so.
        () => void (!viaHub && this.isCurrent(n, ctx.fullId) && this.pending.markDelivered(n)),
        (err: unknown) => {
          // The deadline equals the timeout: the timer settles the call with Timeout(delivered=false).
          if (err instanceof DeadlineExceededError) return;
          const mapped = err instanceof UnknownPeerError || err instanceof PeerUnreachableError ? new RpcUnreachableError(peer) : err;
          this.finish(n, ctx.fullId, mapped);
        },
      );
    });
  }

  /** A RESULT addressed to this node (TO empty or self). */
  onResult(from: string, op: ResultOp): void {
    const c = this.lookup(op.callId);
    if (c === undefined) return void this.counters.lateResults++;
    if (from !== c.context.hop) return void this.counters.foreignResults++;
    const s = settlementOf(op.outcome, op.body, c);
    if (s === 'malformed') return void this.counters.malformedResults++;
    this.finish(c.callId, op.callId, s.ok ? undefined : s.error, s.ok ? s.value : undefined);
  }

  /** The hub's CALLACK: the forwarded CALL reached the target [SW-18.4-1]. */
  onCallAck(from: string, op: CallAckOp): void {
    const c = this.lookup(op.callId);
    if (c === undefined) return void this.counters.lateAcks++;
    if (!c.context.viaHub || from !== c.context.hop) return void this.counters.foreignResults++;
    c.delivered = true;
  }

  /** A CALLACK or RESULT another hub of the cluster sends for a call of this hub's to a node it holds. */
  onRemote(op: CallAckOp | ResultOp): void {
    const c = this.lookup(op.callId);
    if (c === undefined) return void (op.op === 'RESULT' ? this.counters.lateResults++ : this.counters.lateAcks++);
    if (!c.context.remote) return void this.counters.foreignResults++;
    if (op.op === 'CALLACK') return void (c.delivered = true);
    const s = settlementOf(op.outcome, op.body, c);
    if (s === 'malformed') return void this.counters.malformedResults++;
    this.finish(c.callId, op.callId, s.ok ? undefined : s.error, s.ok ? s.value : undefined);
  }

  /** The calls whose next hop is `peer` can no longer complete: they fail with Unreachable. */
  onUnreachable(peer: string): void {
    for (const c of this.pending.takeWhere((x) => x.context.hop === peer)) {
      this.cleanup(c.context);
      c.context.reject(new RpcUnreachableError(c.peer));
    }
  }

  /** Fails every outstanding call with NodeClosedError; later calls fail the same way. */
  close(): void {
    this.closed = true;
    this.unrenew?.();
    this.timer?.cancel();
    this.timer = undefined;
    for (const c of this.pending.drain()) {
      this.cleanup(c.context);
      c.context.reject(new NodeClosedError());
    }
  }

  private armTimer(at: number): void {
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.port.scheduler.at(at, this.onTimer);
  }

  /** Expires the calls whose deadline passed, earliest first, then waits for the next deadline. */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const c of this.pending.expire(this.port.scheduler.now())) {
      this.cleanup(c.context);
      c.context.reject(timeoutErrorOf(c));
    }
    const next = this.pending.nextDeadline();
    if (next !== Infinity && !this.closed) this.armTimer(next);
  };

  private lookup(callId: bigint): PendingCall<CallCtx> | undefined {
    const c = this.pending.get(Number(callId & 0xffff_ffffn));
    return c !== undefined && c.context.fullId === callId ? c : undefined;
  }

  private isCurrent(n: number, fullId: bigint): boolean {
    return this.pending.get(n)?.context.fullId === fullId;
  }

  private take(n: number, fullId: bigint): PendingCall<CallCtx> | undefined {
    if (!this.isCurrent(n, fullId)) return undefined;
    const c = this.pending.settle(n)!;
    this.cleanup(c.context);
    return c;
  }

  /** Settles the call once: with `error` if given, else with `value`. */
  private finish(n: number, fullId: bigint, error: RpcError | unknown, value?: unknown): void {
    const c = this.take(n, fullId);
    if (c === undefined) return;
    if (error === undefined) c.context.resolve(value);
    else c.context.reject(error);
  }

  private cleanup(ctx: CallCtx): void {
    ctx.unlisten?.();
  }
}
