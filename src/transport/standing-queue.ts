/**
 * A bound on the standing queue in a socket's receive buffer [SW-8.4-4]. The large buffer of
 * [SW-8.4-1] absorbs bursts; but a node that stays behind its input (more arrives than it handles)
 * fills it and then handles every datagram seconds late: a hub's 8 MiB holds some 10,000 small
 * datagrams, several seconds of its input. ACKs read that late look like loss, round trips like
 * seconds, peers like gone, and what it sends to catch up adds to the load (bufferbloat). So once
 * every read has found more waiting for STANDING_QUEUE ms, the buffer shrinks to
 * UDP_RECV_BUFFER_BEHIND: the kernel drops what comes beyond it (the senders' reliability sends it
 * again, at the pace of ACKs that are now timely), and the queue holds a fraction of a second. The
 * first read that finds the socket empty restores the large buffer for the next burst. A long turn
 * (a stall of the process) changes nothing: a read that found more waiting is always followed by
 * another, so an idle socket is always first found empty; a stall with input waiting is not idle.
 * Only the node's next datagrams feel the change: Linux drops new arrivals beyond the smaller
 * buffer, and what is queued already drains first.
 *
 * Pure: the transport reports each turn of its event loop that read datagrams, with the time.
 * @module
 */

/** How long every read must find more waiting before the buffer shrinks, ms [SW-8.4-4]. */
export const STANDING_QUEUE_MS = 200;
/** The receive buffer requested while the node stays behind its input (SO_RCVBUF, bytes) [SW-8.4-4]. */
export const UDP_RECV_BUFFER_BEHIND = 256 * 1024;

export interface StandingQueueOptions {
  /** The buffer to request normally (the transport's recvBufferSize). */
  readonly full: number;
  /** The buffer to request while behind. */
  readonly behind: number;
  /** How long every turn must read a full batch before shrinking, ms. */
  readonly afterMs: number;
}

export class StandingQueueLimit {
  /** Times the buffer was shrunk. */
  shrinks = 0;
  /** Whether it is shrunk now. */
  shrunk = false;
  /** Since when every turn has read a full batch (the socket had more), or undefined. */
  private behindSince: number | undefined;

  constructor(
    private readonly o: StandingQueueOptions,
    /** Requests a receive buffer size (the transport's SO_RCVBUF setter; it may grant less). */
    private readonly request: (bytes: number) => void,
  ) {}

  /**
   * One turn of the event loop that read datagrams: `drained` if its read found the socket empty
   * (fewer than a full batch), at `now` (ms, monotonic).
   */
  turn(drained: boolean, now: number): void {
    if (drained) {
      this.behindSince = undefined;
      if (this.shrunk) {
        this.shrunk = false;
        this.request(this.o.full);
      }
      return;
    }
    this.behindSince ??= now;
    if (!this.shrunk && now - this.behindSince >= this.o.afterMs) {
      this.shrunk = true;
      this.shrinks++;
      this.request(this.o.behind);
    }
  }
}
