/**
 * The receive path of spec 6.1: cheap checks, then one authenticated decryption, then state.
 * Every failure is a counted, silent drop [SW-6.3-1]; open() never throws on network input.
 * Time is passed in; the receiver reads no clock.
 * @module
 */
import { BOOT_LEN, INDEX_REPEAT_INTERVAL_MS, KEY_LEN, MAX_DATAGRAM, MAX_GENERATION, MIN_MAX_DATAGRAM, NONCE_LEN, REPLAY_WINDOW } from '../constants.js';
import { deriveTrafficKey } from '../crypto/keys.js';
import { InvalidArgumentError } from '../errors.js';
import type { DropReason } from '../wire/drop-reason.js';
import { decodeFrames } from '../wire/frames.js';
import { parseHeader, writeNonce, type FullHeader, type ShortHeader } from '../wire/header.js';
import { assertNodeId } from '../wire/node-id.js';
import { readU32, view, wipe, writeU32 } from '../util/bytes.js';
import { RegionPool } from '../util/region-pool.js';
import {
  freshnessOf,
  ContextMap,
  IndexTable,
  MemoryMaxEpochStore,
  wipeContext,
  type ReceiveContext,
} from './context.js';
import { DropCounters } from './drop-counters.js';
import { REJECT_AFTER_TIME_MS } from './handshake/constants.js';
import { ReplayWindow } from './replay.js';
import type { Accepted, ContextState, Dropped, IndexFrame, OpenResult, ReceiverOptions } from './receiver-types.js';
import { openSessionDatagram, wipePending, wipeSession, type IndexHolder } from './session-receiver.js';

type SessionOptionKeys = 'onDrop' | 'sessionRequired' | 'sessionRejectAfterMs' | 'admit' | 'staleAnswer' | 'derivation'; // optional hooks


export type { ReceiverOptions, IndexFrame, Accepted, Dropped, OpenResult, ContextState, StaleProof } from './receiver-types.js';

export class Receiver {
  readonly drops = new DropCounters();
  private readonly o: Required<Omit<ReceiverOptions, SessionOptionKeys>> & Pick<ReceiverOptions, SessionOptionKeys>;
  private readonly contexts = new ContextMap();
  private readonly indexes: IndexTable;
  private readonly sessionRequired: ((peer: string) => boolean) | undefined;
  private readonly sessionRejectAfterMs: number;
  private readonly nonce = new Uint8Array(NONCE_LEN);
  private readonly ringWords: number;
  private readonly regions: RegionPool;
  /** False once the node learned its store is older than its start ([SW-12.4-8]). */
  private floorsTrusted = true;

  constructor(options: ReceiverOptions) {
    assertNodeId(options.selfId);
    const maxDatagram = options.maxDatagram ?? MAX_DATAGRAM;
    if (!Number.isInteger(maxDatagram) || maxDatagram < MIN_MAX_DATAGRAM) {
      throw new InvalidArgumentError(`maxDatagram must be at least ${MIN_MAX_DATAGRAM} [SW-4.10-1]`);
    }
    this.o = {
      windowSize: REPLAY_WINDOW,
      maxEpochs: new MemoryMaxEpochStore(),
      maxContexts: 16384,
      durableMaxEpochs: false,
      assignIndexes: true,
      indexRepeatIntervalMs: INDEX_REPEAT_INTERVAL_MS,
      // an option passed as undefined means "default", not "none"
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ReceiverOptions),
      maxDatagram,
    };
    new ReplayWindow(this.o.windowSize); // validates the size now rather than at first datagram
    this.ringWords = ReplayWindow.wordsFor(this.o.windowSize);
    this.regions = new RegionPool(this.ringWords + KEY_LEN / 4 + BOOT_LEN / 4); // ring, key, BOOT
    this.indexes = new IndexTable(options.suite);
    this.sessionRequired = options.sessionRequired;
    this.sessionRejectAfterMs = options.sessionRejectAfterMs ?? REJECT_AFTER_TIME_MS;
  }

  /** Number of receive contexts held. */
  get contextCount(): number {
    return this.contexts.size;
  }

  /** Processes one datagram in the order of spec 6.1 [SW-6.1-9]. Never throws on its content. */
  open(d: Uint8Array, now: number): OpenResult {
    if (d.length > this.o.maxDatagram) return this.drop('TOO_LARGE'); // step 1, before any copy
    const h = parseHeader(d); // steps 2-6
    if (typeof h === 'string') return this.drop(h);

    let ctx: ReceiveContext | undefined;
    let senderId: string;
    let gen: number;
    let epoch: number;
    if (h.form === 'FULL') {
      senderId = h.senderId;
      gen = h.gen;
      epoch = h.epoch;
      if (senderId === this.o.selfId) return this.drop('UNKNOWN_KEY', senderId, gen); // [SW-3.5-3]
      // step 7a: the checks only; the key itself waits for step 8, where admission may refuse it [SW-6.5-1]
      const verdict = this.o.keyring.status(senderId, gen, now);
      if (verdict !== 'ok') return this.drop(verdict, senderId, gen);
      if (this.sessionRequired?.(senderId) === true) return this.drop('SESSION_REQUIRED', senderId, gen); // [SW-13.8-12]
      ctx = this.contexts.get(senderId, gen);
      const ref = ctx?.maxEpoch ?? this.o.maxEpochs.get(senderId, gen); // step 7c [SW-5.5-1]
      // [SW-5.5-4] the context's epoch under another BOOT is another start of the sender: stale too
      if (ref !== undefined && (epoch < ref || (ctx !== undefined && epoch === ref && !this.sameBoot(ctx, h.boot)))) {
        return this.stale(d, h, senderId, gen, ref, now);
      }
    } else {
      ctx = this.indexes.get(h.index); // step 7b
      if (ctx === undefined) return this.openSession(d, h, now); // a session's index, or none [SW-13.8-7]
      senderId = ctx.peer;
      gen = ctx.gen;
      // The generation may have expired, or the peer been revoked, since the index was assigned [SW-6.1-4].
      const status = this.o.keyring.status(senderId, gen, now);
      if (status !== 'ok') return this.drop(status, senderId, gen);
      epoch = ctx.maxEpoch; // an index names the current epoch [SW-5.5-3]
    }

    const sameEpoch = ctx !== undefined && epoch === ctx.maxEpoch;
    if (sameEpoch) {
      const verdict = ctx!.window.check(h.counter); // step 7d [SW-5.4-3]
      if (verdict !== 'accept') return this.drop(verdict, senderId, gen);
    }
    // step 8: cached for the context's epoch, derived for a new one, if admission grants it [SW-6.5-1]
    let tk: Uint8Array;
    if (sameEpoch) tk = ctx!.trafficKey;
    else {
      const refused = this.o.derivation?.(d, now);
      if (refused !== undefined) return this.drop(refused, senderId, gen);
      const key = this.o.keyring.lookup(senderId, gen, now, true); // kept only once authenticated [SW-6.4-4]
      if (!key.ok) return this.drop(key.reason, senderId, gen);
      tk = deriveTrafficKey(this.o.suite, key.pairKey, senderId, this.o.selfId, epoch, (h as FullHeader).boot);
    }
    // step 9: the one authenticated decryption [SW-4.5-2]
    const box = view(d, h.length);
    const plaintext = this.o.suite.open(tk, writeNonce(this.nonce, d, h.form), box);
    if (plaintext === null) return this.drop('AUTH', senderId, gen);
    if (!sameEpoch) this.o.keyring.confirm?.(senderId, gen); // a device key derived for it is kept now [SW-6.4-4]

    const contextEvent = ctx === undefined ? 'created' : epoch > ctx.maxEpoch ? 'epoch' : undefined;
    const top = sameEpoch ? ctx!.window.top : undefined;
    const newest = top === undefined || h.counter > top;
    // [SW-5.6-4] a new epoch is recorded durably before anything is accepted; if the store fails,
    // the datagram is dropped unaccepted (the window is untouched), never delivered unrecorded.
    // the floor is the record as it was before this datagram [SW-5.6-6]
    const floor = ctx === undefined && this.floorsTrusted ? (this.o.maxEpochs.get(senderId, gen) ?? (this.o.durableMaxEpochs ? 0 : null)) : null;
    if (ctx === undefined && this.o.admit !== undefined && !this.o.admit(senderId, gen, floor !== null && epoch > floor)) {
      return this.drop('PEER_LIMIT', senderId, gen); // [SW-9.2-3]: decided before any state changes
    }
    if ((ctx === undefined || epoch > ctx.maxEpoch) && this.o.maxEpochs.durable !== false) {
      try {
        this.o.maxEpochs.set(senderId, gen, epoch);
      } catch {
        return this.drop('STORE_FAILED', senderId, gen);
      }
    }
    ctx = this.commit(ctx, senderId, gen, epoch, h.form === 'FULL' ? h.boot : undefined, h.counter, tk, floor, now); // step 10
    const frames = decodeFrames(plaintext); // step 11 [SW-4.7-5], after the window update [SW-6.1-3]
    if (frames === undefined) return this.drop('MALFORMED_INNER', senderId, gen);

    let announceIndex: IndexFrame | undefined;
    if (h.form === 'FULL' && ctx.index !== 0 && (ctx.indexAnnouncedAt < 0 || now - ctx.indexAnnouncedAt >= this.o.indexRepeatIntervalMs)) {
      ctx.indexAnnouncedAt = now;
      announceIndex = { type: 'INDEX', index: ctx.index, gen, epoch: ctx.maxEpoch };
    }
    return {
      ok: true,
      senderId,
      gen,
      epoch,
      counter: h.counter,
      form: h.form,
      plaintext,
      frames,
      freshness: freshnessOf(ctx, h.counter),
      contextEvent,
      newest,
      announceIndex, // always present (maybe undefined): one object shape for every result
      session: undefined,
    };
  }

  /** Step 10: create the context or advance its epoch (spec 5.5), then mark the counter seen. */
  private commit(
    ctx: ReceiveContext | undefined,
    peer: string,
    gen: number,
    epoch: number,
    boot: Uint8Array | undefined, // undefined for SHORT: the context's own
    counter: number,
    tk: Uint8Array,
    floor: number | null,
    now: number,
  ): ReceiveContext {
    if (ctx === undefined) {
      ctx = this.create(peer, gen, epoch, boot!, tk, floor); // a durable store was written in open()
    } else if (epoch > ctx.maxEpoch) {
      wipeContext(ctx);
      ctx.maxEpoch = epoch;
      this.setBoot(ctx, boot!);
      ctx.trafficKey.set(tk); // in place: the key lives in the window's pooled region
      ctx.window.reset();
      ctx.verifiedFrom = -1; // an echo proves freshness only within its epoch
      this.indexes.release(ctx); // [SW-5.5-3]
      ctx.indexAnnouncedAt = -1;
    }
    ctx.window.update(counter);
    ctx.lastAuth = now;
    if (this.o.assignIndexes && ctx.index === 0) this.indexes.assign(ctx);
    return ctx;
  }

  private create(peer: string, gen: number, epoch: number, boot: Uint8Array, tk: Uint8Array, floor: number | null): ReceiveContext {
    if (this.contexts.size >= this.o.maxContexts) this.evictOne();
    // ring and traffic key share one pooled region: no typed array of their own but the key's view (spec 9.5)
    const region = this.regions.alloc();
    const window = new ReplayWindow(this.o.windowSize, region);
    const trafficKey = new Uint8Array(region.words.buffer, (region.base + this.ringWords) * 4, KEY_LEN);
    trafficKey.set(tk);
    const ctx: ReceiveContext = {
      peer,
      gen,
      maxEpoch: epoch,
      trafficKey,
      next: undefined,
      window,
      index: 0,
      floor,
      verifiedFrom: -1, // -1 and integer times: V8 keeps these fields unboxed (spec 9.5)
      lastAuth: -1,
      indexAnnouncedAt: -1,
    };
    this.setBoot(ctx, boot);
    this.contexts.set(ctx);
    return ctx;
  }

  // The context's BOOT ([SW-5.5-4]) lives in its pooled region after the ring and the key, as two
  // words: no typed array of its own per context (spec 9.5).
  private bootAt(ctx: ReceiveContext): number {
    return ctx.window.base + this.ringWords + KEY_LEN / 4;
  }

  private setBoot(ctx: ReceiveContext, boot: Uint8Array): void {
    const i = this.bootAt(ctx);
    ctx.window.ring[i] = readU32(boot, 0);
    ctx.window.ring[i + 1] = readU32(boot, 4);
  }

  private sameBoot(ctx: ReceiveContext, boot: Uint8Array): boolean {
    const i = this.bootAt(ctx);
    return ctx.window.ring[i] === readU32(boot, 0) && ctx.window.ring[i + 1] === readU32(boot, 4);
  }

  private bootOf(ctx: ReceiveContext): Uint8Array {
    const i = this.bootAt(ctx);
    const b = new Uint8Array(BOOT_LEN);
    writeU32(b, 0, ctx.window.ring[i]!);
    writeU32(b, 4, ctx.window.ring[i + 1]!);
    return b;
  }

  /** Evicts the least recently authenticated context; its maxEpoch stays in the store (spec 5.6). */
  private evictOne(): void {
    let victim: ReceiveContext | undefined;
    for (const c of this.contexts.values()) if (victim === undefined || c.lastAuth < victim.lastAuth) victim = c;
    if (victim !== undefined) this.erase(victim.peer, victim.gen);
  }

  /** Erases every context of `peer` (it was evicted from the peer table, spec 9.2). */
  eraseAll(peer: string): void {
    for (let gen = 0; gen <= MAX_GENERATION; gen++) if (this.contexts.get(peer, gen) !== undefined) this.erase(peer, gen);
  }

  /** Erases the context of (peer, gen): index, window and key [SW-3.6-4]. */
  erase(peer: string, gen: number): void {
    const ctx = this.contexts.get(peer, gen);
    if (ctx === undefined) return;
    // the record outlives the context: an erased peer cannot come back with an older epoch [SW-5.6-1]
    if (this.o.maxEpochs.durable === false) this.o.maxEpochs.set(peer, gen, ctx.maxEpoch);
    this.indexes.release(ctx);
    wipeContext(ctx);
    this.regions.release(ctx.window.ring, ctx.window.base);
    this.contexts.delete(ctx);
  }

  /**
   * Records that the datagram with `counter` in `epoch` from (peer, gen) echoed a challenge this node
   * made after it lost state: it and every later counter of that epoch are fresh [SW-12.3-4]. Returns
   * false (and changes nothing) if the context is gone or has moved to another epoch.
   */
  markFresh(peer: string, gen: number, epoch: number, counter: number): boolean {
    const ctx = this.contexts.get(peer, gen);
    if (ctx === undefined || ctx.maxEpoch !== epoch) return false;
    if (ctx.verifiedFrom < 0 || counter < ctx.verifiedFrom) ctx.verifiedFrom = counter;
    // [SW-12.3-7] every later epoch of the peer began after the token existed: fresh at once
    if (ctx.floor === null || ctx.floor < epoch) ctx.floor = epoch;
    return true;
  }

  /**
   * The node learned that its store is older than its last start (a STALE frame, [SW-12.4-8]): its
   * persisted maxEpoch records may be as old, so they serve as floors no more. Contexts it holds lose
   * their floors (those proven by an echo in their epoch stay fresh through verifiedFrom), and
   * contexts created from now on get none.
   */
  distrustFloors(): void {
    this.floorsTrusted = false;
    for (const c of this.contexts.values()) c.floor = null;
  }

  /** The newest epoch of `peer` that authenticated here (any key generation); undefined if none did. */
  peerEpoch(peer: string): number | undefined {
    return this.contexts.maxEpoch(peer);
  }

  /** Saved state of one context, or undefined. */
  context(peer: string, gen: number): ContextState | undefined {
    const c = this.contexts.get(peer, gen);
    if (c === undefined) return undefined;
    return {
      peer,
      gen,
      maxEpoch: c.maxEpoch,
      boot: this.bootOf(c),
      floor: c.floor,
      top: c.window.top ?? null,
      seen: c.window.seen(),
      index: c.index === 0 ? null : c.index,
    };
  }

  /**
   * Restores a context (for example from saved state or a conformance vector). The pair key comes
   * from the keyring; throws InvalidArgumentError if the keyring has none or the index is taken.
   */
  restore(s: ContextState, now: number): void {
    const key = this.o.keyring.lookup(s.peer, s.gen, now);
    if (!key.ok) throw new InvalidArgumentError(`no pair key for ${s.peer} at generation ${s.gen}`);
    this.erase(s.peer, s.gen);
    const tk = deriveTrafficKey(this.o.suite, key.pairKey, s.peer, this.o.selfId, s.maxEpoch, s.boot);
    const ctx = this.create(s.peer, s.gen, s.maxEpoch, s.boot, tk, s.floor);
    for (const c of s.seen) ctx.window.update(c);
    if (s.top !== null) ctx.window.update(s.top);
    if (s.index !== null && !this.indexes.restore(ctx, s.index)) {
      throw new InvalidArgumentError(`receiver index ${s.index} is already assigned`);
    }
  }

  /** The index table, shared with sessions and pending initiations (spec 13) [SW-13.8-7]. */
  get indexTable(): IndexTable {
    return this.indexes;
  }

  /** Erases a session: releases its index and wipes its keys [SW-13.8-10]. Idempotent. */
  eraseSession(slot: IndexHolder): void {
    this.indexes.release(slot);
    if (slot.kind === 'session') wipeSession(slot);
    else wipePending(slot);
  }

  /** Counts a drop decided outside open() (handshake messages, spec 13.6, 13.7) [SW-13.10-1]. */
  countDrop(reason: DropReason, senderId?: string, gen?: number): void {
    this.drop(reason, senderId, gen);
  }

  /** A SHORT datagram whose index names no receive context: a session's, or none (spec 13.8). */
  private openSession(d: Uint8Array, h: ShortHeader, now: number): OpenResult {
    const slot = this.indexes.holder(h.index);
    if (slot === undefined || slot.kind !== 'session') return this.drop('UNKNOWN_INDEX'); // [SW-4.4-1]
    const { peerId, gen } = slot.session;
    const r = openSessionDatagram(this.o.suite, this.o.keyring, slot, d, h, now, this.sessionRejectAfterMs, this.nonce);
    if (!r.ok) {
      if (r.erase === true) this.eraseSession(slot); // [SW-13.8-5] [SW-13.8-11]
      return this.drop(r.reason, peerId, gen);
    }
    const { plaintext, frames, newest } = r;
    // datagrams of a session are always fresh [SW-13.8-6]; a session has no epoch (0 here)
    const common = { form: 'SHORT' as const, freshness: 'fresh' as const, contextEvent: undefined, announceIndex: undefined };
    return { ok: true, senderId: peerId, gen, epoch: 0, counter: h.counter, plaintext, frames, newest, ...common, session: slot };
  }

  /**
   * A FULL datagram of an epoch (or BOOT) older than the context's: dropped as STALE_EPOCH before any
   * state changes [SW-5.5-1]. When an answer to its start could go now (the staleAnswer hook) and
   * admission grants its derivations (spec 6.5), it is authenticated: if it is the peer's own, the
   * result carries what the node needs to tell the peer its floor (spec 12.4), and only then does the
   * node spend an answer [SW-12.4-9]. Nothing about the context changes either way.
   */
  private stale(d: Uint8Array, h: FullHeader, peer: string, gen: number, floor: number, now: number): Dropped {
    if (this.o.staleAnswer === undefined || !this.o.staleAnswer(peer, h.boot, now)) return this.drop('STALE_EPOCH', peer, gen);
    // a forgery costs what admission grants a datagram that has not authenticated (spec 6.4, 6.5)
    if (this.o.derivation?.(d, now) !== undefined) return this.drop('STALE_EPOCH', peer, gen);
    const key = this.o.keyring.lookup(peer, gen, now, true);
    if (!key.ok) return this.drop('STALE_EPOCH', peer, gen);
    const tk = deriveTrafficKey(this.o.suite, key.pairKey, peer, this.o.selfId, h.epoch, h.boot);
    const plaintext = this.o.suite.open(tk, writeNonce(this.nonce, d, 'FULL'), view(d, h.length));
    wipe(tk);
    if (plaintext !== null) this.o.keyring.confirm?.(peer, gen);
    const frames = plaintext === null ? undefined : decodeFrames(plaintext);
    const r = this.drop('STALE_EPOCH', peer, gen);
    if (frames === undefined) return r;
    let token: Uint8Array | undefined;
    for (const f of frames) if (f.type === 'CHALLENGE') token = f.token;
    return { ok: false, reason: 'STALE_EPOCH', stale: { peer, gen, epoch: h.epoch, boot: h.boot.slice(), floor, token } };
  }

  private drop(reason: DropReason, senderId?: string, gen?: number): Dropped {
    this.drops.add(reason);
    this.o.onDrop?.({ reason, ...(senderId === undefined ? {} : { senderId }), ...(gen === undefined ? {} : { gen }) });
    return { ok: false, reason };
  }
}
