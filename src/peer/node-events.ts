/**
 * The events a node emits and the views it hands out. There is no connect or disconnect event: a
 * peer is reachable or unreachable (spec 11.3), restarts (spec 12.2) and moves (spec 10).
 * @module
 */
import type { DropInfo } from '../session/drop-counters.js';
import type { Address } from '../transport/transport.js';
import type { Reachability } from './liveness.js';

/**
 * Application data from a peer.
 * @group Events
 */
export interface Message {
  readonly from: string;
  readonly data: Uint8Array;
  /** False only with deliverUnverified: the data may be a replay from before this node lost state. */
  readonly fresh: boolean;
  /** True for a message sent with `send(peer, data, { reliable: true })` (spec 14); false for plain data. */
  readonly reliable: boolean;
  /** The message's channel (spec 14.1); 0 for plain data. */
  readonly channel: number;
  /**
   * Present on a reliable message of a channel the application deferred (SaltwireNode.deferAcks):
   * calling it keeps the message's acknowledgement back until the returned release is called, once
   * its effect is durable [SW-14.3-9]. Not called: acknowledged as usual.
   */
  readonly hold?: () => () => void;
}

/** @group Events */
export interface NodeEvents {
  /**
   * Data for the application. A node takes (and acknowledges) reliable data only while it has at
   * least one `message` listener [SW-14.7-9]: before the first one, senders keep their messages and
   * send them again, so nothing is acknowledged to nobody.
   */
  message: Message;
  reachable: { readonly peer: string };
  unreachable: { readonly peer: string };
  /** The peer started a new epoch (it restarted); the node already recovered (spec 12.2). */
  restart: { readonly peer: string; readonly epoch: number };
  /** The node now sends to the peer at a new address, or validated the one it had (spec 10). */
  address: {
    readonly peer: string;
    readonly address: Address;
    readonly validated: boolean;
    /**
     * 'moved': datagrams now go to `address`: a candidate that echoed its token, validated
     * ([SW-10.2-6]), or the unvalidated first address of a learned peer ([SW-10.1-3], [SW-10.1-9]);
     * 'validated': the peer echoed a challenge from its unvalidated address ([SW-10.2-2]). A datagram
     * from a new address that is not yet validated changes nothing to report ([SW-10.1-8]).
     */
    readonly change: 'moved' | 'validated';
  };
  /**
   * The peer acknowledged every fragment of a reliable message sent with `receipt: true`
   * ([SW-14.1-2]); `ticket` is the message's number (the `ticket` of a DeadlineExceededError).
   */
  receipt: { readonly peer: string; readonly ticket: number };
  /**
   * Two processes appear to run under one node id (spec 12.4) [SW-12.4-5] [SW-12.4-12]. `kind`
   * 'self': `peer` refused this node's current epoch after it had accepted it, so another process
   * sends as this node (`floor` is the epoch the peer holds from it); this node does not fight it.
   * 'peer': stale datagrams from `peer`'s id keep arriving (from `from`) while a newer start of it
   * is current: two processes hold `peer`'s key. Stop one of them.
   */
  conflict: { readonly peer: string; readonly kind: 'self' | 'peer'; readonly epoch: number; readonly floor: number; readonly from?: Address };
  /** A datagram was dropped by the receive path (spec 6.2): for a rate-limited debug log. */
  drop: DropInfo & { readonly from?: Address };
}

/** @group Events */
export interface PeerInfo {
  readonly id: string;
  readonly address: Address | undefined;
  readonly validated: boolean;
  readonly reachability: Reachability;
  readonly lastHeard: number;
  readonly configured: boolean;
  /**
   * The peer's newest epoch (spec 5.2) that authenticated at this node since it started; undefined
   * before any did (a peer only remembered from before a restart). A restart of the peer raises it.
   */
  readonly epoch: number | undefined;
}
