/**
 * Repair on Node for one group (spec 19.12): drives the core's RepairHistory, RepairResponder and
 * NackScheduler with a timer. The endpoint feeds it what it sends and what it receives; it re-sends
 * held datagrams unchanged to the group and sends this member's NACKs when due.
 * @module
 */
import type { GroupNack } from '../multicast/frames.js';
import type { GroupDelivery } from '../multicast/receiver.js';
import { NackScheduler, RepairHistory, RepairResponder, type NackSchedulerOptions, type NackStats, type RepairResponderOptions, type RepairStats } from '../multicast/repair.js';

/**
 * Per-group repair settings; every field has the SDK default of 19.10.
 * @group Multicast and discovery
 */
export interface GroupRepairOptions extends Partial<Omit<NackSchedulerOptions, 'random'>>, Omit<RepairResponderOptions, 'history'> {
  readonly historyCount?: number;
  readonly historyBytes?: number;
  /** Draws NACK delays; default Math.random (seed it in tests). */
  readonly random?: () => number;
}

export interface GroupRepairIo {
  /** Sends bytes to the group as they are (a repair: the datagram unchanged). */
  sendRaw(d: Uint8Array): Promise<unknown>;
  /** Seals a NACK under this member's sender key (group tier) and sends it to the group. */
  sendNack(n: GroupNack): Promise<unknown>;
  /** This member's number under generation `gen`, if it holds it (its own datagrams come back on loopback). */
  ownMember(gen: number): number | undefined;
  now(): number;
}

/** @group Multicast and discovery */
export interface GroupRepairStats {
  readonly responder: RepairStats;
  readonly requester: NackStats;
  readonly outstanding: number;
}

export class GroupRepair {
  private readonly history: RepairHistory;
  private readonly responder: RepairResponder;
  private readonly scheduler: NackScheduler;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(
    o: GroupRepairOptions,
    private readonly io: GroupRepairIo,
  ) {
    this.history = new RepairHistory(o.historyCount, o.historyBytes);
    this.responder = new RepairResponder({ ...o, history: this.history });
    this.scheduler = new NackScheduler({ ...o, random: o.random ?? Math.random });
  }

  /** A datagram this member sealed and sent to the group (NACKs are not recorded: nobody repairs a NACK). */
  onSent(d: Uint8Array): void {
    this.history.add(d);
  }

  /** A datagram of this group the receiver accepted. */
  onDelivery(d: GroupDelivery): void {
    if (d.member === this.io.ownMember(d.gen)) return; // our own, back on loopback
    const now = this.io.now();
    if (d.message.kind === 'nack') {
      for (const r of this.responder.onNack(d.message, d.member, now)) void this.io.sendRaw(r).catch(() => undefined);
      this.scheduler.onNackSeen(d.message, now);
    } else {
      this.scheduler.onAccepted(d, now);
    }
    this.arm();
  }

  get stats(): GroupRepairStats {
    return { responder: { ...this.responder.stats }, requester: { ...this.scheduler.stats }, outstanding: this.scheduler.outstanding };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const at = this.scheduler.nextDeadline();
    if (this.closed || at === undefined || at >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.io.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    for (const n of this.scheduler.poll(this.io.now())) void this.io.sendNack(n).catch(() => undefined);
    this.arm();
  }
}
