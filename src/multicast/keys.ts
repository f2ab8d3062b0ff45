/**
 * Key derivations of spec 19.2: a group key from the site key, per-sender keys from a group key,
 * and the discovery keys from a pair key. Every input is fixed-width or length-prefixed, so each
 * `info` has one reading.
 * @module
 */
import { BOOT_LEN, KEY_LEN, LABEL_GROUP_KEY } from '../constants.js';
import { hkdf } from '../crypto/hkdf.js';
import { assertGeneration, assertKey } from '../crypto/keys.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import { ascii, concat, u32 } from '../util/bytes.js';
import { assertNodeId, lengthPrefixed } from '../wire/node-id.js';
import { LABEL_DISCOVERY_ANNOUNCE, LABEL_DISCOVERY_SCOUT, LABEL_GROUP_SENDER_KEY } from './constants.js';

const GROUP_SALT = ascii(LABEL_GROUP_KEY);
const SENDER_SALT = ascii(LABEL_GROUP_SENDER_KEY);
const SCOUT_SALT = ascii(LABEL_DISCOVERY_SCOUT);
const ANNOUNCE_SALT = ascii(LABEL_DISCOVERY_ANNOUNCE);

export function u16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}

/** Throws unless `gid` is a group id, 1 to 65535 [SW-19.2-1]. */
export function assertGroupId(gid: unknown): asserts gid is number {
  if (typeof gid !== 'number' || !Number.isInteger(gid) || gid < 1 || gid > 0xffff) {
    throw new InvalidArgumentError(`group id must be an integer in [1, 65535], got ${String(gid)}`);
  }
}

/** Throws unless `member` is a member number, 1 to 65535 [SW-19.2-3]. */
export function assertMember(member: unknown): asserts member is number {
  if (typeof member !== 'number' || !Number.isInteger(member) || member < 1 || member > 0xffff) {
    throw new InvalidArgumentError(`member number must be an integer in [1, 65535], got ${String(member)}`);
  }
}

/** GK(GID, GEN) = HKDF(LABEL_GROUP_KEY, SK, u16(GID) || u8(GEN), 32): a site-derived group key [SW-19.2-2]. */
export function deriveSiteGroupKey(suite: CryptoSuite, siteKey: Uint8Array, gid: number, gen: number): Uint8Array {
  assertKey(siteKey, 'site key');
  assertGroupId(gid);
  assertGeneration(gen);
  return hkdf(suite, GROUP_SALT, siteKey, concat(u16(gid), Uint8Array.of(gen)), KEY_LEN);
}

/** `info` of a sender key: u16(GID) || u8(GEN) || u16(MEMBER) || u32(EPOCH) || BOOT. */
export function senderKeyInfo(gid: number, gen: number, member: number, epoch: number, boot: Uint8Array): Uint8Array {
  assertGroupId(gid);
  assertGeneration(gen);
  assertMember(member);
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > 0xffffffff) throw new InvalidArgumentError(`epoch must be in [1, 2^32-1], got ${epoch}`);
  if (!(boot instanceof Uint8Array) || boot.length !== BOOT_LEN) throw new InvalidArgumentError(`boot must be ${BOOT_LEN} bytes`);
  return concat(u16(gid), Uint8Array.of(gen), u16(member), u32(epoch), boot);
}

/** SGK = HKDF(LABEL_GROUP_SENDER_KEY, GK, senderKeyInfo, 32) [SW-19.2-4]. */
export function deriveSenderKey(
  suite: CryptoSuite,
  groupKey: Uint8Array,
  gid: number,
  gen: number,
  member: number,
  epoch: number,
  boot: Uint8Array,
): Uint8Array {
  assertKey(groupKey, 'group key');
  return hkdf(suite, SENDER_SALT, groupKey, senderKeyInfo(gid, gen, member, epoch, boot), KEY_LEN);
}

/** The two discovery keys of a scouting node D at pair-key generation g [SW-19.2-6]. */
export interface DiscoveryKeys {
  /** Seals D's SCOUTs. */
  readonly scout: Uint8Array;
  /** Seals the ANNOUNCEs that answer them. */
  readonly announce: Uint8Array;
}

/** DSK and DAK = HKDF(label, PK, lp(D) || u8(g), 32), PK the pair key D holds for its hubs. */
export function deriveDiscoveryKeys(suite: CryptoSuite, pairKey: Uint8Array, scouterId: string, gen: number): DiscoveryKeys {
  assertKey(pairKey, 'pair key');
  assertNodeId(scouterId);
  assertGeneration(gen);
  const info = concat(lengthPrefixed(scouterId), Uint8Array.of(gen));
  return { scout: hkdf(suite, SCOUT_SALT, pairKey, info, KEY_LEN), announce: hkdf(suite, ANNOUNCE_SALT, pairKey, info, KEY_LEN) };
}
