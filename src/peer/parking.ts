/**
 * Senders set aside (spec 9.5): a hub rarely sends to most of its devices, and a sender costs an
 * object per peer. After SENDER_IDLE_MS without sending, the node keeps only the sender's counter,
 * receiver index and 32-byte traffic key (a SenderSnapshot), and rebuilds the sender from them on
 * the next send: no derivation (a hub answering 10,000 devices' keepalives every 25 s re-derived a
 * device key and a traffic key per answer: a fifth of its idle CPU, bench:idle), never a repeated
 * counter. Revocation and retirement are still checked on every rebuild (Keyring.status). These helpers apply receive-side events to whichever form the
 * sender is in, so receiving from an idle peer never rebuilds its sender.
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import type { Keyring } from '../session/keyring.js';
import type { IndexFrame } from '../session/receiver.js';
import { PeerSender } from '../session/sender.js';
import type { Peer } from './peer.js';

/** A sender unused for this long is set aside; SDK default (a third of PROBE_AFTER: a hub that only answers probes keeps its senders parked most of the time). */
export const SENDER_IDLE_MS = 10_000;

/** Sets the peer's sender aside if it has not sent for SENDER_IDLE_MS. */
export function parkIfIdle(p: Peer, now: number, idleMs: number = SENDER_IDLE_MS): void {
  if (p.sender !== undefined && p.lastSent >= 0 && now - p.lastSent >= idleMs) {
    p.parked = p.sender.park(true);
    p.sender = undefined;
  }
}

/** When the parked sender should be set aside, or Infinity. */
export function parkAt(p: Peer, idleMs: number = SENDER_IDLE_MS): number {
  return p.sender !== undefined && p.lastSent >= 0 ? p.lastSent + idleMs : Infinity;
}

/** True if the peer named our current epoch in an INDEX: it accepted this start ([SW-12.4-5]). */
export function indexedAt(p: Peer, epoch: number): boolean {
  if (p.sender !== undefined) return p.sender.epoch === epoch && p.sender.indexed;
  return p.parked !== undefined && p.parked.epoch === epoch && p.parked.indexed === true;
}

/** The peer lost the index it gave us (it restarted, spec 12.2): FULL form from now on. */
export function dropIndex(p: Peer): void {
  p.sender?.dropIndex();
  if (p.parked !== undefined && p.parked.index !== 0) p.parked = { ...p.parked, index: 0 };
}

/**
 * The peer restarted: what it accepted of ours before is its earlier life's, and its new life (a
 * restored copy, say) may hold another record of our epochs. Only an INDEX from the new life
 * counts for [SW-12.4-5].
 */
export function forgetIndexed(p: Peer): void {
  p.sender?.forgetIndexed();
  if (p.parked?.indexed === true) p.parked = { ...p.parked, indexed: false, index: 0 };
}

/** An INDEX frame from the peer (spec 4.8), for the live or the parked sender. */
export function applyIndex(p: Peer, f: IndexFrame, now: number, evidence = true): void {
  if (p.sender !== undefined) {
    p.sender.applyIndex(f, now, evidence);
  } else if (p.parked !== undefined && f.gen === p.parked.gen && f.epoch === p.parked.epoch) {
    p.parked = { ...p.parked, index: f.index, lastHeard: now, indexed: p.parked.indexed === true || evidence };
  }
}

/**
 * The peer's sender for the node's current epoch: the live one, or a new one that resumes a parked
 * sender of the same key (its counter, so a nonce is never repeated [SW-5.1-1]). Undefined if the
 * node holds no key for the peer.
 */
export function senderFor(p: Peer, o: { suite: CryptoSuite; id: string; keyring: Keyring }, epoch: number, boot: Uint8Array, now: number): PeerSender | undefined {
  const gen = o.keyring.generations.current(p.id);
  if (p.sender !== undefined && p.sender.epoch === epoch && p.sender.gen === gen) return p.sender;
  const parked0 = p.parked;
  // A parked sender of this very key and start keeps its traffic key: only check the key is still good.
  const kept = p.sender === undefined && parked0?.trafficKey !== undefined && parked0.gen === gen && parked0.epoch === epoch;
  let pairKey: Uint8Array | undefined;
  if (kept) {
    if (o.keyring.status(p.id, gen, now) !== 'ok') return undefined;
  } else {
    const key = o.keyring.lookup(p.id, gen, now);
    if (!key.ok) return undefined;
    pairKey = key.pairKey;
  }
  // A live sender of this epoch under an older generation: the peer was rotated, and nothing is sealed
  // under the old generation again [SW-3.6-3]. The new key starts at counter 0 with no index (FULL
  // first); what the peer showed of this start (heard, INDEX of this epoch) carries over.
  const rotated = p.sender !== undefined && p.sender.epoch === epoch ? { ...p.sender.park(), gen, counter: 0, index: 0 } : undefined;
  p.sender = undefined;
  const parked = p.parked;
  const resume =
    rotated ?? (parked !== undefined && parked.gen === gen && parked.epoch === epoch ? { ...parked, lastHeard: Math.max(parked.lastHeard, p.lastHeard) } : undefined);
  p.parked = undefined;
  p.sender = new PeerSender({ suite: o.suite, selfId: o.id, peerId: p.id, ...(pairKey !== undefined && { pairKey }), gen, epoch, boot, resume });
  return p.sender;
}
