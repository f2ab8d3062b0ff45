/**
 * Session mode in the peer layer (spec 13.6 to 13.9): which peers use it, handshake messages in
 * and out, the attempt and retry schedule, sealing under the current session, confirmation and
 * rotation of sessions, and the bounded queue of data that waits for a session. One SessionMode per
 * node; per-peer state hangs off Peer.session (session-state.ts). Runtime-agnostic: time is passed
 * in, bytes go through the node's Transport.
 * @module
 */
import { COUNTER_LIMIT, REPLAY_WINDOW } from '../constants.js';
import { HANDSHAKE_RATE, HANDSHAKE_RESPONSE_ATTEMPTS } from '../session/handshake/constants.js';
import type { Timestamp } from '../session/handshake/ephemeral.js';
import { consumeResponse, createInitiation } from '../session/handshake/handshake.js';
import { parseHandshake, type HandshakeDropReason, type ParsedResponse } from '../session/handshake/messages.js';
import type { Accepted } from '../session/receiver-types.js';
import { newSessionSlot, sealSessionDatagram, type IndexHolder, type SessionSlot } from '../session/session-receiver.js';
import type { Address } from '../transport/transport.js';
import type { DropReason } from '../wire/drop-reason.js';
import { heard, NONE, probeNow } from './liveness.js';
import { transmit, type Outgoing, type Sealer } from './outbound.js';
import { maySend, onSent } from './path.js';
import type { Peer } from './peer.js';
import { HandshakeResponder } from './session-responder.js';
import * as st from './session-state.js';
import type { SessionHost, SessionOptions, SessionStats } from './session-types.js';

export type { SessionOptions, SessionStats, SessionHost } from './session-types.js';

const QUEUE_LIMIT = 16;

export class SessionMode {
  private readonly counts = { initiationsSent: 0, established: 0, confirmed: 0, gaveUp: 0, queueDropped: 0 };
  readonly timers: st.SessionTimers;
  private readonly configured = new Map<string, boolean>();
  private readonly list: ReadonlySet<string> | undefined;
  private readonly responder: HandshakeResponder;
  private hEpoch = 0;
  private hCounter = 0;
  private readonly erase = (h: IndexHolder): void => this.host.receiver.eraseSession(h);

  constructor(
    private readonly host: SessionHost,
    private readonly o: SessionOptions = {},
    stampLimit = 16384,
  ) {
    this.timers = o.timers === undefined ? st.SESSION_TIMERS : { ...st.SESSION_TIMERS, ...o.timers };
    this.list = Array.isArray(o.peers) ? new Set(o.peers as readonly string[]) : undefined;
    const drop = (reason: DropReason, id?: string, gen?: number): void => this.drop(reason, id, gen);
    const made = (): void => void this.hCounter++;
    const rate = o.handshakeRate ?? HANDSHAKE_RATE;
    this.responder = new HandshakeResponder(host, (id) => this.modeOf(id), () => this.stamp(), made, this.erase, drop, rate, stampLimit);
  }

  get stats(): SessionStats {
    return { ...this.counts, responsesSent: this.responder.responsesSent };
  }

  /** Fixes a configured peer's mode (PeerConfig.mode). */
  configure(id: string, mode: 'psk' | 'session' | undefined): void {
    if (mode !== undefined) this.configured.set(id, mode === 'session');
  }

  /** True if `id` is configured for session mode [SW-13.1-1]. */
  modeOf(id: string): boolean {
    if (this.o.peers === undefined && this.configured.size === 0) return false; // PSK only: the common case
    const c = this.configured.get(id);
    if (c !== undefined) return c;
    const p = this.o.peers;
    return p === 'all' || (typeof p === 'function' ? p(id) : this.list?.has(id) === true);
  }

  /** Gives a new peer entry its session state if it is in session mode. */
  attach(p: Peer): void {
    if (p.session === undefined && this.modeOf(p.id)) p.session = st.newPeerSessions();
  }

  // ---- handshake messages in (spec 13.6, 13.7) ----

  onHandshake(d: Uint8Array, from: Address, now: number): void {
    if (d.length > this.host.maxDatagram) return this.drop('TOO_LARGE'); // step 1
    const m = parseHandshake(d); // steps 2-5
    if (typeof m === 'string') return this.drop(m);
    if (m.type === 'INITIATION') this.responder.onInitiation(d, m, from, now);
    else this.onResponse(d, m, now);
  }

  private onResponse(d: Uint8Array, m: ParsedResponse, now: number): void {
    const h = this.host.receiver.indexTable.holder(m.receiverIndex); // step 6
    const p = h?.kind === 'pending' ? this.host.peer(h.peerId) : undefined;
    const s = p?.session;
    if (h?.kind !== 'pending' || p === undefined || s === undefined || s.pending !== h) return this.drop('UNKNOWN_INDEX');
    h.responses++;
    const r = consumeResponse(h.state, d, { suite: this.host.suite, now }); // steps 7-9
    if (!r.ok) {
      this.drop(r.reason, h.peerId, h.state.gen);
      if (h.responses >= HANDSHAKE_RESPONSE_ATTEMPTS) st.abandon(s, this.erase); // [SW-13.7-2]; the retry timer goes on
      return;
    }
    // step 10 [SW-13.7-3]: the pending initiation becomes the current session, under its index
    const slot = newSessionSlot(r.session, this.host.windowSize ?? REPLAY_WINDOW);
    this.host.receiver.indexTable.transfer(h, slot);
    this.erase(h); // wipes what is left of the initiator state
    s.pending = undefined;
    s.retryAt = s.attemptFrom = NONE;
    st.promote(s, slot, this.erase);
    this.counts.established++;
    // An authenticated answer to this node's fresh initiation: the peer is there now (spec 11.2).
    if (heard(p, now) !== undefined) this.host.reachable(p);
    this.flush(p, { keepalive: true }, now); // confirms the session at once, with any queued data
  }

  // ---- session datagrams in (spec 13.8) ----

  /**
   * A datagram of `slot` passed every check. Confirms the peer's next session and makes it current
   * [SW-13.8-8] [SW-13.8-9]. Returns whether it may move the path (never a previous session's,
   * [SW-10.1-2]) and the peer's new epoch if this confirmed a restart.
   */
  accepted(p: Peer, r: Accepted, now: number): { newest: boolean; restartEpoch: number } {
    const slot = r.session!;
    this.attach(p);
    const s = p.session!;
    if (this.responder.take(p.id, slot)) {
      if (s.next !== undefined) this.erase(s.next);
      s.next = slot;
    }
    let restartEpoch = 0;
    if (slot === s.next) {
      st.promote(s, slot, this.erase);
      this.counts.confirmed++;
      restartEpoch = slot.restartEpoch;
      if (s.queue !== undefined) p.flushDue = true; // held data goes out now
    } else if (slot === s.current && s.retryAt !== NONE && st.decide(now, slot, this.timers) === 'keep') {
      // The current session works both ways again (an attempt begun because the peer fell silent): no
      // new handshake is needed. A rekey or expiry restarts one at the next seal [SW-13.9-1].
      st.abandon(s, this.erase);
      s.retryAt = s.attemptFrom = NONE;
    }
    return { newest: r.newest && slot !== s.previous, restartEpoch };
  }

  // ---- sending (spec 13.8, 13.9) ----

  /**
   * Sends `out` under the peer's current session; without one it holds the data and starts a
   * handshake [SW-13.8-14]. A probe with no session is an initiation [SW-13.8-16]. Returns true if
   * the data went out or was queued.
   */
  flush(p: Peer, out: Outgoing, now: number): boolean {
    this.attach(p);
    const s = p.session!;
    const slot = this.sealable(p, s, now);
    // A peer kept alive that stopped answering may have lost the session (a restart that forgot this
    // node): its recovery probes also start a handshake. Not in spec 13.8-16 (see SW-13.8-16 gap).
    if (out.ping === true && p.reachability === 'unreachable' && p.keepalive) this.ensureAttempt(p, s, now);
    if (slot === undefined) {
      this.ensureAttempt(p, s, now);
      return out.data !== undefined && this.enqueue(s, out.data);
    }
    const sealer: Sealer = { seal: (plaintext) => sealSessionDatagram(this.host.suite, slot, plaintext) };
    const q = s.queue;
    s.queue = undefined;
    if (q !== undefined) {
      for (const data of q) transmit(this.host.out, p, { data }, now, sealer);
      if (out.data === undefined && out.ping !== true) return true; // owed frames rode along
    }
    return transmit(this.host.out, p, out, now, sealer);
  }

  /** A sealer for the peer's usable session, or undefined if it has none now (no handshake started). */
  sealer(p: Peer, now: number): Sealer | undefined {
    const s = p.session;
    const slot = s === undefined ? undefined : this.sealable(p, s, now);
    return slot === undefined ? undefined : { seal: (plaintext) => sealSessionDatagram(this.host.suite, slot, plaintext) };
  }

  private enqueue(s: st.PeerSessions, data: Uint8Array): boolean {
    const q = (s.queue ??= []);
    if (q.length >= (this.o.queueLimit ?? QUEUE_LIMIT)) {
      this.counts.queueDropped++;
      return false;
    }
    q.push(data.slice());
    return true;
  }

  /** The session to seal under, after rekeyAction [SW-13.9-1]; undefined if none may be used. */
  private sealable(p: Peer, s: st.PeerSessions, now: number): SessionSlot | undefined {
    const c = s.current;
    if (c === undefined) return undefined;
    const a = c.index === 0 || !this.keyOk(p.id, c.session.gen, now) ? 'expire' : st.decide(now, c, this.timers);
    if (a === 'expire') {
      this.erase(c); // [SW-13.8-10]
      s.current = undefined;
      return undefined;
    }
    if (a === 'rekey') this.ensureAttempt(p, s, now);
    return c;
  }

  /** Starts an attempt unless one is under way, never sooner than HANDSHAKE_RETRY after the last initiation. */
  ensureAttempt(p: Peer, s: st.PeerSessions, now: number): void {
    if (s.retryAt !== NONE || p.address === undefined) return;
    s.retryAt = s.lastInitiation === NONE ? now : Math.max(now, s.lastInitiation + this.timers.retryMs);
    if (s.retryAt <= now) this.initiate(p, s, now);
    this.host.schedule(p);
  }

  private initiate(p: Peer, s: st.PeerSessions, now: number): void {
    if (s.attemptFrom === NONE) s.attemptFrom = now;
    s.retryAt = now + st.retryWait(this.random(), this.timers);
    const to = p.address;
    const gen = this.host.keyring.generations.current(p.id);
    const key = this.host.keyring.lookup(p.id, gen, now);
    const timestamp = key.ok ? this.stamp() : undefined;
    if (to === undefined || !key.ok || timestamp === undefined) {
      this.host.out.counters.sealFailures++;
      return;
    }
    st.abandon(s, this.erase); // one pending initiation per peer [SW-13.4-5]
    const table = this.host.receiver.indexTable;
    const localIndex = table.pick(); // [SW-13.4-4]
    const { bytes, state } = createInitiation({ suite: this.host.suite, selfId: this.host.selfId, peerId: p.id, gen, psk: key.pairKey, timestamp, localIndex });
    this.hCounter++; // [SW-13.3-2]
    s.pending = { kind: 'pending', index: 0, peerId: p.id, state, responses: 0 };
    table.restore(s.pending, localIndex);
    s.lastInitiation = now;
    if (!maySend(p, bytes.length)) {
      this.host.out.counters.amplificationLimited++; // [SW-10.3-2]: initiations count too
      return;
    }
    onSent(p, bytes.length);
    p.lastSent = now;
    this.host.sendRaw(bytes, to);
    this.counts.initiationsSent++;
  }

  // ---- timers ----

  /** Retries, gives up, and erases expired sessions. Call when the peer's timer fires. */
  tick(p: Peer, now: number): void {
    const s = p.session;
    if (s === undefined) return;
    st.sweep(s, now, this.timers, (gen) => this.keyOk(p.id, gen, now), this.erase);
    if (s.retryAt === NONE || now < s.retryAt) return;
    if (s.attemptFrom !== NONE && st.givesUp(now, s.attemptFrom, this.timers)) {
      st.abandon(s, this.erase); // [SW-13.9-3]
      s.retryAt = s.attemptFrom = NONE;
      if (s.queue !== undefined) this.counts.queueDropped += s.queue.length;
      s.queue = undefined;
      this.counts.gaveUp++;
      if (p.reachability !== 'unreachable') {
        p.reachability = 'unreachable'; // the peer did not answer for HANDSHAKE_GIVE_UP
        if (p.keepalive) probeNow(p, now); // and is probed back like any unreachable peer [SW-11.3-3]
        this.host.unreachable(p);
      }
      return;
    }
    this.initiate(p, s, now);
  }

  deadline(p: Peer): number {
    return p.session === undefined ? Infinity : st.sessionDeadline(p.session, this.timers);
  }

  /** Erases a peer's sessions, pending initiation and queue (it left the table). */
  forget(p: Peer | string): void {
    this.responder.forget(typeof p === 'string' ? p : p.id);
    if (typeof p !== 'string' && p.session !== undefined) st.eraseAll(p.session, this.erase);
  }

  // ---- helpers ----

  private keyOk(id: string, gen: number, now: number): boolean {
    return this.host.keyring.status(id, gen, now) === 'ok';
  }

  /** (persisted epoch, handshake counter) for the next ephemeral [SW-13.3-1] [SW-13.3-2]. */
  private stamp(): Timestamp | undefined {
    const epoch = this.host.epoch();
    if (epoch !== this.hEpoch) {
      this.hEpoch = epoch;
      this.hCounter = 0;
    }
    if (this.hCounter >= COUNTER_LIMIT) {
      this.host.out.exhausted(); // a new epoch first [SW-13.3-2]
      return undefined;
    }
    return { epoch, counter: this.hCounter };
  }

  private random(): number {
    const b = this.host.suite.randomBytes(2);
    return (b[0]! * 256 + b[1]!) / 65536;
  }

  private drop(reason: HandshakeDropReason, senderId?: string, gen?: number): void {
    this.host.receiver.countDrop(reason as DropReason, senderId, gen); // [SW-13.10-1]
  }
}
