/**
 * Reliable delivery towards and from one peer, as the node uses it (spec 14.10): the sending and
 * receiving halves, and the choice of frames for the next datagram within its space. Pure: the node
 * passes `now`, turns nextDeadline() into a timer, and turns poll() results into datagrams.
 * @module
 */
import { ACK_EVERY_DATAGRAMS, SLEEP_FRAME_LEN } from './constants.js';
import type { MsgFrame, RelFrame, SleepFrame } from './frames.js';
import type { ReassemblyBudget } from './reassembly.js';
import { ReceiveState, receiveConfig, type Delivered, type ReceiveConfig } from './receive-state.js';
import { SendState, type SendEvent, type SendOptions } from './send-state.js';
import type { RetransmitCounters } from './send-types.js';
import { DEVICE_RECEIVE_WINDOW, DEVICE_WINDOW } from './device-constants.js';
import { DeviceSendState, type DeviceSendConfig } from './device-sender.js';
import { profileReceiveDefaults, profileSendDefaults } from './profile.js';
import type { LinkSender, ReliabilityProfile, SenderHandover } from './sender.js';
import type { SleepDeclaration } from './sleepy.js';
import { AckClock } from './ack-clock.js';
import { parkLink, quiescent, resumeReceiver, type ParkedLink } from './parked-link.js';

export interface LinkConfig {
  readonly peer: string;
  /** 'full' (default): section 14 as a hub or server runs it; 'device': the profile of 14.12. */
  readonly profile?: ReliabilityProfile;
  /**
   * The peer's profile when known (configuration or its declaration): a full node sends to a
   * device-profile peer by the device profile's sending rules [SW-14.12-14]. Default 'full'.
   */
  readonly peerProfile?: ReliabilityProfile;
  /** Sending configuration over the profile's defaults (window and maxBackoffMs: device profile only). */
  readonly send?: Partial<Omit<DeviceSendConfig, 'peer'>>;
  readonly receive?: Partial<ReceiveConfig>;
  /** This node's own sleep schedule, announced to the peer in SLEEP frames [SW-14.9-1]. */
  readonly sleep?: SleepDeclaration;
}

export interface Received {
  /** Messages for the application, in delivery order. */
  readonly delivered: Delivered[];
  /** Receipts for messages this node sent. */
  readonly events: SendEvent[];
}

const NO_EVENTS: SendEvent[] = [];

/** Merged receive configurations by the object a node passes to all its links: one per node, not one per link. */
const merged = { full: new WeakMap<object, ReceiveConfig>(), device: new WeakMap<object, ReceiveConfig>() };

function mergedReceiveConfig(config: LinkConfig): ReceiveConfig {
  const make = (): ReceiveConfig => receiveConfig({ ...profileReceiveDefaults(config.profile), ...config.receive });
  if (config.receive === undefined) return make();
  const cache = merged[config.profile ?? 'full'];
  let c = cache.get(config.receive);
  if (c === undefined) cache.set(config.receive, (c = make()));
  return c;
}

export class ReliableLink {
  /** The live halves; undefined while the link is set aside (`rest`). */
  private s: LinkSender | undefined;
  private r: ReceiveState | undefined;
  /** The link set aside while quiescent (spec 14.13), or undefined while live. */
  private rest: ParkedLink | undefined;
  /** When the link was last used (a send, a frame received or sent, a timer), for setting it aside. */
  lastActive = 0;
  /** When the node's idle queue expects to set it aside (its IdleQueue slot), -1 when not queued. */
  queuedAt = -1;
  /** The peer's profile; a switch of the sending rules it asks for waits until the sender is idle. */
  private peerProfile: ReliabilityProfile;
  /** The receive configuration: the profile's defaults, then the link's own. */
  private readonly receiveConfig: ReceiveConfig;
  private announceSleep: boolean;
  /**
   * What the peer has shown it handled of this link's unreliable messages [SW-14.8-7]. The link's,
   * not a sender's: it outlives a switch of the sending rules and a park (spec 14.13).
   */
  readonly clock = new AckClock();

  constructor(
    readonly config: LinkConfig,
    private readonly random: () => number,
    private readonly budget: ReassemblyBudget,
  ) {
    this.peerProfile = config.peerProfile ?? 'full';
    this.s = this.newSender(undefined);
    this.receiveConfig = mergedReceiveConfig(config);
    this.r = new ReceiveState(this.receiveConfig, budget);
    this.announceSleep = config.sleep !== undefined;
  }

  /** The sending half; a parked link is rebuilt first (spec 14.13). */
  get sender(): LinkSender {
    if (this.rest !== undefined) this.unpark();
    return this.s!;
  }

  /** The receiving half; a parked link is rebuilt first (spec 14.13). */
  get receiver(): ReceiveState {
    if (this.rest !== undefined) this.unpark();
    return this.r!;
  }

  /** Replaces the receiving half (a new epoch of this node keeps what the peer sent, spec 14.1). */
  set receiver(r: ReceiveState) {
    if (this.rest !== undefined) this.unpark();
    this.r = r;
  }

  /** Whether the link is set aside (spec 14.13). */
  get parked(): boolean {
    return this.rest !== undefined;
  }

  /**
   * Sets the link aside if it is quiescent ([SW-14.13-1]): from now on it keeps a ParkedLink record
   * instead of its two halves, until something needs them (a send, a reliable frame from the peer,
   * a restart). Returns whether the link is parked.
   */
  park(now: number): boolean {
    if (this.rest !== undefined) return true;
    const s = this.s!;
    const r = this.r!;
    if (this.announceSleep || !quiescent(s, r, now)) return false;
    this.rest = parkLink(s, r);
    if (this.rest === undefined) return false;
    this.s = undefined;
    this.r = undefined;
    return true;
  }

  /** Rebuilds both halves from the record, under the rules the link runs now ([SW-14.13-2]). */
  private unpark(): void {
    const p = this.rest!;
    this.rest = undefined;
    const s = this.newSender(p.handover());
    s.restoreEstimates(p.srtt, p.rttvar, p.ssthresh, p.cwnd);
    this.s = this.carryOver(s, { reachable: p.reachable, counters: p.sendCounters, sleep: p.sleep });
    this.r = resumeReceiver(p, this.receiveConfig, this.budget);
  }

  /** What a new sender takes over from the one it replaces: reachability, totals, budget cap, the peer's sleep. */
  private carryOver(s: LinkSender, old: Pick<LinkSender, 'reachable' | 'counters' | 'sleep'>): LinkSender {
    s.setReachable(old.reachable);
    const c = s.counters as { -readonly [K in keyof RetransmitCounters]: number };
    for (const k of Object.keys(c) as Array<keyof RetransmitCounters>) c[k] += old.counters[k]; // totals run on
    if (this.budgetCap !== undefined) s.capDatagramBudget(this.budgetCap);
    s.sleep.declare(old.sleep.declared);
    if (old.sleep.lastHeard !== undefined) s.sleep.heard(old.sleep.lastHeard);
    return s;
  }

  /** The sender's totals, parked or live (read without rebuilding the link). */
  get counters(): Readonly<RetransmitCounters> {
    return this.rest?.sendCounters ?? this.s!.counters;
  }

  /** The largest datagram to build towards the peer now (LinkSender.datagramBudget), parked or live. */
  get datagramBudget(): number {
    return this.rest?.datagramBudget ?? this.s!.datagramBudget;
  }

  /** RTO before backoff, or undefined before any RTT sample; parked or live. */
  get rto(): number | undefined {
    if (this.rest !== undefined) return this.rest.srtt === undefined ? undefined : this.rest.rto;
    return this.s!.rtt.srtt === undefined ? undefined : this.s!.rtt.rto;
  }

  /** Reliable messages acknowledged and not delivered yet (none while parked). */
  get undelivered(): number {
    return this.rest === undefined ? this.r!.undelivered : 0;
  }

  /**
   * A sender under the rules the link runs now (sendsByDeviceRules), continuing `h` if given: at the
   * start, when the rules switch, and when a parked link is rebuilt.
   */
  private newSender(h: SenderHandover | undefined): LinkSender {
    if (this.sendsByDeviceRules()) return new DeviceSendState(this.deviceRulesConfig(), this.random, h);
    const send = { ...profileSendDefaults(this.config.profile), ...this.config.send, peer: this.config.peer };
    return h === undefined ? new SendState(send, this.random) : SendState.resume(send, this.random, h);
  }

  /** Whether this link sends by the device profile's rules: its own profile, or its peer's [SW-14.12-14]. */
  private sendsByDeviceRules(): boolean {
    return this.config.profile === 'device' || this.peerProfile === 'device';
  }

  /** The device rules' configuration: this node's own limits, the device window and initial peer window. */
  private deviceRulesConfig(): Partial<DeviceSendConfig> & { peer: string } {
    if (this.config.profile === 'device') return { ...profileSendDefaults('device'), ...this.config.send, peer: this.config.peer };
    return { window: DEVICE_WINDOW, initialPeerWindow: DEVICE_RECEIVE_WINDOW, ...this.config.send, peer: this.config.peer };
  }

  /**
   * The peer declared it takes datagrams of at most `n` bytes ([SW-4.6-7], [SW-15.5-8]): fragments
   * are cut to fit from now on, and datagrams shrink to it once the older ones are sent.
   */
  capDatagramBudget(n: number): void {
    this.budgetCap = Math.min(this.budgetCap ?? Infinity, n);
    this.sender.capDatagramBudget(n);
  }

  private budgetCap: number | undefined;

  /**
   * The peer's profile became known (its declaration): a full node sends to a device-profile peer by
   * the device rules [SW-14.12-14], from the first moment its sender is idle (nothing queued or
   * unsettled), continuing its ids, tickets and PREV chains.
   */
  setPeerProfile(profile: ReliabilityProfile): void {
    this.peerProfile = profile;
    this.switchRules();
  }

  private switchRules(): void {
    if (this.rest !== undefined) return; // rebuilt under the link's rules when needed
    const device = this.sendsByDeviceRules();
    if (device === (this.sender.profile === 'device')) return;
    const h = this.sender.handover();
    if (h === undefined) return;
    const old = this.sender;
    this.s = this.carryOver(this.newSender(h), old);
  }

  /** Queues a message; see SendState.send for the errors it throws. Returns the message's ticket. */
  send(data: Uint8Array, opts: SendOptions, now: number): number {
    this.lastActive = now;
    this.switchRules();
    const ticket = this.sender.send(data, opts, now);
    if (opts.reliable === false) this.clock.handed++;
    return ticket;
  }

  /**
   * The reliability frames of one authenticated datagram from the peer, in order. Also counts as
   * hearing from the peer (heard()).
   */
  receive(frames: readonly RelFrame[], now: number): Received {
    this.heard(now);
    // unreliable messages need no reliability state: a parked link delivers them as it is
    if (this.rest !== undefined && frames.every((f) => f.type === 'MSG' && f.id === undefined)) {
      return { delivered: frames.map((f) => ({ channel: (f as MsgFrame).channel, data: (f as MsgFrame).data.slice(), reliable: false, ordered: false })), events: NO_EVENTS };
    }
    this.lastActive = now;
    const delivered: Delivered[] = [];
    const events: SendEvent[] = [];
    let data = false;
    for (const f of frames) {
      switch (f.type) {
        case 'MSG':
          delivered.push(...this.receiver.onMsg(f, now));
          data ||= f.id !== undefined;
          break;
        case 'ACK':
          events.push(...this.sender.onAck(f, now));
          this.clock.acked(f);
          break;
        case 'FORWARD':
          delivered.push(...this.receiver.onForward(f.floor, now));
          break;
        case 'SLEEP':
          this.sender.sleep.declare(f.wakeIntervalMs === 0 ? undefined : f);
          break;
      }
    }
    if (data) this.receiver.datagramsSinceAck++;
    return { delivered, events };
  }

  /** Every authenticated datagram from the peer, with or without reliability frames. */
  heard(now: number): void {
    if (this.rest !== undefined) this.rest.sleep.heard(now);
    else this.s!.heard(now);
  }

  setReachable(reachable: boolean): void {
    if (this.rest !== undefined) this.rest.reachable = reachable;
    else this.s!.setReachable(reachable);
  }

  /**
   * The peer challenged this node: what it ignored goes again with the ECHO [SW-14.10-4]. A parked
   * link has nothing in flight and owes no FORWARD (its floor is acknowledged), so there is nothing
   * to send again: it stays parked (a device's keepalive carries a CHALLENGE every 25 s).
   */
  challenged(now: number): void {
    this.s?.challenged(now);
  }

  /** The peer echoed this node's token: its silence backoff ends ([SW-14.4-14]); a parked link has none. */
  heardUs(): void {
    this.s?.heardUs();
  }

  /** The peer restarted (spec 12.2): the node also replaces this link's receiver (see resetReceiver). */
  peerRestarted(): void {
    this.sender.peerRestarted();
    this.clock.reset();
  }

  /**
   * The peer restarted: its reliability state for this node starts empty [SW-14.1-1], and so does
   * this node's for it (a new peer epoch; partial messages give their reassembly bytes back).
   */
  resetReceiver(): void {
    this.receiver.reassembly.clear();
    this.receiver = new ReceiveState(this.receiveConfig, this.budget);
  }

  /** This node woke (a sleepy node): its next datagram announces SLEEP again [SW-14.9-1]. */
  wake(): void {
    if (this.config.sleep !== undefined) this.announceSleep = true;
  }

  /** Deadlines and timers: returns failures; the node calls it at nextDeadline(). */
  tick(now: number): SendEvent[] {
    if (this.rest !== undefined) return NO_EVENTS; // no timer runs on a parked link
    this.lastActive = now;
    this.switchRules();
    this.receiver.tick(now);
    return this.sender.tick(now);
  }

  /**
   * Whether the ACK owed should go before the rest of the burst at hand is read: after
   * ACK_EVERY_DATAGRAMS datagrams of reliable data [SW-14.3-8], so that one lost ACK does not leave
   * the sender's whole window waiting for a probe.
   */
  ackUrgent(): boolean {
    if (this.rest !== undefined) return false;
    return this.receiver.ackPending && this.receiver.datagramsSinceAck >= ACK_EVERY_DATAGRAMS;
  }

  /** Whether a datagram is due now for this link's sake. */
  due(now: number): boolean {
    if (this.rest !== undefined) return this.announceSleep;
    return this.announceSleep || this.r!.ackDue(now) || this.s!.wantsDatagram(now);
  }

  /** The earliest time at which tick() or poll() has work, or Infinity. */
  nextDeadline(now: number): number {
    if (this.due(now)) return now;
    if (this.rest !== undefined) return Infinity;
    return Math.min(this.sender.nextDeadline(now), Math.max(now, this.receiver.nextDeadline()));
  }

  /**
   * Frames for the next datagram, within `room` plaintext bytes: ACK, FORWARD, SLEEP, then MSG
   * frames [SW-14.10-1]. Returns undefined if nothing is due, unless `piggyback` (the node sends a
   * datagram anyway, so whatever is owed rides on it). The frames count as sent at `now`.
   */
  poll(now: number, room: number, piggyback = false): RelFrame[] | undefined {
    if (!piggyback && !this.due(now)) return undefined;
    if (this.rest !== undefined && !this.announceSleep) return undefined; // nothing is owed on a parked link
    // no closure per datagram: each frame taken is pushed and its size subtracted from the room
    const out: RelFrame[] = [];
    const ack = this.receiver.takeAck(now, room);
    if (ack !== undefined) {
      out.push(ack);
      room -= 10 + 4 * ack.ranges.length;
    }
    const fwd = this.sender.forwardFrame(now, room);
    if (fwd !== undefined) {
      out.push(fwd);
      room -= 5;
    }
    if (this.announceSleep && room >= SLEEP_FRAME_LEN) {
      const s = this.config.sleep!;
      const f: SleepFrame = { type: 'SLEEP', wakeIntervalMs: s.wakeIntervalMs, awakeMs: s.awakeMs };
      out.push(f);
      room -= SLEEP_FRAME_LEN;
      this.announceSleep = false;
    }
    const msgs = this.sender.takeMessages(now, room);
    for (const m of msgs) out.push(m);
    if (out.length === 0) return undefined;
    this.clock.transmitted(msgs);
    this.lastActive = now;
    return out;
  }
}
