/**
 * Hedged ephemeral keys (spec 13.3) and the all-zero check of X25519 outputs (spec 13.2).
 * Pure: the random bytes are an argument, so a weak RNG can be modelled and vectors are fixed.
 * @module
 */
import { COUNTER_LIMIT, KEY_LEN } from '../../constants.js';
import { hmacSha512 } from '../../crypto/hkdf.js';
import { assertKey } from '../../crypto/keys.js';
import type { CryptoSuite } from '../../crypto/suite.js';
import { InvalidArgumentError } from '../../errors.js';
import { ascii, concat, u32 } from '../../util/bytes.js';
import { assertNodeId, lengthPrefixed } from '../../wire/node-id.js';
import { DH_LEN, LABEL_EPHEMERAL } from './constants.js';

/** A node's handshake timestamp: its persisted epoch (spec 5.2) and its handshake counter in that epoch. */
export interface Timestamp {
  readonly epoch: number;
  readonly counter: number;
}

export interface EphemeralKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Throws InvalidArgumentError unless `t` is a timestamp a node may use: epoch ≥ 1, counter < COUNTER_LIMIT. */
export function assertTimestamp(t: Timestamp, what = 'timestamp'): void {
  const ok =
    Number.isInteger(t.epoch) && t.epoch >= 1 && t.epoch <= 0xffffffff && Number.isInteger(t.counter) && t.counter >= 0 && t.counter < COUNTER_LIMIT;
  if (!ok) throw new InvalidArgumentError(`${what} must have epoch in [1, 2^32-1] and counter in [0, 2^32-2]`);
}

/** True if `a` is later than `b` in (epoch, counter) order; anything is later than nothing [SW-13.6-2]. */
export function timestampAfter(a: Timestamp, b: Timestamp | undefined): boolean {
  if (b === undefined) return true;
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.counter > b.counter);
}

/**
 * e.priv = HMAC(psk, "saltwire/v1 ephemeral" || lp(self) || u32(epoch) || u32(counter) || rnd)[0..32)
 * [SW-13.3-1]. Unique per (node, epoch, counter) even if `rnd` repeats, unpredictable while `rnd` is
 * good or the pair key is secret.
 */
export function hedgedEphemeral(
  suite: CryptoSuite,
  psk: Uint8Array,
  selfId: string,
  stamp: Timestamp,
  rnd: Uint8Array,
): Uint8Array {
  assertKey(psk, 'pair key');
  assertNodeId(selfId);
  assertTimestamp(stamp, 'hedge');
  if (rnd.length !== KEY_LEN) throw new InvalidArgumentError(`random input must be ${KEY_LEN} bytes`);
  const msg = concat(ascii(LABEL_EPHEMERAL), lengthPrefixed(selfId), u32(stamp.epoch), u32(stamp.counter), rnd);
  return hmacSha512(suite, psk, msg).slice(0, DH_LEN);
}

/** The key pair of a 32-byte private key: public = X25519(priv, 9). */
export function ephemeralKeyPair(suite: CryptoSuite, privateKey: Uint8Array): EphemeralKeyPair {
  if (privateKey.length !== DH_LEN) throw new InvalidArgumentError(`ephemeral private key must be ${DH_LEN} bytes`);
  return { privateKey: privateKey.slice(), publicKey: suite.scalarMultBase(privateKey) };
}

/** True if every byte of `x` is zero, without an early exit [SW-13.2-1]. */
export function isAllZero(x: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < x.length; i++) acc |= x[i]!;
  return acc === 0;
}
