/**
 * What a node does with an authenticated datagram (spec 9.3), after the envelope's receive path
 * (spec 6) accepted it: update the peer's path, liveness and freshness, act on control frames, and
 * deliver data. Nothing here runs for a dropped datagram, so nothing here can answer one [SW-6.3-1].
 * @module
 */
import type { RelFrame } from '../reliability/frames.js';
import type { Accepted } from '../session/receiver.js';
import type { Address } from '../transport/transport.js';
import { constantTimeEqual } from '../util/bytes.js';
import { checkEcho } from './challenge.js';
import { heard, NONE } from './liveness.js';
import { applyIndex, dropIndex, forgetIndexed } from './parking.js';
import { candidateEchoed, onAuthenticated, sameAddress, validate } from './path.js';
import type { Peer } from './peer.js';
import { isRelFrame, type WireFrame } from '../wire/frames.js';

export interface InboundEffects {
  /** Application data of this datagram, with its freshness. */
  readonly data: Uint8Array[];
  /**
   * The reliability frames (spec 14.2), in order; the node hands them to the peer's link after the
   * peer frames and after a restart is applied [SW-14.10-5].
   */
  readonly rel: RelFrame[];
  readonly fresh: boolean;
  /** The peer restarted (a fresh datagram of a higher epoch, [SW-9.3-5]); its epoch. 0 if not. */
  readonly restartEpoch: number;
  /** The path moved to the datagram's source address (followed an unvalidated path, or a validated candidate). */
  readonly moved: boolean;
  /** The newest fresh datagram came from the candidate address: its challenge may be due [SW-10.2-6]. */
  readonly candidate: boolean;
  /** The path became validated (or fell back to the validated address) with this datagram. */
  readonly validated: boolean;
  /** The datagram echoed our token: the peer hears this node now (ends the silence backoff, [SW-14.4-14]). */
  readonly echoed: boolean;
  /**
   * The datagram carried a CHALLENGE: the peer could not tell our datagrams fresh, so it ignored
   * their reliability frames ([SW-14.10-5]); they go again with the ECHO ([SW-14.10-4]).
   */
  readonly challenged: boolean;
  /** The datagram carried a PING: an answer is due even if it has nothing to carry. */
  readonly pinged: boolean;
  /**
   * A datagram of unknown freshness from another address: it did not move the path, and the answer
   * goes to this address once, within the amplification factor of `size` ([SW-10.1-6]).
   */
  readonly answerAt: Address | undefined;
  readonly reachability: 'reachable' | undefined;
  /**
   * A STALE frame: the peer refused our epoch under `gen`; the next must exceed `epoch` (12.4). The
   * node acts on it only if `echoEpoch` is its current epoch ([SW-12.4-11]).
   */
  readonly staleFloor: { readonly gen: number; readonly epoch: number } | undefined;
  /** The epoch of the token this datagram echoed, if it echoed one ([SW-12.4-11]). */
  readonly echoEpoch: number | undefined;
}

/** Hooks into the node for the parts that touch other state. */
export interface InboundContext {
  /** Marks the datagram's counter and later ones fresh in the receive context [SW-12.3-4]. */
  markFresh(peer: Peer, r: Accepted): void;
}

export function processAccepted(
  ctx: InboundContext,
  peer: Peer,
  r: Accepted,
  from: Address,
  size: number,
  now: number,
): InboundEffects {
  if (r.contextEvent === 'epoch') {
    // The peer (or a replay of an older restart) is in a new epoch: it cannot know the index it gave
    // us; the FULL form is safe either way [SW-12.2-5]. Whether it restarted waits for freshness.
    dropIndex(peer);
    forgetIndexed(peer); // [SW-12.4-5] counts what the peer's new life accepted
    peer.echoOwed = undefined;
    peer.epochPending = true;
  }
  peer.sender?.heard(now); // a parked sender takes the peer's lastHeard when rebuilt

  let fresh = r.freshness === 'fresh';
  let echoed = false;
  let echoFromSentTo = false;
  let otherEcho: Uint8Array | undefined; // an ECHO that is not the 12.3 token: perhaps the candidate's
  let pinged = false;
  let challenged = false;
  const data: Uint8Array[] = [];
  const rel: RelFrame[] = [];
  let staleFloor: { gen: number; epoch: number } | undefined;
  let echoEpoch: number | undefined;
  const indexes: Array<Extract<WireFrame, { type: 'INDEX' }>> = [];
  for (const f of r.frames) {
    const w = f as WireFrame; // the receive path declares Frame[]; the reliability frames are there too
    if (isRelFrame(w)) {
      rel.push(w);
      continue;
    }
    switch (f.type) {
      case 'INDEX':
        indexes.push(f); // applied after the loop: whether it is evidence depends on the ECHO ([SW-12.4-11])
        break;
      case 'ECHO': {
        // [SW-12.3-4] the echo proves this datagram was sealed after our token was made.
        const echo = checkEcho(peer, f.token);
        if (echo !== undefined) {
          if (!fresh) ctx.markFresh(peer, r);
          fresh = true;
          echoed = true;
          echoEpoch = echo.epoch;
          peer.needsFreshness = false;
          peer.wantsEcho = false;
          echoFromSentTo = echo.sentTo.some((a) => sameAddress(from, a));
        } else otherEcho = f.token;
        break;
      }
      case 'CHALLENGE':
        peer.echoOwed = f.token; // answered in the next datagram, sent at once [SW-12.3-3]
        peer.flushDue = true;
        // a token seen before (a burst of the peer's resends) draws its echo, not the flight again [SW-14.10-4]
        challenged = peer.lastChallenge === undefined || !constantTimeEqual(peer.lastChallenge, f.token);
        peer.lastChallenge = f.token;
        break;
      case 'PING':
        peer.flushDue = true;
        pinged = true; // [SW-11.2-3]: answered even if nothing else is owed
        break;
      case 'DATAGRAM':
        data.push(f.data);
        break;
      case 'STALE':
        staleFloor = { gen: f.gen, epoch: f.epoch }; // acted on whatever its freshness: it can only raise our epoch [SW-12.4-3]
        // [SW-4.8-10] the peer refused this epoch: the index it gave now names a context of a later
        // epoch or another start, where our SHORT datagrams fail in silence; FULL ones are answered
        if (f.gen === (peer.sender?.gen ?? peer.parked?.gen)) dropIndex(peer);
        break;
      case 'PADDING':
        break;
    }
  }
  // an INDEX names our epoch; it shows the peer accepted this start only with an echo of a token of
  // that epoch, for an INDEX sent to an earlier start at the same epoch reads the same ([SW-12.4-11])
  for (const f of indexes) applyIndex(peer, f, now, echoEpoch === f.epoch);
  let restartEpoch = 0;
  if (fresh && peer.epochPending) {
    peer.epochPending = false;
    restartEpoch = r.epoch; // [SW-9.3-5] confirmed by a fresh datagram
  }
  if (!fresh) {
    peer.needsFreshness = true;
    peer.flushDue = true; // challenge for freshness now [SW-12.3-1]
  }
  // [SW-10.1-1], [SW-10.1-6]: the path follows fresh, authenticated, window-accepted datagrams; one of
  // unknown freshness from elsewhere is answered where it came from and moves nothing.
  // [SW-10.1-8] a validated path moves only to a candidate that echoed its own token from there [SW-10.2-6].
  let moved = fresh && otherEcho !== undefined && candidateEchoed(peer, otherEcho, from);
  let candidate = false;
  let answerAt: Address | undefined;
  if (fresh || peer.address === undefined) {
    const u = onAuthenticated(peer, from, size, r.newest, now);
    if (u === 'moved') {
      moved = true;
      if (!peer.validated) peer.flushDue = true; // challenge the new address now [SW-10.2-1]
    }
    candidate = u === 'candidate' || u === 'candidate-again';
  } else if (!sameAddress(from, peer.address)) {
    answerAt = from;
  } else {
    onAuthenticated(peer, from, size, false, now); // same address: counts towards its budget
  }
  // [SW-10.2-2] an echo from an address the token went to validates it (after any move to it)
  const validated = echoFromSentTo && !peer.validated && validate(peer, from);
  // [SW-11.2-4], [SW-11.2-6]: only a fresh datagram proves the peer is there now, and once probing has
  // started only an echo of the current token does (a withheld genuine datagram proves nothing).
  const reachability = fresh && (peer.probingSince === NONE || echoed) ? heard(peer, now) : undefined;
  return { data, rel, fresh, restartEpoch, moved, candidate, validated, pinged, challenged, echoed, answerAt, reachability, staleFloor, echoEpoch };
}
