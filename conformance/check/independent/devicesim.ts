// The device profile of spec 14.12 (a sender) and a receiver of 14.3, 14.6 and 14.7 with stated
// limits, written from the spec text only (no SDK code), in whole numbers.
// Contract: DevSender and DevReceiver are driven by evaldevice.ts with explicit times in ms; every
// decision names the requirement it follows. Constants: 20.3 (the device table and the SDK defaults).
// The sender reads held fragments by [SW-14.12-20] (Wmax and H of [SW-14.4-12], reliabilityheld.ts);
// the receiver may defer acknowledgements on some channels ([SW-14.3-9], reliabilitydefer.ts).
import { type AckFrame, type MsgFrame, type RelFrame, ACK_FIXED_LEN, ACK_RANGE_LEN, FORWARD_FRAME_LEN, msgFrameLen } from './reliabilityframes.js';
import { toHex } from './bytes.js';
import { DeferredAcks } from './reliabilitydefer.js';
import { HeldEstimate } from './reliabilityheld.js';

export const DEV = {
  WINDOW: 8, // DEVICE_WINDOW [SW-14.12-4]
  FAST_STEPS: 8, // [SW-14.12-6]
  MAX_BACKOFF: 32_000,
  MAX_K: 16,
  RECEIVE_WINDOW: 8, // [SW-14.12-9]
  MAX_ACK_RANGES: 4,
  HOLD_BACK_BYTES: 512, // [SW-14.12-10]
  MAX_MESSAGE: 366, // [SW-14.12-11]: one fragment's payload at a 512-byte budget (20.3)
  OUTBOX_MESSAGES: 8, // [SW-14.12-12]
  OUTBOX_BYTES: 1024,
  RESERVE_MESSAGES: 2,
  RESERVE_BYTES: 256,
  INITIAL_RTO: 1000,
  MIN_RTO: 200,
  MAX_RTO: 60_000,
  MAX_ACK_DELAY: 200,
  DEFAULT_DEADLINE: 60_000,
  FRAGMENT_LIFETIME: 60_000,
  FRAGMENT_RESERVE: 146, // [SW-14.6-1]
} as const;

export class Refused extends Error { constructor(readonly code: string) { super(code); } }

export interface DevSenderConfig { datagramBudget: number; peerMaxMessage: number; outboxMessages: number; outboxBytes: number; reserveMessages: number; reserveBytes: number; window: number; initialPeerWindow: number }

interface Msg { ticket: number; size: number; fill: number; ordered: boolean; channel: number; deadline: number; receipt: boolean; firstId: number; count: number; unacked: number; firstSentAt: number | null; prev: number | undefined }
interface Frag { msg: Msg; id: number; index: number; len: number; tx: number; sentAt: number; lost: boolean }

const div = (a: number, b: number): number => Math.floor(a / b);

export class DevSender {
  rto: number = DEV.INITIAL_RTO;
  srtt: number | null = null;
  rttvar: number | null = null;
  k = 0;
  timer: number | null = null;
  readonly events: Array<{ type: string; ticket: number; code?: string }> = [];
  private cum = 1;
  private peerWindow: number;
  private nextId = 1;
  private queue: Msg[] = [];
  private frags: Frag[] = []; // assigned, unsettled, in id order
  private lastOrdered = new Map<number, number>();
  private reachable = true;
  private stepOwed = false;
  private forwardFresh = false;
  /** Wmax and H [SW-14.12-20], taken as [SW-14.4-12] says (the peer never restarts in these vectors). */
  private readonly heldEst = new HeldEstimate();

  constructor(readonly cfg: DevSenderConfig, readonly room: number, readonly b: number) {
    this.peerWindow = cfg.initialPeerWindow;
  }

  private get unit(): number { return this.cfg.datagramBudget - DEV.FRAGMENT_RESERVE; }
  private floor(): number { return this.frags.length ? this.frags[0]!.id : this.nextId; }
  private forwardOwed(): boolean { return this.floor() > this.cum; }
  private inFlight(): Frag[] { return this.frags.filter((f) => f.tx > 0 && !f.lost); }
  inFlightIds(): number[] { return this.inFlight().map((f) => f.id); }

  /** T(K) with the jitter byte [SW-14.12-6]. */
  private duration(k: number): number {
    const t = Math.min(DEV.MAX_BACKOFF, this.rto * 2 ** Math.min(Math.max(0, k - DEV.FAST_STEPS), DEV.MAX_K));
    return t + div(t * this.b, 1024);
  }

  send(now: number, ticket: number, size: number, fill: number, o: Record<string, any>): void {
    if (o.reliable === false) throw new Error('unreliable sends are not in these vectors');
    if (size > this.cfg.peerMaxMessage) throw new Refused('ERR_MESSAGE_TOO_LARGE'); // [SW-14.6-5]
    const control = o.control === true;
    const maxM = this.cfg.outboxMessages + (control ? this.cfg.reserveMessages : 0);
    const maxB = this.cfg.outboxBytes + (control ? this.cfg.reserveBytes : 0);
    const unsettled = new Set(this.frags.map((f) => f.msg));
    let bytes = size;
    for (const m of this.queue) bytes += m.size;
    for (const f of this.frags) bytes += f.len;
    if (this.queue.length + unsettled.size + 1 > maxM || bytes > maxB) throw new Refused('ERR_OUTBOX_FULL'); // [SW-14.12-12]
    this.queue.push({ ticket, size, fill, ordered: o.ordered === true, channel: o.channel ?? 0, deadline: o.deadline ?? now + DEV.DEFAULT_DEADLINE, receipt: o.receipt === true, firstId: 0, count: 0, unacked: 0, firstSentAt: null, prev: undefined });
  }

  setReachable(r: boolean): void { this.reachable = r; }

  /** An ECHO of A's token [SW-14.12-17]. */
  echoed(): void {
    if (this.k === 0) return;
    this.k = 0; this.stepOwed = false; this.forwardFresh = true;
    for (const f of this.inFlight()) f.lost = true;
    this.timer = null;
  }

  private messageDeadline(m: Msg): number {
    return m.count > 1 && m.firstSentAt !== null ? Math.min(m.deadline, m.firstSentAt + DEV.FRAGMENT_LIFETIME) : m.deadline;
  }

  tick(now: number): void {
    const owed = this.forwardOwed();
    for (const m of [...this.queue]) if (m.deadline <= now) { this.queue = this.queue.filter((x) => x !== m); this.events.push({ type: 'failed', ticket: m.ticket, code: 'ERR_DEADLINE_EXCEEDED' }); }
    for (const m of new Set(this.frags.map((f) => f.msg))) {
      if (now < this.messageDeadline(m)) continue;
      this.frags = this.frags.filter((f) => f.msg !== m); // [SW-14.7-1]
      this.events.push({ type: 'failed', ticket: m.ticket, code: 'ERR_DEADLINE_EXCEEDED' });
    }
    if (!owed && this.forwardOwed()) this.forwardFresh = true; // [SW-14.12-8]
    if (this.reachable && this.timer !== null && this.timer <= now) { // [SW-14.12-6]
      this.timer = null;
      if (this.inFlight().length > 0 || this.forwardOwed()) {
        this.k = Math.min(this.k + 1, DEV.MAX_K);
        // every fragment in flight [SW-14.12-6]
        const flying = this.inFlight();
        for (const f of flying) f.lost = true;
        this.stepOwed = true;
      }
    }
  }

  private windowLimit(): number { return Math.min(this.floor() + this.cfg.window, this.cum + this.peerWindow); } // [SW-14.12-4]

  private fresh(): Frag | 'queue' | null {
    const f = this.frags.find((x) => x.tx === 0);
    if (f) return f.id < this.windowLimit() ? f : null;
    return this.queue.length && this.nextId < this.windowLimit() ? 'queue' : null;
  }

  private wants(): boolean {
    if (!this.reachable) return false;
    if (this.forwardOwed() && ((this.k === 0 && this.forwardFresh) || this.stepOwed)) return true;
    const lost = this.frags.some((f) => f.lost);
    if (this.k > 0) return this.stepOwed && lost;
    return lost || this.fresh() !== null;
  }

  nextDeadline(now: number): number | null {
    if (this.wants()) return now;
    const c: number[] = [];
    for (const m of this.queue) c.push(m.deadline);
    for (const m of new Set(this.frags.map((f) => f.msg))) c.push(this.messageDeadline(m));
    if (this.reachable && this.timer !== null) c.push(this.timer);
    return c.length ? Math.max(now, Math.min(...c)) : null;
  }

  private assign(m: Msg): void { // ids and PREV at first transmission [SW-14.2-3]
    this.queue.shift();
    m.count = m.size <= this.unit ? 1 : Math.ceil(m.size / this.unit);
    m.firstId = this.nextId; m.unacked = m.count;
    this.nextId += m.count;
    if (m.ordered) { m.prev = this.lastOrdered.get(m.channel) ?? 0; this.lastOrdered.set(m.channel, m.firstId); }
    for (let i = 0; i < m.count; i++) this.frags.push({ msg: m, id: m.firstId + i, index: i, len: m.count === 1 ? m.size : Math.min(this.unit, m.size - i * this.unit), tx: 0, sentAt: 0, lost: false });
  }

  private frame(f: Frag): MsgFrame {
    const m = f.msg;
    return { type: 'MSG', channel: m.channel, id: f.id, ...(m.prev !== undefined && { prev: m.prev }), ...(m.count > 1 && { frag: { index: f.index, count: m.count, total: m.size } }), data: toHex(new Uint8Array(f.len).fill(m.fill)) };
  }

  private frameLen(f: Frag): number { return msgFrameLen(true, f.msg.prev !== undefined, f.msg.count > 1, f.len); }

  /** One datagram of A (A has nothing to acknowledge in these scenarios): FORWARD, then fragments [SW-14.10-1]. */
  poll(now: number): RelFrame[] | null {
    if (!this.wants()) return null;
    const frames: RelFrame[] = [];
    let room = this.room;
    let forward = false;
    if (this.forwardOwed() && room >= FORWARD_FRAME_LEN) { frames.push({ type: 'FORWARD', floor: this.floor() }); room -= FORWARD_FRAME_LEN; forward = true; this.forwardFresh = false; }
    const step = this.k > 0;
    let sent = 0;
    if (!step || this.stepOwed) {
      for (;;) {
        let f: Frag | undefined = this.frags.find((x) => x.lost);
        if (!f && !step) {
          const c = this.fresh();
          if (c === 'queue') { this.assign(this.queue[0]!); f = this.frags.find((x) => x.tx === 0); } else f = c ?? undefined;
        }
        if (!f || this.frameLen(f) > room) break;
        f.tx++; f.lost = false; f.sentAt = now; f.msg.firstSentAt ??= now;
        frames.push(this.frame(f)); room -= this.frameLen(f); sent++;
      }
    }
    if (sent > 0 || forward) {
      this.stepOwed = false;
      if (this.timer === null) this.timer = now + this.duration(this.k);
    }
    return frames.length ? frames : null;
  }

  /** B's ACK [SW-14.12-5], [SW-14.12-6]. */
  receive(now: number, frames: RelFrame[]): void {
    for (const fr of frames) {
      if (fr.type !== 'ACK') continue;
      const a: AckFrame = fr;
      let progress = false;
      this.heldEst.onAck(a.window, a.ranges); // Wmax, then H, before the ACK's rules run [SW-14.12-20]
      if (a.cum >= this.cum) { progress = a.cum > this.cum; this.cum = a.cum; this.peerWindow = a.window; }
      const largest = a.ranges.length ? a.ranges[a.ranges.length - 1]!.end - 1 : a.cum - 1;
      const acked = (id: number): boolean => id < a.cum || a.ranges.some((r) => id >= r.start && id < r.end);
      const newly = this.frags.filter((f) => f.tx > 0 && acked(f.id));
      if (newly.length) {
        progress = true;
        const top = newly[newly.length - 1]!;
        if (top.id === largest && newly.every((f) => f.tx === 1)) this.sample(Math.max(1, now - top.sentAt - Math.min(a.delay, DEV.MAX_ACK_DELAY)));
        for (const f of newly) {
          this.frags = this.frags.filter((x) => x !== f);
          if (--f.msg.unacked === 0 && f.msg.receipt) this.events.push({ type: 'delivered', ticket: f.msg.ticket });
        }
        for (const g of this.frags) if (g.id < top.id && g.tx > 0 && !g.lost && g.sentAt <= top.sentAt) g.lost = true; // gap rule
      }
      if (this.heldEst.h > 0) this.earlyRetransmission(now);
      if (progress) {
        this.k = 0; this.stepOwed = false;
        this.timer = this.inFlight().length > 0 || this.forwardOwed() ? now + this.duration(0) : null;
      }
    }
  }

  /**
   * [SW-14.12-20] early retransmission, after an ACK's gap rule and before its progress sets the timer:
   * the lowest fragment sent and not acknowledged is declared lost if it is in flight, was transmitted
   * exactly once, and was sent at least SRTT ms ago (with an RTT sample taken).
   */
  private earlyRetransmission(now: number): void {
    const f = this.frags.find((x) => x.tx > 0); // frags holds only unacknowledged fragments, in id order
    if (f && !f.lost && f.tx === 1 && this.srtt !== null && now - f.sentAt >= this.srtt) f.lost = true;
  }

  private sample(r: number): void { // [SW-14.12-5]
    if (this.srtt === null || this.rttvar === null) { this.srtt = r; this.rttvar = div(r, 2); }
    else { this.rttvar = div(3 * this.rttvar + Math.abs(this.srtt - r) + 2, 4); this.srtt = div(7 * this.srtt + r + 4, 8); }
    this.rto = Math.min(DEV.MAX_RTO, Math.max(DEV.MIN_RTO, this.srtt + Math.max(1, 4 * this.rttvar)));
  }
}

export interface DevReceiverConfig { window: number; maxRanges: number; ackDelay: number; holdBackMessages: number; holdBackBytes: number; maxMessage: number; perPeer: number }
export interface Delivered { channel: number; id: number | null; ordered: boolean; length: number }
interface Held { id: number; last: number; channel: number; prev: number; length: number } // last: the completing id [SW-14.3-9]
interface Partial { count: number; total: number; got: Set<number> }

/** A receiver of 14.3, 14.6 and 14.7 with the limits of `cfg` (a device's, [SW-14.12-9], or the full profile's defaults). */
export class DevReceiver {
  private base = 1;
  private ids = new Set<number>();
  private largest = 0;
  private largestAt = -1;
  private owed = false;
  private dueAt = Infinity;
  private unacked = 0;
  private held: Held[] = [];
  private lastDelivered = new Map<number, number>();
  private senderFloor = 1;
  private partials = new Map<number, Partial>();

  constructor(readonly cfg: DevReceiverConfig, readonly room: number, private readonly deferred = new DeferredAcks([])) {}

  /** [SW-14.3-9]: the application releases the message completed by `id`; an ACK is owed at once. */
  release(now: number, id: number): void {
    if (!this.deferred.release(id)) return; // an id not withheld, or of a message not handed over yet
    this.owed = true; this.dueAt = now;
  }

  private ranges(): { start: number; end: number }[] {
    const out: { start: number; end: number }[] = [];
    for (const i of [...this.ids].filter((x) => x > this.base).sort((x, y) => x - y)) {
      const l = out[out.length - 1];
      if (l && l.end === i) l.end++; else out.push({ start: i, end: i + 1 });
    }
    return out;
  }
  private oweAck(now: number, immediate: boolean): void {
    this.owed = true; this.unacked++;
    this.dueAt = Math.min(this.dueAt, immediate || this.unacked >= 2 ? now : now + this.cfg.ackDelay); // [SW-14.3-6]
  }
  private deliverable(ch: number, prev: number): boolean {
    if (prev === 0 || (this.lastDelivered.get(ch) ?? 0) >= prev) return true;
    return prev < this.senderFloor && !this.held.some((h) => h.id === prev) && !this.partials.has(prev); // [SW-14.7-3]
  }
  private drain(out: Delivered[]): void {
    for (let again = true; again;) {
      again = false;
      for (const h of this.held) if (this.deliverable(h.channel, h.prev)) { this.held = this.held.filter((x) => x !== h); this.lastDelivered.set(h.channel, h.id); out.push({ channel: h.channel, id: h.id, ordered: true, length: h.length }); this.deferred.delivered(h.last); again = true; break; }
    }
  }

  receive(now: number, frames: RelFrame[]): Delivered[] {
    const out: Delivered[] = [];
    for (const f of frames) {
      if (f.type === 'FORWARD') {
        this.oweAck(now, true);
        if (f.floor <= this.senderFloor) continue;
        this.senderFloor = f.floor;
        this.deferred.forward(f.floor); // a FORWARD past a withheld id settles it [SW-14.3-9]
        if (f.floor > this.base) { this.base = f.floor; for (const i of [...this.ids]) if (i < this.base) this.ids.delete(i); }
        while (this.ids.has(this.base)) { this.ids.delete(this.base); this.base++; }
        for (const k of [...this.partials.keys()]) if (k < f.floor) this.partials.delete(k);
        this.drain(out);
        continue;
      }
      if (f.type !== 'MSG') continue;
      const len = f.data.length / 2;
      if (f.id === undefined) { out.push({ channel: f.channel, id: null, ordered: false, length: len }); continue; }
      const id = f.id;
      if (id < this.base || this.ids.has(id)) { this.oweAck(now, true); continue; } // duplicate [SW-14.3-1]
      if (id >= this.base + this.cfg.window) continue; // [SW-14.3-2]
      if (id > this.base && !this.ids.has(id - 1) && !this.ids.has(id + 1) && this.ranges().length >= this.cfg.maxRanges) continue;
      const first = f.frag ? id - f.frag.index : id;
      let completes = !f.frag;
      if (f.frag) {
        const p = this.partials.get(first);
        if (!p && (f.frag.total > this.cfg.maxMessage || f.frag.total > this.cfg.perPeer)) continue; // [SW-14.6-3]
        completes = (p?.got.size ?? 0) + 1 === f.frag.count;
      }
      const size = f.frag?.total ?? len;
      const ordered = f.prev !== undefined;
      const held = this.held.reduce((n, h) => n + h.length, 0);
      if (completes && ordered && !this.deliverable(f.channel, f.prev!) && (this.held.length >= this.cfg.holdBackMessages || held + size > this.cfg.holdBackBytes)) continue; // [SW-14.7-7]
      const inOrder = id === this.base;
      this.ids.add(id);
      while (this.ids.has(this.base)) { this.ids.delete(this.base); this.base++; }
      if (id >= this.largest) { this.largest = id; this.largestAt = now; }
      this.oweAck(now, !inOrder);
      if (f.frag) {
        const p = this.partials.get(first) ?? { count: f.frag.count, total: f.frag.total, got: new Set<number>() };
        this.partials.set(first, p);
        p.got.add(f.frag.index);
        if (p.got.size < p.count) continue;
        this.partials.delete(first);
      }
      this.deferred.completed(f.channel, id); // withheld until delivered and released [SW-14.3-9]
      if (!ordered) { out.push({ channel: f.channel, id: first, ordered: false, length: size }); this.deferred.delivered(id); continue; }
      if (!this.deliverable(f.channel, f.prev!)) { this.held.push({ id: first, last: id, channel: f.channel, prev: f.prev!, length: size }); continue; }
      this.lastDelivered.set(f.channel, first);
      out.push({ channel: f.channel, id: first, ordered: true, length: size });
      this.deferred.delivered(id);
      this.drain(out);
    }
    return out;
  }

  poll(now: number): RelFrame[] | null {
    if (!this.owed || now < this.dueAt) return null;
    const delay = this.largestAt < 0 ? 0 : Math.min(now - this.largestAt, DEV.MAX_ACK_DELAY); // [SW-14.3-6]
    const fit = Math.max(0, div(this.room - ACK_FIXED_LEN, ACK_RANGE_LEN));
    const window = this.held.length >= this.cfg.holdBackMessages ? 1 : Math.max(1, this.cfg.window - this.held.length); // [SW-14.5-1]
    this.owed = false; this.dueAt = Infinity; this.unacked = 0;
    const { cum, ranges } = this.deferred.view(this.base, this.ids); // [SW-14.3-4] [SW-14.3-9]
    return [{ type: 'ACK', cum, window, delay, ranges: ranges.slice(0, fit) }];
  }
}
