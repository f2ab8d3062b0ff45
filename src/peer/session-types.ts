/**
 * Configuration, statistics and host interface of session mode in the peer layer
 * (peer/session-mode.ts, which re-exports them).
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import type { Keyring } from '../session/keyring.js';
import type { Receiver } from '../session/receiver.js';
import type { Address } from '../transport/transport.js';
import type { DropReason } from '../wire/drop-reason.js';
import type { OutboundContext } from './outbound.js';
import type { Peer } from './peer.js';
import type { SessionTimers } from './session-state.js';

/**
 * Session mode configuration of a node (spec 13.1, 13.8).
 * @group Nodes
 */
export interface SessionOptions {
  /**
   * Peers in session mode besides configured peers with `mode: 'session'`: 'all', a list of ids, or
   * a predicate (which must give one answer per id for the node's lifetime [SW-13.1-1]). A
   * configured peer's `mode` wins. Default: none.
   */
  readonly peers?: 'all' | readonly string[] | ((peerId: string) => boolean);
  /** Initiations answered per second over all initiators [SW-13.6-4]; default 50, devices at most 2 [SW-13.6-5]. */
  readonly handshakeRate?: number;
  /** Datagrams held per peer while no session exists [SW-13.8-14]; default 16. */
  readonly queueLimit?: number;
  /** Timers of spec 13.9. Protocol constants: change them only in tests and simulations, on both nodes. */
  readonly timers?: Partial<SessionTimers>;
}

/** @group Nodes */
export interface SessionStats {
  initiationsSent: number;
  responsesSent: number;
  /** Handshakes completed as initiator. */
  established: number;
  /** Sessions confirmed as responder [SW-13.8-8]. */
  confirmed: number;
  /** Attempts that reached HANDSHAKE_GIVE_UP [SW-13.9-3]. */
  gaveUp: number;
  /** Data not sent: the queue was full, or the attempt gave up with data queued. */
  queueDropped: number;
}

/** What SessionMode needs from its node. */
export interface SessionHost {
  readonly suite: CryptoSuite;
  readonly selfId: string;
  readonly keyring: Keyring;
  readonly receiver: Receiver;
  readonly out: OutboundContext;
  readonly maxDatagram: number;
  readonly windowSize: number | undefined;
  epoch(): number;
  peer(id: string): Peer | undefined;
  /** Sends bytes that are not a datagram of a peer's path (handshake messages). */
  sendRaw(bytes: Uint8Array, to: Address): void;
  /**
   * Admission for an initiation from `from` before its key checks (spec 6.5, [SW-13.6-9]): undefined
   * grants the work, a reason refuses it. Absent: always granted.
   */
  admit?(d: Uint8Array, from: Address, now: number): DropReason | undefined;
  unreachable(p: Peer): void;
  reachable(p: Peer): void;
  /** The peer's timers must be recomputed. */
  schedule(p: Peer): void;
}
