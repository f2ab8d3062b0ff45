/**
 * The copies of QoS 1 and 2 publications a hub owes its subscribers [SW-18.2-3]: per subscriber, at
 * most `inNode` are handed to the node (its outbox and in flight), the rest wait here in order and
 * follow as those settle; everything owed is bounded per subscriber and for the hub (copies and
 * payload bytes), so a subscriber that never returns cannot grow the hub without bound. Past a bound
 * the policy decides: 'refuse' the new copy, or 'drop-oldest' waiting copy of that subscriber. Each
 * such drop is counted and reported (`onDrop`); a copy dropped or given up is no longer owed (the
 * journal is told, [SW-18.3-5]). A copy keeps its FORWARD_DEADLINE from the moment it was owed.
 * @module
 */
import { DEDUPE_WINDOW_MS } from './dedupe-window.js';
import type { ForwardOutcome, Forwarded, HubForwarder } from './hub-forwarder.js';
import { DELIVERY_IN_NODE, DELIVERY_QUEUE, DELIVERY_QUEUE_BYTES, DELIVERY_QUEUE_POLICY, DELIVERY_QUEUE_TOTAL, DELIVERY_QUEUE_TOTAL_BYTES, type DeliveryQueuePolicy } from './limits.js';

export interface DeliveryQueueOptions {
  /** Copies owed to one subscriber, default DELIVERY_QUEUE (1,000). */
  readonly max?: number;
  /** Their payload bytes, default DELIVERY_QUEUE_BYTES (16 MiB). */
  readonly maxBytes?: number;
  /** Copies owed to all subscribers, default DELIVERY_QUEUE_TOTAL (100,000). */
  readonly maxTotal?: number;
  /** Their payload bytes, default DELIVERY_QUEUE_TOTAL_BYTES (256 MiB). */
  readonly maxTotalBytes?: number;
  /** Past a bound: default DELIVERY_QUEUE_POLICY ('refuse'). */
  readonly policy?: DeliveryQueuePolicy;
  /** Copies of one subscriber in its node at a time, default DELIVERY_IN_NODE (32). */
  readonly inNode?: number;
}

/** A copy a bound made the hub drop [SW-18.2-3]: the new one ('refused') or the oldest waiting one. */
export interface DeliveryDrop {
  readonly device: string;
  readonly topic: string;
  readonly reason: 'refused' | 'dropped-oldest';
}

export interface DeliveryStats {
  /** Copies owed now (waiting here, in the node's outbox or in flight), and their payload bytes. */
  owed: number;
  owedBytes: number;
  /** Copies not queued because a bound was reached (policy 'refuse', or nothing older to drop). */
  refused: number;
  /** Waiting copies dropped to make room (policy 'drop-oldest'). */
  droppedOldest: number;
  /** Copies given up: their deadline passed, or the node refused them for good (too large). */
  givenUp: number;
  delivered: number;
}

interface Entry {
  readonly f: Forwarded;
  readonly seq: number | undefined;
  readonly at: number;
  readonly order: number;
}

interface Queue {
  waiting: Entry[];
  head: number;
  inNode: number;
  count: number;
  bytes: number;
  /** The node did not take a copy (unknown subscriber, full outbox): no more until pumped again. */
  blocked: boolean;
}

export class DeliveryQueues {
  readonly stats: DeliveryStats = { owed: 0, owedBytes: 0, refused: 0, droppedOldest: 0, givenUp: 0, delivered: 0 };
  readonly max: number;
  readonly maxBytes: number;
  readonly maxTotal: number;
  readonly maxTotalBytes: number;
  readonly policy: DeliveryQueuePolicy;
  private readonly inNodeMax: number;
  private readonly queues = new Map<string, Queue>();
  private order = 0;

  /**
   * `done(seq, device)` is called when a copy recorded in the journal as `seq` is no longer owed
   * (delivered, given up or dropped).
   */
  constructor(
    private readonly forwarder: HubForwarder,
    private readonly now: () => number,
    private readonly deadlineMs: number,
    options: DeliveryQueueOptions = {},
    private readonly done?: (seq: number, device: string) => void,
    private readonly onDrop?: (d: DeliveryDrop) => void,
  ) {
    this.max = options.max ?? DELIVERY_QUEUE;
    this.maxBytes = options.maxBytes ?? DELIVERY_QUEUE_BYTES;
    this.maxTotal = options.maxTotal ?? DELIVERY_QUEUE_TOTAL;
    this.maxTotalBytes = options.maxTotalBytes ?? DELIVERY_QUEUE_TOTAL_BYTES;
    this.policy = options.policy ?? DELIVERY_QUEUE_POLICY;
    this.inNodeMax = options.inNode ?? DELIVERY_IN_NODE;
  }

  /** Copies owed to `device` now. */
  owedTo(device: string): number {
    return this.queues.get(device)?.count ?? 0;
  }

  /** Owes `f` (QoS 1 or 2) to `device`; `seq` is its journal record, if any. Never throws. */
  owe(device: string, f: Forwarded, seq?: number): void {
    let q = this.queues.get(device);
    if (q === undefined) this.queues.set(device, (q = { waiting: [], head: 0, inNode: 0, count: 0, bytes: 0, blocked: false }));
    const size = f.payload.length;
    while (!this.fits(q, size) && this.policy === 'drop-oldest' && q.head < q.waiting.length) {
      const old = q.waiting[q.head++]!;
      this.stats.droppedOldest++;
      this.finish(device, q, old);
      this.onDrop?.({ device, topic: old.f.topic, reason: 'dropped-oldest' });
    }
    if (!this.fits(q, size)) {
      this.stats.refused++;
      if (seq !== undefined) this.done?.(seq, device);
      this.onDrop?.({ device, topic: f.topic, reason: 'refused' });
      if (q.count === 0) this.queues.delete(device);
      return;
    }
    q.count++;
    q.bytes += size;
    this.stats.owed++;
    this.stats.owedBytes += size;
    q.waiting.push({ f, seq, at: this.now(), order: this.order++ });
    this.pump(device);
  }

  /** Hands `device`'s waiting copies to the node, up to `inNode` at a time (it is known again, or room was made). */
  pump(device: string): void {
    const q = this.queues.get(device);
    if (q === undefined) return;
    q.blocked = false;
    // a copy refused synchronously (settled 'unsent' inside forward()) comes back to the head of the
    // line: without `blocked` this loop would hand it over again and again (NodePort refuses
    // asynchronously, so only another port could do that; the guard costs nothing)
    while (!q.blocked && q.inNode < this.inNodeMax && q.head < q.waiting.length) {
      const e = q.waiting[q.head++]!;
      const now = this.now();
      // the queue's deadline, or the publication's own expiry if sooner
      // a QoS 2 copy at most DEDUPE_WINDOW: retransmitted later, the subscriber's dedupe window may
      // have forgotten its PUB_ID and take it twice [SW-15.6-3] [SW-18.2-2]
      const deadline = e.f.qos === 2 ? Math.min(this.deadlineMs, DEDUPE_WINDOW_MS) : this.deadlineMs;
      const left = Math.min(deadline - (now - e.at), e.f.expiresAt === undefined ? Infinity : e.f.expiresAt - now);
      if (left <= 0) {
        this.stats.givenUp++;
        this.finish(device, q, e);
        continue;
      }
      q.inNode++;
      this.forwarder.forward(device, e.f, (o) => this.settled(device, q, e, o), left);
    }
    if (q.head > 64 && q.head * 2 > q.waiting.length) {
      q.waiting = q.waiting.slice(q.head);
      q.head = 0;
    }
    if (q.count === 0 && q.inNode === 0) this.queues.delete(device);
  }

  private fits(q: Queue, size: number): boolean {
    return q.count < this.max && q.bytes + size <= this.maxBytes && this.stats.owed < this.maxTotal && this.stats.owedBytes + size <= this.maxTotalBytes;
  }

  private settled(device: string, q: Queue, e: Entry, o: ForwardOutcome): void {
    q.inNode--;
    if (o === 'unsent') {
      // not taken by the node (unknown subscriber, full outbox): back in its place, sent when pumped again
      let i = q.waiting.length;
      while (i > q.head && q.waiting[i - 1]!.order > e.order) i--;
      q.waiting.splice(i, 0, e);
      q.blocked = true;
      if (!this.queues.has(device)) this.queues.set(device, q);
      return;
    }
    if (o === 'delivered') this.stats.delivered++;
    else this.stats.givenUp++;
    this.finish(device, q, e);
    this.pump(device);
  }

  /** `e` is no longer owed. */
  private finish(device: string, q: Queue, e: Entry): void {
    q.count--;
    q.bytes -= e.f.payload.length;
    this.stats.owed--;
    this.stats.owedBytes -= e.f.payload.length;
    if (e.seq !== undefined) this.done?.(e.seq, device);
  }
}
