/**
 * What a node does with an authenticated datagram (spec 9.3), after the envelope's receive path
 * (spec 6) accepted it: update the peer's path, liveness and freshness, act on control frames, and
 * deliver data. Nothing here runs for a dropped datagram, so nothing here can answer one [SW-6.3-1].
 * @module
 */
import type { Accepted } from '../session/receiver.js';
import type { Address } from '../transport/transport.js';
import { checkEcho } from './challenge.js';
import { heard } from './liveness.js';
import { applyIndex, dropIndex } from './parking.js';
import { onAuthenticated, sameAddress, validate } from './path.js';
import type { Peer } from './peer.js';

export interface InboundEffects {
  /** Application data of this datagram, with its freshness. */
  readonly data: Uint8Array[];
  readonly fresh: boolean;
  /** The peer started a new epoch: it restarted (spec 12.2). */
  readonly restarted: boolean;
  /** The path moved to the datagram's source address. */
  readonly moved: boolean;
  readonly validated: boolean;
  /** The datagram carried a PING: an answer is due even if it has nothing to carry. */
  readonly pinged: boolean;
  readonly reachability?: 'reachable';
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
  const restarted = r.contextEvent === 'epoch';
  const newest = r.newest;
  if (restarted) {
    dropIndex(peer); // it lost the index it gave us [SW-12.2-2]
    peer.echoOwed = undefined;
  }
  peer.sender?.heard(now); // a parked sender takes the peer's lastHeard when rebuilt

  let fresh = r.freshness === 'fresh';
  let validated = false;
  let pinged = false;
  const data: Uint8Array[] = [];
  for (const f of r.frames) {
    switch (f.type) {
      case 'INDEX':
        applyIndex(peer, f, now);
        break;
      case 'ECHO': {
        // [SW-12.3-4] the echo proves this datagram was sealed after our token was made.
        const sentTo = checkEcho(peer, f.token);
        if (sentTo !== undefined) {
          if (!fresh) ctx.markFresh(peer, r);
          fresh = true;
          peer.needsFreshness = false;
          if (sameAddress(from, sentTo)) validated = validate(peer, from); // [SW-10.2-2]
        }
        break;
      }
      case 'CHALLENGE':
        peer.echoOwed = f.token; // answered in the next datagram, sent at once [SW-12.3-3]
        peer.flushDue = true;
        break;
      case 'PING':
        peer.flushDue = true;
        pinged = true; // [SW-11.2-3]: answered even if nothing else is owed
        break;
      case 'DATAGRAM':
        data.push(f.data);
        break;
      case 'PADDING':
        break;
    }
  }
  if (!fresh) peer.needsFreshness = true;
  // [SW-10.1-1] the path follows authenticated, window-accepted datagrams only (this one).
  const moved = onAuthenticated(peer, from, size, newest) === 'moved';
  if (moved && !peer.validated) peer.flushDue = true; // challenge the new address now [SW-10.2-1]
  if (!fresh) peer.flushDue = true; // challenge for freshness now [SW-12.3-1]
  // [SW-11.2-4] only a fresh datagram proves the peer is there now; a replay proves nothing.
  const reachability = fresh ? heard(peer, now) : undefined;
  return { data, fresh, restarted, moved, validated, pinged, ...(reachability === undefined ? {} : { reachability }) };
}
