/**
 * The target side of RPC (spec 16.2, 16.3): runs the handler of a CALL at most once per
 * (caller, CALL_ID) through the ResultCache, and answers the CALL, and every copy of it, with one
 * RESULT sent back to the peer the copy came from, TO = its FROM (so a forwarding hub can route it).
 * @module
 */
import { InvalidArgumentError, MessageTooLargeError, NodeClosedError } from '../errors.js';
import type { CallContext, Handler } from '../messaging/api.js';
import { isValidMethod } from '../messaging/op-codec.js';
import type { CallOp } from '../messaging/ops.js';
import type { MessagePort } from '../messaging/port.js';
import type { Timer } from '../time/scheduler.js';
import { RpcOutcome } from './errors.js';
import { decodeValue, encodeValue, whyNotEncodable } from './params.js';
import { outcomeOf, packOutcome, remoteError, remoteErrorFromThrown, unpackOutcome, type WireOutcome } from './outcome.js';
import { ResultCache, type ResultCacheOptions } from './result-cache.js';

export interface ResponderCounters {
  /** Handler invocations (each (caller, CALL_ID) at most once while its entry is cached). */
  invocations: number;
  /** Copies of a call answered from the cache or joined to a running one, without running it. */
  duplicates: number;
  /** Calls answered RemoteError `busy` [SW-16.3-2]. */
  busy: number;
  /** Calls answered RemoteError `bad-params` [SW-16.1-2]. */
  badParams: number;
  /** Calls answered NoResponder. */
  noResponder: number;
  /** RESULTs that could not be sent (the peer's outbox full, node closing, ...). */
  sendFailures: number;
}

/** Where to send a RESULT: the peer the CALL came from, TO = the CALL's FROM. */
interface ReplyTo {
  readonly peer: string;
  readonly to: string;
}

/** Sends a RESULT; never throws (a failure is the caller's timeout, and `onFail` counts it). */
export function sendResult(port: MessagePort, r: ReplyTo, callId: bigint, w: WireOutcome, onFail: (e: unknown) => void): void {
  port.send(r.peer, { op: 'RESULT', callId, to: r.to, outcome: w.outcome, body: w.body }, { qos: 1 }).catch(onFail);
}

export class Responder {
  readonly counters: ResponderCounters = { invocations: 0, duplicates: 0, busy: 0, badParams: 0, noResponder: 0, sendFailures: 0 };
  private readonly handlers = new Map<string, Handler>();
  private readonly cache: ResultCache;
  /**
   * Copies of a running call that arrived after the first, by `${n}:${who}` (the cache's key); the
   * first copy's reply stays with its handler run, so a call without retries touches no map here.
   */
  private readonly waiters = new Map<string, ReplyTo[]>();
  private tickTimer: Timer | undefined;
  private tickAt = Infinity;
  private closed = false;

  constructor(private readonly port: MessagePort, cache: ResultCacheOptions = {}) {
    this.cache = new ResultCache(cache);
  }

  /** Completed entries evicted early [SW-16.3-2]. */
  get evictions(): number {
    return this.cache.evictions;
  }

  serve(method: string, handler: Handler): () => void {
    if (!isValidMethod(method)) throw new InvalidArgumentError(`invalid method name ${JSON.stringify(method)}: 1 to 64 bytes of UTF-8, no U+0000`);
    if (typeof handler !== 'function') throw new InvalidArgumentError('handler must be a function');
    if (this.handlers.has(method)) throw new InvalidArgumentError(`method ${JSON.stringify(method)} is served already`);
    this.handlers.set(method, handler);
    return () => void (this.handlers.get(method) === handler && this.handlers.delete(method));
  }

  /** Answers `op` with `w` without running anything (e.g. Rejected by access control). */
  answer(peer: string, op: CallOp, w: WireOutcome): void {
    const r: ReplyTo = { peer, to: op.from };
    sendResult(this.port, r, op.callId, w, (e) => this.onTooLarge(r, op.callId, e));
  }

  /**
   * A CALL for this node from `peer`. `caller` is who the call is from (FROM if a hub forwarded it,
   * else `peer`) [SW-16.3-1]; the engine decided it may be trusted.
   */
  onCall(peer: string, op: CallOp, caller: string): void {
    if (this.closed) return;
    const reply: ReplyTo = { peer, to: op.from };
    // The high half of CALL_ID is the caller's epoch: the key stays unique across its restarts.
    const who = `${caller}#${op.callId >> 32n}`;
    const n = Number(op.callId & 0xffff_ffffn);
    const b = this.cache.begin(who, n, this.port.scheduler.now());
    if (b === 'busy') {
      this.counters.busy++;
      return this.answer(peer, op, remoteError('busy', 'the responder cannot take this call now'));
    }
    if (b === 'running') {
      this.counters.duplicates++;
      const key = `${n}:${who}`;
      const queued = this.waiters.get(key);
      if (queued === undefined) this.waiters.set(key, [reply]);
      else queued.push(reply);
      return;
    }
    if (b !== 'new') {
      this.counters.duplicates++;
      return this.answer(peer, op, unpackOutcome(b.outcome));
    }
    // Nothing runs below but the handler: abandoning the entry keeps at-most-once.
    const handler = this.handlers.get(op.method);
    if (handler === undefined) {
      this.cache.abandon(who, n);
      this.counters.noResponder++;
      return this.answer(peer, op, outcomeOf(RpcOutcome.NoResponder));
    }
    const params = decodeValue(op.params);
    if (!params.ok) {
      this.cache.abandon(who, n);
      this.counters.badParams++;
      return this.answer(peer, op, remoteError('bad-params', 'the parameters are not one MessagePack value'));
    }
    this.counters.invocations++;
    void run(handler, params.value, { from: caller, method: op.method }).then((w) => {
      if (this.closed) return;
      this.cache.complete(who, n, packOutcome(w), this.port.scheduler.now());
      this.armTick();
      sendResult(this.port, reply, op.callId, w, (e) => this.onTooLarge(reply, op.callId, e));
      if (this.waiters.size === 0) return;
      const key = `${n}:${who}`;
      const more = this.waiters.get(key) ?? [];
      this.waiters.delete(key);
      for (const r of more) sendResult(this.port, r, op.callId, w, (e) => this.onTooLarge(r, op.callId, e));
    });
  }

  close(): void {
    this.closed = true;
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.waiters.clear();
  }

  private readonly onSendFailed = (e: unknown): void => {
    if (!(e instanceof NodeClosedError)) this.counters.sendFailures++;
  };

  /** A value too large for the peer's MAX_MESSAGE still gets an answer, not a silent timeout. */
  private onTooLarge(r: ReplyTo, callId: bigint, e: unknown): void {
    if (!(e instanceof MessageTooLargeError)) return this.onSendFailed(e);
    this.counters.sendFailures++;
    sendResult(this.port, r, callId, remoteError('bad-result', `the result is too large to send (${e.size} bytes, limit ${e.limit})`), this.onSendFailed);
  }

  /** Expires completed entries on time, through the port's scheduler [SW-16.3-2]. */
  private armTick(): void {
    const at = this.cache.nextDeadline();
    if (this.closed || at === Infinity || (this.tickTimer !== undefined && this.tickAt <= at)) return;
    this.tickTimer?.cancel();
    this.tickAt = at;
    this.tickTimer = this.port.scheduler.at(at, () => {
      this.tickTimer = undefined;
      this.tickAt = Infinity;
      this.cache.tick(this.port.scheduler.now());
      this.armTick();
    });
  }
}

/**
 * Runs a handler to its outcome [SW-16.2-2]: Ok with its encoded value, RemoteError from what it
 * threw, or RemoteError `bad-result` for a value with no MessagePack form. Never rejects.
 */
async function run(handler: Handler, params: unknown, ctx: CallContext): Promise<WireOutcome> {
  let value: unknown;
  try {
    value = await handler(params, ctx);
  } catch (err) {
    return remoteErrorFromThrown(err);
  }
  const body = encodeValue(value);
  if (body === undefined) return remoteError('bad-result', `the result cannot be encoded: ${whyNotEncodable(value) ?? 'not MessagePack'}`);
  return { outcome: RpcOutcome.Ok, body };
}
