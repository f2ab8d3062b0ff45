/**
 * The responder half of session mode (spec 13.6): accepting initiations in the order of
 * [SW-13.6-1], the per-initiator timestamps of [SW-13.6-2] (kept in memory only: [SW-13.6-3] is a
 * SHOULD, and a responder that lost them accepts a replayed initiation once, which yields an
 * unconfirmed session nobody can use), the handshake budget [SW-13.6-4], and unconfirmed sessions
 * of ids that have no peer entry yet (an initiation does not create one, [SW-9.2-1]).
 * @module
 */
import { REPLAY_WINDOW } from '../constants.js';
import { HANDSHAKE_RATE } from '../session/handshake/constants.js';
import type { Timestamp } from '../session/handshake/ephemeral.js';
import { consumeInitiation, type PskLookup } from '../session/handshake/handshake.js';
import type { ParsedInitiation } from '../session/handshake/messages.js';
import { TokenBucket } from '../session/handshake/rate-limit.js';
import { newSessionSlot, type IndexHolder, type SessionSlot } from '../session/session-receiver.js';
import type { Address } from '../transport/transport.js';
import type { DropReason } from '../wire/drop-reason.js';
import type { SessionHost } from './session-types.js';

/** Unconfirmed sessions held for ids without a peer entry; the oldest goes first. */
const ORPHAN_LIMIT = 1024;

export class HandshakeResponder {
  responsesSent = 0;
  /** Greatest accepted timestamp per initiator id [SW-13.6-2], least recently updated first. */
  private readonly stamps = new Map<string, Timestamp>();
  private readonly orphans = new Map<string, SessionSlot>();
  private readonly bucket: TokenBucket;

  constructor(
    private readonly host: SessionHost,
    private readonly modeOf: (id: string) => boolean,
    /** (epoch, handshake counter) for the hedged ephemeral, or undefined if none may be made now. */
    private readonly hedge: () => Timestamp | undefined,
    /** Called when an ephemeral key was made: the handshake counter moves on [SW-13.3-2]. */
    private readonly madeEphemeral: () => void,
    private readonly erase: (h: IndexHolder) => void,
    private readonly drop: (reason: DropReason, senderId?: string, gen?: number) => void,
    rate: number = HANDSHAKE_RATE,
    private readonly stampLimit = 16384,
  ) {
    this.bucket = new TokenBucket(rate);
  }

  onInitiation(d: Uint8Array, m: ParsedInitiation, from: Address, now: number): void {
    // [SW-13.6-9] steps 6 to 10 cost a derivation's worth of HMACs: admission first (spec 6.5)
    const refused = this.host.admit?.(d, from, now);
    if (refused !== undefined) return this.drop(refused, m.initiatorId, m.gen);
    const hedge = this.hedge();
    if (hedge === undefined) return this.drop('HANDSHAKE_RATE', m.initiatorId, m.gen); // a new epoch is on its way
    const table = this.host.receiver.indexTable;
    const localIndex = table.pick(); // a candidate: nothing is assigned unless step 13 is reached
    const r = consumeInitiation(d, {
      suite: this.host.suite,
      selfId: this.host.selfId,
      lookup: (id, gen) => this.lookup(id, gen, now),
      lastTimestamp: (id) => this.stamps.get(id),
      rateLimiter: this.bucket,
      localIndex,
      now,
      hedge,
    });
    if (r.ok || r.reason === 'BAD_DH') this.madeEphemeral(); // step 12 made e_r
    if (!r.ok) return this.drop(r.reason, m.initiatorId, m.gen); // nothing sent, nothing changed [SW-13.6-6]
    this.host.keyring.confirm?.(r.initiatorId, r.gen); // a device key derived for it is kept now [SW-6.4-4]
    // step 13 [SW-13.6-7]: store the timestamp, assign idx_r, keep the session as the unconfirmed one
    const before = this.stamps.get(r.initiatorId);
    this.stamps.delete(r.initiatorId);
    this.stamps.set(r.initiatorId, r.timestamp);
    if (this.stamps.size > this.stampLimit) this.stamps.delete(this.stamps.keys().next().value!);
    const restartEpoch = before !== undefined && r.timestamp.epoch > before.epoch ? r.timestamp.epoch : 0;
    const slot = newSessionSlot(r.session, this.host.windowSize ?? REPLAY_WINDOW, restartEpoch);
    table.restore(slot, localIndex);
    const s = this.host.peer(r.initiatorId)?.session;
    if (s !== undefined) {
      if (s.next !== undefined) this.erase(s.next);
      s.next = slot; // [SW-13.8-9]; the current session, if any, stays in use until this one is confirmed
    } else {
      this.adopt(r.initiatorId, slot);
    }
    // [SW-13.6-8] to the initiation's source, the peer's path unchanged; 58 bytes, never more than
    // the initiation [SW-13.5-2], so it needs no amplification budget.
    this.host.sendRaw(r.response, from);
    this.responsesSent++;
  }

  /** The unconfirmed session held for `id` while it had no peer entry, removed from the pool. */
  take(id: string, slot: SessionSlot): boolean {
    if (this.orphans.get(id) !== slot) return false;
    this.orphans.delete(id);
    return true;
  }

  forget(id: string): void {
    const o = this.orphans.get(id);
    if (o !== undefined) this.erase(o);
    this.orphans.delete(id);
  }

  /** consumeInitiation's lookup: checks 2 to 4 of [SW-6.1-6] (step 6), then the peer's mode (step 7). */
  private lookup(id: string, gen: number, now: number): PskLookup {
    const k = this.host.keyring.lookup(id, gen, now, true); // kept once the initiation authenticated [SW-6.4-4]
    if (!k.ok) return { ok: false, reason: k.reason };
    if (!this.modeOf(id)) return { ok: false, reason: 'SESSION_DISABLED' }; // [SW-13.8-13]
    return { ok: true, psk: k.pairKey };
  }

  private adopt(id: string, slot: SessionSlot): void {
    this.forget(id);
    if (this.orphans.size >= ORPHAN_LIMIT) this.forget(this.orphans.keys().next().value!);
    this.orphans.set(id, slot);
  }
}
