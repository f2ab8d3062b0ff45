/**
 * RpcEngine: the RPC half of a Client or Hub (spec 16, 18.4) over a MessagePort. It dispatches the
 * RPC operations of RPC_CHANNEL to the three parts: Caller (calls this node makes), Responder
 * (calls this node serves) and, with role 'hub', Forwarder (calls between other nodes).
 *
 * Trust: the id used for access control is always the authenticated sender (`peer` of the op,
 * [SW-18.1-1]). FROM names the caller only when a hub forwarded the call, so a client believes FROM
 * only from its hub, and a hub (which takes calls from devices) never: a CALL with FROM set from
 * anyone else is dropped and counted (`untrustedFrom`), as it would let a peer speak for another.
 *
 * Network input never throws: what is not for us, or not allowed, is dropped and counted.
 * @module
 */
import { AccessControl } from '../acl/acl.js';
import { InvalidArgumentError } from '../errors.js';
import type { CallOptions, Handler, RpcEngineLike, RpcEngineOptions } from '../messaging/api.js';
import type { CallOp, Op, ResultOp } from '../messaging/ops.js';
import type { MessagePort } from '../messaging/port.js';
import { isValidNodeId } from '../wire/node-id.js';
import { Caller, type CallerCounters } from './caller.js';
import { RpcOutcome } from './errors.js';
import { Forwarder, type ForwarderCounters } from './forwarder.js';
import { outcomeOf } from './outcome.js';
import { Responder, type ResponderCounters } from './responder.js';

export interface EngineCounters {
  /** Operations of a revoked device: dropped, unanswered [SW-18.1-1]. */
  revoked: number;
  /** CALLs, CALLACKs or RESULTs with TO naming another node, at a node that does not forward. */
  misrouted: number;
  /** CALLs with FROM set from a peer not trusted to set it (see the module comment). */
  untrustedFrom: number;
  /** CALLs to this hub refused by access control. */
  rejected: number;
}

export interface RpcCounters {
  readonly engine: Readonly<EngineCounters>;
  readonly caller: Readonly<CallerCounters>;
  readonly responder: Readonly<ResponderCounters & { evictions: number }>;
  readonly forwarder: Readonly<ForwarderCounters> | undefined;
}

export class RpcEngine implements RpcEngineLike {
  private readonly caller: Caller;
  private readonly responder: Responder;
  private readonly forwarder: Forwarder | undefined;
  private acl: AccessControl;
  private readonly own: EngineCounters = { revoked: 0, misrouted: 0, untrustedFrom: 0, rejected: 0 };
  private readonly off: Array<() => void>;

  constructor(
    private readonly port: MessagePort,
    private readonly options: RpcEngineOptions,
  ) {
    if (options.role !== 'client' && options.role !== 'hub') throw new InvalidArgumentError(`role must be 'client' or 'hub'`);
    if (options.hub !== undefined && !isValidNodeId(options.hub)) throw new InvalidArgumentError(`hub must be a node id, got ${JSON.stringify(options.hub)}`);
    this.acl = options.acl ?? AccessControl.open();
    // a hub's own calls to nodes other hubs of its cluster hold go through the forwarder's RemoteForwarding
    this.caller = new Caller(port, options.role === 'client' ? options.hub : undefined, options.maxPending, () => this.forwarder?.remoteForwarding);
    this.responder = new Responder(port, options.resultCache);
    this.forwarder = options.role === 'hub' ? new Forwarder(port, this.acl, (op) => this.caller.onRemote(op)) : undefined;
    this.off = [
      port.on('op', (e) => this.onOp(e.peer, e.op)),
      port.on('unreachable', (e) => {
        this.caller.onUnreachable(e.peer);
        this.forwarder?.onUnreachable(e.peer);
      }),
    ];
  }

  /**
   * Calls `method` on `peer` (directly if this node can address it, else through the hub) and
   * resolves with the handler's value (nil: null), or rejects with InvalidArgumentError,
   * InvalidNodeIdError, TooManyCallsError, NodeClosedError (nothing sent), or the outcome's typed
   * error: RpcUnreachableError, RpcNoResponderError, RpcRejectedError, RpcRemoteError,
   * RpcTimeoutError (with `delivered`), RpcCancelledError.
   */
  call(peer: string, method: string, params?: unknown, options?: CallOptions): Promise<unknown> {
    return this.caller.call(peer, method, params, options);
  }

  /** Serves `method`; throws InvalidArgumentError if it is invalid or served already. */
  serve(method: string, handler: Handler): () => void {
    return this.responder.serve(method, handler);
  }

  /** Stops listening; outstanding calls fail with NodeClosedError, running handlers answer nobody. */
  /**
   * Replaces the access-control policy [SW-17.5-6]. Every later CALL is decided by the new policy;
   * nothing is cached from the old one (served methods are checked per call, spec 17.6).
   */
  setAcl(acl: AccessControl): void {
    this.acl = acl;
    this.forwarder?.setAcl(acl);
  }

  close(): void {
    for (const f of this.off.splice(0)) f();
    this.caller.close();
    this.responder.close();
    this.forwarder?.close();
  }

  /**
   * The forwarding part of a hub (undefined on a client), for edge code that joins hubs (its
   * RemoteForwarding, deliver(), toCaller()).
   * @internal
   */
  get forwarding(): Forwarder | undefined {
    return this.forwarder;
  }

  /** Outstanding calls of this node. */
  get outstanding(): number {
    return this.caller.outstanding;
  }

  get counters(): RpcCounters {
    return {
      engine: { ...this.own },
      caller: { ...this.caller.counters },
      responder: { ...this.responder.counters, evictions: this.responder.evictions },
      forwarder: this.forwarder === undefined ? undefined : { ...this.forwarder.counters },
    };
  }

  private isHub(): boolean {
    return this.options.role === 'hub';
  }

  /** TO empty or this node's id: the operation is for this node [SW-18.4-2]. */
  private forMe(to: string): boolean {
    return to === '' || to === this.port.self;
  }

  private onOp(peer: string, op: Op): void {
    if (op.op !== 'CALL' && op.op !== 'CALLACK' && op.op !== 'RESULT') return;
    if (this.isHub() && this.acl.revoked(peer)) return void this.own.revoked++;
    switch (op.op) {
      case 'CALL':
        return this.onCall(peer, op);
      case 'CALLACK':
        return this.forMe(op.to) ? this.caller.onCallAck(peer, op) : void this.own.misrouted++;
      case 'RESULT':
        return this.onResult(peer, op);
    }
  }

  private onCall(peer: string, op: CallOp): void {
    if (!this.forMe(op.to)) {
      if (this.forwarder === undefined) return void this.own.misrouted++;
      return this.forwarder.onCall(peer, op);
    }
    if (op.from !== '' && (this.isHub() || peer !== this.options.hub)) return void this.own.untrustedFrom++;
    if (this.isHub() && !this.acl.canCall(peer, op.method)) {
      this.own.rejected++;
      return this.responder.answer(peer, op, outcomeOf(RpcOutcome.Rejected));
    }
    this.responder.onCall(peer, op, op.from !== '' ? op.from : peer);
  }

  private onResult(peer: string, op: ResultOp): void {
    if (this.forMe(op.to)) return this.caller.onResult(peer, op);
    if (this.forwarder === undefined) return void this.own.misrouted++;
    this.forwarder.onResult(op);
  }
}
