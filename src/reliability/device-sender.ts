/**
 * The sending half of reliable delivery in the device profile (spec 14.12): a fixed window of
 * DEVICE_WINDOW fragments past FLOOR, one retransmission timer per peer backed off per expiry up to
 * a cap, a gap rule instead of a congestion controller, and integers only (whole ms, whole bytes).
 * Towards a silent peer it sends one datagram per timer step whatever the application hands over,
 * and its outbox keeps room for control operations. Pure: every method takes `now`.
 * @module
 */
import { DeadlineExceededError, InvalidArgumentError, MessageTooLargeError, OutboxFullError } from '../errors.js';
import { FIRST_MESSAGE_ID, FORWARD_FRAME_LEN, MAX_ACK_DELAY_MS, MIN_DATAGRAM_BUDGET } from './constants.js';
import { DEVICE_MAX_BACKOFF_MS, DEVICE_MAX_BACKOFF_STEPS, DEVICE_WINDOW } from './device-constants.js';
import { DeviceRtt, randomByte } from './device-rtt.js';
import { BudgetCap } from './budget-cap.js';
import { UnreliableQueue } from './unreliable-queue.js';
import { cutFragment, type CutMessage } from './fragment-cut.js';
import { msgHeaderSize, type AckFrame, type ForwardFrame, type MsgFrame } from './frames.js';
import { heldByPeer } from './loss-detection.js';
import { Outbox } from './outbox.js';
import { fragmentPayload, sendConfig, type Pending, type RetransmitCounters, type SendConfig, type SendEvent, type SendOptions, type SendSnapshot } from './send-types.js';
import type { LinkSender, SenderHandover } from './sender.js';
import { SleepSchedule } from './sleepy.js';
import { concat } from '../util/bytes.js';

/** The device profile's configuration: the full one's, plus its window and timer cap. */
export interface DeviceSendConfig extends SendConfig {
  /** Fragments in flight at most, past FLOOR [SW-14.12-4]. */
  readonly window: number;
  /** Cap of the backed-off timer before jitter [SW-14.12-6]. */
  readonly maxBackoffMs: number;
}

interface DMsg extends CutMessage {
  readonly ticket: number;
  readonly receipt: boolean;
  readonly deadline: number;
  unacked: number;
  firstSentAt: number | undefined;
}

/** Fragment `i` of `msg`, never transmitted [SW-14.6-7]. */
function fragOf(msg: DMsg, i: number, now: number): DFrag {
  const { frame, size } = cutFragment(msg, i);
  return { id: msg.firstId + i, msg, frame, size, transmissions: 0, sentAt: now, lost: false };
}

interface DFrag {
  readonly id: number;
  readonly msg: DMsg;
  readonly frame: MsgFrame;
  readonly size: number;
  transmissions: number;
  sentAt: number;
  /** Declared lost (gap rule or timer) and not sent again yet. */
  lost: boolean;
}

export class DeviceSendState implements LinkSender {
  readonly profile = 'device';
  readonly config: DeviceSendConfig;
  readonly rtt: DeviceRtt;
  readonly sleep = new SleepSchedule();
  readonly outbox: Outbox<Pending>;
  readonly counters: RetransmitCounters = { transmissions: 0, retransmissions: 0, fastLosses: 0, timeouts: 0, reductions: 0, collapses: 0 };
  /** Assigned ids not yet settled, in id order. */
  private readonly frags = new Map<number, DFrag>();
  private readonly msgs = new Map<number, DMsg>();
  private readonly unreliable: UnreliableQueue;
  private readonly cap: BudgetCap;
  private readonly lastOrdered = new Map<number, number>();
  private nextId = FIRST_MESSAGE_ID;
  private nextTicket = 1;
  peerCum = FIRST_MESSAGE_ID;
  peerWindow: number;
  /** Wmax, the largest WINDOW the peer advertised since its restart [SW-14.12-20]. */
  private peerWindowMax = 0;
  reachable = true;
  /** Timer expiries since the peer last showed it hears this node (the backoff exponent) [SW-14.12-6]. */
  backoff = 0;
  /** When the one retransmission timer fires, or Infinity while it is stopped. */
  timerAt = Infinity;
  /** A timer step's datagram is owed (at most one per step while backoff > 0). */
  private stepOwed = false;
  /** A FORWARD goes on its own at once (FLOOR first passed CUM, or the peer restarted or challenged). */
  private forwardFresh = false;
  /** A FORWARD went in the datagram being built (set by forwardFrame, read by takeMessages). */
  private forwardInDatagram = false;

  /** `resume` continues the sequences of the sender this one replaces ([SW-14.12-14]). */
  constructor(
    config: Partial<DeviceSendConfig> & { peer: string },
    private readonly random: () => number,
    resume?: SenderHandover,
  ) {
    // one literal, not a spread merge: every device sender's configuration shares one hidden class (sendConfig)
    const b = sendConfig(config);
    this.config = {
      peer: b.peer,
      datagramBudget: b.datagramBudget,
      peerMaxMessage: b.peerMaxMessage,
      outboxMessages: b.outboxMessages,
      outboxBytes: b.outboxBytes,
      controlReserveMessages: b.controlReserveMessages,
      controlReserveBytes: b.controlReserveBytes,
      defaultDeadlineMs: b.defaultDeadlineMs,
      initialPeerWindow: b.initialPeerWindow,
      rtt: b.rtt,
      jitter: b.jitter,
      fragmentLifetimeMs: b.fragmentLifetimeMs,
      lastMessageId: b.lastMessageId,
      window: config.window ?? DEVICE_WINDOW,
      maxBackoffMs: config.maxBackoffMs ?? DEVICE_MAX_BACKOFF_MS,
    };
    const c = this.config;
    if (!Number.isInteger(c.datagramBudget) || c.datagramBudget < MIN_DATAGRAM_BUDGET || c.datagramBudget > 65_507) {
      throw new InvalidArgumentError(`datagramBudget must be an integer in [${MIN_DATAGRAM_BUDGET}, 65507]`);
    }
    if (!Number.isInteger(c.window) || c.window < 1) throw new InvalidArgumentError('window must be an integer >= 1');
    this.rtt = new DeviceRtt(c.maxBackoffMs);
    this.cap = new BudgetCap(c.datagramBudget);
    this.unreliable = new UnreliableQueue(c.peer, c.outboxMessages, c.outboxBytes, (d) => d.slice());
    this.outbox = new Outbox(c.peer, c.outboxMessages, c.outboxBytes, c.controlReserveMessages, c.controlReserveBytes);
    this.peerWindow = c.initialPeerWindow;
    if (resume !== undefined) {
      this.nextId = resume.nextId;
      this.nextTicket = resume.nextTicket;
      for (const [ch, id] of resume.lastOrdered) this.lastOrdered.set(ch, id);
      this.peerCum = resume.peerCum;
      this.peerWindow = Math.min(resume.peerWindow, c.window);
      this.peerWindowMax = resume.peerWindowMax ?? 0;
      if (resume.srtt !== undefined) this.rtt.sample(Math.max(1, Math.round(resume.srtt)));
    }
  }

  /** The device rules have no congestion window, so no slow-start threshold. */
  get ssthresh(): number {
    return Infinity;
  }

  get cwnd(): number {
    return Infinity;
  }

  restoreEstimates(srtt: number | undefined, rttvar: number | undefined): void {
    if (srtt !== undefined && rttvar !== undefined) this.rtt.restore(srtt, rttvar);
  }

  handover(): SenderHandover | undefined {
    if (!this.settled || this.outbox.length > 0 || this.unreliable.length > 0) return undefined;
    return { nextId: this.nextId, nextTicket: this.nextTicket, lastOrdered: new Map(this.lastOrdered), peerCum: this.peerCum, peerWindow: this.peerWindow, peerWindowMax: this.peerWindowMax, srtt: this.rtt.srtt };
  }

  get fragmentPayload(): number {
    return fragmentPayload(this.cap.cut);
  }

  get datagramBudget(): number {
    return this.cap.room(this.floor);
  }

  capDatagramBudget(n: number): void {
    this.cap.lower(n, this.nextId, this.unreliable.length);
  }

  get floor(): number {
    for (const id of this.frags.keys()) return id;
    return this.nextId;
  }

  get forwardOwed(): boolean {
    return this.floor > this.peerCum;
  }

  get idsExhausted(): boolean {
    return this.nextId >= this.config.lastMessageId;
  }

  get settled(): boolean {
    return this.frags.size === 0;
  }

  /** Ids of the fragments transmitted and neither acknowledged nor declared lost, in id order. */
  get inFlightIds(): number[] {
    const ids: number[] = [];
    for (const f of this.frags.values()) if (f.transmissions > 0 && !f.lost) ids.push(f.id);
    return ids;
  }

  /** Fragments transmitted and neither acknowledged nor declared lost. */
  get inFlight(): number {
    let n = 0;
    for (const f of this.frags.values()) if (f.transmissions > 0 && !f.lost) n++;
    return n;
  }

  /** Unreliable messages the queue takes now before send() refuses with OutboxFullError [SW-14.8-6]. */
  get unreliableRoom(): number {
    return this.unreliable.room;
  }

  /** Accepts a message, as SendState.send [SW-14.6-5], [SW-14.8-1]; control operations may take the reserve [SW-14.12-12]. */
  send(data: Uint8Array, opts: SendOptions, now: number): number {
    const reliable = opts.reliable ?? true;
    const ordered = opts.ordered ?? false;
    const channel = opts.channel ?? 0;
    if (!Number.isInteger(channel) || channel < 0 || channel > 255) throw new InvalidArgumentError('channel must be in [0, 255]');
    if (ordered && !reliable) throw new InvalidArgumentError('ordered delivery needs a reliable message');
    if (!reliable) {
      this.unreliable.push(data, channel, this.fragmentPayload);
      return this.nextTicket++;
    }
    if (data.length > this.config.peerMaxMessage) throw new MessageTooLargeError(data.length, this.config.peerMaxMessage);
    if (Math.ceil(data.length / this.fragmentPayload) > 0xffff) throw new MessageTooLargeError(data.length, this.fragmentPayload * 0xffff);
    const deadline = opts.deadline ?? now + this.config.defaultDeadlineMs;
    // in flight counts against the outbox too: a device holds a message's bytes until it is settled
    const held = { ticket: this.nextTicket, data: data.slice(), channel, ordered, receipt: opts.receipt ?? false, deadline, size: data.length };
    this.checkRoom(held.size, opts.control === true);
    this.outbox.push(held, opts.control === true);
    return this.nextTicket++;
  }

  /** The outbox limits apply to messages queued and in flight together (one buffer on a device) [SW-14.12-12]. */
  private checkRoom(size: number, control: boolean): void {
    const c = this.config;
    let bytes = this.outbox.bytes + size;
    for (const f of this.frags.values()) bytes += f.frame.data.length;
    const maxM = c.outboxMessages + (control ? c.controlReserveMessages : 0);
    const maxB = c.outboxBytes + (control ? c.controlReserveBytes : 0);
    if (this.msgs.size + this.outbox.length + 1 > maxM || bytes > maxB) throw new OutboxFullError(c.peer, maxM, maxB);
  }

  heard(now: number): void {
    this.sleep.heard(now);
  }

  /** The peer hears this node (an ECHO of its token): the backoff ends, and what timed out goes at once [SW-14.12-17]. */
  heardUs(): void {
    if (this.backoff === 0) return;
    this.resetBackoff();
  }

  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  /**
   * The peer restarted [SW-14.7-4]: CUM 1, FORWARD owed at once, everything in flight again, backoff
   * over; a message it had acknowledged only in part goes again whole [SW-14.7-11].
   */
  peerRestarted(): void {
    this.peerCum = FIRST_MESSAGE_ID;
    this.peerWindow = this.config.initialPeerWindow;
    this.peerWindowMax = 0;
    this.resetBackoff();
    let reopened = false;
    for (const m of this.msgs.values()) {
      if (m.count === 1 || m.unacked === m.count || m.unacked === 0) continue;
      for (let i = 0; i < m.count; i++) {
        if (this.frags.has(m.firstId + i)) continue;
        const f = fragOf(m, i, 0);
        f.transmissions = 1; // sent before: a retransmission
        f.lost = true;
        m.unacked++;
        this.frags.set(f.id, f);
        reopened = true;
      }
    }
    if (reopened) {
      const sorted = [...this.frags.values()].sort((a, b) => a.id - b.id); // the map stays in id order
      this.frags.clear();
      for (const f of sorted) this.frags.set(f.id, f);
    }
  }

  /** The peer challenged this node [SW-14.10-4]: what it ignored goes again with the ECHO. */
  challenged(now: number): void {
    this.backoff = 0;
    this.stepOwed = false;
    this.forwardFresh = true;
    for (const f of this.frags.values()) if (f.transmissions > 0 && !f.lost && f.sentAt <= now) this.markLost(f);
    if (this.inFlight === 0) this.timerAt = Infinity;
  }

  private resetBackoff(): void {
    this.backoff = 0;
    this.stepOwed = false;
    this.forwardFresh = true;
    for (const f of this.frags.values()) if (f.transmissions > 0 && !f.lost) this.markLost(f);
    this.timerAt = Infinity;
  }

  private markLost(f: DFrag): void {
    f.lost = true;
  }

  /**
   * An ACK [SW-14.12-5]: settles what it reports, takes an RTT sample only when every fragment it
   * newly acknowledges went once (Karn), declares lost by the gap rule what was sent no later than
   * the highest newly acknowledged fragment and is still missing below it, and on progress ends the
   * backoff and restarts the timer.
   */
  onAck(a: AckFrame, now: number): SendEvent[] {
    const events: SendEvent[] = [];
    let progress = false;
    if (a.cum >= this.peerCum) {
      progress = a.cum > this.peerCum;
      this.peerCum = a.cum;
      this.peerWindow = a.window;
    }
    const largest = a.ranges.length > 0 ? a.ranges[a.ranges.length - 1]!.end - 1 : a.cum - 1;
    this.peerWindowMax = Math.max(this.peerWindowMax, a.window);
    const newly: DFrag[] = [];
    let r = 0;
    for (const f of this.frags.values()) {
      if (f.id > largest) break;
      if (f.transmissions === 0) continue;
      if (f.id >= a.cum) {
        while (r < a.ranges.length && a.ranges[r]!.end <= f.id) r++;
        const rg = a.ranges[r];
        if (rg === undefined || f.id < rg.start) continue;
      }
      newly.push(f);
    }
    const top = newly[newly.length - 1];
    if (top !== undefined) {
      progress = true;
      if (top.id === largest && newly.every((f) => f.transmissions === 1)) {
        this.rtt.sample(Math.max(1, now - top.sentAt - Math.min(a.delay, MAX_ACK_DELAY_MS)));
      }
      for (const f of newly) {
        this.frags.delete(f.id);
        if (--f.msg.unacked === 0) {
          this.msgs.delete(f.msg.ticket);
          if (f.msg.receipt) events.push({ type: 'delivered', ticket: f.msg.ticket });
        }
      }
      // the gap rule: a fragment below one acknowledged now, and sent no later, was lost
      for (const g of this.frags.values()) {
        if (g.id > top.id) break;
        if (g.transmissions > 0 && !g.lost && g.sentAt <= top.sentAt) {
          this.markLost(g);
          this.counters.fastLosses++;
        }
      }
    }
    if (heldByPeer(this.peerWindowMax, a) > 0) this.earlyRetransmit(now);
    if (progress) {
      this.backoff = 0;
      this.stepOwed = false;
      this.timerAt = this.inFlight > 0 || this.forwardOwed ? now + this.rtt.timer(0, randomByte(this.random)) : Infinity;
    }
    return events;
  }

  /**
   * Held, not missing [SW-14.12-20]: called while the peer holds messages back behind a gap (H > 0).
   * The lowest fragment sent and unacknowledged is declared lost if it is in flight, was sent once and
   * at least SRTT ago. Only a first transmission qualifies, so the ACKs its duplicates draw never make
   * it go again (no answer loop; spec/model/answers.pml -DDEFER).
   */
  private earlyRetransmit(now: number): void {
    const srtt = this.rtt.srtt;
    if (srtt === undefined) return;
    // the lowest fragment sent and unacknowledged; one already declared lost explains what the peer holds
    for (const f of this.frags.values()) {
      if (f.transmissions === 0) continue;
      if (!f.lost && f.transmissions === 1 && now - f.sentAt >= srtt) {
        this.markLost(f);
        this.counters.fastLosses++;
      }
      return;
    }
  }

  /** Deadlines, the fragment lifetime, and the one timer [SW-14.12-6], [SW-14.8-4]. */
  tick(now: number): SendEvent[] {
    const events: SendEvent[] = [];
    const owedBefore = this.forwardOwed;
    for (const p of this.outbox.expire(now)) {
      events.push({ type: 'failed', ticket: p.ticket, error: new DeadlineExceededError(this.config.peer, p.ticket, 'queued') });
    }
    for (const m of [...this.msgs.values()]) {
      if (now < this.messageDeadline(m)) continue;
      this.msgs.delete(m.ticket);
      for (let id = m.firstId; id < m.firstId + m.count; id++) this.frags.delete(id);
      events.push({ type: 'failed', ticket: m.ticket, error: new DeadlineExceededError(this.config.peer, m.ticket, m.firstSentAt === undefined ? 'queued' : 'in-flight') });
    }
    if (!owedBefore && this.forwardOwed) this.forwardFresh = true;
    if (this.reachable && this.sleep.awake(now) && this.timerAt <= now) {
      this.timerAt = Infinity;
      if (this.inFlight > 0 || this.forwardOwed) {
        this.backoff = Math.min(this.backoff + 1, DEVICE_MAX_BACKOFF_STEPS);
        this.counters.timeouts++;
        for (const f of this.frags.values()) if (f.transmissions > 0 && !f.lost) this.markLost(f);
        this.stepOwed = true;
      }
    }
    return events;
  }

  private messageDeadline(m: DMsg): number {
    return m.count > 1 && m.firstSentAt !== undefined ? Math.min(m.deadline, m.firstSentAt + this.config.fragmentLifetimeMs) : m.deadline;
  }

  private mayTransmit(now: number): boolean {
    return this.reachable && this.sleep.awake(now);
  }

  /** The lowest fragment declared lost, or undefined. */
  private firstLost(): DFrag | undefined {
    for (const f of this.frags.values()) if (f.lost) return f;
    return undefined;
  }

  /** The next fragment sent for the first time, if the windows allow it [SW-14.12-4]; `assign` gives the outbox head its ids. */
  private nextFresh(assign: boolean, now: number): DFrag | undefined {
    const limit = Math.min(this.floor + this.config.window, this.peerCum + this.peerWindow);
    for (const f of this.frags.values()) if (f.transmissions === 0) return f.id < limit ? f : undefined;
    if (this.outbox.length === 0 || this.nextId >= limit || this.idsExhausted) return undefined;
    if (!assign) return { id: this.nextId, size: this.outboxHeadSize() } as DFrag; // a stand-in: only its presence is read
    return this.frags.get(this.assign(this.outbox.shift()!, now));
  }

  private outboxHeadSize(): number {
    const p = this.outbox.peek()!;
    const n = Math.min(p.data.length, this.fragmentPayload);
    return msgHeaderSize({ id: 1, ...(p.ordered && { prev: 0 }), ...(p.data.length > this.fragmentPayload && { frag: { index: 0, count: 2, total: 2 } }) }) + n;
  }

  wantsDatagram(now: number): boolean {
    if (this.unreliable.length > 0) return true;
    if (!this.mayTransmit(now)) return false;
    if (this.forwardOwed && ((this.backoff === 0 && this.forwardFresh) || this.stepOwed)) return true;
    if (this.backoff > 0) return this.stepOwed && this.firstLost() !== undefined;
    return this.firstLost() !== undefined || this.nextFresh(false, now) !== undefined;
  }

  nextDeadline(now: number): number {
    if (this.wantsDatagram(now)) return now;
    let d = this.outbox.nextDeadline();
    for (const m of this.msgs.values()) d = Math.min(d, this.messageDeadline(m));
    if (this.reachable && this.sleep.awake(now)) d = Math.min(d, this.timerAt);
    return Math.max(now, d);
  }

  /** FORWARD rides on every datagram while owed [SW-14.7-5]; alone only as [SW-14.12-8] says. */
  forwardFrame(_now: number, room: number): ForwardFrame | undefined {
    if (!this.forwardOwed || room < FORWARD_FRAME_LEN) return undefined;
    this.forwardFresh = false;
    this.forwardInDatagram = true;
    return { type: 'FORWARD', floor: this.floor };
  }

  /**
   * MSG frames for one datagram [SW-14.12-4]: unreliable messages, then fragments declared lost
   * (lowest id first), then, while the backoff is 0, new fragments within the window. While the
   * backoff is above 0, only the step's one datagram carries fragments. The timer starts if stopped.
   */
  takeMessages(now: number, room: number): MsgFrame[] {
    const out: MsgFrame[] = [];
    room = this.unreliable.take(room, out, this.cap);
    const forward = this.forwardInDatagram;
    this.forwardInDatagram = false;
    if (!this.mayTransmit(now)) return out;
    const step = this.backoff > 0;
    if (step && !this.stepOwed) return out;
    let sent = 0;
    for (let guard = 0; guard < 1 << 16; guard++) {
      let f = this.firstLost();
      if (f === undefined && !step) f = this.nextFresh(true, now);
      if (f === undefined || f.size > room) break;
      if (f.transmissions > 0) this.counters.retransmissions++;
      this.counters.transmissions++;
      f.transmissions++;
      f.lost = false;
      f.sentAt = now;
      f.msg.firstSentAt ??= now;
      out.push(f.frame);
      room -= f.size;
      sent++;
    }
    if (sent > 0 || (forward && this.forwardOwed)) {
      this.stepOwed = false;
      if (this.timerAt === Infinity) this.timerAt = now + this.rtt.timer(this.backoff, randomByte(this.random));
    }
    return out;
  }

  /** Gives a queued message its ids and PREV at its first transmission [SW-14.2-3]; returns its first id. */
  private assign(p: Pending, now: number): number {
    const unit = this.fragmentPayload;
    const count = p.data.length <= unit ? 1 : Math.ceil(p.data.length / unit);
    const firstId = this.nextId;
    this.nextId += count;
    let prev: number | undefined;
    if (p.ordered) {
      prev = this.lastOrdered.get(p.channel) ?? 0;
      this.lastOrdered.set(p.channel, firstId);
    }
    const msg: DMsg = { ticket: p.ticket, receipt: p.receipt, deadline: p.deadline, count, firstId, unacked: count, firstSentAt: undefined, pending: p, unit, prev };
    this.msgs.set(msg.ticket, msg);
    for (let i = 0; i < count; i++) this.frags.set(firstId + i, fragOf(msg, i, now));
    return firstId;
  }

  /** Messages given ids with no fragment acknowledged, in id order (see SendState.untaken). */
  untaken(): Array<Omit<Pending, 'size' | 'receipt'>> {
    const out: Array<Omit<Pending, 'size' | 'receipt'>> = [];
    for (const m of this.msgs.values()) {
      const parts: DFrag[] = [];
      for (let id = m.firstId; id < m.firstId + m.count; id++) {
        const f = this.frags.get(id);
        if (f !== undefined) parts.push(f);
      }
      if (parts.length !== m.count) continue;
      const frame = parts[0]!.frame;
      out.push({ ticket: m.ticket, data: concat(...parts.map((f) => f.frame.data)), channel: frame.channel, ordered: frame.prev !== undefined, deadline: m.deadline });
    }
    return out;
  }

  snapshot(): SendSnapshot {
    let bytes = 0;
    let ids = 0;
    for (const f of this.frags.values()) {
      if (f.transmissions > 0 && !f.lost) {
        bytes += f.size;
        ids++;
      }
    }
    return {
      rto: this.rtt.rto,
      srtt: this.rtt.srtt,
      rttvar: this.rtt.rttvar,
      cwnd: this.config.window * this.config.datagramBudget,
      ssthresh: Infinity,
      inflightBytes: bytes,
      inflightIds: ids,
      outbox: this.outbox.length,
      floor: this.floor,
      peerCum: this.peerCum,
      peerWindow: this.peerWindow,
    };
  }
}
