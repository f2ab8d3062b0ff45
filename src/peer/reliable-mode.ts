/**
 * The node side of reliable delivery (spec 14): one ReliableLink per peer, made at its first reliable
 * use (spec 9.5: idle peers pay nothing), the promises of messages in flight, and the pump that sends
 * what a link has due. The link itself (src/reliability) is pure; this file ties it to the peer's
 * datagrams, timers, restarts and reachability, so node.ts only says when.
 * @module
 */
import { DeadlineExceededError, InvalidArgumentError, NodeClosedError, UnknownPeerError } from '../errors.js';
import { MIN_MAX_DATAGRAM } from '../constants.js';
import { LINK_IDLE_MS, REASSEMBLY_TOTAL, RECEIVE_WINDOW } from '../reliability/constants.js';
import { DEVICE_RECEIVE_WINDOW } from '../reliability/device-constants.js';
import type { RelFrame } from '../reliability/frames.js';
import type { RetransmitCounters } from '../reliability/send-types.js';
import { ReliableLink, type LinkConfig } from '../reliability/link.js';
import { ReassemblyBudget } from '../reliability/reassembly.js';
import type { Delivered } from '../reliability/receive-state.js';
import type { SendEvent } from '../reliability/send-state.js';
import type { ReliabilityProfile } from '../reliability/sender.js';
import type { NodeOptions, ReliableSendOptions } from './node-options.js';
import type { Peer } from './peer.js';
import { ClockMarkers } from './clock-markers.js';
import { UnreliableWaiting, type UnreliableWaitingStats } from './unreliable-waiting.js';
import type { Scheduler } from '../time/scheduler.js';
import { IdleQueue } from './idle-queue.js';
import { NONE } from './liveness.js';

/** What reliable delivery needs from the node. */
export interface ReliableHost {
  readonly options: NodeOptions;
  /** Datagram budget for reliable delivery (spec 14.6). */
  readonly budget: number;
  /** Sends one datagram to the peer (control frames plus what its link has due); false if none could go. */
  route(p: Peer, now: number): boolean;
  /** A message sent with `receipt` was acknowledged. */
  receipt(peer: string, ticket: number): void;
  /** Runs work after the datagrams already received (Scheduler.soon), if the runtime has it. */
  readonly soon: ((fn: () => void) => void) | undefined;
  /** The node's timers: quiescent links are set aside LINK_IDLE after their last use (spec 14.13). */
  readonly scheduler: Scheduler;
  /** Whether the peer is still the node's (not evicted or replaced). */
  current(p: Peer): boolean;
  now(): number;
  /** Sets the peer's timer from its deadlines again. */
  reschedule(p: Peer): void;
  /** A link used up its message ids: start a new epoch (then renewEpoch() runs) [SW-14.1-1]. */
  idsExhausted(): void;
  /**
   * A message moved to the new epoch's link (never taken by its peer): the message layer may stamp
   * the ids it put in it again under the new epoch [SW-15.6-4] [SW-16.1-5]; returns the bytes to send.
   */
  restamp?(peer: string, channel: number, data: Uint8Array): Uint8Array;
  /** Uniform in [0, 1), for the timer jitter [SW-14.4-13]. */
  readonly random: () => number;
}

/** The settlement of one reliable message's promise. */
interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly receipt: boolean;
}

/** Datagrams one pump may send for a link's sake; the link's windows and pacing bound it first. */
const PUMP_LIMIT = 64;
/** Retry interval for a link with work that could not be sent (no key, no session yet, amplification). */
const STALL_RETRY_MS = 100;

export class ReliableMode {
  /** Reliable MSG frames refused because their datagram's freshness was unknown ([SW-14.10-5]). */
  unverified = 0;
  /** MSG frames refused because this node is stopping (refuseData, [SW-14.7-6]) or nobody listens yet ([SW-14.7-9]). */
  refused = 0;
  /** Set by refuseData(): MSG frames are no longer taken; ACKs still are. */
  refusing = false;
  /**
   * Whether the application listens for messages (the node has a 'message' listener). Until it
   * does, no MSG frame is taken or acknowledged [SW-14.7-9]: delivered to nobody, it would be lost.
   */
  listening = false;
  /**
   * Channels whose reliable messages are acknowledged only once the application released them
   * (Message.hold, [SW-14.3-9]); shared by reference with every link's receive state.
   */
  readonly deferredChannels = new Set<number>();
  /** Reassembly bytes of all peers together [SW-14.6-3]. */
  private readonly reassembly: ReassemblyBudget;
  /** Promises of reliable messages in flight, per link and ticket. */
  private readonly waiters = new Map<ReliableLink, Map<number, Waiter>>();
  /**
   * Peers whose link had work that no datagram could carry, and when to retry (the stall's time +
   * STALL_RETRY_MS). A fixed time, not "now + STALL_RETRY_MS" each time deadline() is asked: the
   * node's timer skips its work while the deadline lies ahead, and a moving one would never be due.
   */
  private readonly stalled = new Map<Peer, number>();
  /** Peers to pump once the datagrams at hand are handled (pumpSoon). */
  private readonly soonPeers = new Set<Peer>();
  /** Peers to pump at the end of the current task's sends (pumpAfterSends). */
  private readonly microPeers = new Set<Peer>();

  /** Unreliable messages waiting for room in their peer's queue [SW-14.8-6]. */
  private readonly waiting: UnreliableWaiting<Peer>;
  /** The ACK clock's markers [SW-14.8-7]. */
  private readonly markers: ClockMarkers;

  constructor(private readonly host: ReliableHost) {
    this.reassembly = new ReassemblyBudget(host.options.reliability?.reassemblyTotal ?? REASSEMBLY_TOTAL);
    this.waiting = new UnreliableWaiting(host.options.reliability?.unreliableWaiting);
    this.markers = new ClockMarkers(this.waiting.timeoutMs);
    const idleMs = host.options.reliability?.linkIdleMs ?? LINK_IDLE_MS;
    this.idleLinks = new IdleQueue<Peer>(host.scheduler, () => host.now(), {
      queuedAt: (p) => p.link?.queuedAt ?? NONE,
      setQueuedAt: (p, at) => void (p.link !== undefined && (p.link.queuedAt = at)),
      dueAt: (p) => (p.link !== undefined && !p.link.parked && host.current(p) ? p.link.lastActive + idleMs : Infinity),
      idle: (p, now) => void (host.current(p) && this.park(p, now)),
    });
  }

  /** Links in use, to be set aside once quiescent and unused for LINK_IDLE (spec 14.13). */
  private readonly idleLinks: IdleQueue<Peer>;

  /**
   * Queues `data` on the peer's link and sends what is due. Arguments were checked by the node. The
   * promise settles on the acknowledgement or the failure (MessageTooLargeError and OutboxFullError
   * reject at once, with nothing queued).
   */
  send(p: Peer, data: Uint8Array, options: ReliableSendOptions, now: number): Promise<void> {
    const link = this.linkOf(p);
    const d = options.deadlineMs;
    let ticket: number;
    try {
      ticket = link.send(data, {
        reliable: true,
        ordered: options.ordered ?? false,
        channel: options.channel ?? 0,
        deadline: d === undefined ? undefined : now + d,
        receipt: true, // the promise settles on the acknowledgement
        control: options.control ?? false,
      }, now);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw e; // a programming error: thrown, like the plain send
      return Promise.reject(e as Error); // MessageTooLargeError, OutboxFullError: nothing was queued
    }
    const promise = new Promise<void>((resolve, reject) => {
      let m = this.waiters.get(link);
      if (m === undefined) this.waiters.set(link, (m = new Map()));
      m.set(ticket, { resolve, reject, receipt: options.receipt ?? false });
    });
    this.pumpAfterSends(p);
    return promise;
  }

  /**
   * Queues an unreliable MSG frame on `channel` (spec 14.1); it leaves with the peer's next datagram.
   * Throws MessageTooLargeError (over one fragment) or OutboxFullError, with nothing queued.
   */
  sendUnreliable(p: Peer, data: Uint8Array, channel: number, now: number): void {
    this.linkOf(p).send(data, { reliable: false, channel }, now);
    this.pumpAfterSends(p);
  }

  /**
   * Queues an unreliable MSG frame as sendUnreliable does, but a full queue (or messages already
   * waiting for the peer) makes it wait for room [SW-14.8-6]: undefined when queued at once, else a
   * promise that resolves once queued and rejects with OutboxFullError past the waiting bounds or
   * timeout. Throws MessageTooLargeError (over one fragment) with nothing queued.
   */
  sendUnreliableWaiting(p: Peer, data: Uint8Array, channel: number, now: number): Promise<void> | undefined {
    const link = this.linkOf(p);
    if (!this.waiting.has(p) && link.sender.unreliableRoom > 0 && this.markers.room(link) > 0) {
      this.markers.send(link, data, channel, now);
      this.pumpAfterSends(p);
      return undefined;
    }
    if (data.length > link.sender.fragmentPayload) link.send(data, { reliable: false, channel }, now); // throws MessageTooLargeError
    const queued = this.waiting.add(p, p.id, data, channel, now);
    this.pumpAfterSends(p);
    return queued;
  }

  /** Counters of the messages that waited for room (NodeStats.unreliable). */
  get unreliableStats(): Readonly<UnreliableWaitingStats> {
    return this.waiting.stats;
  }

  /**
   * After a pump drained the peer's unreliable queue, waiting messages take its room [SW-14.8-6];
   * true if any did. A pump sends at most PUMP_LIMIT datagrams to a peer and the rest waits for the
   * next turn of the event loop (Scheduler.soon): a loop of sends leaves in bounded bursts, and the
   * datagrams that arrive meanwhile (the peer's ACKs, the hub's own input) are handled between them.
   */
  private admitWaiting(p: Peer, now: number): boolean {
    const link = p.link;
    if (link === undefined || !this.waiting.has(p)) return false;
    const room = Math.min(link.sender.unreliableRoom, this.markers.room(link));
    if (room <= 0) return false;
    return this.waiting.admit(p, p.id, room, now, (data, channel) => this.markers.send(link, data, channel, now)) > 0;
  }

  /**
   * Hands a message whose acknowledgement is withheld ([SW-14.3-9]) to `emit` with a `hold`
   * function: a listener that calls it keeps the acknowledgement back until it calls the release
   * it got (once its effect is durable); if no listener holds it, it is released when `emit` returns,
   * so messages that need no durability cost no wait.
   */
  deliverWithheld(p: Peer, id: number, emit: (hold: () => () => void) => void): void {
    const receiver = p.link?.receiver;
    if (receiver === undefined) return emit(() => () => undefined);
    let holds = 0;
    const release = (): void => {
      // a receiver replaced since (the peer restarted) has nothing to acknowledge for this id
      if (--holds === 0 && receiver.release(id, this.host.now())) this.pumpAfterSends(p);
    };
    holds++;
    try {
      emit(() => {
        holds++;
        let once = false;
        return () => void (once || ((once = true), release()));
      });
    } finally {
      release();
    }
  }

  /** Reliable messages of `peers` acknowledged but not delivered yet (ReceiveState.undelivered). */
  undelivered(peers: Iterable<Peer>): number {
    let n = 0;
    for (const p of peers) n += p.link?.undelivered ?? 0;
    return n;
  }

  /**
   * The reliability frames of an accepted datagram, after its peer frames and a restart
   * [SW-14.10-5]. Data of unknown freshness ([SW-12.3-5]) is not taken at all unless deliverUnverified:
   * a reliable MSG is then neither recorded nor acknowledged, so the sender retransmits it and it is
   * delivered once the challenge completed. ACK and FORWARD of unknown freshness are ignored too: a
   * replay from before this node lost its state would acknowledge, or settle, ids of its new send and
   * receive state that never arrived.
   */
  receive(p: Peer, rel: readonly RelFrame[], fresh: boolean, now: number): Delivered[] {
    if (rel.length === 0) {
      if (fresh) p.link?.heard(now);
      return [];
    }
    let frames = rel;
    if (!fresh) {
      frames = this.host.options.deliverUnverified === true ? rel.filter((f) => f.type === 'MSG') : [];
      if (frames.length === 0) {
        this.unverified += rel.reduce((n, f) => n + (f.type === 'MSG' ? 1 : 0), 0);
        return [];
      }
    }
    if ((this.refusing || !this.listening) && frames.some((f) => f.type === 'MSG')) {
      // [SW-14.7-6] [SW-14.7-9] neither taken nor acknowledged: the sender keeps it for this node's
      // next epoch, or until the application listens; but while stopping, what completes an
      // acknowledged message or chain is still taken [SW-14.7-8]
      const r = this.listening ? p.link?.receiver : undefined;
      const taken = frames.filter((f) => f.type !== 'MSG' || (r !== undefined && r.takesWhileRefusing(f)));
      this.refused += frames.length - taken.length;
      frames = taken;
      if (frames.length === 0) {
        if (fresh) p.link?.heard(now);
        return [];
      }
    }
    // an ACK alone from a peer this node never sent to reliably makes no link
    if (p.link === undefined && !frames.some((f) => f.type === 'MSG' || f.type === 'FORWARD')) return [];
    const link = this.linkOf(p);
    const res = link.receive(frames, now);
    this.settle(p, link, res.events);
    return res.delivered;
  }

  /**
   * Pumps the peer once the burst of datagrams being received is handled: one ACK then answers them
   * all ("at once" of [SW-14.3-6] is after the input at hand, not per datagram), and messages the
   * application sends from its message handlers ride with it. Without Scheduler.soon, pumps now.
   */
  pumpSoon(p: Peer, now: number): void {
    const soon = this.host.soon;
    if (soon === undefined || p.link?.ackUrgent() === true) return this.pump(p, now);
    this.pumpLater(this.soonPeers, p, soon);
  }

  /**
   * Pumps once the code that is sending has run to its end (a microtask): messages sent in one
   * loop, or from the handlers of one batch of settled promises, share datagrams instead of each
   * taking one while the windows are open (a sender-side Nagle with no timer: nothing waits for
   * more than the current task).
   */
  private pumpAfterSends(p: Peer): void {
    // Sent from a handler of received messages: wait for the rest of the burst like the ACK does, so
    // that what a hub forwards from many incoming datagrams fills whole datagrams, instead of each
    // incoming datagram's messages leaving in a full datagram and a partial one.
    const soon = this.host.soon;
    if (this.delivering > 0 && soon !== undefined) return this.pumpLater(this.soonPeers, p, soon);
    this.pumpLater(this.microPeers, p, queueMicrotask);
  }

  /** Runs `deliver` (the node's message events) with sends from its handlers batched as pumpSoon's. */
  delivering = 0;

  /** Adds `p` to `batch`; the first addition schedules one pump of the whole batch with `schedule`. */
  private pumpLater(batch: Set<Peer>, p: Peer, schedule: (fn: () => void) => void): void {
    batch.add(p);
    if (batch.size > 1) return;
    schedule(() => {
      const t = this.host.now();
      const peers = [...batch];
      batch.clear();
      for (const q of peers) {
        this.pump(q, t);
        this.host.reschedule(q);
      }
    });
  }

  /** Sends what the peer's link has due now, a datagram at a time (bounded). */
  pump(p: Peer, now: number): void {
    const link = p.link;
    if (link === undefined) return;
    this.stalled.delete(p);
    if (link.parked && !link.due(now)) return; // nothing is owed on a parked link (spec 14.13)
    this.idleLinks.note(p); // set aside once quiescent and unused for LINK_IDLE
    // ids used up and everything sent of this epoch settled: a new epoch lets the outbox go on
    if (link.sender.idsExhausted && link.sender.outbox.length > 0 && link.sender.settled) this.host.idsExhausted();
    let sent = 0;
    for (;;) {
      for (; sent < PUMP_LIMIT && link.due(now); sent++) {
        if (!this.host.route(p, now)) {
          this.stalled.set(p, now + STALL_RETRY_MS);
          return;
        }
      }
      // the unreliable queue drained: waiting messages take its room and go in this pump, up to
      // PUMP_LIMIT datagrams; the rest wait for the next turn of the event loop (admitWaiting)
      if (!this.admitWaiting(p, now)) return;
      if (sent >= PUMP_LIMIT) return this.pumpLater(this.soonPeers, p, this.host.soon ?? queueMicrotask);
    }
  }

  /** Deadlines and retransmission timers [SW-14.4-13], [SW-14.8-4], then whatever they let go. */
  tick(p: Peer, now: number): void {
    this.waiting.expire(p, p.id, now);
    if (p.link === undefined) return;
    this.settle(p, p.link, p.link.tick(now));
    this.pump(p, now);
  }

  /**
   * When the peer's link has work (spec 14.4, 14.8): its timers, or STALL_RETRY_MS after a stalled
   * pump. Infinity while a pump of the peer is pending: that pump sets the timer again once it has
   * sent, and a runtime timer for work it is about to send would only wake the process for nothing
   * (one wake-up per RPC round trip, before this).
   */
  deadline(p: Peer, now: number): number {
    if (p.link === undefined || this.soonPeers.has(p) || this.microPeers.has(p)) return Infinity;
    const at = p.link.nextDeadline(now);
    const retry = at <= now ? this.stalled.get(p) : undefined;
    return Math.min(retry ?? at, this.waiting.nextExpiry(p));
  }

  /** [SW-14.1-1] the peer's reliability state starts empty; [SW-14.7-4] ours towards it acts as if unacknowledged. */
  peerRestarted(p: Peer): void {
    p.link?.resetReceiver();
    p.link?.peerRestarted();
  }

  /**
   * The peer declared its reliability profile: towards a device-profile peer this node sends by the
   * device rules, from the moment its sender is idle [SW-14.12-14].
   */
  setPeerProfile(p: Peer, profile: ReliabilityProfile): void {
    this.linkOf(p).setPeerProfile(profile);
  }

  /** The peer challenged this node: what it ignored goes again with the ECHO [SW-14.10-4]. */
  challenged(p: Peer, now: number): void {
    p.link?.challenged(now);
  }

  /** The peer echoed our token (spec 12.3): it hears this node, the silence backoff ends [SW-14.4-14]. */
  echoed(p: Peer): void {
    p.link?.heardUs();
  }

  /** [SW-14.8-3] an unreachable peer's outbox waits; a reachable one flows again. */
  setReachable(p: Peer, reachable: boolean): void {
    p.link?.setReachable(reachable);
  }

  /** The reassembly budget's counters (NodeStats.reassembly). */
  get reassemblyStats(): { reserved: number; evicted: number; refusedOverShare: number } {
    const b = this.reassembly;
    return { reserved: b.reserved, evicted: b.evicted, refusedOverShare: b.refusedOverShare };
  }

  /** The peer left the table: its reassembly bytes go back to the budget, its promises fail. */
  forget(p: Peer): void {
    this.waiting.drop(p, () => new UnknownPeerError(p.id));
    if (p.link === undefined) return;
    p.link.receiver.reassembly.clear();
    this.dropLink(p.link, (t) => new DeadlineExceededError(p.id, t, 'in-flight'));
    this.stalled.delete(p);
  }

  /** The node closes: every promise rejects with NodeClosedError. */
  close(peers: Iterable<Peer>): void {
    this.idleLinks.close();
    for (const p of this.waiting.peers()) this.waiting.drop(p, () => new NodeClosedError());
    for (const p of peers) if (p.link !== undefined) this.dropLink(p.link, () => new NodeClosedError());
  }

  /**
   * This node started a new epoch: message ids are per sender epoch [SW-14.1-1], so every link gets a
   * new send state (ids from 1) and keeps its receive state (the peer's epoch did not change).
   * Messages of the old epoch fail: they may or may not have been delivered ([SW-14.1-2]), except
   * towards `stale`, whose STALE frame says it took none of them (12.4): those go again.
   */
  renewEpoch(peers: Iterable<Peer>, now: number, stale?: Peer): void {
    for (const p of peers) {
      const old = p.link;
      if (old === undefined) continue;
      p.link = undefined;
      const link = this.linkOf(p);
      link.receiver = old.receiver;
      // messages still queued were never given ids: they go on in the new epoch, promises and all;
      // so do those in flight to a peer that refused all of this epoch as stale [SW-12.4-3]
      const waiting = this.waiters.get(old);
      const untaken = p === stale ? old.sender.untaken() : [];
      for (const q of [...untaken, ...old.sender.outbox.drain()]) {
        const w = waiting?.get(q.ticket);
        waiting?.delete(q.ticket);
        let ticket: number;
        try {
          const data = this.host.restamp?.(p.id, q.channel, q.data) ?? q.data;
          ticket = link.send(data, { reliable: true, ordered: q.ordered, channel: q.channel, deadline: q.deadline, receipt: true }, now);
        } catch (e) {
          w?.reject(e as Error);
          continue;
        }
        if (w === undefined) continue;
        let m = this.waiters.get(link);
        if (m === undefined) this.waiters.set(link, (m = new Map()));
        m.set(ticket, w);
      }
      this.dropLink(old, (t) => new DeadlineExceededError(p.id, t, 'in-flight'));
      this.pumpAfterSends(p);
    }
  }

  /** The peer takes datagrams of at most `n` bytes (it declared so, [SW-4.6-7]): its link cuts and sends to fit. */
  limitDatagram(p: Peer, n: number): void {
    this.linkOf(p).capDatagramBudget(Math.max(n, MIN_MAX_DATAGRAM));
  }

  /** The peer's link, made at its first reliable use (spec 9.5: idle peers pay nothing). */
  private linkOf(p: Peer): ReliableLink {
    if (p.link !== undefined) return p.link;
    const r = this.host.options.reliability;
    const profile = r?.profile ?? 'full';
    // The hold-back buffer holds as many messages as the window admits, so an ordered message inside the
    // window is never refused for want of hold-back room: a refused fragment backs its timer off
    // ([SW-14.4-13]) and, when it later becomes the one that unblocks the channel, stalls it for that long.
    const window = r?.receive?.window ?? (profile === 'device' ? DEVICE_RECEIVE_WINDOW : RECEIVE_WINDOW);
    // one send and one receive configuration for all links (a link merges its profile's defaults once per configuration object)
    this.receiveOptions ??= { holdBackMessages: window, ...r?.receive, deferAcks: this.deferredChannels };
    this.sendOptions ??= { ...r?.send, datagramBudget: this.host.budget };
    const peerProfile = r?.devicePeers?.includes(p.id) === true ? 'device' : 'full';
    p.link = new ReliableLink({ peer: p.id, profile, peerProfile, send: this.sendOptions, receive: this.receiveOptions }, this.host.random, this.reassembly);
    p.link.setReachable(p.reachability !== 'unreachable');
    return p.link;
  }

  /** Receipts and failures from the peer's link: settle the promises. */
  private settle(p: Peer, link: ReliableLink, events: readonly SendEvent[]): void {
    const m = this.waiters.get(link);
    for (const e of events) {
      const w = m?.get(e.ticket);
      if (w === undefined) {
        // a waiting unreliable message carried in a reliable MSG as a clock marker (admitWaiting)
        if (this.markers.settled(link, e.ticket, e.type === 'failed') && e.type === 'failed') this.waiting.stats.givenUp++;
        continue;
      }
      m!.delete(e.ticket);
      if (e.type === 'delivered') {
        if (w.receipt) this.host.receipt(p.id, e.ticket);
        w.resolve();
      } else {
        w.reject(e.error);
      }
    }
    if (m !== undefined && m.size === 0) this.waiters.delete(link);
  }

  /**
   * Reliable transmissions, retransmissions and losses found, of every link this node has had
   * (NodeStats.retransmits): the links of peers that left are kept in `retired`, so the totals only grow.
   */
  retransmits(peers: Iterable<Peer>): RetransmitCounters {
    const t = { ...this.retired };
    for (const p of peers) if (p.link !== undefined) addCounters(t, p.link.counters);
    return t;
  }

  private readonly retired: RetransmitCounters = { transmissions: 0, retransmissions: 0, fastLosses: 0, timeouts: 0, reductions: 0, collapses: 0 };

  /**
   * Sets the peer's link aside if it is quiescent and nothing of this node's waits on it (spec 14.13):
   * called by the idle queue LINK_IDLE after the link's last use (pump() queues it). Returns whether
   * the link is parked now.
   */
  park(p: Peer, now: number): boolean {
    const link = p.link;
    if (link === undefined) return false;
    if (link.parked) return true;
    if (this.waiters.has(link) || this.waiting.has(p) || this.stalled.has(p) || this.soonPeers.has(p) || this.microPeers.has(p)) return false;
    const parked = link.park(now);
    if (parked) this.parkedLinks++;
    return parked;
  }

  private receiveOptions: LinkConfig['receive'];
  private sendOptions: LinkConfig['send'];

  /** Links set aside so far (spec 14.13), for NodeStats. */
  parkedLinks = 0;

  /** Live and parked links of `peers` now, and parks so far (NodeStats.links). */
  links(peers: Iterable<Peer>): { live: number; parked: number; parks: number } {
    let live = 0;
    let parked = 0;
    for (const p of peers) if (p.link !== undefined) p.link.parked ? parked++ : live++;
    return { live, parked, parks: this.parkedLinks };
  }

  /** Rejects every promise of a link that goes away. */
  private dropLink(link: ReliableLink, error: (ticket: number) => Error): void {
    addCounters(this.retired, link.counters);
    const m = this.waiters.get(link);
    this.waiters.delete(link);
    for (const [ticket, w] of m ?? []) w.reject(error(ticket));
  }
}

function addCounters(to: RetransmitCounters, from: Readonly<RetransmitCounters>): void {
  for (const k of Object.keys(to) as Array<keyof RetransmitCounters>) to[k] += from[k];
}
