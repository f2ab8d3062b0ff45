/**
 * Configuration and statistics of a SaltwireNode (peer/node.ts), which re-exports them.
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import type { MaxEpochStore } from '../session/context.js';
import type { ReceiveConfig } from '../reliability/receive-state.js';
import type { SendConfig } from '../reliability/send-state.js';
import type { RetransmitCounters } from '../reliability/send-types.js';
import type { ReliabilityProfile } from '../reliability/sender.js';
import type { UnreliableWaitingOptions, UnreliableWaitingStats } from './unreliable-waiting.js';
import type { Keyring } from '../session/keyring.js';
import type { Scheduler } from '../time/scheduler.js';
import type { Address, Transport } from '../transport/transport.js';
import type { AdmissionOptions, AdmissionStats } from './admission.js';
import type { LivenessConfig } from './liveness.js';
import type { SendCounters } from './outbound.js';
import type { SessionOptions, SessionStats } from './session-mode.js';
import type { StateStore } from './state-store.js';

/** @group Nodes */
export interface PeerConfig {
  readonly id: string;
  readonly address: Address;
  /** Send keepalives to this peer when idle (default true for configured peers) [SW-11.1-1]. */
  readonly keepalive?: boolean;
  /**
   * 'session': forward-secret session mode with this peer (spec 13), which must be configured for it
   * too [SW-13.1-1]; 'psk': the default mode of sections 3 to 6. Default: NodeOptions.session.peers.
   */
  readonly mode?: 'psk' | 'session';
}

/**
 * How `send(peer, data, { reliable: true, ... })` sends one message (spec 14).
 * @group Nodes
 */
export interface ReliableSendOptions {
  readonly reliable: true;
  /** Delivered after every earlier ordered message of its channel ([SW-14.7-3]). Default false. */
  readonly ordered?: boolean;
  /** 0 to 255, default 0. */
  readonly channel?: number;
  /**
   * Milliseconds from now by which the peer must have acknowledged the message, else the promise
   * rejects with DeadlineExceededError ([SW-14.8-2]). Default: reliability.send.defaultDeadlineMs (60 s).
   */
  readonly deadlineMs?: number;
  /** Also emit a 'receipt' event when the peer acknowledged it ([SW-14.1-2]). Default false. */
  readonly receipt?: boolean;
  /**
   * A control operation (the message layer's SYNC, WILL, SUBACK, UNSUBACK): it may take the outbox
   * room reserved for them, so it is not refused when ordinary messages filled it [SW-14.12-12].
   */
  readonly control?: boolean;
}

/**
 * An unreliable message on a channel (14.1): one MSG frame in the next datagram, never
 * retransmitted, at most once; the message layer's QoS 0 (spec 15.4). It must fit one fragment.
 * @group Nodes
 */
export interface UnreliableSendOptions {
  readonly reliable: false;
  /** 0 to 255, default 0. */
  readonly channel?: number;
}

/**
 * Reliable delivery (spec 14): limits and timers. Every field has the default of section 20.
 * @group Nodes
 */
export interface ReliabilityOptions {
  /**
   * 'full' (default): section 14 as hubs and servers run it; 'device': the device profile of 14.12
   * (a window of 8 fragments, one backed-off timer per peer, small fixed buffers, integers only).
   * `send` and `receive` override the profile's defaults.
   */
  readonly profile?: ReliabilityProfile;
  /**
   * Peers known to run the device profile: this node sends to them by its sending rules
   * [SW-14.12-14]; a peer's declaration read at run time does the same (ReliableMode.setPeerProfile).
   */
  readonly devicePeers?: readonly string[];
  readonly send?: Partial<Omit<SendConfig, 'peer' | 'datagramBudget'>>;
  readonly receive?: Partial<ReceiveConfig>;
  /** Reassembly bytes for all peers together ([SW-14.6-3]); default REASSEMBLY_TOTAL (8 MiB). */
  readonly reassemblyTotal?: number;
  /**
   * A quiescent link unused for this long is set aside and rebuilt when needed (spec 14.13); default
   * LINK_IDLE_MS (2 s); Infinity keeps every link live.
   */
  readonly linkIdleMs?: number;
  /** Bounds on unreliable messages waiting for room in a full queue (sendUnreliableWaiting, [SW-14.8-6]). */
  readonly unreliableWaiting?: UnreliableWaitingOptions;
}

/** @group Nodes */
export interface NodeOptions {
  readonly id: string;
  readonly keyring: Keyring;
  readonly transport: Transport;
  readonly suite: CryptoSuite;
  /** Where the epoch (and the remembered peers) live across restarts (spec 12.1). */
  readonly state: StateStore;
  /**
   * The operator's word that this node never ran with these keys before: a missing epoch record is
   * expected, not a loss [SW-5.2-5], and startNode's new max-epoch log is complete (a peer with no
   * record is fresh at once, [SW-5.6-6]). Never infer it from an empty state directory: a wiped one
   * is empty too. Without it a node is just as safe (BOOT, [SW-5.2-7]); new peers cost a challenge.
   */
  readonly provisioning?: boolean;
  readonly scheduler?: Scheduler;
  /** Peers this node knows from configuration: addresses trusted, never evicted (spec 9.2). */
  readonly peers?: readonly PeerConfig[];
  /** Peer table limit (spec 9.2); default 16384. */
  readonly maxPeers?: number;
  readonly liveness?: Partial<LivenessConfig>;
  /** Largest datagram this node sends to a peer [SW-4.6-5] [SW-4.6-6]; default MIN_MAX_DATAGRAM (512). */
  readonly peerMaxDatagram?: number;
  readonly windowSize?: number;
  readonly maxDatagram?: number;
  readonly maxEpochs?: MaxEpochStore;
  readonly durableMaxEpochs?: boolean;
  /**
   * Deliver application data of unknown freshness (possibly a replay from before this node lost
   * state) flagged `fresh: false`, instead of dropping it until the peer answers a challenge
   * (spec 12.3). Only for data that is safe to replay. Default false.
   */
  readonly deliverUnverified?: boolean;
  /** Remember learned peers in `state` to tell them of a restart (spec 12.2); default true. */
  readonly rememberPeers?: boolean;
  /** A peer's sender unused for this long is set aside to save memory (spec 9.5); default 10 s. */
  readonly senderIdleMs?: number;
  /** Reliable delivery (spec 14). */
  readonly reliability?: ReliabilityOptions;
  /** Session mode (spec 13): which peers use it, and its limits. Default: no peer (PSK mode, 0-RTT). */
  readonly session?: SessionOptions;
  /** Limits on what datagrams that have not authenticated may cost, and cookies (spec 6.5, 6.6); defaults of spec 20.2. */
  readonly admission?: AdmissionOptions;
}

/** @group Nodes */
export interface NodeStats {
  readonly drops: Readonly<Record<string, number>>;
  readonly sent: Readonly<SendCounters>;
  readonly received: number;
  /**
   * Data not delivered because its freshness was unknown and deliverUnverified is off: DATAGRAM frames,
   * and reliable MSG frames (not acknowledged either; the sender retransmits them, spec 14.10).
   */
  readonly unverified: number;
  /** Authenticated datagrams from a new peer refused because the table was full of configured peers. */
  readonly peerLimit: number;
  /**
   * MSG frames neither taken nor acknowledged because the node is stopping (refuseData(), [SW-14.7-6])
   * or because nothing listened for 'message' yet ([SW-14.7-9]).
   */
  readonly refused: number;
  /**
   * Stale datagrams (spec 12.4): authenticated and answered with a STALE frame, or left unanswered by
   * the rate limits ([SW-12.4-10]); and conflicts reported (two processes under one id, 'conflict').
   */
  readonly stale: { readonly answered: number; readonly limited: number; readonly conflicts: number };
  readonly peers: number;
  /** Handshakes and sessions (spec 13); all zero unless some peer is in session mode. */
  readonly sessions: Readonly<SessionStats>;
  /** Admission and cookies (spec 6.5, 6.6); the datagrams refused are in `drops`. */
  readonly admission: Readonly<AdmissionStats>;
  /** Reliable fragments sent and sent again, and losses found (spec 14.4), over every peer this node has had. */
  readonly retransmits: Readonly<RetransmitCounters>;
  /**
   * Reliable links (spec 14): live now, set aside now because quiescent (spec 14.13), and how many
   * times a link was set aside in all.
   */
  readonly links: { readonly live: number; readonly parked: number; readonly parks: number };
  /**
   * The node's reassembly budget (spec 14.6): bytes reserved now, partial messages evicted to make
   * room for a peer within its fair share, and new messages refused because they would take their
   * peer past its share while the budget was full [SW-14.6-6].
   */
  readonly reassembly: { readonly reserved: number; readonly evicted: number; readonly refusedOverShare: number };
  /** Unreliable messages that waited for room in their peer's queue [SW-14.8-6]: waiting now, queued after waiting, refused, expired. */
  readonly unreliable: Readonly<UnreliableWaitingStats>;
  /**
   * [SW-8.4-3] Turns of the event loop the peers' timers waited for the transport to read the input
   * already there (`waits`), and waits cut at INPUT_WAIT_MAX with input still coming (`expired`):
   * a node that keeps waiting is behind its own socket; and times its receive buffer shrank
   * because it stayed behind (`shrinks`, [SW-8.4-4]). Zero for a transport without afterInput.
   */
  readonly input: { readonly waits: number; readonly expired: number; readonly shrinks: number };
}
