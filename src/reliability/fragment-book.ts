/**
 * The sender's book of reliable messages and their fragments between assignment of ids and
 * settlement (spec 14.4-14.8): which are unsent, in flight, declared lost; their retransmission
 * timers and their messages' deadlines, earliest first; their send order for loss detection. Every
 * query a datagram or an ACK makes is O(1) or O(log n) amortized, never a scan of the window: on a
 * busy link those run tens of thousands of times a second over up to a window of fragments.
 * @module
 */
import { FIRST_MESSAGE_ID } from './constants.js';
import type { Congestion } from './congestion.js';
import { cutFragment, type CutMessage } from './fragment-cut.js';
import type { MsgFrame } from './frames.js';
import type { Pending } from './send-types.js';
import { MinHeap } from '../util/min-heap.js';

export interface Msg extends CutMessage {
  readonly ticket: number;
  readonly receipt: boolean;
  readonly deadline: number;
  unacked: number;
  /** First transmission of any of its fragments, or undefined while none was sent. */
  firstSentAt: number | undefined;
}

export interface Frag {
  readonly id: number;
  readonly msg: Msg;
  readonly frame: MsgFrame;
  readonly size: number;
  transmissions: number;
  sentAt: number;
  rtxAt: number;
  /** Declared lost and waiting for retransmission (its bytes are out of the congestion inflight). */
  lost: boolean;
  /** Local order of its latest transmission. */
  seq: number;
  /** Acknowledged transmissions sent after its latest one (fast retransmit). */
  sackedAbove: number;
}

/** Fragment `i` of `msg`, never transmitted. */
function fragOf(msg: Msg, i: number, now: number): Frag {
  const { frame, size } = cutFragment(msg, i);
  return { id: msg.firstId + i, msg, frame, size, transmissions: 0, sentAt: now, rtxAt: Infinity, lost: false, seq: 0, sackedAbove: 0 };
}

export class FragmentBook {
  /** Assigned ids not yet settled, in id order (Map keeps insertion order; ids only grow). */
  readonly frags = new Map<number, Frag>();
  readonly msgs = new Map<number, Msg>();
  /** Fragments declared lost and not yet retransmitted: the scan for them is skipped while 0. */
  lostCount = 0;
  /** Fragments transmitted and neither acknowledged nor declared lost. */
  inFlight = 0;
  /** Lower bounds of the lowest unsettled id and of the lowest never-sent id (both only move up). */
  private floorId = FIRST_MESSAGE_ID;
  private freshId = FIRST_MESSAGE_ID;
  /** Transmissions in send order, from the oldest that may still be in flight (stale entries dropped lazily). */
  private sentOrder: Array<{ readonly frag: Frag; readonly seq: number }> = [];
  private sentHead = 0;
  /** Where the last sentBefore() scan stopped. */
  private scanEnd = 0;
  /** Retransmission timers and message deadlines; an entry stands while it is its subject's current one. */
  private readonly rtxTimers = new MinHeap<{ at: number; frag: Frag; tx: number }>(
    (e) => !e.frag.lost && e.frag.transmissions === e.tx && this.frags.get(e.frag.id) === e.frag,
  );
  private readonly msgTimers = new MinHeap<{ at: number; msg: Msg }>((e) => this.msgs.get(e.msg.ticket) === e.msg && this.messageDeadline(e.msg) === e.at);

  constructor(
    private readonly cong: Congestion,
    private readonly fragmentLifetimeMs: number,
  ) {}

  /** The lowest id not yet settled, given the next id to assign. */
  floor(nextId: number): number {
    while (this.floorId < nextId && !this.frags.has(this.floorId)) this.floorId++;
    return this.floorId;
  }

  /** The lowest id never transmitted (first transmissions go in id order [SW-14.1-1]), or undefined. */
  nextFresh(nextId: number): Frag | undefined {
    while (this.freshId < nextId && !this.frags.has(this.freshId)) this.freshId++;
    return this.frags.get(this.freshId);
  }

  /** The lowest-id fragment declared lost, or undefined. */
  firstLost(): Frag | undefined {
    if (this.lostCount > 0) for (const f of this.frags.values()) if (f.lost) return f;
    return undefined;
  }

  /**
   * Records a queued message under consecutive ids from `firstId`, cut into `count` fragments of
   * `unit` payload bytes [SW-14.6-1], each carrying PREV when the message is ordered [SW-14.2-3].
   */
  addMessage(p: Pending, firstId: number, count: number, unit: number, prev: number | undefined, now: number): void {
    // the fragments' data are views of p.data, so keeping p costs no memory
    const msg: Msg = { ticket: p.ticket, receipt: p.receipt, deadline: p.deadline, count, firstId, unacked: count, firstSentAt: undefined, pending: p, unit, prev };
    this.msgs.set(msg.ticket, msg);
    this.msgTimers.push({ at: msg.deadline, msg });
    for (let i = 0; i < count; i++) this.frags.set(firstId + i, fragOf(msg, i, now));
  }

  /**
   * The peer restarted and lost, with its RAM, the fragments it had acknowledged of messages it did
   * not have whole yet: those fragments go again, declared lost (so without a congestion response),
   * and the message settles only when the new life acknowledged every fragment [SW-14.7-11].
   * Without it the new life could never complete the message, and an ordered message after it would
   * be held behind it. Returns the number of fragments reopened.
   */
  reopenPartial(now: number): number {
    let reopened = 0;
    let lowest = Infinity;
    for (const m of this.msgs.values()) {
      if (m.count === 1 || m.unacked === m.count || m.unacked === 0) continue;
      for (let i = 0; i < m.count; i++) {
        if (this.frags.has(m.firstId + i)) continue;
        const f = fragOf(m, i, now);
        f.transmissions = 1; // sent before: a retransmission, so the id order of first sends holds
        f.lost = true;
        this.lostCount++;
        m.unacked++;
        this.frags.set(f.id, f);
        lowest = Math.min(lowest, f.id);
        reopened++;
      }
    }
    if (reopened > 0) {
      // the map must stay in id order (ack processing and the scans rely on it); restarts are rare
      const sorted = [...this.frags.values()].sort((a, b) => a.id - b.id);
      this.frags.clear();
      for (const f of sorted) this.frags.set(f.id, f);
      this.floorId = Math.min(this.floorId, lowest);
    }
    return reopened;
  }

  /** A transmission of `f` left at `now` with local order `seq`; its timer fires at `rtxAt`. */
  transmitted(f: Frag, now: number, seq: number, rtxAt: number): void {
    if (f.transmissions === 0) this.freshId = Math.max(this.freshId, f.id + 1);
    f.transmissions++;
    if (f.lost) this.lostCount--;
    f.lost = false;
    f.sentAt = now;
    f.seq = seq;
    f.sackedAbove = 0;
    f.rtxAt = rtxAt;
    this.rtxTimers.push({ at: rtxAt, frag: f, tx: f.transmissions });
    if (f.msg.firstSentAt === undefined) {
      f.msg.firstSentAt = now;
      if (f.msg.count > 1) this.msgTimers.push({ at: this.messageDeadline(f.msg), msg: f.msg });
    }
    this.cong.onSent(f.size);
    this.inFlight++;
    this.sentOrder.push({ frag: f, seq });
  }

  markLost(f: Frag): void {
    f.lost = true;
    this.lostCount++;
    this.inFlight--;
    this.cong.onRemoved(f.size);
  }

  /**
   * Declares the oldest `max` fragments in flight (lowest ids) lost, as many as fit `room`, so that a
   * probe carries them again first; the caller makes no congestion response: a probe is not a loss
   * [SW-14.4-6]. The head of the line is the one a receiver that holds back what follows a gap, and
   * acknowledges nothing until it can deliver (deferred acknowledgements, a hub's durable QoS 1),
   * is waiting for: no later ACK will ever name it missing. Returns the bytes marked.
   */
  markOldestLost(room: number, max = 1): number {
    let used = 0;
    let n = 0;
    for (const f of this.inFlightFrags()) { // markLost leaves the map as it is: safe while iterating
      if (n >= max || f.size > room - used) break;
      this.markLost(f);
      used += f.size;
      n++;
    }
    return used;
  }

  /**
   * Declares the newest fragments in flight lost (as many as fit `room`) so that a probe carries them
   * again; the caller makes no congestion response: a probe is not a loss [SW-14.4-6].
   */
  markNewestLost(room: number): void {
    const newest = [...this.inFlightFrags()];
    for (let i = newest.length - 1; i >= 0 && room >= newest[i]!.size; i--) {
      room -= newest[i]!.size;
      this.markLost(newest[i]!);
    }
  }

  /** Removes a settled fragment (acknowledged or abandoned). */
  remove(f: Frag): void {
    this.frags.delete(f.id);
    if (f.lost) this.lostCount--;
    else if (f.transmissions > 0) {
      this.inFlight--;
      this.cong.onRemoved(f.size);
    }
  }

  /** Gives up a message: its fragments settle, and FORWARD carries the new floor [SW-14.7-1]. */
  abandon(m: Msg): void {
    this.msgs.delete(m.ticket);
    for (let id = m.firstId; id < m.firstId + m.count; id++) {
      const f = this.frags.get(id);
      if (f !== undefined) this.remove(f);
    }
  }

  /** Fragments transmitted and not lost, in id order. */
  *inFlightFrags(): Generator<Frag> {
    for (const f of this.frags.values()) {
      if (f.id >= this.freshId) return;
      if (f.transmissions > 0 && !f.lost) yield f;
    }
  }

  /**
   * Fragments in flight whose latest transmission came before `seq` (the latest acknowledged), in
   * send order: the only ones loss detection has to look at. Call keepBefore() after deciding.
   */
  sentBefore(seq: number): Frag[] {
    const order = this.sentOrder;
    const out: Frag[] = [];
    let i = this.sentHead;
    for (; i < order.length && order[i]!.seq < seq; i++) {
      const e = order[i]!;
      if (e.frag.seq === e.seq && !e.frag.lost && this.frags.get(e.frag.id) === e.frag) out.push(e.frag);
    }
    this.scanEnd = i;
    return out;
  }

  /** Keeps those of `frags` (from sentBefore) still in flight; drops everything else that was scanned. */
  keepBefore(frags: readonly Frag[]): void {
    const order = this.sentOrder;
    let k = this.scanEnd;
    for (let j = frags.length - 1; j >= 0; j--) {
      const f = frags[j]!;
      if (!f.lost && this.frags.get(f.id) === f) order[--k] = { frag: f, seq: f.seq };
    }
    this.sentHead = k;
    if (k > 4096 && k * 2 > order.length) {
      this.sentOrder = order.slice(k);
      this.sentHead = 0;
      this.scanEnd -= k;
    }
  }

  /** When a message fails: its deadline, or its fragment lifetime once a fragment was sent [SW-14.6-4]. */
  messageDeadline(m: Msg): number {
    return m.count > 1 && m.firstSentAt !== undefined ? Math.min(m.deadline, m.firstSentAt + this.fragmentLifetimeMs) : m.deadline;
  }

  earliestTimeout(): number {
    return this.rtxTimers.earliest();
  }

  earliestDeadline(): number {
    return this.msgTimers.earliest();
  }

  /** Fragments whose retransmission timer is due, in id order. */
  dueTimeouts(now: number): Frag[] {
    const due: Frag[] = [];
    while (this.rtxTimers.earliest() <= now) due.push(this.rtxTimers.pop()!.frag);
    return due.sort((x, y) => x.id - y.id);
  }

  /** Messages whose deadline or fragment lifetime is due, in the order they were queued, each once. */
  dueMessages(now: number): Msg[] {
    const due = new Set<Msg>();
    while (this.msgTimers.earliest() <= now) due.add(this.msgTimers.pop()!.msg);
    return [...due].sort((x, y) => x.ticket - y.ticket);
  }
}
