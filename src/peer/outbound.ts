/**
 * Building and sending one datagram to a peer (spec 9.4): the control frames owed to it (INDEX,
 * ECHO, CHALLENGE, PING) piggyback in front of the application data, the sender seals, and the
 * amplification budget of an unvalidated path has the last word [SW-10.3-1].
 * @module
 */
import { CHALLENGE_LEN, MAX_FULL_HEADER_LEN, TAG_LEN } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CounterExhaustedError } from '../errors.js';
import type { IndexFrame } from '../session/receiver.js';
import type { PeerSender } from '../session/sender.js';
import type { Address, Transport } from '../transport/transport.js';
import { DATAGRAM_BUDGET } from '../reliability/constants.js';
import { encodeFramesTransient, frameSize, type WireFrame } from '../wire/frames.js';
import { challengeToSend } from './challenge.js';
import { candidateMaySend, maySend, onSent, type Candidate } from './path.js';
import type { Peer } from './peer.js';
import { NONE } from './liveness.js';

export interface SendCounters {
  datagrams: number;
  bytes: number;
  /** Held back by the amplification limit of an unvalidated path (spec 10.3). */
  amplificationLimited: number;
  /** The transport reported a local failure. */
  transportErrors: number;
  /** No datagram could be sealed: no key, or the counter is exhausted (spec 5.1). */
  sealFailures: number;
}

export interface OutboundContext {
  readonly suite: CryptoSuite;
  readonly transport: Transport;
  readonly counters: SendCounters;
  /** Makes (or returns) the peer's sender; undefined if this node holds no key for the peer. */
  sender(peer: Peer, now: number): Sealer | undefined;
  /** Called when the counter of the current epoch is used up: the node starts a new epoch. */
  exhausted(): void;
  /** The node's current epoch: challenge tokens are made per epoch ([SW-12.4-11]). */
  readonly epoch?: number;
  /**
   * Largest datagram to build (spec 14.6: min(peer MAX_DATAGRAM, transport MTU, DATAGRAM_BUDGET));
   * the reliability frames fill what the other frames leave. Default DATAGRAM_BUDGET.
   */
  readonly budget?: number;
}

/** The largest header and tag (spec 4, 13): what a datagram needs besides its plaintext ([SW-14.6-1]). */
const HEADER_AND_TAG = MAX_FULL_HEADER_LEN + TAG_LEN;

/** Whatever seals the next datagram: the peer's PeerSender (spec 4, 5), or its current session (spec 13.8). */
export interface Sealer {
  seal(plaintext: Uint8Array, now: number): Uint8Array;
  /** The next datagram asks for an answer ([SW-4.8-8]); a PeerSender falls back to FULL if none comes. */
  noteAsk?(now: number, rtoMs?: number): void;
}

/** Whether a datagram with these frames asks the peer for an answer (PING, CHALLENGE, a reliable MSG). */
function asksAnswer(frames: readonly WireFrame[]): boolean {
  for (const f of frames) if (f.type === 'PING' || f.type === 'CHALLENGE' || (f.type === 'MSG' && f.id !== undefined)) return true;
  return false;
}

export interface Outgoing {
  readonly data?: Uint8Array;
  readonly ping?: boolean;
  readonly index?: IndexFrame;
  /** Send even if no frame is due: an empty datagram keeps NAT bindings open [SW-11.1-1]. */
  readonly keepalive?: boolean;
  /** A liveness probe: it always carries the challenge, whatever the retry interval ([SW-11.2-6]). */
  readonly probe?: boolean;
}

/**
 * The frames and their order [SW-9.4-2], [SW-14.10-1]: INDEX, ECHO, CHALLENGE, PING, then the
 * reliability frames (ACK, FORWARD, SLEEP, MSG) in the room left, then DATAGRAM last.
 */
function framesFor(ctx: OutboundContext, peer: Peer, to: Address, out: Outgoing, now: number, rel: boolean): WireFrame[] {
  const frames: WireFrame[] = [];
  if (out.index !== undefined) frames.push(out.index);
  if (peer.echoOwed !== undefined) frames.push({ type: 'ECHO', token: peer.echoOwed });
  // [SW-12.3-8] needed while freshness is unknown, the path unvalidated, or a probe out ([SW-11.2-6]);
  // and after a STALE frame that echoed no token of this epoch, so the next one can ([SW-12.4-11])
  const needed = peer.needsFreshness || !peer.validated || out.probe === true || peer.probingSince !== NONE || peer.wantsEcho;
  const token = challengeToSend(peer, needed, to, now, (n) => ctx.suite.randomBytes(n), out.probe === true, ctx.epoch ?? 0);
  if (token !== undefined) frames.push({ type: 'CHALLENGE', token });
  if (out.ping === true) frames.push({ type: 'PING' });
  if (rel && peer.link !== undefined) {
    // whatever the link owes rides on this datagram (piggybacking, [SW-14.10-1])
    // the peer's declared MAX_DATAGRAM, where it is below the node's budget [SW-4.6-7]
    let room = Math.min(ctx.budget ?? DATAGRAM_BUDGET, peer.link.datagramBudget) - HEADER_AND_TAG - (out.data !== undefined ? 1 + out.data.length : 0);
    for (const f of frames) room -= frameSize(f);
    const rel = room > 0 ? peer.link.poll(now, room, true) : undefined;
    if (rel !== undefined) frames.push(...rel);
  }
  if (out.data !== undefined) frames.push({ type: 'DATAGRAM', data: out.data });
  return frames;
}

/** A one-off destination for an answer that must not move the path, with its own byte budget. */
export interface Destination {
  readonly to: Address;
  readonly budget: number;
}

/**
 * Sends one datagram to the peer's current address (or to `dest`, [SW-10.1-6]). Returns false if
 * nothing was sent (no address, no key, counter exhausted, or over the amplification budget); the
 * reason is counted. `sealer` replaces the peer's sender (a session, spec 13.8).
 */
export function transmit(ctx: OutboundContext, peer: Peer, out: Outgoing, now: number, sealer?: Sealer, dest?: Destination): boolean {
  const to = dest?.to ?? peer.address;
  if (to === undefined) return false;
  const sender = sealer ?? ctx.sender(peer, now);
  if (sender === undefined) {
    ctx.counters.sealFailures++;
    return false;
  }
  // a one-off answer to an unverified address carries no reliability frames (they would count as sent)
  const frames = framesFor(ctx, peer, to, out, now, dest === undefined);
  if (frames.length === 0 && out.keepalive !== true) {
    peer.flushDue = false;
    return false; // nothing owed after all (a challenge resent too recently, say)
  }
  if (sender.noteAsk !== undefined && asksAnswer(frames)) sender.noteAsk(now, peer.link?.rto);
  const d = seal(ctx, sender, frames, now, sealer !== undefined);
  if (d === undefined) return false;
  if (dest !== undefined ? d.length > dest.budget : !maySend(peer, d.length)) {
    ctx.counters.amplificationLimited++; // the sealed counter is simply never used
    return false;
  }
  if (dest === undefined) {
    onSent(peer, d.length);
    peer.lastSent = now;
  }
  peer.flushDue = false;
  if (frames.some((f) => f.type === 'ECHO')) peer.echoOwed = undefined;
  put(ctx, d, to);
  return true;
}

/**
 * Sends exactly `frames`, in the FULL form, to `dest` and not along the peer's path: an answer to a
 * sender that cannot know our index (a STALE answer, [SW-12.4-2]). Nothing is sent beyond the
 * destination's byte budget. Returns whether it was sent.
 */
export function sendFull(ctx: OutboundContext, sender: PeerSender, frames: WireFrame[], now: number, dest: Destination): boolean {
  const d = seal(ctx, { seal: (pt, t) => sender.seal(pt, t, true) }, frames, now, false);
  if (d === undefined) return false;
  if (d.length > dest.budget) {
    ctx.counters.amplificationLimited++; // the sealed counter is simply never used
    return false;
  }
  put(ctx, d, dest.to);
  return true;
}

/**
 * Sends the candidate address its challenge [SW-10.2-6]: a CHALLENGE frame with the candidate's own
 * token, after the ECHO the peer is owed if any, and nothing else (data and acknowledgements keep
 * going to the validated address, and so does the echo),
 * within AMPLIFICATION_FACTOR times what the candidate sent [SW-10.3-1]. When it is due is the
 * caller's (path.ts candidateChallengeAt). Returns whether it went out; a refusal is counted.
 */
export function challengeCandidate(ctx: OutboundContext, peer: Peer, c: Candidate, now: number, sealer?: Sealer): boolean {
  const sender = sealer ?? ctx.sender(peer, now);
  if (sender === undefined) {
    ctx.counters.sealFailures++;
    return false;
  }
  c.token ??= ctx.suite.randomBytes(CHALLENGE_LEN);
  // an echo owed rides along too (and still goes to the validated address): a peer that moved and
  // challenged this node from there gets its answer within the same round trip [SW-10.2-3]
  const frames: WireFrame[] = peer.echoOwed === undefined ? [] : [{ type: 'ECHO', token: peer.echoOwed }];
  frames.push({ type: 'CHALLENGE', token: c.token });
  const d = seal(ctx, sender, frames, now, sealer !== undefined);
  if (d === undefined) return false;
  if (!candidateMaySend(c, d.length)) {
    ctx.counters.amplificationLimited++; // the sealed counter is simply never used
    return false;
  }
  c.budgetSent += d.length;
  put(ctx, d, c.address);
  return true;
}

function seal(ctx: OutboundContext, sender: Sealer, frames: WireFrame[], now: number, session: boolean): Uint8Array | undefined {
  try {
    return sender.seal(encodeFramesTransient(frames), now); // the seal copies the plaintext at once
  } catch (e) {
    ctx.counters.sealFailures++;
    if (e instanceof CounterExhaustedError && !session) ctx.exhausted(); // a session expires instead
    return undefined;
  }
}

function put(ctx: OutboundContext, d: Uint8Array, to: Address): void {
  ctx.counters.datagrams++;
  ctx.counters.bytes += d.length;
  ctx.transport.send(d, to).catch(() => void ctx.counters.transportErrors++);
}
