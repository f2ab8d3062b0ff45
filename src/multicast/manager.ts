/**
 * The hub's side of a group (spec 19.3, 19.8): member numbers, the current generation's key, the
 * grants to hand out over unicast, and rotation on removal. Pure: the caller delivers the grants
 * (an RPC over the secured unicast channel in the SDK) and persists `toBytes()` if it must: a hub
 * that restarts without it cannot continue the generation its members hold (a new key under the same
 * GEN is ignored by them, [SW-19.3-3]).
 * @module
 */
import { KEY_LEN } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import { assertNodeId } from '../wire/node-id.js';
import { GROUP_ACTIVATE_MS, GROUP_GRACE_MS, GROUP_KEY_LIFETIME_S } from './constants.js';
import { encodeGrant, type GroupGrant } from './grant.js';
import { assertGroupId } from './keys.js';

/** @group Multicast and discovery */
export interface GroupManagerOptions {
  readonly suite: CryptoSuite;
  readonly gid: number;
  readonly activateMs?: number;
  readonly graceMs?: number;
  readonly lifetimeS?: number;
  /** The controller of the signed tier: a member id (usually the hub's) and its Ed25519 public key. */
  readonly controller?: { readonly id: string; readonly publicKey: Uint8Array };
}

/** @group Multicast and discovery */
export class GroupManager {
  private gen = 0;
  private key: Uint8Array;
  private readonly members = new Map<string, number>();
  /** Members given the current generation already: a second grant to one of them is a re-grant [SW-19.5-11]. */
  private readonly granted = new Set<string>();
  private nextMember = 1;
  /** The highest sender epoch seen from each member in this group, for its next grant [SW-19.3-4]. */
  private readonly epochs = new Map<string, number>();

  constructor(private o: GroupManagerOptions) {
    assertGroupId(o.gid);
    this.key = o.suite.randomBytes(KEY_LEN);
    if (o.controller !== undefined) this.add(o.controller.id);
  }

  /**
   * The whole state as bytes (it holds the group key: keep it where the site key is kept): GEN,
   * key, member numbers, who holds the current generation, the epochs seen. Options are not in it.
   */
  toBytes(): Uint8Array {
    const enc = new TextEncoder();
    const out: number[] = [1, this.o.gid >>> 8, this.o.gid & 0xff, this.gen, ...this.key, this.nextMember >>> 8, this.nextMember & 0xff];
    const str = (id: string) => out.push(id.length, ...enc.encode(id));
    const u16 = (v: number) => out.push(v >>> 8, v & 0xff);
    const u32 = (v: number) => out.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    u16(this.members.size);
    for (const [id, m] of this.members) (str(id), u16(m));
    u16(this.granted.size);
    for (const id of this.granted) str(id);
    u16(this.epochs.size);
    for (const [id, e] of this.epochs) (str(id), u32(e));
    return Uint8Array.from(out);
  }

  /** A manager from toBytes() and the same options; throws InvalidArgumentError if the bytes are not one. */
  static fromBytes(b: Uint8Array, o: GroupManagerOptions): GroupManager {
    const bad = () => new InvalidArgumentError('not a saved group manager');
    let i = 0;
    const need = (n: number) => {
      if (i + n > b.length) throw bad();
    };
    const u8 = () => (need(1), b[i++]!);
    const u16 = () => (u8() << 8) | u8();
    const u32 = () => ((u16() << 16) >>> 0) + u16();
    const str = () => {
      const n = u8();
      need(n);
      const id = new TextDecoder().decode(b.subarray(i, (i += n)));
      assertNodeId(id);
      return id;
    };
    if (u8() !== 1 || u16() !== o.gid) throw bad();
    const m = new GroupManager({ ...o, controller: undefined });
    m.gen = u8();
    need(KEY_LEN);
    m.key = b.slice(i, (i += KEY_LEN));
    m.nextMember = u16();
    for (let n = u16(); n > 0; n--) m.members.set(str(), u16());
    for (let n = u16(); n > 0; n--) m.granted.add(str());
    for (let n = u16(); n > 0; n--) m.epochs.set(str(), u32());
    if (i !== b.length) throw bad();
    m.o = o; // the controller, if any, is a member already (restored above)
    return m;
  }

  get gid(): number {
    return this.o.gid;
  }

  get generation(): number {
    return this.gen;
  }

  /** Adds a member (or returns its number). Joining needs no rotation unless backward secrecy is wanted. */
  add(id: string): number {
    assertNodeId(id);
    let m = this.members.get(id);
    if (m === undefined) {
      if (this.nextMember > 0xffff) throw new InvalidArgumentError('member numbers exhausted: start a new group id');
      this.members.set(id, (m = this.nextMember++));
    }
    return m;
  }

  /** Records that member number `member` sent under `epoch` (the hub receives its own groups). */
  observe(member: number, epoch: number): void {
    for (const [id, m] of this.members) {
      if (m === member && epoch > (this.epochs.get(id) ?? 0)) this.epochs.set(id, epoch);
    }
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  ids(): string[] {
    return [...this.members.keys()];
  }

  /** The grant of the current generation for member `id` [SW-19.3-1]. */
  grantFor(id: string): GroupGrant {
    const member = this.members.get(id);
    if (member === undefined) throw new InvalidArgumentError(`${id} is not a member of group ${this.o.gid}`);
    const regrant = this.granted.has(id);
    this.granted.add(id);
    const c = this.o.controller;
    return {
      gid: this.o.gid,
      gen: this.gen,
      member,
      key: this.key.slice(),
      activateMs: this.o.activateMs ?? GROUP_ACTIVATE_MS,
      graceMs: this.o.graceMs ?? GROUP_GRACE_MS,
      lifetimeS: this.o.lifetimeS ?? GROUP_KEY_LIFETIME_S,
      regrant,
      epochFloor: this.epochs.get(id) ?? 0,
      ...(c !== undefined && { controller: { member: this.members.get(c.id)!, publicKey: c.publicKey } }),
    };
  }

  /**
   * Forgets that `id` was given the current generation: a grant pushed to it did not arrive, so
   * the next one is not a re-grant (R marks a member that lost what it had, [SW-19.5-11]).
   */
  forget(id: string): void {
    this.granted.delete(id);
  }

  /** grantFor() as the bytes of 19.3, to send over unicast (an RPC parameter, for instance). */
  grantBytesFor(id: string): Uint8Array {
    return encodeGrant(this.grantFor(id));
  }

  /**
   * Removes `id` and rotates [SW-19.8-1]: a new random key under generation + 1 (mod 256). Returns
   * the grants of every remaining member, to deliver at once; the removed member gets none.
   */
  remove(id: string): Map<string, GroupGrant> {
    if (this.o.controller?.id === id) throw new InvalidArgumentError('the controller cannot be removed; make a new group');
    if (!this.members.delete(id)) throw new InvalidArgumentError(`${id} is not a member of group ${this.o.gid}`);
    this.epochs.delete(id);
    return this.rotate();
  }

  /** A new generation with a fresh key; grants for every member. */
  rotate(): Map<string, GroupGrant> {
    this.key.fill(0);
    this.key = this.o.suite.randomBytes(KEY_LEN);
    this.gen = (this.gen + 1) & 0xff;
    this.granted.clear();
    return new Map(this.ids().map((id) => [id, this.grantFor(id)]));
  }
}
