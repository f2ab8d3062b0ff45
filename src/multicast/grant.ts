/**
 * The group key grant (spec 19.3): what a hub gives a member over the secured unicast channel so
 * that it can send and receive in one generation of a group. Opaque bytes to the unicast layers.
 * @module
 */
import { KEY_LEN } from '../constants.js';
import { assertGeneration, assertKey } from '../crypto/keys.js';
import { InvalidArgumentError } from '../errors.js';
import { readU32, writeU32 } from '../util/bytes.js';
import { GRANT_VERSION, PUBLIC_KEY_LEN } from './constants.js';
import { assertGroupId, assertMember } from './keys.js';

/** @group Multicast and discovery */
export interface GroupGrant {
  readonly gid: number;
  readonly gen: number;
  /** The member number the receiver of the grant sends as. */
  readonly member: number;
  readonly key: Uint8Array;
  /** Delay from receipt to sending under this generation, ms [SW-19.8-2]. */
  readonly activateMs: number;
  /** How long the previous generation stays accepted after the switch, ms [SW-19.8-3]. */
  readonly graceMs: number;
  /** The key's lifetime from receipt, s [SW-19.8-5]. */
  readonly lifetimeS: number;
  /**
   * The highest sender epoch the hub saw from this member in the group: the member sends under a
   * higher one [SW-19.3-4], so a member that lost its stored epoch is not refused as stale.
   */
  readonly epochFloor: number;
  /** Set when the hub granted this generation to this member before: its store was lost [SW-19.5-11]. */
  readonly regrant: boolean;
  /** The signed tier's controller: its member number and Ed25519 public key. */
  readonly controller?: { readonly member: number; readonly publicKey: Uint8Array };
}

const FLAG_REGRANT = 0x01;
const FLAG_CONTROLLER = 0x02;
/** VERSION, FLAGS, GID, GEN, MEMBER, ACTIVATE, GRACE, LIFETIME, EPOCH_FLOOR (23 bytes), then the key. */
const KEY_AT = 23;
const FIXED = KEY_AT + KEY_LEN;

export function encodeGrant(g: GroupGrant): Uint8Array {
  assertGroupId(g.gid);
  assertGeneration(g.gen);
  assertMember(g.member);
  assertKey(g.key, 'group key');
  for (const [n, v] of [['activateMs', g.activateMs], ['graceMs', g.graceMs], ['lifetimeS', g.lifetimeS], ['epochFloor', g.epochFloor]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${n} must be a 32-bit unsigned integer`);
  }
  if (g.controller !== undefined) {
    assertMember(g.controller.member);
    if (g.controller.publicKey.length !== PUBLIC_KEY_LEN) throw new InvalidArgumentError('controller public key must be 32 bytes');
  }
  const b = new Uint8Array(FIXED + (g.controller === undefined ? 0 : 2 + PUBLIC_KEY_LEN));
  b[0] = GRANT_VERSION;
  b[1] = (g.regrant ? FLAG_REGRANT : 0) | (g.controller !== undefined ? FLAG_CONTROLLER : 0);
  b[2] = g.gid >>> 8;
  b[3] = g.gid & 0xff;
  b[4] = g.gen;
  b[5] = g.member >>> 8;
  b[6] = g.member & 0xff;
  writeU32(b, 7, g.activateMs);
  writeU32(b, 11, g.graceMs);
  writeU32(b, 15, g.lifetimeS);
  writeU32(b, 19, g.epochFloor);
  b.set(g.key, KEY_AT);
  if (g.controller !== undefined) {
    b[FIXED] = g.controller.member >>> 8;
    b[FIXED + 1] = g.controller.member & 0xff;
    b.set(g.controller.publicKey, FIXED + 2);
  }
  return b;
}

/** Decodes a grant [SW-19.3-2]; undefined if it is not exactly one well-formed grant. */
export function decodeGrant(b: Uint8Array): GroupGrant | undefined {
  if (b.length < FIXED || b[0] !== GRANT_VERSION) return undefined;
  const flags = b[1]!;
  if ((flags & ~(FLAG_REGRANT | FLAG_CONTROLLER)) !== 0) return undefined;
  const hasController = (flags & FLAG_CONTROLLER) !== 0;
  if (b.length !== FIXED + (hasController ? 2 + PUBLIC_KEY_LEN : 0)) return undefined;
  const gid = (b[2]! << 8) | b[3]!;
  const member = (b[5]! << 8) | b[6]!;
  if (gid === 0 || member === 0) return undefined;
  let controller: GroupGrant['controller'];
  if (hasController) {
    const cm = (b[FIXED]! << 8) | b[FIXED + 1]!;
    if (cm === 0) return undefined;
    controller = { member: cm, publicKey: b.slice(FIXED + 2, FIXED + 2 + PUBLIC_KEY_LEN) };
  }
  return {
    gid,
    gen: b[4]!,
    member,
    activateMs: readU32(b, 7),
    graceMs: readU32(b, 11),
    lifetimeS: readU32(b, 15),
    epochFloor: readU32(b, 19),
    key: b.slice(KEY_AT, FIXED),
    regrant: (flags & FLAG_REGRANT) !== 0,
    ...(controller !== undefined && { controller }),
  };
}
