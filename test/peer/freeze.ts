/**
 * A process freeze (SIGSTOP, a VM pause, a long GC) in virtual time: a node whose scheduler and
 * transport are wrapped here runs nothing while frozen. Its timers that come due wait, and the
 * datagrams that reach it wait in a bounded receive buffer (a kernel socket buffer: what does not fit
 * is dropped). On thaw the buffered datagrams are handled first, in arrival order, then the overdue
 * timers, as Node's event loop does after SIGCONT. The clock keeps running meanwhile: the frozen
 * node sees time jump when it wakes.
 */
import type { Millis, Scheduler, Timer } from '../../src/time/scheduler.js';
import type { Address, ReceiveHandler, Transport } from '../../src/transport/transport.js';

export class Freezer {
  frozen = false;
  private readonly overdue: { at: Millis; seq: number; fn: () => void; cancelled: boolean }[] = [];
  private readonly inbox: { data: Uint8Array; from: Address }[] = [];
  private inboxBytes = 0;
  private seq = 0;
  private handler: ReceiveHandler | undefined;
  /** Datagrams dropped because the receive buffer was full while frozen. */
  overflowed = 0;

  /** `bufferBytes`: the receive buffer (Linux's default rmem is 212,992 bytes). */
  constructor(private readonly base: Scheduler, private readonly bufferBytes = 212_992) {}

  readonly scheduler: Scheduler = {
    now: () => this.base.now(),
    at: (at: Millis, fn: () => void): Timer => {
      const entry = { at, seq: this.seq++, fn, cancelled: false };
      const t = this.base.at(at, () => {
        if (entry.cancelled) return;
        if (this.frozen) this.overdue.push(entry);
        else fn();
      });
      return { cancel: () => { entry.cancelled = true; t.cancel(); } };
    },
    soon: (fn: () => void): void => {
      this.scheduler.at(this.base.now(), fn);
    },
  };

  wrap(t: Transport): Transport {
    t.onReceive((data, from) => {
      if (!this.frozen) return this.handler?.(data, from);
      if (this.inboxBytes + data.length > this.bufferBytes) return void this.overflowed++;
      this.inbox.push({ data, from });
      this.inboxBytes += data.length;
    });
    return {
      get local() { return t.local; },
      get mtu() { return t.mtu; },
      send: (data, to) => t.send(data, to),
      onReceive: (h) => void (this.handler = h),
      close: () => t.close(),
    };
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Wakes the node: buffered datagrams first, then the overdue timers in deadline order. */
  thaw(): void {
    this.frozen = false;
    const inbox = this.inbox.splice(0);
    this.inboxBytes = 0;
    for (const d of inbox) this.handler?.(d.data, d.from);
    const due = this.overdue.splice(0).sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const e of due) if (!e.cancelled) e.fn();
  }
}
