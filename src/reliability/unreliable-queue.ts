/**
 * The queue of unreliable messages to one peer (spec 14.1, [SW-14.8-5]): each leaves in the next
 * datagram with room for it, first of all MSG frames, and is never sent again. Bounded by the
 * outbox's message count; full, it refuses (the node's waiting line, [SW-14.8-6], stands in front).
 * Both senders (the full profile's and the device profile's) keep one.
 * @module
 */
import { MessageTooLargeError, OutboxFullError } from '../errors.js';
import type { BudgetCap } from './budget-cap.js';
import { msgHeaderSize, type MsgFrame } from './frames.js';

export class UnreliableQueue {
  private items: Array<{ readonly channel: number; readonly data: Uint8Array }> = [];

  constructor(
    private readonly peer: string,
    private readonly maxMessages: number,
    /** Reported in OutboxFullError with the message limit (the outbox's byte limit). */
    private readonly maxBytes: number,
    /** Copies a message's bytes into storage of the queue's own (the caller may reuse its buffer). */
    private readonly copy: (data: Uint8Array) => Uint8Array,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Messages that may still be queued. */
  get room(): number {
    return this.maxMessages - this.items.length;
  }

  /** Queues a copy of `data`; throws MessageTooLargeError (over `payload`) or OutboxFullError, queuing nothing. */
  push(data: Uint8Array, channel: number, payload: number): void {
    if (data.length > payload) throw new MessageTooLargeError(data.length, payload, 'unreliable message');
    if (this.items.length >= this.maxMessages) throw new OutboxFullError(this.peer, this.maxMessages, this.maxBytes);
    this.items.push({ channel, data: this.copy(data) });
  }

  /** Moves the oldest messages that fit `room` bytes into `out`, in order; returns the room left. */
  take(room: number, out: MsgFrame[], cap: BudgetCap): number {
    while (this.items.length > 0) {
      const u = this.items[0]!;
      const size = msgHeaderSize({}) + u.data.length;
      if (size > room) break;
      this.items.shift();
      cap.tookUnreliable();
      out.push({ type: 'MSG', channel: u.channel, data: u.data });
      room -= size;
    }
    return room;
  }
}
