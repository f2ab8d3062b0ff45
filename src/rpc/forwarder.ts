/**
 * A hub's forwarding of calls between nodes that share no key [SW-18.4-1]. Access control first
 * (17.6: the caller may call METHOD, the target may serve it); then Unreachable at once for a target
 * the hub cannot address or knows unreachable; otherwise the CALL goes on with FROM = caller and TO
 * empty, and the caller gets a CALLACK once the target acknowledged it. RESULTs with TO set go back
 * to TO with TO emptied.
 *
 * State: only the forwarded CALLs waiting for the target's acknowledgement (to send CALLACK, or
 * Unreachable if the target becomes unreachable first). Nothing is kept per call after that: the
 * target's result cache makes a CALL that arrives twice run once.
 *
 * Hubs joined in a cluster (edge code, `saltwire/cluster`) set RemoteForwarding: a CALL whose target
 * this hub does not hold (or that another hub now holds), and a RESULT whose caller it does not
 * hold, go to the hub that holds them; what comes from another hub enters through deliver() and
 * toCaller(), which only ever send to nodes held here (a call crosses hubs at most once: no loop).
 * @module
 */
import type { AccessControl } from '../acl/acl.js';
import { DeadlineExceededError, NodeClosedError } from '../errors.js';
import type { CallAckOp, CallOp, ResultOp } from '../messaging/ops.js';
import type { MessagePort } from '../messaging/port.js';
import { RpcOutcome } from './errors.js';
import { outcomeOf } from './outcome.js';
import { sendResult } from './responder.js';

export interface ForwarderCounters {
  /** CALLs forwarded to their target. */
  forwarded: number;
  /** CALLs answered Rejected by access control [SW-17.8-3]. */
  rejected: number;
  /** CALLs answered Unreachable (at once, or when the target became unreachable before acknowledging). */
  unreachable: number;
  /** RESULTs forwarded to the caller. */
  results: number;
  /** RESULTs for a TO this hub cannot address: dropped. */
  undeliverable: number;
  /** CALLACKs, RESULTs and forwarded CALLs that could not be sent. */
  sendFailures: number;
  /** CALLs and RESULTs handed to another hub (RemoteForwarding). */
  remote: number;
}

/** How a hub reaches nodes held by other hubs of its cluster (set by edge code; see the module comment). */
export interface RemoteForwarding {
  /**
   * Where `node` is held: 'here' (its message layer runs on this hub), 'remote' (on another hub,
   * even if this hub still has an address for it: it roamed) or 'nowhere' (no live hub: a CALL for
   * it is Unreachable, never sent to an address this hub merely knows).
   */
  where(node: string): 'here' | 'remote' | 'nowhere';
  /**
   * A CALL (access control passed) for a target not held here: true if handed to its hub, false
   * (Unreachable). `caller` is this hub itself for its own calls: their CALLACK and RESULT come
   * back through toCaller().
   */
  call(caller: string, op: CallOp): boolean;
  /** A RESULT for a caller not held here: true if handed to its hub, false (undeliverable). */
  result(op: ResultOp): boolean;
}

/** What became of a CALL another hub handed over (deliver()). */
export type DeliverOutcome = 'acked' | RpcOutcome.Rejected | RpcOutcome.Unreachable;

interface AckWait {
  readonly caller: string;
  readonly callId: bigint;
  done: boolean;
  /** Tells the caller (here or through its hub) what became of the CALL. */
  readonly settle: (outcome: DeliverOutcome) => void;
}

export class Forwarder {
  readonly counters: ForwarderCounters = { forwarded: 0, rejected: 0, unreachable: 0, results: 0, undeliverable: 0, sendFailures: 0, remote: 0 };
  /** Forwarded CALLs not yet acknowledged, by target. */
  private readonly waiting = new Map<string, Set<AckWait>>();
  private remote: RemoteForwarding | undefined;

  constructor(
    private readonly port: MessagePort,
    private acl: AccessControl,
    /** The CALLACKs and RESULTs another hub sends for this hub's own calls (Caller.onRemote). */
    private readonly own?: (op: CallAckOp | ResultOp) => void,
  ) {}

  /** The RemoteForwarding set (undefined: none): the hub's own calls to nodes of other hubs use it too. */
  get remoteForwarding(): RemoteForwarding | undefined {
    return this.remote;
  }

  /** Later CALLs are decided by `acl` [SW-17.5-6]. */
  setAcl(acl: AccessControl): void {
    this.acl = acl;
  }

  /** Calls and results for nodes of other hubs go through `remote` (undefined: none). */
  setRemote(remote: RemoteForwarding | undefined): void {
    this.remote = remote;
  }

  /** A CALL from `caller` (authenticated sender, not revoked) with TO set to another node. */
  onCall(caller: string, op: CallOp): void {
    const target = op.to;
    if (!this.acl.canCall(caller, op.method) || !this.acl.canServe(target, op.method)) {
      this.counters.rejected++;
      return this.reply(caller, op.callId, RpcOutcome.Rejected); // says nothing of why [SW-17.8-2]
    }
    const where = this.remote?.where(target) ?? 'here';
    if (where === 'remote' && this.remote!.call(caller, op)) return void this.counters.remote++;
    if (where !== 'here') {
      this.counters.unreachable++;
      return this.reply(caller, op.callId, RpcOutcome.Unreachable);
    }
    this.forward(caller, op, (outcome) => {
      if (outcome === 'acked') this.port.send(caller, { op: 'CALLACK', callId: op.callId, to: '' }, { qos: 1 }).catch(this.onSendFailed);
      else this.reply(caller, op.callId, outcome);
    });
  }

  /**
   * A CALL another hub handed over for `caller` (held there): forwarded to its target if held here,
   * under this hub's access control too; `done` once the target acknowledged it ('acked') or it
   * cannot be (Rejected, Unreachable). Never handed on to a third hub. Nothing if the deadline passes.
   */
  deliver(caller: string, op: CallOp, done: (outcome: DeliverOutcome) => void): void {
    if (!this.acl.canCall(caller, op.method) || !this.acl.canServe(op.to, op.method)) {
      this.counters.rejected++;
      return done(RpcOutcome.Rejected);
    }
    this.forward(caller, op, done);
  }

  /** A CALLACK or RESULT another hub sends to `op.to`, a caller held here (or this hub: its own call): sent on with TO emptied. */
  toCaller(op: CallAckOp | ResultOp): void {
    if (op.to === this.port.self) return void this.own?.(op);
    if (!this.port.knows(op.to)) return void this.counters.undeliverable++;
    if (op.op === 'RESULT') this.counters.results++;
    this.port.send(op.to, { ...op, to: '' }, { qos: 1 }).catch(this.onSendFailed);
  }

  /** Whether `node` is held here: an address and not known unreachable. */
  private holds(node: string): boolean {
    return this.port.knows(node) && this.port.reachability(node) !== 'unreachable';
  }

  /** Sends `op` on to its target held here, FROM = caller; `done` as deliver() says. */
  private forward(caller: string, op: CallOp, done: (outcome: DeliverOutcome) => void): void {
    const target = op.to;
    if (!this.holds(target)) {
      this.counters.unreachable++;
      return done(RpcOutcome.Unreachable);
    }
    const w: AckWait = { caller, callId: op.callId, done: false, settle: done };
    let set = this.waiting.get(target);
    if (set === undefined) this.waiting.set(target, (set = new Set()));
    set.add(w);
    this.counters.forwarded++;
    // FROM is the authenticated sender, never what the caller wrote [SW-18.1-1].
    const fwd: CallOp = { ...op, to: '', from: caller };
    this.port.send(target, fwd, { qos: 1, deadlineMs: op.timeoutMs }).then(
      () => {
        if (this.settle(target, w)) done('acked');
      },
      (e: unknown) => {
        if (!this.settle(target, w)) return;
        // Deadline passed: the caller's timeout did too, it settles by itself (delivered = false).
        if (e instanceof DeadlineExceededError || e instanceof NodeClosedError) return;
        this.counters.sendFailures++;
        this.counters.unreachable++;
        done(RpcOutcome.Unreachable);
      },
    );
  }

  /** A RESULT from a target, TO = the caller: forwarded with TO emptied [SW-18.4-1] (to the caller's hub if another holds it). */
  onResult(op: ResultOp): void {
    if (this.remote?.where(op.to) === 'remote' && this.remote.result(op)) return void this.counters.remote++;
    if (!this.port.knows(op.to)) return void this.counters.undeliverable++;
    this.counters.results++;
    this.port.send(op.to, { ...op, to: '' }, { qos: 1 }).catch(this.onSendFailed);
  }

  /**
   * `target` became unreachable: the callers whose CALL it has not acknowledged get Unreachable now
   * rather than a Timeout later. The CALL may still reach it when it returns; the caller then
   * ignores the RESULT, since its call is settled.
   */
  onUnreachable(target: string): void {
    const set = this.waiting.get(target);
    if (set === undefined) return;
    this.waiting.delete(target);
    for (const w of set) {
      w.done = true;
      this.counters.unreachable++;
      w.settle(RpcOutcome.Unreachable);
    }
  }

  close(): void {
    for (const set of this.waiting.values()) for (const w of set) w.done = true;
    this.waiting.clear();
  }

  /** Ends the wait; false if it had ended already (the target became unreachable, or closed). */
  private settle(target: string, w: AckWait): boolean {
    if (w.done) return false;
    w.done = true;
    const set = this.waiting.get(target);
    set?.delete(w);
    if (set?.size === 0) this.waiting.delete(target);
    return true;
  }

  private reply(caller: string, callId: bigint, outcome: RpcOutcome): void {
    sendResult(this.port, { peer: caller, to: '' }, callId, outcomeOf(outcome), this.onSendFailed);
  }

  private readonly onSendFailed = (e: unknown): void => {
    if (!(e instanceof NodeClosedError)) this.counters.sendFailures++;
  };
}
