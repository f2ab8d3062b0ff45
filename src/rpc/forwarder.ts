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
 * @module
 */
import type { AccessControl } from '../acl/acl.js';
import { DeadlineExceededError, NodeClosedError } from '../errors.js';
import type { CallOp, ResultOp } from '../messaging/ops.js';
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
}

interface AckWait {
  readonly caller: string;
  readonly callId: bigint;
  done: boolean;
}

export class Forwarder {
  readonly counters: ForwarderCounters = { forwarded: 0, rejected: 0, unreachable: 0, results: 0, undeliverable: 0, sendFailures: 0 };
  /** Forwarded CALLs not yet acknowledged, by target. */
  private readonly waiting = new Map<string, Set<AckWait>>();

  constructor(
    private readonly port: MessagePort,
    private acl: AccessControl,
  ) {}

  /** Later CALLs are decided by `acl` [SW-17.5-6]. */
  setAcl(acl: AccessControl): void {
    this.acl = acl;
  }

  /** A CALL from `caller` (authenticated sender, not revoked) with TO set to another node. */
  onCall(caller: string, op: CallOp): void {
    const target = op.to;
    if (!this.acl.canCall(caller, op.method) || !this.acl.canServe(target, op.method)) {
      this.counters.rejected++;
      return this.reply(caller, op.callId, RpcOutcome.Rejected); // says nothing of why [SW-17.8-2]
    }
    if (!this.port.knows(target) || this.port.reachability(target) === 'unreachable') {
      this.counters.unreachable++;
      return this.reply(caller, op.callId, RpcOutcome.Unreachable);
    }
    const w: AckWait = { caller, callId: op.callId, done: false };
    let set = this.waiting.get(target);
    if (set === undefined) this.waiting.set(target, (set = new Set()));
    set.add(w);
    this.counters.forwarded++;
    // FROM is the authenticated sender, never what the caller wrote [SW-18.1-1].
    const fwd: CallOp = { ...op, to: '', from: caller };
    this.port.send(target, fwd, { qos: 1, deadlineMs: op.timeoutMs }).then(
      () => {
        if (!this.settle(target, w)) return;
        this.port.send(caller, { op: 'CALLACK', callId: op.callId, to: '' }, { qos: 1 }).catch(this.onSendFailed);
      },
      (e: unknown) => {
        if (!this.settle(target, w)) return;
        // Deadline passed: the caller's timeout did too, it settles by itself (delivered = false).
        if (e instanceof DeadlineExceededError || e instanceof NodeClosedError) return;
        this.counters.sendFailures++;
        this.counters.unreachable++;
        this.reply(caller, op.callId, RpcOutcome.Unreachable);
      },
    );
  }

  /** A RESULT from a target, TO = the caller: forwarded with TO emptied [SW-18.4-1]. */
  onResult(op: ResultOp): void {
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
      this.reply(w.caller, w.callId, RpcOutcome.Unreachable);
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
