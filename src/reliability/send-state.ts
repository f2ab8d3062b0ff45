/**
 * The sending half of reliable delivery towards one peer (spec 14.3-14.9). Message ids, the
 * messages in flight, which of them to (re)send now, acknowledgements, fast retransmit, backed-off
 * and jittered retransmission timers, the receiver's window and the congestion window, the outbox
 * and the deadlines. Pure: every method takes `now`; randomness comes from an injected function.
 * @module
 */
import { DeadlineExceededError, InvalidArgumentError, MessageTooLargeError, OutboxFullError } from '../errors.js';
import {
  FIRST_MESSAGE_ID,
  LOSS_TIME_THRESHOLD,
  FORWARD_FRAME_LEN,
  MAX_ACK_DELAY_MS,
  MAX_MESSAGE,
  MIN_DATAGRAM_BUDGET,
} from './constants.js';
import { ForwardBackoff, SilenceBackoff } from './backoff.js';
import { BudgetCap } from './budget-cap.js';
import { UnreliableQueue } from './unreliable-queue.js';
import { Congestion, congestionConfig } from './congestion.js';
import { msgHeaderSize, type AckFrame, type ForwardFrame, type MsgFrame } from './frames.js';
import { heldByPeer, lossCeiling, scanLosses } from './loss-detection.js';
import { ProbeTimer } from './probe-timer.js';
import { Outbox } from './outbox.js';
import { Slab } from '../util/slab.js';
import { concat } from '../util/bytes.js';

/** Copies of unreliable messages, all links together (reliable ones may wait long: own buffers). */
const unreliableSlab = new Slab();
import { RttEstimator } from './rtt.js';
import type { LinkSender, SenderHandover } from './sender.js';
import { SleepSchedule } from './sleepy.js';
import { FragmentBook, type Frag } from './fragment-book.js';
import { fragmentPayload, sendConfig, type Pending, type SendConfig, type RetransmitCounters, type SendEvent, type SendOptions, type SendSnapshot } from './send-types.js';

// The public shapes live in send-types.ts; re-exported so importers of this module keep working.
export { fragmentPayload, SEND_DEFAULTS, type Pending, type SendConfig, type RetransmitCounters, type SendEvent, type SendOptions, type SendSnapshot } from './send-types.js';

export class SendState implements LinkSender {
  readonly profile = 'full';
  readonly config: SendConfig;
  readonly rtt: RttEstimator;
  readonly cong: Congestion;
  readonly sleep = new SleepSchedule();
  readonly outbox: Outbox<Pending>;
  private readonly book: FragmentBook;
  private readonly unreliable: UnreliableQueue;
  private readonly cap: BudgetCap;
  private readonly lastOrdered = new Map<number, number>();
  private nextId = FIRST_MESSAGE_ID;
  private nextTicket = 1;
  private nextSeq = 1;
  /** The receiver's cumulative point and window, from the newest ACK. */
  peerCum = FIRST_MESSAGE_ID;
  peerWindow: number;
  reachable = true;
  readonly counters: RetransmitCounters = { transmissions: 0, retransmissions: 0, fastLosses: 0, timeouts: 0, reductions: 0, collapses: 0 };
  private readonly forward = new ForwardBackoff();
  private readonly silence = new SilenceBackoff();
  /** The latest transmission (seq) ever acknowledged, and when the time threshold next has work [SW-14.4-5]. */
  private largestAckedSeq = 0;
  private lossTimer = Infinity;
  /** The largest WINDOW the peer advertised since its restart (Wmax), and H of its latest ACK [SW-14.4-12]. */
  private peerWindowMax = 0;
  private peerHeld = 0;
  /** The probe timeout [SW-14.4-6]. */
  readonly probe = new ProbeTimer();
  constructor(
    config: Partial<SendConfig> & { peer: string },
    private readonly random: () => number,
  ) {
    this.config = sendConfig(config);
    const c = this.config;
    if (!Number.isInteger(c.datagramBudget) || c.datagramBudget < MIN_DATAGRAM_BUDGET || c.datagramBudget > 65_507) {
      throw new InvalidArgumentError(`datagramBudget must be an integer in [${MIN_DATAGRAM_BUDGET}, 65507]`);
    }
    this.rtt = new RttEstimator(c.rtt);
    this.cap = new BudgetCap(c.datagramBudget);
    // copied into a slab: a message leaves with the next datagram, so it pins its slab only briefly
    this.unreliable = new UnreliableQueue(c.peer, c.outboxMessages, c.outboxBytes, (d) => {
      const copy = unreliableSlab.take(d.length);
      copy.set(d);
      return copy;
    });
    this.cong = new Congestion(congestionConfig(c.datagramBudget));
    this.outbox = new Outbox(c.peer, c.outboxMessages, c.outboxBytes, c.controlReserveMessages, c.controlReserveBytes);
    this.book = new FragmentBook(this.cong, c.fragmentLifetimeMs);
    this.peerWindow = c.initialPeerWindow;
  }

  /** Payload bytes per fragment. */
  get fragmentPayload(): number {
    return fragmentPayload(this.cap.cut);
  }

  get datagramBudget(): number {
    return this.cap.room(this.floor);
  }

  capDatagramBudget(n: number): void {
    this.cap.lower(n, this.nextId, this.unreliable.length);
  }

  /** The lowest id not yet settled (acknowledged or abandoned): what FORWARD carries. */
  get floor(): number {
    return this.book.floor(this.nextId);
  }

  /** Unreliable messages the queue takes now before send() refuses with OutboxFullError [SW-14.8-6]. */
  get unreliableRoom(): number {
    return this.unreliable.room;
  }

  /** Whether a FORWARD is owed: the receiver's cumulative point is below the floor [SW-14.7-5]. */
  get forwardOwed(): boolean {
    return this.floor > this.peerCum;
  }

  /** True when message ids are used up: the node must start a new epoch (and a new SendState). */
  get idsExhausted(): boolean {
    return this.nextId >= this.config.lastMessageId;
  }

  /** Nothing assigned is waiting for acknowledgement: every id of this epoch is settled. */
  get settled(): boolean {
    return this.book.frags.size === 0;
  }

  /**
   * Accepts a message. Returns its ticket (events name it). Throws MessageTooLargeError (over the
   * peer's MAX_MESSAGE, or an unreliable message over one fragment), OutboxFullError, or
   * InvalidArgumentError; in each case nothing is queued [SW-14.6-5], [SW-14.8-1].
   */
  send(data: Uint8Array, opts: SendOptions, now: number): number {
    const reliable = opts.reliable ?? true;
    const ordered = opts.ordered ?? false;
    const channel = opts.channel ?? 0;
    if (!Number.isInteger(channel) || channel < 0 || channel > 255) throw new InvalidArgumentError('channel must be in [0, 255]');
    if (ordered && !reliable) throw new InvalidArgumentError('ordered delivery needs a reliable message');
    const ticket = this.nextTicket++;
    if (!reliable) {
      this.unreliable.push(data, channel, this.fragmentPayload);
      return ticket;
    }
    if (data.length > this.config.peerMaxMessage) throw new MessageTooLargeError(data.length, this.config.peerMaxMessage);
    if (Math.ceil(data.length / this.fragmentPayload) > 0xffff) throw new MessageTooLargeError(data.length, this.fragmentPayload * 0xffff);
    const deadline = opts.deadline ?? now + this.config.defaultDeadlineMs;
    this.outbox.push({ ticket, data: data.slice(), channel, ordered, receipt: opts.receipt ?? false, deadline, size: data.length }, opts.control === true);
    return ticket;
  }

  /** An authenticated datagram came from the peer: a sleepy peer listens now [SW-14.9-3]. */
  heard(now: number): void {
    this.sleep.heard(now);
  }

  /** The peer echoed this node's token: it hears this node, the silence backoff ends [SW-14.4-14]. */
  heardUs(): void {
    this.silence.heard();
  }

  /** Reachability from liveness (spec 11): while unreachable nothing reliable is sent and timers hold [SW-14.8-3]. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  /**
   * The peer restarted (spec 12.2) and lost its receive state: FORWARD is owed again, and every
   * message in flight is resent at once, without a congestion response [SW-14.7-4]; a message the
   * peer had only partly acknowledged goes again whole [SW-14.7-11].
   */
  peerRestarted(now = 0): void {
    this.peerCum = FIRST_MESSAGE_ID;
    this.peerWindow = this.config.initialPeerWindow;
    this.peerWindowMax = 0;
    this.peerHeld = 0;
    this.forward.due(true);
    this.silence.heard();
    for (const f of [...this.book.inFlightFrags()]) this.book.markLost(f);
    this.book.reopenPartial(now);
  }

  /**
   * The peer sent a CHALLENGE: it could not tell this node's datagrams fresh and ignored their
   * reliability frames ([SW-14.10-5]). Fragments in flight are resent at once, without a congestion
   * response, and FORWARD is owed again [SW-14.10-4]: on first contact they would otherwise wait for
   * INITIAL_RTO and collapse cwnd for a loss the network never had.
   */
  challenged(now: number): void {
    this.forward.due(false);
    this.silence.heard(); // the peer is there
    for (const f of [...this.book.inFlightFrags()]) if (f.sentAt <= now) this.book.markLost(f);
  }

  /** Processes an ACK frame [SW-14.3-6], [SW-14.4-7], [SW-14.4-4]. Returns receipts. */
  onAck(a: AckFrame, now: number): SendEvent[] {
    const events: SendEvent[] = [];
    if (a.cum >= this.peerCum) {
      if (a.cum > this.peerCum) {
        this.forward.progress();
        // the peer took fragments or a FORWARD of this node's: it hears this node [SW-14.4-14]. Without
        // this, a sender whose messages were all given up during a silence kept the backoff, with
        // nothing in flight to time out and count a step, and never sent a new message to a peer that
        // answered its FORWARD
        this.silence.heard();
      }
      this.peerCum = a.cum;
      this.peerWindow = a.window;
    }
    const largest = a.ranges.length > 0 ? a.ranges[a.ranges.length - 1]!.end - 1 : a.cum - 1;
    this.peerWindowMax = Math.max(this.peerWindowMax, a.window);
    this.peerHeld = heldByPeer(this.peerWindowMax, a);
    const ackedSeqs: number[] = [];
    // frags are in id order: only those up to the largest id reported can be acknowledged
    let r = 0;
    const newly: Frag[] = [];
    for (const f of this.book.frags.values()) {
      if (f.id > largest) break;
      if (f.transmissions === 0) continue;
      if (f.id >= a.cum) {
        while (r < a.ranges.length && a.ranges[r]!.end <= f.id) r++;
        const rg = a.ranges[r];
        if (rg === undefined || f.id < rg.start) continue;
      }
      newly.push(f);
    }
    let newestSeq = 0;
    for (const f of newly) newestSeq = Math.max(newestSeq, f.seq);
    for (const f of newly) {
      this.book.remove(f);
      this.cong.onAcked(f.size, f.sentAt);
      ackedSeqs.push(f.seq);
      if (f.id === largest && f.transmissions === 1 && f.seq === newestSeq) {
        // Karn: only a fragment sent once gives a sample, and only if no later transmission is
        // acknowledged with it (that one, not it, made the peer send this ACK) [SW-14.4-7];
        // the peer's declared delay is taken off
        const raw = now - f.sentAt;
        const sample = Math.max(1, raw - Math.min(a.delay, MAX_ACK_DELAY_MS));
        this.rtt.sample(sample);
        this.cong.onRttSample(sample, now);
      }
      if (--f.msg.unacked === 0) {
        this.book.msgs.delete(f.msg.ticket);
        if (f.msg.receipt) events.push({ type: 'delivered', ticket: f.msg.ticket });
      }
    }
    if (ackedSeqs.length > 0) {
      let bytes = 0;
      for (const f of newly) bytes += f.size;
      this.cong.onDelivered(bytes, now, this.rtt.srtt);
      ackedSeqs.sort((x, y) => x - y);
      this.largestAckedSeq = Math.max(this.largestAckedSeq, ackedSeqs[ackedSeqs.length - 1]!);
      this.probe.progress();
      this.silence.heard();
      this.detectLosses(ackedSeqs, now);
    }
    return events;
  }

  /** Declares lost what the thresholds of [SW-14.4-4] and [SW-14.4-5] show lost, reducing cwnd once [SW-14.5-6]. */
  private detectLosses(ackedSeqs: readonly number[], now: number): void {
    const candidates = this.book.sentBefore(this.largestAckedSeq);
    const ceiling = lossCeiling(candidates, this.peerHeld); // [SW-14.4-12]
    const scan = scanLosses(candidates, ackedSeqs, this.largestAckedSeq, now, this.rtt.lossDelay(LOSS_TIME_THRESHOLD), ceiling);
    this.lossTimer = scan.lossTimer;
    for (const f of scan.lost) {
      this.book.markLost(f);
      this.counters.fastLosses++;
      if (this.cong.onLoss(f.sentAt, now, this.rtt.srtt)) this.counters.reductions++;
    }
    this.book.keepBefore(candidates);
  }

  /** Deadlines, the fragment lifetime and retransmission timers [SW-14.4-13], [SW-14.8-4]. */
  tick(now: number): SendEvent[] {
    const events: SendEvent[] = [];
    for (const p of this.outbox.expire(now)) {
      events.push({ type: 'failed', ticket: p.ticket, error: new DeadlineExceededError(this.config.peer, p.ticket, 'queued') });
    }
    if (this.book.earliestDeadline() <= now) this.expireMessages(now, events);
    if (this.reachable && this.book.earliestTimeout() <= now) {
      const awake = this.sleep.awake(now);
      for (const f of this.book.dueTimeouts(now)) {
        this.book.markLost(f);
        this.counters.timeouts++;
        this.silence.timedOut(f.sentAt, now, this.rtt); // [SW-14.4-14]
        // a peer that fell asleep did not lose the datagram to congestion [SW-14.9-4]
        if (awake && this.cong.onTimeout(f.sentAt, now)) this.counters.collapses++;
      }
    }
    // a step deferred by timeouts that came too early counts on time when no timer is left to count it [SW-14.4-15]
    if (this.reachable && this.book.earliestTimeout() === Infinity) this.silence.tick(now);
    if (this.lossTimer <= now) this.detectLosses([], now);
    if (this.reachable && this.sleep.awake(now) && !this.probe.owed && this.probe.at(this.rtt, this.book.inFlight) <= now) this.probe.fire();
    return events;
  }

  /** Fails messages past their deadline or fragment lifetime [SW-14.8-4], [SW-14.6-4]. */
  private expireMessages(now: number, events: SendEvent[]): void {
    for (const m of this.book.dueMessages(now)) {
      const lifetimeOver = m.count > 1 && m.firstSentAt !== undefined && now >= m.firstSentAt + this.config.fragmentLifetimeMs;
      if (m.deadline <= now || lifetimeOver) {
        this.book.abandon(m);
        const stage = m.firstSentAt === undefined ? 'queued' : 'in-flight';
        events.push({ type: 'failed', ticket: m.ticket, error: new DeadlineExceededError(this.config.peer, m.ticket, stage) });
      }
    }
  }

  /** Whether reliable frames may go now: reachable, the peer listening, and pacing allows it. */
  private mayTransmit(now: number): boolean {
    return this.reachable && this.sleep.awake(now) && this.silence.open && (this.probe.owed || this.cong.sendTime(now) <= now);
  }

  /** The next fragment that would be sent, or undefined if the window or ids block every one. */
  private nextCandidate(): Frag | 'from-outbox' | undefined {
    const lost = this.book.firstLost();
    if (lost !== undefined) return lost;
    const limit = this.peerCum + this.peerWindow;
    const fresh = this.book.nextFresh(this.nextId);
    if (fresh !== undefined) return fresh.id < limit ? fresh : undefined;
    if (this.outbox.length > 0 && this.nextId < limit && !this.idsExhausted) return 'from-outbox';
    return undefined;
  }

  private candidateSize(c: Frag | 'from-outbox'): number {
    if (c !== 'from-outbox') return c.size;
    const p = this.outbox.peek()!;
    const n = Math.min(p.data.length, this.fragmentPayload);
    return msgHeaderSize({ id: 1, ...(p.ordered && { prev: 0 }), ...(p.data.length > this.fragmentPayload && { frag: { index: 0, count: 2, total: 2 } }) }) + n;
  }

  /** Whether this sender needs a datagram now (data to send, a FORWARD due). */
  wantsDatagram(now: number): boolean {
    if (this.unreliable.length > 0) return true;
    if (this.forwardDue(now)) return true;
    if (!this.mayTransmit(now)) return false;
    if (this.probe.owed) return true;
    const c = this.nextCandidate();
    return c !== undefined && this.cong.canSend(this.candidateSize(c));
  }

  private forwardDue(now: number): boolean {
    return this.forwardOwed && this.reachable && this.sleep.awake(now) && now >= this.forward.retryAt(this.rtt);
  }

  /** The earliest time tick() or wantsDatagram() has something new to say, or Infinity. */
  nextDeadline(now: number): number {
    if (this.wantsDatagram(now)) return now;
    let d = Math.min(this.outbox.nextDeadline(), this.book.earliestDeadline(), this.lossTimer);
    if (this.reachable) {
      const timeout = this.book.earliestTimeout();
      d = Math.min(d, timeout === Infinity ? this.silence.pendingAt : timeout);
      const awake = this.sleep.awake(now);
      // a probe already owed waits for the silence backoff's next step, not for its own time: that
      // time has passed, and reported as the next deadline it would wake the node at once, forever
      if (awake && !this.probe.owed) d = Math.min(d, this.probe.at(this.rtt, this.book.inFlight));
      if (awake && this.forwardOwed) d = Math.min(d, this.forward.retryAt(this.rtt));
      if (awake) {
        const c = this.nextCandidate();
        if (this.silence.open && c !== undefined && this.cong.canSend(this.candidateSize(c))) d = Math.min(d, this.cong.sendTime(now));
      }
    }
    return Math.max(now, Math.ceil(d));
  }


  /** A FORWARD frame if one is owed and `room` allows; a FORWARD rides on every datagram while owed [SW-14.7-5]. */
  forwardFrame(now: number, room: number): ForwardFrame | undefined {
    if (!this.forwardOwed || room < FORWARD_FRAME_LEN) return undefined;
    this.forward.sent(now);
    return { type: 'FORWARD', floor: this.floor };
  }

  /**
   * MSG frames for one datagram with `room` bytes: unreliable messages first, then
   * retransmissions (lowest id first), then new fragments, within the peer's window, the
   * congestion window and pacing [SW-14.5-1]. The frames count as sent at `now`.
   */
  takeMessages(now: number, room: number): MsgFrame[] {
    const out: MsgFrame[] = [];
    room = this.unreliable.take(room, out, this.cap);
    if (!this.mayTransmit(now)) return out;
    const probe = this.probe.owed;
    // a probe with nothing declared lost resends the oldest fragment in flight first, then what is new;
    // with nothing new, the newest as room allows [SW-14.4-6]; but when the peer holds some, the
    // lowest it can be missing and none of the newest, which it likely holds [SW-14.4-12]
    if (probe && this.book.lostCount === 0) {
      const fresh = this.nextCandidate() !== undefined;
      if (this.peerHeld > 0) this.book.markOldestLost(room, Math.max(1, this.book.inFlight - this.peerHeld));
      else {
        const used = this.book.markOldestLost(room);
        if (!fresh) this.book.markNewestLost(room - used);
      }
    }
    let sent = 0;
    for (let guard = 0; guard < 1 << 16; guard++) {
      const c = this.nextCandidate();
      if (c === undefined) break;
      // a probe fills its datagram whatever cwnd says [SW-14.4-6]
      if ((!probe && !this.cong.canSend(this.candidateSize(c))) || this.candidateSize(c) > room) break;
      if (c === 'from-outbox') {
        this.assign(this.outbox.shift()!, now);
        continue;
      }
      const f = c;
      if (f.transmissions > 0) this.counters.retransmissions++;
      this.counters.transmissions++;
      const rtxAt = now + this.rtt.fragmentTimeout(f.transmissions + 1, this.config.jitter, this.random()); // [SW-14.4-13]
      this.book.transmitted(f, now, this.nextSeq++, rtxAt);
      sent += f.size;
      out.push(f.frame);
      room -= f.size;
    }
    this.cong.pace(sent, now, this.rtt.srtt); // one pacing step per datagram
    if (sent > 0) {
      this.probe.sent(now);
      this.silence.sent(now);
    }
    else if (probe) this.probe.owed = false; // nothing could go (no room): the timer runs again
    return out;
  }

  /** Gives a queued message its ids (consecutive, one per fragment) and its PREV [SW-14.2-3]. */
  private assign(p: Pending, now: number): void {
    const count = p.data.length <= this.fragmentPayload ? 1 : Math.ceil(p.data.length / this.fragmentPayload);
    const firstId = this.nextId;
    this.nextId += count;
    let prev: number | undefined;
    if (p.ordered) {
      prev = this.lastOrdered.get(p.channel) ?? 0;
      this.lastOrdered.set(p.channel, firstId);
    }
    this.book.addMessage(p, firstId, count, this.fragmentPayload, prev, now);
  }

  /**
   * Messages given ids but with no fragment acknowledged yet, in id order, as they were sent: what a
   * peer that refused every datagram of this epoch as stale never took ([SW-12.4-3]), so the next
   * epoch may send them again. Partly acknowledged messages are not among them.
   */
  untaken(): Array<Omit<Pending, 'size' | 'receipt'>> {
    const out: Array<Omit<Pending, 'size' | 'receipt'> & { firstId: number }> = [];
    for (const m of this.book.msgs.values()) {
      const parts: Uint8Array[] = [];
      let frame: Frag['frame'] | undefined;
      for (let id = m.firstId; id < m.firstId + m.count; id++) {
        const f = this.book.frags.get(id);
        if (f === undefined || f.msg !== m) break;
        frame ??= f.frame;
        parts.push(f.frame.data);
      }
      if (parts.length !== m.count || frame === undefined) continue;
      const data = concat(...parts);
      out.push({ ticket: m.ticket, data, channel: frame.channel, ordered: frame.prev !== undefined, deadline: m.deadline, firstId: m.firstId });
    }
    return out.sort((a, b) => a.firstId - b.firstId).map(({ firstId: _, ...rest }) => rest);
  }

  /** A full-profile sender continuing the sequences of the one it replaces ([SW-14.12-14]). */
  static resume(config: Partial<SendConfig> & { peer: string }, random: () => number, h: SenderHandover): SendState {
    const s = new SendState(config, random);
    s.nextId = h.nextId;
    s.nextTicket = h.nextTicket;
    for (const [ch, id] of h.lastOrdered) s.lastOrdered.set(ch, id);
    s.peerCum = h.peerCum;
    s.peerWindow = h.peerWindow;
    s.peerWindowMax = h.peerWindowMax ?? 0;
    if (h.srtt !== undefined) s.rtt.sample(h.srtt);
    return s;
  }

  get ssthresh(): number {
    return this.cong.ssthresh;
  }

  get cwnd(): number {
    return this.cong.cwnd;
  }

  restoreEstimates(srtt: number | undefined, rttvar: number | undefined, ssthresh: number, cwnd: number): void {
    if (srtt !== undefined && rttvar !== undefined) this.rtt.restore(srtt, rttvar);
    this.cong.ssthresh = ssthresh;
    this.cong.cwnd = Math.min(this.cong.cwnd, cwnd); // RFC 5681 4.1: restart at min(IW, cwnd), never above it
  }

  handover(): SenderHandover | undefined {
    if (!this.settled || this.outbox.length > 0 || this.unreliable.length > 0) return undefined;
    return { nextId: this.nextId, nextTicket: this.nextTicket, lastOrdered: new Map(this.lastOrdered), peerCum: this.peerCum, peerWindow: this.peerWindow, peerWindowMax: this.peerWindowMax, srtt: this.rtt.srtt };
  }

  snapshot(): SendSnapshot {
    const ids = this.book.inFlight;
    return {
      rto: this.rtt.rto,
      srtt: this.rtt.srtt,
      rttvar: this.rtt.rttvar,
      cwnd: this.cong.cwnd,
      ssthresh: this.cong.ssthresh,
      inflightBytes: this.cong.inflight,
      inflightIds: ids,
      outbox: this.outbox.length,
      floor: this.floor,
      peerCum: this.peerCum,
      peerWindow: this.peerWindow,
    };
  }
}

