/**
 * A Saltwire node (spec 9): one identity, its keys, a transport, and a table of peers named by id.
 * There is no connect() and no connection: send() names a peer, the node finds the address, keeps
 * the path validated, notices restarts and silence, and recovers by itself (spec 10 to 12). The
 * node is runtime-agnostic: time comes from the Scheduler, bytes from the Transport.
 * @module
 */
import { AMPLIFICATION_FACTOR, BOOT_LEN, INPUT_WAIT_MAX_MS, MAX_DATAGRAM, MIN_MAX_DATAGRAM } from '../constants.js';
import { InvalidArgumentError, NodeClosedError, PeerUnreachableError, UnknownPeerError } from '../errors.js';
import { DATAGRAM_BUDGET, MAX_MESSAGE, RECEIVE_WINDOW } from '../reliability/constants.js';
import { DEVICE_WINDOW } from '../reliability/device-constants.js';
import { profileReceiveDefaults } from '../reliability/profile.js';
import { startEpoch } from '../session/epoch.js';
import { Receiver, type Accepted, type StaleProof } from '../session/receiver.js';
import { TimerQueue } from '../time/timer-queue.js';
import { RealScheduler, type Scheduler } from '../time/scheduler.js';
import type { Address } from '../transport/transport.js';
import { Emitter } from '../util/emitter.js';
import { uniformSource } from '../util/uniform.js';
import { assertNodeId } from '../wire/node-id.js';
import type { DropReason } from '../wire/drop-reason.js';
import { indexedAt, senderFor, SENDER_IDLE_MS } from './parking.js';
import { ParkQueue } from './park-queue.js';
import { StaleAnswers, staleAnswerFrames } from './stale.js';
import { processAccepted } from './inbound.js';
import { LIVENESS_DEFAULTS, NONE, probeNow, type LivenessConfig, type Reachability } from './liveness.js';
import { onPeerTimer, peerDeadline, type PeerTimerHost } from './peer-timer.js';
import { candidateChallengeAt } from './path.js';
import type { NodeOptions, NodeStats, ReliableSendOptions, UnreliableSendOptions } from './node-options.js';
import type { NodeEvents, PeerInfo } from './node-events.js';
import { challengeCandidate, sendFull, transmit, type OutboundContext, type Outgoing, type Sealer, type SendCounters } from './outbound.js';
import { Peer } from './peer.js';
import { PeerTable } from './peer-table.js';
import { PeerMemory } from './peer-memory.js';
import { ReliableMode } from './reliable-mode.js';
import { SessionMode, type SessionHost } from './session-mode.js';
import { epochStoreOf, type StateStore } from './state-store.js';
import { Admission } from './admission.js';
import { isCookieMessage } from '../wire/cookie.js';

export type { PeerConfig, NodeOptions, NodeStats, ReliableSendOptions, ReliabilityOptions, UnreliableSendOptions } from './node-options.js';

export type { SessionOptions, SessionStats } from './session-mode.js';

/**
 * A node: peers named by id over one transport, datagrams sealed and opened (spec 3-7), paths,
 * liveness and recovery (spec 9-12), reliable delivery (spec 14). `startNode` starts one on UDP
 * with a state directory; `SaltwireNode.start` takes the transport, scheduler and store itself.
 *
 * @example
 * ```ts
 * import { MemoryNetwork, MemoryStateStore, PairKeyring, SaltwireNode, tweetnaclSuite } from 'saltwire';
 *
 * const net = new MemoryNetwork(); // in memory, virtual time: net.advance(ms)
 * const node = await SaltwireNode.start({
 *   id: 'sensor-1', keyring: new PairKeyring().add('hub', 0, new Uint8Array(32)), transport: net.bind({}),
 *   scheduler: net.scheduler, suite: tweetnaclSuite, state: new MemoryStateStore(),
 * });
 * node.on('reachable', (e) => console.log(e.peer, 'is reachable'));
 * await node.close();
 * ```
 * @group Nodes
 */
export class SaltwireNode {
  readonly id: string;
  private readonly o: NodeOptions;
  /** The clock and timers this node runs on (RealScheduler unless one was passed in). */
  readonly scheduler: Scheduler;
  private readonly receiver: Receiver;
  private readonly table: PeerTable;
  private readonly timers: TimerQueue<Peer>;
  /** Sets idle senders aside (spec 9.5), one queue and one runtime timer for all peers (park-queue.ts). */
  private readonly parking: ParkQueue;
  private readonly events = new Emitter<NodeEvents>();
  private readonly cfg: LivenessConfig;
  private readonly out: OutboundContext;
  private readonly memory: PeerMemory;
  private readonly sessions: SessionMode;
  /** What a datagram that has not authenticated may cost, and cookies (spec 6.5, 6.6). */
  private readonly admission: Admission;
  private readonly counters: SendCounters = { datagrams: 0, bytes: 0, amplificationLimited: 0, transportErrors: 0, sealFailures: 0 };
  private epochValue: number;
  /** This start's BOOT value [SW-5.2-6]: random, part of every traffic key this node seals with. */
  private readonly bootValue: Uint8Array;
  /** The epoch record was missing or unreadable at start (spec 12.4). */
  readonly stateLost: boolean;
  private readonly staleAnswers = new StaleAnswers();
  private conflicts = 0;
  /** A floor a peer reported while an epoch renewal was running: renew again above it. */
  private pendingFloor = 0;
  /** Source of the datagram being processed, for drop events (spec 6.2: diagnosable, never answered). */
  private dropFrom: Address | undefined;
  private readonly senderIdleMs: number;
  private closed = false;
  private renewing = false;
  /** The message layer's hooks for messages moved to a new epoch (onRenewedMessage). */
  private readonly restampers: Array<(peer: string, channel: number, data: Uint8Array) => Uint8Array | undefined> = [];
  private received = 0;
  private unverified = 0;
  private peerLimit = 0;
  private readonly reliable: ReliableMode;
  /** peer-timer.ts's view of this node (what a peer's timer decides, spec 11). */
  private readonly timerHost: PeerTimerHost;
  /** Timer jitter (probes [SW-11.2-1], retransmissions [SW-14.4-13]), pooled: not a system call per timer. */
  private readonly random: () => number;

  /** Starts a node: persists a new epoch first (never sends if that fails [SW-5.2-2]), then listens. */
  static async start(o: NodeOptions): Promise<SaltwireNode> {
    assertNodeId(o.id);
    // [SW-5.2-6] a BOOT value of this start's own: no key of an earlier start is ever used again,
    // whatever became of the stored epoch (wiped, restored, shared by two processes)
    const boot = o.suite.randomBytes(BOOT_LEN);
    const { epoch, lost } = await startEpoch(epochStoreOf(o.state), { provisioning: o.provisioning ?? false });
    const node = new SaltwireNode(o, epoch, boot, lost);
    await node.memory.load();
    node.announceStart();
    return node;
  }

  private constructor(o: NodeOptions, epoch: number, boot: Uint8Array, lost: boolean) {
    this.o = o;
    this.id = o.id;
    this.epochValue = epoch;
    this.bootValue = boot;
    this.stateLost = lost;
    this.senderIdleMs = o.senderIdleMs ?? SENDER_IDLE_MS;
    this.scheduler = o.scheduler ?? new RealScheduler();
    this.cfg = { ...LIVENESS_DEFAULTS, ...o.liveness };
    this.random = uniformSource((n) => o.suite.randomBytes(n));
    const budget = Math.min(o.peerMaxDatagram ?? MIN_MAX_DATAGRAM, o.transport.mtu, DATAGRAM_BUDGET);
    this.reliable = new ReliableMode({
      options: o,
      budget,
      route: (p, now) => this.route(p, {}, now),
      receipt: (peer, ticket) => this.events.emit('receipt', { peer, ticket }),
      soon: this.scheduler.soon?.bind(this.scheduler),
      scheduler: this.scheduler,
      current: (p) => this.table.get(p.id) === p,
      now: () => this.now(),
      reschedule: (p) => this.timers.schedule(p, this.deadline(p)),
      idsExhausted: () => void this.renewEpoch(),
      random: this.random,
      restamp: (peer, channel, data) => {
        for (const fn of this.restampers) data = fn(peer, channel, data) ?? data;
        return data;
      },
    });
    const sendRaw = (b: Uint8Array, to: Address): void => {
      this.counters.datagrams++;
      this.counters.bytes += b.length;
      o.transport.send(b, to).catch(() => void this.counters.transportErrors++);
    };
    const drop = (r: DropReason): void => this.receiver.countDrop(r);
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the getter below reads the live epoch
    this.admission = new Admission({ suite: o.suite, send: sendRaw, drop, maxDatagram: o.maxDatagram ?? MAX_DATAGRAM, mtu: o.transport.mtu }, o.admission);
    this.receiver = new Receiver({
      suite: o.suite,
      selfId: o.id,
      keyring: o.keyring,
      windowSize: o.windowSize,
      maxDatagram: o.maxDatagram,
      maxEpochs: o.maxEpochs,
      durableMaxEpochs: o.durableMaxEpochs,
      // the table decides who gets a context ([SW-9.2-3]); the receiver's own limit is a backstop
      maxContexts: (o.maxPeers ?? 16384) + 64,
      admit: (peer, _gen, fresh) => this.table.get(peer) !== undefined || this.table.hasRoom(fresh),
      onDrop: (info) => this.events.has('drop') && this.events.emit('drop', this.dropFrom === undefined ? info : { ...info, from: this.dropFrom }),
      sessionRequired: (id: string) => this.sessions.modeOf(id), // [SW-13.8-12]
      sessionRejectAfterMs: o.session?.timers?.rejectAfterMs,
      staleAnswer: (peer: string, boot: Uint8Array, now: number) => this.staleAnswers.may(peer, boot, now), // [SW-12.4-10]
      derivation: (d: Uint8Array, now: number) => this.admission.derivation(d, this.dropFrom!, now), // [SW-6.5-1]
    } as ConstructorParameters<typeof Receiver>[0]);
    this.table = new PeerTable(o.maxPeers ?? 16384);
    // the peers' timers run once the input already received is read [SW-8.4-3]
    const t = o.transport;
    this.timers = new TimerQueue<Peer>(this.scheduler, (p, now) => this.onTimer(p, now), t.afterInput && ((run) => t.afterInput!(run, INPUT_WAIT_MAX_MS)));
    this.parking = new ParkQueue(this.scheduler, this.senderIdleMs, () => this.now(), (p) => this.table.get(p.id) === p);
    this.memory = new PeerMemory(o.state, o.rememberPeers ?? true, this.scheduler, (id, address) => this.remember(id, address));
    this.out = {
      suite: o.suite,
      transport: this.admission.watch(o.transport), // FULL datagrams and initiations noted for COOKIEs [SW-6.6-3]
      counters: this.counters,
      // never a PeerSender for a session-mode peer [SW-13.8-12]; a live sender is set aside once idle
      sender: (p, now) => {
        if (p.session !== undefined) return undefined;
        const s = senderFor(p, this.o, this.epochValue, this.bootValue, now);
        if (s !== undefined) this.parking.note(p);
        return s;
      },
      exhausted: () => void this.renewEpoch(),
      get epoch() {
        return self.epochValue;
      },
      budget,
    };
    this.sessions = new SessionMode(this.sessionHost(), o.session, Math.max(o.maxPeers ?? 16384, 1024));
    this.timerHost = {
      cfg: this.cfg,
      senderIdleMs: this.senderIdleMs,
      sessions: this.sessions,
      reliable: this.reliable,
      random: this.random,
      route: (p, out, now) => this.route(p, out, now),
      candidate: (p, now) => this.challengeCandidate(p, now),
      emit: (name, e) => this.events.emit(name, e),
    };
    for (const c of o.peers ?? []) {
      assertNodeId(c.id);
      this.sessions.configure(c.id, c.mode);
      this.add(new Peer(c.id, { address: c.address, configured: true, keepalive: c.keepalive ?? true }));
    }
    o.transport.onReceive((d, from) => this.onDatagram(d, from));
  }

  /** The address this node receives on (its transport's). */
  get local(): Address {
    return this.o.transport.local;
  }

  /** Where this node keeps what must survive a restart (spec 12.1); layers above may keep theirs there too. */
  get state(): StateStore {
    return this.o.state;
  }

  /** This start's BOOT value (spec 5.2): 8 random bytes, a copy. */
  get boot(): Uint8Array {
    return this.bootValue.slice();
  }

  /** This node's current epoch (spec 5.2). */
  get epoch(): number {
    return this.epochValue;
  }

  /**
   * What this node takes from a peer: its MAX_DATAGRAM [SW-4.10-1], the largest message it
   * reassembles and its receive window (14.3, 14.6). A client declares them to its hub [SW-15.5-8].
   */
  get receiveLimits(): { readonly maxDatagram: number; readonly maxMessage: number; readonly window: number } {
    const r = this.o.reliability?.receive;
    const d = profileReceiveDefaults(this.o.reliability?.profile); // a device-profile node takes less [SW-14.12-9] [SW-14.12-11]
    return { maxDatagram: this.o.maxDatagram ?? MAX_DATAGRAM, maxMessage: r?.maxMessage ?? d.maxMessage ?? MAX_MESSAGE, window: r?.window ?? d.window ?? RECEIVE_WINDOW };
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof NodeEvents>(name: K, fn: (e: NodeEvents[K]) => void): () => void {
    const off = this.events.on(name, fn);
    if (name !== 'message') return off;
    // data is taken only while someone listens for it [SW-14.7-9]
    this.reliable.listening = true;
    return () => {
      off();
      this.reliable.listening = this.events.has('message');
    };
  }

  /**
   * From now on, reliable messages on `channel` are acknowledged only once their 'message' event
   * returned without a listener calling `hold()`, or the release that `hold()` returned was called
   * (durable before acknowledged, [SW-14.3-9]). Other channels are unaffected.
   */
  deferAcks(channel: number): void {
    this.reliable.deferredChannels.add(channel);
  }

  /**
   * Sends `data` to `peer` once, unreliably (a DATAGRAM frame, spec 4.7). Returns false when the
   * datagram could not go out now (amplification limit of a new path, no key); throws UnknownPeerError
   * if no address is known, InvalidArgumentError if `data` does not fit in one datagram. In session
   * mode, data for a peer with no session is held (bounded) while a handshake runs, and true means
   * sent or held [SW-13.8-14].
   */
  send(peer: string, data: Uint8Array): boolean;
  /**
   * Sends `data` to `peer` reliably (spec 14): delivered exactly once (in order on its channel if
   * `ordered`), fragmented if it does not fit one datagram, retransmitted until acknowledged. The
   * promise resolves when the peer acknowledged every fragment ([SW-14.1-2]) and rejects with
   * MessageTooLargeError (over the peer's MAX_MESSAGE, before anything is sent [SW-14.6-5]),
   * OutboxFullError (the peer's outbox is full [SW-14.8-1]), DeadlineExceededError (not acknowledged by
   * `deadlineMs` [SW-14.8-2]; it may still have been delivered, once) or NodeClosedError. Throws at
   * once, like the unreliable form, UnknownPeerError, NodeClosedError and InvalidArgumentError. While
   * the peer is unreachable the message waits, its deadline running ([SW-14.8-3]).
   */
  send(peer: string, data: Uint8Array, options: ReliableSendOptions): Promise<void>;
  /**
   * Sends `data` to `peer` once, unreliably, as a MSG frame on `channel` (spec 14.1): it leaves with
   * the next datagram to the peer (coalesced with whatever else is due) and is never retransmitted.
   * Returns true once queued; throws MessageTooLargeError if it does not fit one fragment, and
   * OutboxFullError, UnknownPeerError, NodeClosedError, InvalidArgumentError.
   */
  send(peer: string, data: Uint8Array, options: UnreliableSendOptions): boolean;
  send(peer: string, data: Uint8Array, options?: ReliableSendOptions | UnreliableSendOptions): boolean | Promise<void> {
    if (options?.reliable === false) return this.sendOnChannel(peer, data, options.channel ?? 0);
    if (options !== undefined) return this.sendReliable(peer, data, options);
    const p = this.target(peer, data);
    if (data.length > this.maxPayload) {
      throw new InvalidArgumentError(`data is ${data.length} bytes; at most ${this.maxPayload} fit in one datagram to ${peer}`);
    }
    return this.flush(p, { data }, this.now());
  }

  /** The peer a send goes to, after the checks every form of send() shares; throws their typed errors. */
  private target(peer: string, data: Uint8Array): Peer {
    if (this.closed) throw new NodeClosedError();
    assertNodeId(peer);
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('data must be a Uint8Array');
    const p = this.table.get(peer);
    if (p?.address === undefined) throw new UnknownPeerError(peer);
    return p;
  }

  private sendReliable(peer: string, data: Uint8Array, options: ReliableSendOptions): Promise<void> {
    const p = this.target(peer, data);
    if (options.reliable !== true) throw new InvalidArgumentError('options.reliable must be true (plain send(peer, data) is unreliable)');
    const d = options.deadlineMs;
    if (d !== undefined && !(Number.isFinite(d) && d >= 0)) throw new InvalidArgumentError('deadlineMs must be a finite number >= 0');
    const promise = this.reliable.send(p, data, options, this.now());
    this.timers.schedule(p, this.deadline(p));
    return promise;
  }

  private sendOnChannel(peer: string, data: Uint8Array, channel: number): boolean {
    this.reliable.sendUnreliable(this.target(peer, data), data, channel, this.now());
    return true;
  }

  /**
   * Sends `data` unreliably as send(peer, data, { reliable: false, channel }) does, with
   * back-pressure [SW-14.8-6]: when the peer's unreliable queue is full (or messages already wait
   * for it), the message waits in order for the queue to drain instead of failing. Returns undefined
   * when queued at once, else a promise that resolves once queued and rejects with OutboxFullError
   * past the waiting bounds (ReliabilityOptions.unreliableWaiting: per peer, in all, and in time) or
   * NodeClosedError. Throws, like send(), MessageTooLargeError, UnknownPeerError, NodeClosedError and
   * InvalidArgumentError. Once queued a message is still unreliable: sent once, never retransmitted.
   */
  sendWhenRoom(peer: string, data: Uint8Array, channel = 0): Promise<void> | undefined {
    const p = this.target(peer, data);
    if (!Number.isInteger(channel) || channel < 0 || channel > 255) throw new InvalidArgumentError('channel must be in [0, 255]');
    const queued = this.reliable.sendUnreliableWaiting(p, data, channel, this.now());
    if (queued !== undefined) this.timers.schedule(p, this.deadline(p));
    return queued;
  }

  /** The largest `data` send() accepts: the peer's limit minus the largest header, tag and control frames. */
  get maxPayload(): number {
    const limit = Math.min(this.o.peerMaxDatagram ?? MIN_MAX_DATAGRAM, this.o.transport.mtu);
    return limit - (11 + this.id.length) - 16 - (10 + 9 + 9 + 1) - 1;
  }

  reachability(peer: string): Reachability {
    return this.table.get(peer)?.reachability ?? 'unknown';
  }

  /** The fast failure path for request/response layers [SW-11.3-2]: throws if `peer` is unreachable. */
  assertReachable(peer: string): void {
    if (this.closed) throw new NodeClosedError();
    const p = this.table.get(peer);
    if (p === undefined || p.address === undefined) throw new UnknownPeerError(peer);
    if (p.reachability === 'unreachable') throw new PeerUnreachableError(peer);
  }

  /**
   * The peer declared (in SYNC, [SW-15.5-8]) that it takes datagrams of at most `maxDatagram` bytes:
   * where that is below this node's budget, what is sent to it is cut and sized to fit ([SW-4.6-7]).
   * Unknown peers are ignored.
   */
  limitPeer(peer: string, maxDatagram: number, window?: number): void {
    const p = this.table.get(peer);
    if (p === undefined || !Number.isInteger(maxDatagram)) return;
    this.reliable.limitDatagram(p, maxDatagram);
    // a declared window of at most DEVICE_WINDOW: sent to by the device profile's rules [SW-14.12-14]
    if (window !== undefined && Number.isInteger(window)) this.reliable.setPeerProfile(p, window <= DEVICE_WINDOW ? 'device' : 'full');
  }

  /**
   * Registers `fn`, which sees every reliable message this node moves to a new epoch of its own
   * (a renewal: its counter used up, or a peer's STALE, 12.4) before it is sent under that epoch;
   * none of them was taken by its peer. It returns new bytes (the message layer stamps its PUB_IDs
   * and CALL_IDs again under the new epoch, [SW-15.6-4], [SW-16.1-5]) or undefined to keep them.
   * Returns a function that unregisters it.
   */
  onRenewedMessage(fn: (peer: string, channel: number, data: Uint8Array) => Uint8Array | undefined): () => void {
    this.restampers.push(fn);
    return () => {
      const i = this.restampers.indexOf(fn);
      if (i >= 0) this.restampers.splice(i, 1);
    };
  }

  /** Asks the peer for a sign of life now (a PING), instead of waiting for the liveness timers. */
  probe(peer: string): void {
    const p = this.table.get(peer);
    if (p?.address === undefined) throw new UnknownPeerError(peer);
    probeNow(p, this.now());
    this.timers.schedule(p, this.now());
  }

  peer(id: string): PeerInfo | undefined {
    const p = this.table.get(id);
    if (p === undefined) return undefined;
    return { id, address: p.address, validated: p.validated, reachability: p.reachability, lastHeard: p.lastHeard, configured: p.configured, epoch: this.receiver.peerEpoch(id) };
  }

  get stats(): NodeStats {
    return {
      drops: this.receiver.drops.snapshot(),
      sent: { ...this.counters },
      received: this.received,
      unverified: this.unverified + this.reliable.unverified,
      peerLimit: this.peerLimit,
      refused: this.reliable.refused,
      stale: { answered: this.staleAnswers.answered, limited: this.staleAnswers.limited, conflicts: this.conflicts },
      peers: this.table.size,
      sessions: { ...this.sessions.stats },
      admission: { ...this.admission.stats },
      reassembly: this.reliable.reassemblyStats,
      unreliable: { ...this.reliable.unreliableStats },
      retransmits: this.reliable.retransmits(this.table.values()),
      links: this.reliable.links(this.table.values()),
      input: { waits: 0, expired: 0, shrinks: 0, ...this.o.transport.inputStats },
    };
  }

  /**
   * The first step of a graceful stop, for a layer that stops before its node (Hub.close()): from now
   * on this node takes no data (MSG frames, reliable or not) and acknowledges none, so what peers
   * send meanwhile stays in their outboxes and reaches this node's next epoch [SW-14.7-6], instead
   * of being acknowledged by a node whose application no longer listens. Acknowledgements, probes
   * and everything this node sends still flow, so its own outboxes can drain. Irreversible: close()
   * the node next.
   */
  refuseData(): void {
    this.reliable.refusing = true;
  }

  /**
   * Reliable messages this node acknowledged, wholly or in part, and has not delivered: held back
   * for a predecessor or partly reassembled. After refuseData() this node still takes what
   * completes them [SW-14.7-8]; a graceful stop waits for 0 before its application stops listening.
   */
  undelivered(): number {
    return this.reliable.undelivered(this.table.values());
  }

  /** Stops timers and closes the transport. Idempotent. Remembered peers are saved first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.close();
    this.parking.close();
    this.reliable.close(this.table.values());
    for (const p of this.table.values()) this.sessions.forget(p); // sessions live in RAM only [SW-13.8-10]
    await this.memory.flush(this.table.values()).catch(() => undefined);
    await this.o.transport.close();
  }

  /** Integer milliseconds: every time a peer keeps is a small integer, never boxed (spec 9.5). */
  private now(): number {
    return Math.floor(this.scheduler.now());
  }

  // ---- receive ----

  private onDatagram(d: Uint8Array, from: Address): void {
    if (this.closed) return;
    const now = this.now();
    this.dropFrom = from;
    if (isCookieMessage(d)) return this.admission.onMessage(d, from, now, (inner) => this.onDatagram(inner, from)); // spec 6.6
    if ((d[0]! & 0xf0) === 0x60) return this.sessions.onHandshake(d, from, now); // FORM 10 (spec 13.6, 13.7)
    let r = this.receiver.open(d, now); // spec 6: drops are counted there, and silent
    if (!r.ok) {
      if (r.stale !== undefined) this.answerStale(r.stale, from, d.length, now); // the peer's own, authenticated (12.4)
      return;
    }
    let p = this.table.get(r.senderId);
    if (p === undefined) {
      p = new Peer(r.senderId);
      // [SW-9.3-6] a datagram that may be a replay cannot evict a peer that was ever heard fresh
      const evicted = this.add(p, r.freshness === 'fresh');
      if (evicted === p) {
        this.peerLimit++;
        this.receiver.erase(r.senderId, r.gen);
        this.sessions.forget(r.senderId);
        return;
      }
    }
    this.received++;
    const sx = r.session === undefined ? undefined : this.sessions.accepted(p, r, now); // confirms a next session
    if (sx !== undefined && !sx.newest) r = { ...r, newest: false }; // a previous session never moves the path
    const fx = processAccepted(this.inboundHost, p, r, from, d.length, now);
    if (fx.staleFloor !== undefined) {
      // acted on only with an echo of a token of this epoch: a STALE answering a straggler of an
      // earlier epoch or start says nothing about this one; without the echo, the next datagram
      // carries a CHALLENGE, and the next STALE will echo it ([SW-12.4-11])
      if (fx.echoEpoch === this.epochValue) this.onStaleFloor(p, fx.staleFloor.gen, fx.staleFloor.epoch);
      else p.wantsEcho = true;
    }
    const restartEpoch = Math.max(fx.restartEpoch, sx?.restartEpoch ?? 0);
    if (restartEpoch > 0) {
      // [SW-14.1-1] the peer's reliability state starts empty; [SW-14.7-4] ours towards it acts as if unacknowledged
      this.reliable.peerRestarted(p);
      this.events.emit('restart', { peer: p.id, epoch: restartEpoch });
    }
    const delivered = this.reliable.receive(p, fx.rel, fx.fresh, now);
    if (fx.challenged && fx.fresh) this.reliable.challenged(p, now); // resent with the ECHO [SW-14.10-4]
    if (fx.echoed) this.reliable.echoed(p); // [SW-14.4-14]
    if (fx.moved || fx.validated) {
      this.memory.changed(() => this.table.values(), p);
      this.events.emit('address', { peer: p.id, address: p.address!, validated: p.validated, change: fx.moved ? 'moved' : 'validated' });
    }
    // a validated move: what went to the old address since the peer left it is lost; it goes again now
    if (fx.moved && p.validated) this.reliable.challenged(p, now);
    if (fx.candidate) this.challengeCandidate(p, now); // [SW-10.2-6] the path stays; the new address must echo
    if (fx.reachability !== undefined) {
      this.reliable.setReachable(p, true); // [SW-14.8-3] the outbox flows again
      this.events.emit(fx.reachability, { peer: p.id });
    }
    if (fx.answerAt !== undefined) {
      // [SW-10.1-6] answered where it came from, once, within 3x its size; the path stays
      const dest = { to: fx.answerAt, budget: AMPLIFICATION_FACTOR * d.length };
      if (this.admission.answer(fx.answerAt, now)) this.sessionOr(p, (sealer) => transmit(this.out, p!, { index: r.announceIndex, keepalive: fx.pinged }, now, sealer, dest)); // [SW-6.5-6]
    } else if (p.flushDue || r.announceIndex !== undefined || (fx.fresh && p.challenge !== undefined && p.probingSince !== NONE)) {
      // a fresh datagram from a peer being probed gets the challenge again, once its retry interval
      // allows [SW-11.2-6] [SW-12.3-2]: never more often, whatever arrives [SW-9.4-4]
      this.flush(p, { index: r.announceIndex, keepalive: fx.pinged }, now);
    }
    this.reliable.pumpSoon(p, now); // acks owed at once (after this burst), and whatever a restart or an ACK let go
    this.reliable.delivering++; // what the handlers send waits for the end of this burst (pumpAfterSends)
    try {
      for (const m of delivered) {
        if (m.withheld === undefined) this.events.emit('message', { from: p.id, data: m.data, fresh: fx.fresh, reliable: m.reliable, channel: m.channel });
        else this.reliable.deliverWithheld(p, m.withheld, (hold) => this.events.emit('message', { from: p.id, data: m.data, fresh: fx.fresh, reliable: true, channel: m.channel, hold }));
      }
      for (const data of fx.data) {
        if (fx.fresh || this.o.deliverUnverified === true) this.events.emit('message', { from: p.id, data, fresh: fx.fresh, reliable: false, channel: 0 });
        else this.unverified++;
      }
    } finally {
      this.reliable.delivering--;
    }
    this.timers.schedule(p, this.deadline(p));
  }

  /** processAccepted's view of the node, made once (not one closure per datagram). */
  private readonly inboundHost = { markFresh: (p: Peer, r: Accepted): void => this.markFresh(p, r) };

  private markFresh(p: Peer, r: Accepted): void {
    this.receiver.markFresh(p.id, r.gen, r.epoch, r.counter);
  }

  // ---- send ----

  private flush(p: Peer, out: Outgoing, now: number): boolean {
    const sent = this.route(p, out, now);
    this.timers.schedule(p, this.deadline(p));
    return sent;
  }

  /** Under the peer's session in session mode (spec 13.8), else with its sender (spec 4, 5). */
  private route(p: Peer, out: Outgoing, now: number): boolean {
    if (this.closed) return false; // a pump deferred past close()
    return p.session !== undefined ? this.sessions.flush(p, out, now) : transmit(this.out, p, out, now);
  }

  /** Runs `send` with the peer's session sealer in session mode, or its sender otherwise. */
  private sessionOr(p: Peer, send: (sealer: Sealer | undefined) => boolean): boolean {
    if (p.session === undefined) return send(undefined);
    const sealer = this.sessions.sealer(p, this.now());
    return sealer === undefined ? false : send(sealer);
  }

  /**
   * Persists a new epoch above `floor` (if given), then senders restart on it (spec 5.2): the counter
   * of this epoch is used up, or a peer reported a floor (12.4). With `announce`, every peer gets the
   * FULL PING of [SW-12.2-1] at once, so the one that refused our stale epoch hears the new one now.
   */
  private async renewEpoch(floor = 0, announce = false, stale?: Peer): Promise<void> {
    this.pendingFloor = Math.max(this.pendingFloor, floor);
    if (this.renewing || this.closed) return;
    this.renewing = true;
    try {
      do {
        const floor = this.pendingFloor;
        this.pendingFloor = 0;
        if (floor > 0 && floor < this.epochValue) continue; // already above it
        // never at or below the epoch in use, whatever the store says now (wiped while running): the
        // BOOT value is kept, so an epoch used again would reuse nonces under one key [SW-5.2-8]
        const above = Math.max(floor, this.epochValue);
        this.epochValue = (await startEpoch(epochStoreOf(this.o.state), { provisioning: true, above })).epoch;
        this.reliable.renewEpoch(this.table.values(), this.now(), stale); // message ids are per sender epoch [SW-14.1-1]
      } while (this.pendingFloor >= this.epochValue && !this.closed);
      if (announce && !this.closed) {
        const now = this.now();
        for (const p of this.table.values()) if (p.address !== undefined && p.session === undefined) this.flush(p, { ping: true }, now);
      }
    } catch {
      // the store failed: senders keep the old epoch, which is still safe (BOOT); the peer stays stale
    } finally {
      this.renewing = false;
    }
  }

  /**
   * The candidate address's challenge, if due [SW-10.2-6]; with its first, a PING to the validated
   * address, so that a peer still there answers from there and ends the candidate [SW-10.2-7].
   */
  private challengeCandidate(p: Peer, now: number): void {
    const c = p.candidate;
    if (c === undefined || now < candidateChallengeAt(p)) return;
    const first = c.sentAt === NONE;
    c.sentAt = p.candidateChallengedAt = now; // an attempt, sent or not: the next waits its interval
    // an answer outside the validated path: it takes from the source's and the node's answer budgets [SW-6.5-6]
    if (!this.admission.answer(c.address, now)) return;
    if (this.sessionOr(p, (sealer) => challengeCandidate(this.out, p, c, now, sealer)) && first) this.flush(p, { ping: true }, now);
  }

  // ---- stale datagrams (spec 12.4) ----

  /**
   * Answers the peer's authenticated stale datagram with the floor its next epoch must exceed, in
   * the FULL form (it cannot know our index), to where it came from, within the amplification
   * factor of its size [SW-12.4-2]. A peer whose stale datagrams keep coming is two processes.
   */
  private answerStale(s: StaleProof, from: Address, size: number, now: number): void {
    let p = this.table.get(s.peer);
    if (p === undefined) {
      p = new Peer(s.peer);
      if (this.add(p, false) === p) return; // no room for a peer never heard fresh
    }
    if (p.session !== undefined) return;
    if (!this.staleAnswers.take(s.peer, s.boot, s.token, now)) return; // spent only by an authenticated datagram [SW-12.4-9]
    const sender = senderFor(p, this.o, this.epochValue, this.bootValue, now);
    if (sender !== undefined) this.parking.note(p);
    if (sender === undefined || !sendFull(this.out, sender, staleAnswerFrames(s), now, { to: from, budget: AMPLIFICATION_FACTOR * size })) return;
    if (this.staleAnswers.answeredTo(s.peer, s.boot, s.epoch, now)) {
      this.conflicts++;
      this.events.emit('conflict', { peer: s.peer, kind: 'peer', epoch: s.epoch, floor: s.floor, from });
    }
  }

  /**
   * A STALE frame from the peer: our datagrams under `gen` are refused below `epoch` + 1. Renew the
   * epoch above it [SW-12.4-3], unless the peer had accepted this very epoch (it named it in an
   * INDEX): then another process sends under our id and superseded it, and renewing would only
   * fight it; report instead [SW-12.4-5].
   */
  private onStaleFloor(p: Peer, gen: number, floor: number): void {
    if (p.session !== undefined || gen !== this.o.keyring.generations.current(p.id) || floor < this.epochValue) return;
    if (indexedAt(p, this.epochValue)) {
      if (p.selfConflictEpoch === this.epochValue) return; // reported once per peer and epoch [SW-12.4-5]
      p.selfConflictEpoch = this.epochValue;
      this.conflicts++;
      this.events.emit('conflict', { peer: p.id, kind: 'self', epoch: this.epochValue, floor });
      return;
    }
    this.receiver.distrustFloors(); // our store is older than our last start [SW-12.4-8]
    void this.renewEpoch(floor, true, p);
  }

  // ---- timers (spec 11) ----

  private deadline(p: Peer): number {
    return peerDeadline(this.timerHost, p, this.now());
  }

  private onTimer(p: Peer, now: number): number {
    if (this.closed || this.table.get(p.id) !== p) return Infinity; // evicted
    // The queue keeps the earliest time a peer was queued for (timer-queue.ts); a peer heard since
    // has its liveness deadline later, so most firings of a quiet peer find nothing due. Those cost
    // one deadline, not the liveness, session and reliability ticks: work follows activity.
    const due = this.deadline(p);
    if (due > now) return due;
    onPeerTimer(this.timerHost, p, now);
    return this.deadline(p);
  }

  /**
   * After a start, tell every configured and remembered peer at once (spec 12.2): a PING in the FULL
   * form of the new epoch is the authenticated hint that this node restarted, and its CHALLENGE lets
   * the peer's answer prove its own freshness within the same round trip.
   */
  private announceStart(): void {
    const now = this.now();
    for (const p of this.table.values()) {
      // this node has no receive state for anyone yet; a session-mode peer gets an initiation [SW-13.8-16]
      if (p.session === undefined) p.needsFreshness = true;
      probeNow(p, now);
      this.timers.schedule(p, now);
    }
  }

  private remember(id: string, address: Address): void {
    if (this.table.get(id) !== undefined || id === this.id) return;
    const p = new Peer(id, { address });
    p.validated = true; // validated before the restart; a stale address costs one datagram
    this.add(p);
  }

  /**
   * Adds a peer entry (with its session state in session mode); erases whatever it evicted. An entry
   * made by a datagram of unknown freshness may only evict a peer never heard fresh ([SW-9.3-6]).
   */
  private add(p: Peer, fresh = true): Peer | undefined {
    this.sessions.attach(p);
    const evicted = this.table.add(p, fresh);
    if (evicted !== undefined && evicted !== p) {
      this.receiver.eraseAll(evicted.id);
      this.reliable.forget(evicted);
      this.sessions.forget(evicted);
    }
    return evicted;
  }

  private sessionHost(): SessionHost {
    const o = this.o;
    return {
      suite: o.suite,
      selfId: o.id,
      keyring: o.keyring,
      receiver: this.receiver,
      out: this.out,
      maxDatagram: o.maxDatagram ?? MAX_DATAGRAM,
      windowSize: o.windowSize,
      epoch: () => this.epochValue,
      peer: (id) => this.table.get(id),
      sendRaw: (bytes, to) => {
        this.counters.datagrams++;
        this.counters.bytes += bytes.length;
        this.out.transport.send(bytes, to).catch(() => void this.counters.transportErrors++); // initiations noted for COOKIEs
      },
      admit: (d, from, now) => this.admission.derivation(d, from, now), // [SW-13.6-9]
      unreachable: (p) => {
        this.reliable.setReachable(p, false);
        this.events.emit('unreachable', { peer: p.id });
      },
      reachable: (p) => {
        this.reliable.setReachable(p, true);
        this.events.emit('reachable', { peer: p.id });
      },
      schedule: (p) => this.timers.schedule(p, this.deadline(p)),
    };
  }
}
