/**
 * The node's half of the ACK clock of unreliable messages sent with back-pressure [SW-14.8-7]: how
 * many the clock lets go now, and the markers (reliable MSGs carrying one of them) that make sure an
 * ACK comes where no other reliable traffic goes. What the peer has shown it handled is the link's
 * (ReliableLink.clock, src/reliability/ack-clock.ts); this file decides when a message travels as a
 * marker and what a marker given up covers.
 * @module
 */
import { OutboxFullError } from '../errors.js';
import type { ReliableLink } from '../reliability/link.js';

/** A marker every CLOCK_BATCH clocked messages [SW-14.8-7]. */
export const CLOCK_BATCH = 64;
/** At most CLOCK_MARKERS * CLOCK_BATCH unreliable messages handed over and not covered by an ACK. */
export const CLOCK_MARKERS = 8;
const WINDOW = CLOCK_MARKERS * CLOCK_BATCH;

export class ClockMarkers {
  /**
   * Per link: its markers not yet settled, each with the clock position it covers if given up; and
   * the clocked messages since the last marker.
   */
  private readonly links = new WeakMap<ReliableLink, { markers: Map<number, number>; since: number }>();

  /** `waitMs`: how long a marker waits for its ACK before it is given up (UNRELIABLE_WAIT). */
  constructor(private readonly waitMs: number) {}

  /**
   * Unreliable messages the link's clock lets go now (Infinity towards a peer the device rules
   * apply to). When the clock is closed with no marker outstanding, one message may go, as a
   * marker, if the outbox has room for it: without it the clock could stay closed for good (nothing
   * in flight, or only fragments whose ACK a receiver withholds, [SW-14.3-9], or that are given up).
   * One at a time: the window is passed by at most that one reliable message.
   */
  room(link: ReliableLink): number {
    if (link.sender.profile !== 'full') return Infinity;
    const room = WINDOW - link.clock.uncovered;
    if (room > 0) return room;
    const out = link.sender.outbox;
    return (this.links.get(link)?.markers.size ?? 0) === 0 && out.length < out.maxMessages ? 1 : 0;
  }

  /**
   * Queues one clocked message on the link. It goes in a reliable MSG (a marker) every
   * CLOCK_BATCH-th message while the outbox is less than half full (a fuller outbox's messages,
   * sent later, will cover it), and whenever the clock is closed (room() let one go). A marker is
   * given up `waitMs` after it is made, not at the end of its message's own wait, which may be a
   * moment away: markers given up at once would reopen the clock at the pace messages are offered.
   * Throws as ReliableLink.send does.
   */
  send(link: ReliableLink, data: Uint8Array, channel: number, now: number): void {
    const s = link.sender;
    let c = this.links.get(link);
    if (c === undefined) this.links.set(link, (c = { markers: new Map(), since: 0 }));
    const closed = s.profile === 'full' && link.clock.uncovered >= WINDOW;
    if (s.profile !== 'full' || (!closed && (++c.since < CLOCK_BATCH || s.outbox.length >= s.outbox.maxMessages / 2))) {
      link.send(data, { reliable: false, channel }, now);
      return;
    }
    c.since = 0;
    const position = link.clock.handed;
    let ticket: number;
    try {
      ticket = link.send(data, { reliable: true, ordered: false, channel, receipt: true, deadline: now + this.waitMs }, now);
    } catch (e) {
      if (!(e instanceof OutboxFullError)) throw e;
      link.send(data, { reliable: false, channel }, now); // the outbox's bytes are full: no marker this time
      return;
    }
    c.markers.set(ticket, position);
  }

  /**
   * A reliable message of the link settled: true if it was a marker. A marker given up (`failed`)
   * covers what was handed over before it: a silent peer does not close the clock for good, and
   * with no ACK at all the clock opens one window per `waitMs`.
   */
  settled(link: ReliableLink, ticket: number, failed: boolean): boolean {
    const c = this.links.get(link);
    const position = c?.markers.get(ticket);
    if (position === undefined) return false;
    c!.markers.delete(ticket);
    if (failed) link.clock.cover(position);
    return true;
  }
}
