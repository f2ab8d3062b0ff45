/**
 * HubReadiness: whether a device's hub has answered, for Client.ready [SW-15.5-7]. There is no
 * connection to wait for, but there is a first answer: the hub's acknowledgement of the Client's
 * SYNC (or any authenticated datagram from it) makes the node report it reachable. Until then a
 * stopped hub, a wrong address and a wrong key look alike: nothing comes back (a hub drops what it
 * cannot authenticate without answering, spec 6). Runtime-agnostic: time is the port's scheduler.
 * @module
 */
import { HubUnreachableError, InvalidArgumentError, NodeClosedError } from '../errors.js';
import type { Timer } from '../time/scheduler.js';
import type { MessagePort } from './port.js';

/**
 * Default of ReadyOptions.timeoutMs.
 * @group Client and hub options
 */
export const DEFAULT_READY_TIMEOUT_MS = 5000;

/** @group Client and hub options */
export interface ReadyOptions {
  /** Ms to wait for the hub's answer before rejecting with HubUnreachableError; default 5000. */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly timer: Timer;
}

export class HubReadiness {
  /**
   * The hub answered and has not been declared unreachable since. Cleared by 'unreachable' (11.3),
   * so ready() after an outage waits for the hub's next answer.
   */
  private answered: boolean;
  private readonly waiters = new Set<Waiter>();
  private readonly off: Array<() => void> = [];
  /** Removes the 'op' listener; set only while not answered (it would cost every operation). */
  private offOp: (() => void) | undefined;
  private closed = false;

  /** `address` gives the hub's current `HOST:PORT` for the error message (undefined: none known). */
  constructor(
    private readonly port: MessagePort,
    private readonly hub: string,
    private readonly address: () => string | undefined,
  ) {
    this.answered = port.reachability(hub) === 'reachable';
    this.off.push(
      port.on('reachable', (e) => e.peer === hub && this.onAnswer()),
      port.on('unreachable', (e) => e.peer === hub && this.onLost()),
    );
    if (!this.answered) this.listenForOps();
  }

  /** Whether the hub has answered (and not been declared unreachable since). */
  get isReady(): boolean {
    return this.answered;
  }

  /**
   * Resolves once the hub has answered: at once if it has already (and was not declared unreachable
   * since), else on its next answer. Rejects with HubUnreachableError after `timeoutMs` without one,
   * with NodeClosedError if the Client closes first, and with InvalidArgumentError for a bad timeout.
   */
  ready(options: ReadyOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new InvalidArgumentError(`timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`));
    }
    if (this.closed) return Promise.reject(new NodeClosedError());
    if (this.answered) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: this.port.scheduler.at(this.port.scheduler.now() + timeoutMs, () => {
          this.waiters.delete(w);
          reject(new HubUnreachableError(this.hub, this.address(), timeoutMs));
        }),
      };
      this.waiters.add(w);
    });
  }

  /** Stops listening; pending ready() calls reject with NodeClosedError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.off.splice(0)) f();
    this.offOp?.();
    this.offOp = undefined;
    const err = new NodeClosedError();
    for (const w of this.waiters) {
      w.timer.cancel();
      w.reject(err);
    }
    this.waiters.clear();
  }

  /** Any operation from the hub is an authenticated answer too (the node may still be validating). */
  private listenForOps(): void {
    this.offOp ??= this.port.on('op', (e) => e.peer === this.hub && this.onAnswer());
  }

  private onAnswer(): void {
    this.answered = true;
    this.offOp?.();
    this.offOp = undefined;
    for (const w of this.waiters) {
      w.timer.cancel();
      w.resolve();
    }
    this.waiters.clear();
  }

  private onLost(): void {
    this.answered = false;
    if (!this.closed) this.listenForOps();
  }
}
