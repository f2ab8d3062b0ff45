/**
 * Options and results of the receive path (session/receiver.ts), kept apart so the receiver stays
 * short. Re-exported by receiver.ts.
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import type { DropReason } from '../wire/drop-reason.js';
import type { Frame, WireFrame } from '../wire/frames.js';
import type { Header } from '../wire/header.js';
import type { Freshness, MaxEpochStore } from './context.js';
import type { DropInfo } from './drop-counters.js';
import type { Keyring } from './keyring.js';
import type { SessionSlot } from './session-receiver.js';

export interface ReceiverOptions {
  readonly suite: CryptoSuite;
  /** This node's id: the R of every traffic key it opens with. */
  readonly selfId: string;
  readonly keyring: Keyring;
  /** W of spec 5.4; default REPLAY_WINDOW (1024). */
  readonly windowSize?: number;
  /** Longest datagram accepted (spec 4.10); default MAX_DATAGRAM (1472). */
  readonly maxDatagram?: number;
  /** Persisted maxEpoch values (spec 5.6); default in memory only. */
  readonly maxEpochs?: MaxEpochStore;
  /**
   * True if `maxEpochs` has recorded every epoch this node ever accepted (a durable store that was
   * never wiped): a peer with no record then cannot be replaying, so its floor is 0 [SW-5.6-6].
   */
  readonly durableMaxEpochs?: boolean;
  /** Limit on receive contexts; the least recently authenticated is evicted. Default 16384. */
  readonly maxContexts?: number;
  /** Assign receiver indexes to new contexts so senders can use SHORT headers (default true). */
  readonly assignIndexes?: boolean;
  readonly indexRepeatIntervalMs?: number;
  /** Called for every drop, for a (rate-limited) debug log [SW-6.2-1]. */
  readonly onDrop?: (info: DropInfo) => void;
  /**
   * Asked before a datagram of a peer with no context creates one (step 10): false drops it as
   * PEER_LIMIT with no state changed. The peer layer answers from its table ([SW-9.2-3], [SW-9.3-6]).
   */
  readonly admit?: (peer: string, gen: number, fresh: boolean) => boolean;
  /**
   * Asked before a stale FULL datagram is authenticated to tell its sender the floor (spec 12.4):
   * whether the node's answer rate leaves an answer now and the start (`boot`) of `peer` has a
   * decryption attempt left in this interval. It spends no answer: only a datagram that
   * authenticates spends an answer, so forgeries cannot use up a peer's [SW-12.4-10]; what they cost
   * before they fail is admission's (the `derivation` hook). Absent: stale datagrams are only
   * dropped, before any decryption.
   */
  readonly staleAnswer?: (peer: string, boot: Uint8Array, now: number) => boolean;
  /**
   * Asked before the first key derivation for a datagram that has not authenticated (a FULL datagram
   * of an epoch or BOOT no context holds, step 8 of spec 6.1): undefined grants every derivation of
   * that datagram, a reason drops it before any [SW-6.5-1]. Absent: every derivation is granted.
   */
  readonly derivation?: (d: Uint8Array, now: number) => DropReason | undefined;
  /** True for a peer configured for session mode: its FULL datagrams are dropped [SW-13.8-12]. */
  readonly sessionRequired?: (peer: string) => boolean;
  /** Age at which a session opens nothing more; default REJECT_AFTER_TIME [SW-13.9-2]. */
  readonly sessionRejectAfterMs?: number;
}

export type IndexFrame = Extract<Frame, { type: 'INDEX' }>;

/** An authenticated datagram, as handed to the layers above (spec 6.1 step 12). */
export interface Accepted {
  readonly ok: true;
  readonly senderId: string;
  readonly gen: number;
  readonly epoch: number;
  readonly counter: number;
  readonly form: Header['form'];
  readonly plaintext: Uint8Array;
  readonly frames: WireFrame[];
  /** Per [SW-5.6-3], 'unknown' means it may be a replay from before this receiver lost state. */
  readonly freshness: Freshness;
  /**
   * What this datagram did to the receive context: 'created' (first datagram of this (peer, gen) held
   * here), 'epoch' (a higher epoch replaced the context's: the peer restarted, spec 12.2), or undefined.
   */
  readonly contextEvent: 'created' | 'epoch' | undefined;
  /**
   * True if this datagram carries the highest (epoch, counter) this receiver has accepted from the
   * sender's context (a new context or epoch, or a counter above the window's top): the datagram
   * that may move the peer's path ([SW-10.1-2]).
   */
  readonly newest: boolean;
  /** An INDEX frame to put in the next datagram to the sender [SW-4.8-6]; undefined if none is due. */
  readonly announceIndex: IndexFrame | undefined;
  /** The session the datagram came under (spec 13.8), or undefined for a receive context's datagram. */
  readonly session: SessionSlot | undefined;
}

export interface Dropped {
  readonly ok: false;
  readonly reason: DropReason;
  /**
   * Set when a STALE_EPOCH datagram was authenticated (spec 12.4): the peer's own datagram from an
   * older start or epoch. The node answers it with a STALE frame naming `floor`, and an ECHO of
   * `token` if it carried a CHALLENGE. It was not accepted: no context changed.
   */
  readonly stale?: StaleProof;
}

/** An authenticated stale datagram (spec 12.4). */
export interface StaleProof {
  readonly peer: string;
  readonly gen: number;
  /** The stale datagram's epoch and BOOT (the start it came from). */
  readonly epoch: number;
  readonly boot: Uint8Array;
  /** The highest epoch accepted from the peer under `gen`: its next start must exceed it. */
  readonly floor: number;
  /** The CHALLENGE token the stale datagram carried, if any. */
  readonly token: Uint8Array | undefined;
}

export type OpenResult = Accepted | Dropped;

/** State of one context, as saved or restored (conformance vectors, diagnostics). */
export interface ContextState {
  readonly peer: string;
  readonly gen: number;
  readonly maxEpoch: number;
  /** The sender's BOOT value for maxEpoch (8 bytes). */
  readonly boot: Uint8Array;
  /** Freshness floor (spec 5.6); the context is fresh iff maxEpoch > floor. */
  readonly floor: number | null;
  readonly top: number | null;
  readonly seen: readonly number[];
  readonly index: number | null;
}
