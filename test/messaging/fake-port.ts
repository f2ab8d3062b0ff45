/** A scripted MessagePort for engine tests: sends are recorded, operations are delivered by hand. */
import type { Op, ResultOp } from '../../src/messaging/ops.js';
import type { MessagePort, PortEvents, SendOpOptions } from '../../src/messaging/port.js';
import type { Reachability } from '../../src/peer/liveness.js';
import { VirtualScheduler } from '../../src/time/scheduler.js';
import { Emitter } from '../../src/util/emitter.js';

/** A MessagePort whose sends are recorded (and resolve at once, or fail with `failWith`). */
export class FakePort implements MessagePort {
  readonly scheduler = new VirtualScheduler(1_000);
  readonly drops = { malformed: 0, wrongChannel: 0 };
  readonly sent: Array<{ peer: string; op: Op }> = [];
  readonly known = new Set<string>();
  readonly reach = new Map<string, Reachability>();
  failWith: ((op: Op) => unknown) | undefined;
  ep = 7;
  private readonly events = new Emitter<PortEvents>();
  constructor(readonly self: string) {}
  epoch(): number {
    return this.ep;
  }
  send(peer: string, op: Op, _o: SendOpOptions): Promise<void> {
    const err = this.failWith?.(op);
    if (err !== undefined) return Promise.reject(err);
    this.sent.push({ peer, op });
    return Promise.resolve();
  }
  reachability(peer: string): Reachability {
    return this.reach.get(peer) ?? 'reachable';
  }
  knows(peer: string): boolean {
    return this.known.has(peer);
  }
  on<K extends keyof PortEvents>(name: K, fn: (e: PortEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }
  deliver(peer: string, op: Op): void {
    this.events.emit('op', { peer, op });
  }
  /** Emits a port event by hand (reachability, restart). */
  emit<K extends keyof PortEvents>(name: K, e: PortEvents[K]): void {
    this.events.emit(name, e);
  }
  results(): ResultOp[] {
    return this.sent.map((s) => s.op).filter((o): o is ResultOp => o.op === 'RESULT');
  }
}

