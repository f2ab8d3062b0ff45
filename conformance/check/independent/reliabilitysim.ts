// Sender A and receiver B of spec section 14, written from the spec text only (no SDK code).
// Contract: RelSender and RelReceiver are driven by evalreliability.ts with explicit times in ms.
// Every place where the spec leaves the vector's expectation open raises a gap (reliabilitygaps.ts)
// through the `gap` callback, with the value the simulator then uses.
// Constants: section 20.3 protocol constants and the SDK defaults table of 20.3 (the scenarios state
// only the configuration values that differ from those defaults).
import { type AckFrame, type MsgFrame, type RelFrame, ACK_FIXED_LEN, ACK_RANGE_LEN, FORWARD_FRAME_LEN, SLEEP_FRAME_LEN, msgFrameLen } from './reliabilityframes.js';
import { toHex } from './bytes.js';
import type { GapId } from './reliabilitygaps.js';
import { DeferredAcks, toRanges } from './reliabilitydefer.js';
import { HeldEstimate } from './reliabilityheld.js';
import { ForwardBackoff, SilenceBackoff } from './reliabilitysilence.js';

export const D = {
  FIRST_MESSAGE_ID: 1,
  MAX_ACK_DELAY: 200,
  DUP_THRESH: 3,
  FRAGMENT_RESERVE: 146, // 20.3: 67 + 29 + 10 + 5 + 9 + 26 [SW-14.6-7]
  FRAGMENT_LIFETIME: 60_000,
  DATAGRAM_BUDGET: 1200,
  RECEIVE_WINDOW: 64,
  INITIAL_PEER_WINDOW: 16,
  MAX_ACK_RANGES: 32,
  ACK_DELAY: 20,
  HOLD_BACK_MESSAGES: 64,
  HOLD_BACK_BYTES: 256 * 1024,
  MAX_MESSAGE: 65536,
  REASSEMBLY_PER_PEER: 128 * 1024,
  INITIAL_RTO: 1000,
  MIN_RTO: 200,
  MAX_RTO: 60_000,
  RTO_JITTER: 0.25,
  RTO_FAST_RETRANSMISSIONS: 8, // retransmissions at RTO before the timer doubles [SW-14.4-13]
  INITIAL_CWND: 4,
  MIN_CWND: 2,
  PACING_GAIN: 1.25,
  OUTBOX_MESSAGES: 64,
  OUTBOX_BYTES: 1024 * 1024,
  DEFAULT_DEADLINE: 60_000,
  CLOCK_GRANULARITY: 1,
  LOSS_TIME_THRESHOLD: 9 / 8, // [SW-14.4-5]
  RANDOM_LOSS_BACKLOG: 3, // datagram budgets [SW-14.5-9]
  RANDOM_LOSS_BETA: 0.9,
  CONGESTION_BETA: 0.7,
  RATE_SAMPLES: 10,
  BDP_GAIN: 2,
  MIN_RTT_WINDOW: 10_000,
} as const;

export type GapFn = (id: GapId, detail: string) => void;

export interface SenderConfig { datagramBudget: number; initialPeerWindow: number; peerMaxMessage: number; outboxMessages: number; outboxBytes: number }

interface Frag { msg: Msg; id: number; index: number; len: number; frameLen: number; tx: number; seq: number; sentAt: number; timerAt: number; inflight: boolean; lost: boolean; acked: boolean; givenUp: boolean }
interface Msg { ticket: number; size: number; fill: number; reliable: boolean; ordered: boolean; channel: number; deadline: number; frags: Frag[] | null; prev: number; done: boolean; firstTxAt: number | null }

export class RefusedSend extends Error { constructor(readonly code: string) { super(code); } }

export class RelSender {
  rto: number = D.INITIAL_RTO;
  srtt: number | null = null;
  rttvar = 0;
  cwnd: number;
  ssthresh = Infinity;
  inflightBytes = 0;
  private nextId: number = D.FIRST_MESSAGE_ID;
  private outbox: Msg[] = [];
  private unreliable: Msg[] = [];
  private assigned: Msg[] = []; // messages with ids, not done
  private frags = new Map<number, Frag>(); // id -> fragment (all ever assigned)
  private cum = 1;
  private peerWindow: number;
  private seq = 0; // the sender's own send order (transmissions and reductions)
  /** [SW-14.5-10]: time (ms clock) and send order of the last window reduction. */
  private lastReductionAt = -Infinity;
  private lastReductionSeq = -1;
  /** [SW-14.5-11]: start of the current delivery-rate interval (null before the first ACK), bytes since, samples. */
  private rateMark: number | null = null;
  private rateBytes = 0;
  private rateSamples: { bytes: number; ms: number }[] = [];
  /** [SW-14.4-10]: budget × bytes of additive increase not yet turned into window. */
  private caCredit = 0;
  /** The base RTT of [SW-14.5-9] and when it was set (null before the first sample [SW-14.4-7]). */
  private baseRtt: { at: number; r: number } | null = null;
  private latestRtt: number | null = null;
  /** [SW-14.4-6]: probes sent since an ACK last acknowledged something new (k), time of the latest transmission of a fragment, time of that ACK. */
  private probes = 0;
  private lastTxAt: number | null = null;
  private pacingAt: number | null = null;
  /** [SW-14.5-8]: the pacing time rounded up to a whole ms, brought forward by PACING_QUANTUM (1 ms). */
  private paceAt(): number {
    return this.pacingAt === null ? -Infinity : Math.ceil(this.pacingAt - 1e-9) - 1;
  }
  /** [SW-14.4-14] [SW-14.4-15] and [SW-14.7-10] (reliabilitysilence.ts). */
  private readonly silence = new SilenceBackoff();
  private readonly fwd = new ForwardBackoff();
  private lastPrevOnChannel = new Map<number, number>();
  private peerSleep: { wake: number; awake: number } | null = null;
  private heardAt: number | null = null;
  /** [SW-14.4-12]: Wmax and H, what the peer holds and leaves out of its ACKs. */
  private readonly held = new HeldEstimate();
  readonly events: unknown[] = [];

  constructor(readonly cfg: SenderConfig, readonly room: number, readonly random: number, readonly gap: GapFn) {
    this.cwnd = D.INITIAL_CWND * cfg.datagramBudget;
    this.peerWindow = cfg.initialPeerWindow;
  }

  private unit(): number { return this.cfg.datagramBudget - D.FRAGMENT_RESERVE; }

  /** Hands a message over [SW-14.6-5] [SW-14.8-1]; throws RefusedSend. */
  send(now: number, ticket: number, size: number, fill: number, opts: Record<string, any>): void {
    const reliable = opts.reliable !== false;
    const ordered = opts.ordered === true;
    const channel = opts.channel ?? 0;
    if (reliable) {
      if (size > this.cfg.peerMaxMessage || Math.ceil(size / this.unit()) > 65535) throw new RefusedSend('MessageTooLargeError');
      const bytes = this.outbox.reduce((n, m) => n + m.size, 0);
      if (this.outbox.length + 1 > this.cfg.outboxMessages || bytes + size > this.cfg.outboxBytes) throw new RefusedSend('OutboxFullError');
    } else if (size > this.unit()) throw new RefusedSend('MessageTooLargeError');
    const deadline = now + (opts.deadline ?? D.DEFAULT_DEADLINE);
    const m: Msg = { ticket, size, fill, reliable, ordered, channel, deadline, frags: null, prev: 0, done: false, firstTxAt: null };
    (reliable ? this.outbox : this.unreliable).push(m);
  }

  private listening(now: number): boolean {
    if (!this.peerSleep) return true;
    return this.heardAt !== null && now <= this.heardAt + this.peerSleep.awake;
  }

  heard(now: number): void { this.heardAt = now; }

  private floor(): number {
    let f = this.nextId;
    for (const m of this.assigned) for (const fr of m.frags!) if (!fr.acked && fr.id < f) f = fr.id;
    return f;
  }

  private forwardOwed(): boolean { return this.floor() > this.cum; }

  private giveUp(m: Msg, why: string): void {
    m.done = true;
    for (const fr of m.frags ?? []) {
      if (fr.inflight) { fr.inflight = false; this.inflightBytes -= fr.frameLen; }
      fr.acked = true; fr.givenUp = true; // settled (given up)
      fr.lost = false;
    }
    this.outbox = this.outbox.filter((x) => x !== m);
    this.assigned = this.assigned.filter((x) => x !== m);
    this.events.push({ type: 'failed', ticket: m.ticket, code: why });
  }

  /**
   * [SW-14.5-10]: whether transmission `f` belongs to the loss episode of the last reduction (sent before
   * it). Compared on the ms clock, a transmission in the same ms as the reduction but after it in send
   * order counts as before it.
   */
  private inEpisode(f: Frag, what: string, matters: boolean): boolean {
    if (f.sentAt < this.lastReductionAt) return true;
    if (f.sentAt > this.lastReductionAt) return false;
    return true; // same ms as the reduction, even after it in send order: in the episode
  }

  /** [SW-14.5-9] β from the backlog estimate (TCP Veno) with the base RTT of the last MIN_RTT_WINDOW. */
  private beta(now: number): number {
    if (this.srtt === null || this.baseRtt === null) return D.CONGESTION_BETA; // no RTT sample yet
    const base = this.baseRtt.r;
    const queueing = Math.max(0, this.srtt - base - D.CLOCK_GRANULARITY);
    // backlog = (cwnd / budget) × queueing / SRTT < RANDOM_LOSS_BACKLOG, multiplied out [SW-14.4-10]
    return this.cwnd * queueing < D.RANDOM_LOSS_BACKLOG * this.cfg.datagramBudget * this.srtt ? D.RANDOM_LOSS_BETA : D.CONGESTION_BETA;
  }

  /** Reduces the window for the loss of transmission `f`: [SW-14.5-9] (found by acks) or [SW-14.5-10] (timeout). */
  private reduce(timeout: boolean, f: Frag, now: number): void {
    const min = D.MIN_CWND * this.cfg.datagramBudget;
    const beta = this.beta(now);
    // [SW-14.5-11]: a loss with no queue keeps at least BDP_GAIN x (largest recent delivery rate x base RTT)
    // whole bytes [SW-14.4-10]: the BDP is floor(bytes × base RTT / interval) of the best sample; β in tenths, rounded down
    const base = this.baseRtt?.r ?? 0;
    const bdpFloor = beta === D.RANDOM_LOSS_BETA && this.rateSamples.length > 0 && this.baseRtt !== null ? D.BDP_GAIN * Math.max(...this.rateSamples.map((x) => Math.floor((x.bytes * base) / x.ms))) : 0;
    const ssthresh = timeout ? Math.max(Math.floor(this.cwnd / 2), min) : Math.max(Math.floor((this.cwnd * Math.round(beta * 10)) / 10), min, bdpFloor);
    const cwnd = timeout ? min : ssthresh;
    if (this.inEpisode(f, 'a loss', cwnd !== this.cwnd || ssthresh !== this.ssthresh)) return; // one reduction per loss episode
    this.ssthresh = ssthresh;
    this.cwnd = cwnd;
    this.lastReductionAt = now;
    this.lastReductionSeq = this.seq++;
  }

  /** [SW-14.4-5]: the time-threshold wait, LOSS_TIME_THRESHOLD × max(SRTT, latest RTT), at least G; null before any sample. */
  private lossDelay(): number | null {
    if (this.srtt === null || this.latestRtt === null) return null;
    return Math.max(D.LOSS_TIME_THRESHOLD * Math.max(this.srtt, this.latestRtt), D.CLOCK_GRANULARITY);
  }

  /**
   * [SW-14.4-5]: the time at which in-flight `f` is lost by the time threshold (a later transmission in
   * send order is acknowledged), or null. The exact time sentAt + delay is rounded up to a whole ms
   * ([SW-14.4-8]: 9/8 × 90 = 101.25 after 0 is due at 102).
   */
  private lossTime(f: Frag, now: number): { at: number; exact: number } | null {
    if (!this.eligible().has(f)) return null; // no later transmission acknowledged, or held [SW-14.4-12]
    const delay = this.lossDelay();
    if (delay === null) return null; // no time threshold before the first RTT sample [SW-14.4-5]
    const exact = f.sentAt + delay;
    return { at: Math.ceil(exact), exact };
  }

  /** All fragments ever given ids, in send order of their latest transmission (a scan, no index). */
  private scan(): Frag[] {
    return [...this.frags.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The fragments [SW-14.4-4] and [SW-14.4-5] may declare lost: F less what the peer holds ([SW-14.4-12]). */
  private eligible(): Set<Frag> { return this.held.eligible(this.scan()); }

  /** [SW-14.4-4] and [SW-14.4-5]: declares losses found by acknowledgements, then reduces once ([SW-14.5-6]). */
  private detectLosses(now: number): void {
    const ackedSeqs = this.scan().filter((f) => f.acked && !f.givenUp && f.tx > 0).map((f) => f.seq);
    const lost: Frag[] = [];
    const eligible = this.eligible();
    for (const f of this.scan().filter((x) => x.inflight && eligible.has(x))) {
      const later = ackedSeqs.filter((s) => s > f.seq).length;
      let isLost = later >= D.DUP_THRESH;
      if (!isLost) {
        const lt = this.lossTime(f, now);
        if (lt && now >= lt.at) isLost = true; // due at the whole ms at or after it [SW-14.4-8]
      }
      if (isLost) { f.inflight = false; f.lost = true; this.inflightBytes -= f.frameLen; lost.push(f); }
    }
    for (const f of lost) this.reduce(false, f, now);
  }

  /** Timers: deadlines [SW-14.8-4], fragment lifetime [SW-14.6-4], retransmission timers [SW-14.4-13]. */
  tick(now: number): void {
    for (const m of [...this.outbox, ...this.assigned]) {
      if (m.done) continue;
      if (m.deadline <= now) {
        this.giveUp(m, 'DeadlineExceededError');
      }
      else if (m.frags && m.frags.length > 1 && m.firstTxAt !== null && m.firstTxAt + D.FRAGMENT_LIFETIME <= now) this.giveUp(m, 'DeadlineExceededError');
    }
    this.detectLosses(now); // [SW-14.4-5]: the time threshold's own check
    const expired = this.scan().filter((f) => f.inflight && f.timerAt <= now);
    for (const f of expired) {
      f.inflight = false; f.lost = true; this.inflightBytes -= f.frameLen;
      if (this.listening(now)) this.reduce(true, f, now); // [SW-14.5-10]; [SW-14.9-4]: not while the peer sleeps
      this.silence.onTimeout(now, f.seq, this.rto, this.seq); // [SW-14.4-14]
    }
    this.silence.onTick(now, this.scan().some((f) => f.inflight), this.seq); // [SW-14.4-15]
    const due = this.probeAt(now); // a probe the silence backoff holds counts in k, unsent (reliabilitysilence.ts)
    if (due !== null && due <= now && !this.silence.maySend()) this.probes++;
  }

  /**
   * [SW-14.4-6]: when the next probe is due, or null (no sample, nothing in flight, peer not listening).
   * The wait runs from the latest transmission of a fragment; an ACK of something new resets k but does
   * not move the start (only a transmission does).
   */
  private probeAt(now: number): number | null {
    if (this.srtt === null || !this.listening(now) || this.lastTxAt === null) return null;
    const inflight = this.scan().filter((f) => f.inflight).length;
    if (inflight === 0) return null;
    const pto = this.srtt + Math.max(D.CLOCK_GRANULARITY, 4 * this.rttvar) + (inflight === 1 ? D.MAX_ACK_DELAY : 0);
    return this.lastTxAt + Math.min(D.MAX_RTO, pto * 2 ** this.probes); // no other cap on the doubling [SW-14.4-6]
  }

  private timerFor(n: number): number {
    return Math.min(D.MAX_RTO, this.rto * 2 ** Math.max(0, n - 1 - D.RTO_FAST_RETRANSMISSIONS)) * (1 + D.RTO_JITTER * this.random); // [SW-14.4-13]
  }

  private cwndAllows(bytes: number, extra: number): boolean {
    const inflight = this.inflightBytes + extra;
    return inflight === 0 || inflight + bytes <= this.cwnd;
  }

  /** Next fragment to send (retransmissions first, lowest id; then new), without changing state. */
  private candidates(): { frag?: Frag; msg?: Msg; index?: number; frameLen: number; id: number }[] {
    const out: { frag?: Frag; msg?: Msg; index?: number; frameLen: number; id: number }[] = [];
    const lost = [...this.frags.values()].filter((f) => f.lost && !f.acked).sort((a, b) => a.id - b.id);
    for (const f of lost) out.push({ frag: f, frameLen: f.frameLen, id: f.id });
    for (const m of this.assigned) for (const f of m.frags!) if (f.tx === 0 && !f.acked) out.push({ frag: f, frameLen: f.frameLen, id: f.id });
    let id = this.nextId;
    for (const m of this.outbox) {
      const count = m.size > this.unit() ? Math.ceil(m.size / this.unit()) : 1;
      for (let i = 0; i < count; i++) {
        const len = count === 1 ? m.size : i < count - 1 ? this.unit() : m.size - (count - 1) * this.unit();
        out.push({ msg: m, index: i, frameLen: msgFrameLen(true, m.ordered, count > 1, len), id: id + i });
      }
      id += count;
    }
    return out;
  }

  private assign(m: Msg, now: number): void {
    const count = m.size > this.unit() ? Math.ceil(m.size / this.unit()) : 1;
    m.prev = m.ordered ? this.lastPrevOnChannel.get(m.channel) ?? 0 : 0;
    const first = this.nextId;
    if (m.ordered) this.lastPrevOnChannel.set(m.channel, first);
    m.frags = [];
    for (let i = 0; i < count; i++) {
      const len = count === 1 ? m.size : i < count - 1 ? this.unit() : m.size - (count - 1) * this.unit();
      const f: Frag = { msg: m, id: first + i, index: i, len, frameLen: msgFrameLen(true, m.ordered, count > 1, len), tx: 0, seq: -1, sentAt: 0, timerAt: 0, inflight: false, lost: false, acked: false, givenUp: false };
      m.frags.push(f);
      this.frags.set(f.id, f);
    }
    this.nextId += count;
    m.firstTxAt = now;
    this.outbox = this.outbox.filter((x) => x !== m);
    this.assigned.push(m);
  }

  private msgFrame(f: Frag): MsgFrame {
    const m = f.msg, count = m.frags!.length;
    const fr: MsgFrame = { type: 'MSG', channel: m.channel, id: f.id, data: toHex(new Uint8Array(f.len).fill(m.fill)) };
    if (m.ordered) fr.prev = m.prev;
    if (count > 1) fr.frag = { index: f.index, count, total: m.size };
    return fr;
  }

  private sendable(now: number): boolean {
    if (!this.listening(now) || !this.silence.maySend()) return false;
    const c = this.candidates()[0];
    if (!c) return false;
    if (c.frag === undefined && c.id >= this.cum + this.peerWindow) return false;
    if (c.frag !== undefined && !c.frag.lost && c.id >= this.cum + this.peerWindow) return false;
    return this.cwndAllows(c.frameLen, 0);
  }

  /** Builds the next datagram (14.10), or null. */
  poll(now: number): RelFrame[] | null {
    const frames: RelFrame[] = [];
    let room = this.room;
    const listening = this.listening(now);
    const due = this.probeAt(now);
    const probe = due !== null && due <= now && this.silence.maySend(); // [SW-14.4-6]: one datagram, whatever cwnd and pacing say
    if (listening && this.forwardOwed()) {
      const standAloneDue = this.fwd.dueAt(now, this.rto, D.MAX_RTO); // [SW-14.7-10]
      const other = probe || this.unreliable.length > 0 || (this.sendable(now) && (this.pacingAt === null || this.paceAt() <= now));
      if (other || standAloneDue <= now) {
        frames.push({ type: 'FORWARD', floor: this.floor() });
        room -= FORWARD_FRAME_LEN;
        this.fwd.sent(now);
      }
    }
    for (const m of [...this.unreliable]) {
      const len = msgFrameLen(false, false, false, m.size);
      if (len > room) break;
      frames.push({ type: 'MSG', channel: m.channel, data: toHex(new Uint8Array(m.size).fill(m.fill)) });
      room -= len;
      this.unreliable.shift();
    }
    let bytes = 0;
    const transmit = (f: Frag): void => {
      f.tx++; f.seq = this.seq++; f.sentAt = now; f.timerAt = now + this.timerFor(f.tx); f.lost = false;
      if (!f.inflight) { f.inflight = true; this.inflightBytes += f.frameLen; }
      this.lastTxAt = now;
      frames.push(this.msgFrame(f));
      room -= f.frameLen; bytes += f.frameLen;
    };
    if (listening && probe && !this.scan().some((x) => x.lost && !x.acked)) {
      // [SW-14.4-6] nothing declared lost: the oldest fragment in flight first (the head of the line a
      // receiver holding back what follows it waits for), then new fragments; with none new, the newest
      // in flight as many as fit; all lowest id first (14.10).
      const inflight = this.scan().filter((x) => x.inflight).sort((a, b) => a.id - b.id);
      const heldPick = this.held.probePick(inflight, room); // [SW-14.4-12]: while the peer holds some
      const next = this.candidates()[0];
      const hasNew = next !== undefined && next.id < this.cum + this.peerWindow;
      const pick: Frag[] = [];
      let left = room;
      if (heldPick) pick.push(...heldPick);
      else if (inflight.length > 0 && inflight[0]!.frameLen <= left) { pick.push(inflight[0]!); left -= inflight[0]!.frameLen; }
      if (!heldPick && pick.length > 0 && !hasNew) for (const f of this.scan().filter((x) => x.inflight && x !== pick[0]).reverse()) { if (f.frameLen > left) break; pick.push(f); left -= f.frameLen; }
      for (const f of pick.sort((a, b) => a.id - b.id)) transmit(f);
    }
    if (listening && this.silence.maySend() && (probe || this.pacingAt === null || this.paceAt() <= now)) {
      for (;;) {
        const c = this.candidates()[0];
        if (!c || c.frameLen > room) break;
        const retrans = c.frag !== undefined && c.frag.lost;
        if (!retrans && c.id >= this.cum + this.peerWindow) break; // [SW-14.5-1]
        if (!probe && !this.cwndAllows(c.frameLen, 0)) break; // [SW-14.5-2]
        let f = c.frag;
        if (!f) { this.assign(c.msg!, now); f = c.msg!.frags![0]; }
        transmit(f);
      }
    }
    if (probe && bytes === 0 && this.held.h === 0) {
      // Neither lost nor new fragments: the newest in flight (latest transmissions), as many as fit, lowest id first (14.10).
      const pick: Frag[] = [];
      let left = room;
      for (const f of this.scan().filter((x) => x.inflight).reverse()) { if (f.frameLen > left) break; pick.push(f); left -= f.frameLen; }
      for (const f of pick.sort((a, b) => a.id - b.id)) transmit(f);
    }
    if (probe && bytes > 0) this.probes++;
    if (bytes > 0) this.silence.sent(); // the step's one datagram [SW-14.4-14]
    if (frames.length === 0) return null;
    if (bytes > 0 && this.srtt !== null) this.pacingAt = Math.max(this.pacingAt ?? now, now) + bytes / ((D.PACING_GAIN * this.cwnd) / this.srtt); // [SW-14.5-8]: from the later of now and the last unrounded due time
    else if (bytes > 0) this.pacingAt = null;
    return frames;
  }

  /** A datagram from B arrives (its frames, already parsed). */
  receive(now: number, frames: RelFrame[]): void {
    this.heardAt = now;
    for (const f of frames) {
      if (f.type === 'SLEEP') this.peerSleep = f.wakeIntervalMs === 0 ? null : { wake: f.wakeIntervalMs, awake: f.awakeMs };
      else if (f.type === 'ACK') this.onAck(now, f);
    }
  }

  private onAck(now: number, a: AckFrame): void {
    if (a.cum > this.cum) { this.fwd.cumRaised(); this.silence.reset(); } // [SW-14.7-10]; [SW-14.4-14]: a higher CUM, the peer hears this node
    if (a.cum >= this.cum) { this.cum = a.cum; this.peerWindow = a.window; }
    this.held.onAck(a.window, a.ranges); // [SW-14.4-12]: Wmax and H from every ACK processed
    const isAcked = (id: number): boolean => id < a.cum || a.ranges.some((r) => id >= r.start && id < r.end);
    const newly: Frag[] = [];
    for (const f of [...this.frags.values()].sort((x, y) => x.id - y.id)) {
      if (f.acked || !isAcked(f.id)) continue;
      f.acked = true; newly.push(f);
      if (f.inflight) { f.inflight = false; this.inflightBytes -= f.frameLen; }
      f.lost = false;
    }
    // RTT sample [SW-14.4-7]: the highest id, sent once, and no later transmission acknowledged with it
    const highest = a.ranges.length ? a.ranges[a.ranges.length - 1].end - 1 : a.cum - 1;
    const hf = this.frags.get(highest);
    if (newly.some((f) => !f.givenUp)) { this.probes = 0; this.silence.reset(); } // [SW-14.4-6] k, [SW-14.4-14] s
    if (hf && newly.includes(hf) && hf.tx === 1 && !newly.some((g) => g.seq > hf.seq)) {
      const r = Math.max(1, now - hf.sentAt - Math.min(a.delay, D.MAX_ACK_DELAY));
      this.latestRtt = r;
      if (this.baseRtt === null || r <= this.baseRtt.r || now - this.baseRtt.at > D.MIN_RTT_WINDOW) this.baseRtt = { at: now, r };
      if (this.srtt === null) { this.srtt = r; this.rttvar = r / 2; }
      else { this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r); this.srtt = 0.875 * this.srtt + 0.125 * r; }
      this.rto = Math.min(D.MAX_RTO, Math.max(D.MIN_RTO, this.srtt + Math.max(D.CLOCK_GRANULARITY, 4 * this.rttvar)));
    }
    // delivery rate [SW-14.5-11]: one sample per interval of at least max(SRTT, G), from the first ACK on
    const deliveredBytes = newly.filter((f) => !f.givenUp && f.tx > 0).reduce((n, f) => n + f.frameLen, 0);
    if (deliveredBytes > 0) {
      if (this.rateMark === null) this.rateMark = now;
      else {
        this.rateBytes += deliveredBytes;
        const interval = now - this.rateMark;
        if (interval >= Math.max(this.srtt ?? 0, D.CLOCK_GRANULARITY)) {
          this.rateSamples = [...this.rateSamples, { bytes: this.rateBytes, ms: interval }].slice(-D.RATE_SAMPLES);
          this.rateBytes = 0;
          this.rateMark = now;
        }
      }
    }
    // cwnd growth [SW-14.5-2], not for transmissions of the last loss episode [SW-14.5-10]
    for (const f of newly) {
      if (this.inEpisode(f, 'an acknowledgement', true)) continue;
      if (this.cwnd < this.ssthresh) {
        this.cwnd += Math.min(f.frameLen, this.cfg.datagramBudget);
      } else {
        // whole bytes, the remainder carried to the next acknowledgement [SW-14.4-10]
        this.caCredit += this.cfg.datagramBudget * f.frameLen;
        const grow = Math.floor(this.caCredit / this.cwnd);
        this.caCredit -= grow * this.cwnd;
        this.cwnd += grow;
      }
    }
    // losses found by acknowledgements [SW-14.4-4] [SW-14.4-5], after the acknowledgements [SW-14.5-6]
    this.detectLosses(now);
    for (const m of [...this.assigned]) if (m.frags!.every((f) => f.acked)) { m.done = true; this.assigned = this.assigned.filter((x) => x !== m); }
  }

  /** The earliest time at which A has something to do, or null (conformance/README.md, RelScenario). */
  nextDeadline(now: number): number | null {
    const c: number[] = [];
    if (this.sendable(now)) {
      c.push(this.pacingAt === null ? now : Math.max(now, this.paceAt())); // [SW-14.5-8]
    }
    if (this.unreliable.length) c.push(now);
    if (this.listening(now) && this.forwardOwed()) c.push(this.fwd.dueAt(now, this.rto, D.MAX_RTO));
    for (const f of this.frags.values()) if (f.inflight) c.push(f.timerAt);
    for (const f of this.scan()) if (f.inflight) { const lt = this.lossTime(f, now); if (lt) c.push(lt.at); }
    const due = this.probeAt(now);
    if (due !== null && (due > now || this.silence.maySend())) c.push(due); // a held probe is spent at a tick
    const step = this.silence.deadline(this.scan().some((f) => f.inflight)); // [SW-14.4-15]
    if (step !== null) c.push(step);
    for (const m of [...this.outbox, ...this.assigned]) if (!m.done) {
      c.push(m.deadline);
      if (m.frags && m.frags.length > 1 && m.firstTxAt !== null) c.push(m.firstTxAt + D.FRAGMENT_LIFETIME);
    }
    if (!c.length) return null;
    return Math.max(now, Math.ceil(Math.min(...c))); // whole ms [SW-14.4-8], overdue work is due now
  }
}

export interface Delivered { channel: number; id?: number; ordered: boolean; length: number }

interface Partial { channel: number; ordered: boolean; prev: number; count: number; total: number; unit: number | null; got: Map<number, number>; bad: boolean }
/** A complete message; `last` is the id of the fragment that completed it ([SW-14.3-9]). */
interface Complete { channel: number; id: number; ordered: boolean; prev: number; length: number; last: number }

export class RelReceiver {
  private base = 1;
  private received = new Set<number>();
  private highestId = 0;
  private highestAt = 0;
  private highestDupLater = false;
  private ackOwed = false;
  private ackDue = Infinity;
  private unacked = 0;
  private partials = new Map<number, Partial>();
  private held: Complete[] = [];
  private lastOrdered = new Map<number, number>();
  private senderFloor = 0;
  private sentFirst = false;
  private delayedAck = false;

  constructor(readonly room: number, readonly sleep: { wakeIntervalMs: number; awakeMs: number } | null, readonly gap: GapFn, private readonly deferred = new DeferredAcks([])) {}

  /** [SW-14.3-9]: the application releases the message completed by `id`; an ACK is owed at once. */
  release(now: number, id: number): boolean {
    if (!this.deferred.release(id)) return false;
    this.ackOwed = true; this.ackDue = now; this.delayedAck = false;
    return true;
  }

  private rangesAboveBase(): { start: number; end: number }[] {
    return toRanges([...this.received].filter((i) => i >= this.base).sort((a, b) => a - b));
  }

  private deliverable(c: Complete): boolean {
    if (!c.ordered || c.prev === 0) return true;
    if ((this.lastOrdered.get(c.channel) ?? 0) >= c.prev) return true;
    const prevHeld = this.held.some((h) => h.id === c.prev);
    const prevPartial = this.partials.has(c.prev);
    return c.prev < this.senderFloor && !prevHeld && !prevPartial;
  }

  private complete(c: Complete, out: Delivered[]): void {
    this.deferred.completed(c.channel, c.last); // withheld until delivered and released [SW-14.3-9]
    if (!this.deliverable(c)) { this.held.push(c); return; }
    this.hand(c, out);
    for (let again = true; again;) {
      again = false;
      for (const h of this.held) if (this.deliverable(h)) { this.held = this.held.filter((x) => x !== h); this.hand(h, out); again = true; break; }
    }
  }

  private hand(c: Complete, out: Delivered[]): void {
    if (c.ordered) this.lastOrdered.set(c.channel, Math.max(this.lastOrdered.get(c.channel) ?? 0, c.id));
    out.push({ channel: c.channel, id: c.id, ordered: c.ordered, length: c.length });
    this.deferred.delivered(c.last);
  }

  receive(now: number, frames: RelFrame[]): Delivered[] {
    const out: Delivered[] = [];
    for (const f of frames) {
      if (f.type === 'MSG') {
        const len = f.data.length / 2;
        if (f.id === undefined) { out.push({ channel: f.channel, ordered: false, length: len }); continue; }
        const id = f.id;
        if (id < this.base || this.received.has(id)) { // duplicate [SW-14.3-1]
          this.ackOwed = true; this.ackDue = now; this.delayedAck = false;
          if (id === this.highestId) this.highestDupLater = true;
          continue;
        }
        if (id >= this.base + D.RECEIVE_WINDOW) continue; // [SW-14.3-2]
        const inOrder = id === this.base;
        this.received.add(id);
        if (this.rangesAboveBase().filter((r) => r.start > this.base).length > D.MAX_ACK_RANGES) { this.received.delete(id); continue; }
        if (id > this.highestId) { this.highestId = id; this.highestAt = now; this.highestDupLater = false; }
        while (this.received.has(this.base)) { this.received.delete(this.base); this.base++; }
        this.unacked++;
        this.ackOwed = true;
        if (!inOrder || this.unacked >= 2) { this.ackDue = now; this.delayedAck = false; }
        else if (this.ackDue === Infinity) { this.ackDue = now + D.ACK_DELAY; this.delayedAck = true; }
        const ordered = f.prev !== undefined, prev = f.prev ?? 0;
        if (!f.frag) { this.complete({ channel: f.channel, id, ordered, prev, length: len, last: id }, out); continue; }
        const first = id - f.frag.index;
        let p = this.partials.get(first);
        if (!p) { p = { channel: f.channel, ordered, prev, count: f.frag.count, total: f.frag.total, unit: null, got: new Map(), bad: false }; this.partials.set(first, p); }
        if (p.count !== f.frag.count || p.total !== f.frag.total) p.bad = true;
        const isLast = f.frag.index === f.frag.count - 1;
        if (!isLast) { if (p.unit === null) p.unit = len; else if (p.unit !== len) p.bad = true; }
        p.got.set(f.frag.index, len);
        if (p.got.size === p.count) {
          this.partials.delete(first);
          const unit = p.unit ?? 0;
          const lastLen = p.got.get(p.count - 1)!;
          if (p.bad || lastLen !== p.total - (p.count - 1) * unit || lastLen < 1 || lastLen > unit) continue; // [SW-14.6-2]
          this.complete({ channel: p.channel, id: first, ordered: p.ordered, prev: p.prev, length: p.total, last: id }, out);
        }
      } else if (f.type === 'FORWARD') { // [SW-14.3-7]
        this.senderFloor = Math.max(this.senderFloor, f.floor);
        this.deferred.forward(f.floor); // a FORWARD past a withheld id settles it [SW-14.3-9]
        if (f.floor > this.base) {
          this.base = f.floor;
          for (const i of [...this.received]) if (i < this.base) this.received.delete(i);
          for (const k of [...this.partials.keys()]) if (k < this.base) this.partials.delete(k);
          while (this.received.has(this.base)) { this.received.delete(this.base); this.base++; }
        }
        for (let again = true; again;) {
          again = false;
          for (const h of this.held) if (this.deliverable(h)) { this.held = this.held.filter((x) => x !== h); this.hand(h, out); again = true; break; }
        }
        this.ackOwed = true;
        this.ackDue = now; this.delayedAck = false;
      }
    }
    return out;
  }

  poll(now: number): RelFrame[] | null {
    const frames: RelFrame[] = [];
    let room = this.room;
    if (this.sleep && !this.sentFirst) { frames.push({ type: 'SLEEP', ...this.sleep }); room -= SLEEP_FRAME_LEN; }
    if (this.ackOwed && (now >= this.ackDue || frames.length > 0)) {
      let delay = this.highestId === 0 ? 0 : Math.min(now - this.highestAt, D.MAX_ACK_DELAY);
      const { cum, ranges } = this.deferred.view(this.base, this.received); // [SW-14.3-4] [SW-14.3-9]
      const fit = Math.max(0, Math.floor((room - ACK_FIXED_LEN) / ACK_RANGE_LEN));
      frames.unshift({ type: 'ACK', cum, window: Math.max(1, D.RECEIVE_WINDOW - this.held.length), delay, ranges: ranges.slice(0, Math.min(fit, 255)) });
      this.ackOwed = false; this.ackDue = Infinity; this.unacked = 0; this.delayedAck = false;
    }
    if (frames.length === 0) {
      return null;
    }
    this.sentFirst = true;
    return frames;
  }
}
