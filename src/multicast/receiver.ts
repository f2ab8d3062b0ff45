/**
 * Receiving GROUP_DATA and SIGNED datagrams (spec 19.5): the order of checks, one replay window per
 * sender, floors persisted a reserve block ahead so the windows survive this node's restart, the
 * tier rules, and the derive and verify budgets. Time is passed in; storage is a StateStore.
 * @module
 */
import { MAX_DATAGRAM, REPLAY_WINDOW, TAG_LEN } from '../constants.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { StateStore } from '../peer/state-store.js';
import { ReplayWindow } from '../session/replay.js';
import { InvalidArgumentError } from '../errors.js';
import { concat, constantTimeEqual } from '../util/bytes.js';
import { TokenBucket } from './budget.js';
import { FLOOR_RESERVE, GROUP_DERIVE_RATE, GROUP_HEADER_LEN, GTYPE_SIGNED, MAX_GROUP_SENDERS, SIGNATURE_LEN, VERIFY_RATE } from './constants.js';
import { GroupDropCounters, type GroupDrop } from './drop.js';
import { loadGroupRecords, saveGroupRecords, type GenerationRecord, type SenderFloor } from './floor-store.js';
import { decodeGroupMessage, type GroupMessage } from './frames.js';
import type { GroupGrant } from './grant.js';
import { groupNonce, parseGroupHeader } from './header.js';
import { deriveSenderKey } from './keys.js';
import { GroupMembership } from './membership.js';

/** @group Multicast and discovery */
export interface GroupDelivery {
  readonly gid: number;
  readonly gen: number;
  readonly member: number;
  /** The sender's epoch (a hub feeds it to GroupManager.observe). */
  readonly epoch: number;
  /** The sender's BOOT and the datagram's COUNTER (repair tracks gaps with them, 19.12). */
  readonly boot: Uint8Array;
  readonly counter: number;
  readonly tier: 'group' | 'signed';
  readonly message: GroupMessage;
  /**
   * False when this receiver cannot rule out a replay from before it lost its state (a re-granted
   * generation, [SW-19.5-11]): act on it only if acting twice is safe.
   */
  readonly fresh: boolean;
}

export type GroupReceiveResult = { readonly ok: true; readonly delivery: GroupDelivery } | { readonly ok: false; readonly reason: GroupDrop };

export interface GroupReceiverOptions {
  readonly suite: CryptoSuite;
  /** Needed to receive the signed tier. */
  readonly ed25519?: Ed25519;
  /** Where grants and floors are kept; without one, a restart loses them (the hub must re-grant). */
  readonly store?: StateStore;
  readonly maxDatagram?: number;
  readonly window?: number;
  readonly reserve?: number;
  readonly deriveRate?: number;
  readonly verifyRate?: number;
  readonly maxSenders?: number;
}

interface PendingCommit {
  readonly persist: number;
  commit(): GroupReceiveResult;
  rollback(): GroupReceiveResult;
}

interface SenderCtx {
  epoch: number;
  boot: Uint8Array;
  key: Uint8Array;
  window: ReplayWindow;
  /** Counters at or below this are refused (a floor restored after a restart), -1 for none. */
  restoredFloor: number;
}

interface GenCtx {
  readonly senders: Map<number, SenderCtx>;
  /** Every sender's floor as persisted (read at a restart, then kept up to date). */
  readonly floors: Map<number, SenderFloor>;
}

interface Group {
  readonly membership: GroupMembership;
  readonly gens: Map<number, GenCtx>;
}

export class GroupReceiver {
  readonly drops = new GroupDropCounters();
  private readonly groups = new Map<number, Group>();
  private readonly deriveBudget: TokenBucket;
  private readonly verifyBudget: TokenBucket;
  private chain: Promise<unknown> = Promise.resolve();
  /** Signature verifications performed (for the bench and tests). */
  verifications = 0;

  constructor(private readonly o: GroupReceiverOptions) {
    this.deriveBudget = new TokenBucket(o.deriveRate ?? GROUP_DERIVE_RATE);
    this.verifyBudget = new TokenBucket(o.verifyRate ?? VERIFY_RATE);
  }

  /** The member's keys of group `gid` (created empty), shared with its GroupSender. */
  membership(gid: number): GroupMembership {
    return this.group(gid).membership;
  }

  /**
   * Installs a grant received over unicast at `now` ([SW-19.3-3]). It is persisted before it is used, so a
   * restart keeps the key and its floors. Returns false for an old or repeated grant.
   */
  async install(grant: GroupGrant, now: number): Promise<boolean> {
    return this.serial(async () => {
      const g = this.group(grant.gid);
      if (!g.membership.install(grant, now)) return false;
      g.gens.set(grant.gen, { senders: new Map(), floors: new Map() });
      await this.persist(grant.gid);
      return true;
    });
  }

  /** Restores group `gid` from the store after a restart: its keys and every sender's floor [SW-19.5-10]. */
  async restore(gid: number): Promise<number> {
    if (this.o.store === undefined) return 0;
    const records = await loadGroupRecords(this.o.store, gid);
    const g = this.group(gid);
    for (const r of records) {
      g.membership.restore({ grant: r.grant, activateAt: r.activateAt, expiresAt: r.expiresAt });
      g.gens.set(r.grant.gen, { senders: new Map(), floors: new Map(r.floors.map((f) => [f.member, f])) });
    }
    return records.length;
  }

  /** Processes one datagram; calls are serialized so the checks and the commit are atomic [SW-19.5-3]. */
  receive(d: Uint8Array, now: number): Promise<GroupReceiveResult> {
    return this.serial(async () => {
      const r = this.check(d, now);
      if (!('persist' in r)) return r;
      try {
        await this.persist(r.persist);
      } catch {
        return r.rollback();
      }
      return r.commit();
    });
  }

  /** receive() for a receiver without a store (the conformance checkers): synchronous. */
  receiveSync(d: Uint8Array, now: number): GroupReceiveResult {
    if (this.o.store !== undefined) throw new InvalidArgumentError('receiveSync needs a receiver without a store');
    const r = this.check(d, now);
    return 'persist' in r ? r.commit() : r;
  }

  /** install() for a receiver without a store. */
  installSync(grant: GroupGrant, now: number): boolean {
    if (this.o.store !== undefined) throw new InvalidArgumentError('installSync needs a receiver without a store');
    const g = this.group(grant.gid);
    if (!g.membership.install(grant, now)) return false;
    g.gens.set(grant.gen, { senders: new Map(), floors: new Map() });
    return true;
  }

  /**
   * Steps 1 to 9 of [SW-19.5-1]: a verdict, or a new floor to make durable (group `persist`) before
   * commit() runs steps 10 to 12; rollback() if the write failed.
   */
  private check(d: Uint8Array, now: number): GroupReceiveResult | PendingCommit {
    const drop = (reason: GroupDrop): GroupReceiveResult => {
      this.drops.add(reason);
      return { ok: false, reason };
    };
    // 1-3: size and header, no state touched
    if (d.length > (this.o.maxDatagram ?? MAX_DATAGRAM)) return drop('TOO_LARGE');
    const h = parseGroupHeader(d);
    if (typeof h === 'string') return drop(h);
    // 4: the key: group known, generation accepted
    const g = this.groups.get(h.gid);
    if (g === undefined) return drop('UNKNOWN_KEY');
    const kv = g.membership.accepts(h.gen, now);
    if (!kv.ok) return drop(kv.reason);
    const grant = kv.state.grant;
    const gc = g.gens.get(h.gen)!;
    // 5: tier: SIGNED only from the controller, and only if this member can verify it
    const signed = h.type === GTYPE_SIGNED;
    if (signed && (grant.controller === undefined || grant.controller.member !== h.member || this.o.ed25519 === undefined)) return drop('WRONG_TIER');
    // 6: the sender's epoch, BOOT and window
    const ctx = gc.senders.get(h.member);
    const floor = ctx === undefined ? gc.floors.get(h.member) : undefined;
    const cur = ctx ?? floor;
    const newEpoch = cur === undefined || h.epoch > cur.epoch;
    if (cur !== undefined && h.epoch < cur.epoch) return drop('STALE_EPOCH');
    if (cur !== undefined && h.epoch === cur.epoch && !constantTimeEqual(h.boot, cur.boot)) return drop('STALE_EPOCH');
    if (!newEpoch) {
      if (ctx !== undefined) {
        if (h.counter <= ctx.restoredFloor) return drop('TOO_OLD');
        const v = ctx.window.check(h.counter);
        if (v !== 'accept') return drop(v);
      } else if (h.counter <= floor!.floor) return drop('TOO_OLD');
    }
    if (ctx === undefined && gc.senders.size >= (this.o.maxSenders ?? MAX_GROUP_SENDERS)) return drop('SENDER_LIMIT');
    // 7: the sender key, derived only within the budget for a (member, epoch, BOOT) not held
    let key = ctx !== undefined && !newEpoch ? ctx.key : undefined;
    if (key === undefined) {
      if (!this.deriveBudget.take(now)) return drop('DERIVE_LIMIT');
      key = deriveSenderKey(this.o.suite, grant.key, h.gid, h.gen, h.member, h.epoch, h.boot);
    }
    // 8: authenticate
    const header = d.subarray(0, GROUP_HEADER_LEN);
    const inner = this.o.suite.open(key, groupNonce(header), d.subarray(GROUP_HEADER_LEN));
    if (inner === null) return drop('AUTH');
    let plaintext = inner;
    if (signed) {
      if (inner.length < SIGNATURE_LEN) return drop('MALFORMED_INNER');
      plaintext = inner.subarray(0, inner.length - SIGNATURE_LEN);
      // verified before any state changes: a member holding the group key must not move the controller's window
      if (!this.verifyBudget.take(now)) return drop('VERIFY_LIMIT');
      this.verifications++;
      if (!this.o.ed25519!.verify(concat(header, plaintext), inner.subarray(plaintext.length), grant.controller!.publicKey)) return drop('BAD_SIGNATURE');
    }
    // 9: the floor, durable before the commit [SW-19.5-9]
    const prev = gc.floors.get(h.member);
    const covered = prev !== undefined && prev.epoch === h.epoch && constantTimeEqual(prev.boot, h.boot) && h.counter <= prev.floor;
    const commit = (): GroupReceiveResult => {
      // 10: commit
      let c = gc.senders.get(h.member);
      if (c === undefined || newEpoch) {
        const restoredFloor = !newEpoch && floor !== undefined ? floor.floor : -1;
        c = { epoch: h.epoch, boot: h.boot.slice(), key, window: new ReplayWindow(this.o.window ?? REPLAY_WINDOW), restoredFloor };
        gc.senders.set(h.member, c);
      }
      c.window.update(h.counter);
      // 11: the message and the tier rule
      const message = decodeGroupMessage(plaintext);
      if (message === undefined) return drop('MALFORMED_INNER');
      if (message.kind === 'command' && !signed) return drop('WRONG_TIER');
      return { ok: true, delivery: { gid: h.gid, gen: h.gen, member: h.member, epoch: h.epoch, boot: h.boot.slice(), counter: h.counter, tier: signed ? 'signed' : 'group', message, fresh: !grant.regrant } };
    };
    if (covered) return commit();
    const target = Math.min(h.counter + (this.o.reserve ?? FLOOR_RESERVE), 0xfffffffe);
    gc.floors.set(h.member, { member: h.member, epoch: h.epoch, boot: h.boot.slice(), floor: target });
    return {
      persist: h.gid,
      commit,
      rollback: () => {
        if (prev === undefined) gc.floors.delete(h.member);
        else gc.floors.set(h.member, prev);
        return drop('STORE_FAILED');
      },
    };
  }

  private group(gid: number): Group {
    let g = this.groups.get(gid);
    if (g === undefined) {
      const membership = new GroupMembership(gid);
      const gens = new Map<number, GenCtx>();
      membership.onErase = (gen) => gens.delete(gen); // [SW-19.8-4]: receive state goes with the key
      this.groups.set(gid, (g = { membership, gens }));
    }
    return g;
  }

  private async persist(gid: number): Promise<void> {
    if (this.o.store === undefined) return;
    const g = this.groups.get(gid)!;
    const records: GenerationRecord[] = g.membership.generations().map((s) => ({
      grant: s.grant,
      activateAt: s.activateAt,
      expiresAt: s.expiresAt,
      floors: [...(g.gens.get(s.grant.gen)?.floors.values() ?? [])],
    }));
    await saveGroupRecords(this.o.store, gid, records);
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.chain.then(f, f);
    this.chain = p.catch(() => undefined);
    return p;
  }
}

