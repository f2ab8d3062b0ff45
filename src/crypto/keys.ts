/**
 * The key hierarchy of spec 3: site key → device keys → traffic keys. Every input is checked;
 * the `info` strings are canonical because ids are length-prefixed and integers fixed-width.
 * @module
 */
import { BOOT_LEN, KEY_LEN, LABEL_DEVICE_KEY, LABEL_TRAFFIC_KEY, MAX_GENERATION } from '../constants.js';
import { InvalidArgumentError, InvalidKeyError } from '../errors.js';
import { ascii, concat, u32 } from '../util/bytes.js';
import { assertNodeId, lengthPrefixed } from '../wire/node-id.js';
import { hkdf } from './hkdf.js';
import type { CryptoSuite } from './suite.js';

const DEVICE_SALT = ascii(LABEL_DEVICE_KEY);
const TRAFFIC_SALT = ascii(LABEL_TRAFFIC_KEY);

/** Throws InvalidKeyError unless `key` is a 32-byte Uint8Array. */
export function assertKey(key: unknown, what = 'key'): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LEN) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new InvalidKeyError(`${what} must be ${KEY_LEN} bytes, got ${got}`);
  }
}

/** Throws InvalidKeyError unless `gen` is an integer in 0..255 (spec 3.6). */
export function assertGeneration(gen: unknown): asserts gen is number {
  if (typeof gen !== 'number' || !Number.isInteger(gen) || gen < 0 || gen > MAX_GENERATION) {
    throw new InvalidKeyError(`generation must be an integer in [0, ${MAX_GENERATION}], got ${String(gen)}`);
  }
}

/** `info` of a device key: lp(D) || u8(gen). */
export function deviceKeyInfo(deviceId: string, gen: number): Uint8Array {
  assertNodeId(deviceId);
  assertGeneration(gen);
  return concat(lengthPrefixed(deviceId), Uint8Array.of(gen));
}

/**
 * DK(D, g) = HKDF("saltwire/v1 device key", SK, lp(D) || u8(g), 32) [SW-3.4-1]: device D's key,
 * which it shares with the hubs of its site (`saltwire derive`).
 *
 * @example
 * ```ts
 * import { defaultCryptoSuite, deriveDeviceKey, toHex } from 'saltwire';
 *
 * console.log(toHex(deriveDeviceKey(defaultCryptoSuite(), siteKey, 'sensor-1', 0)));
 * ```
 * @group Start here
 */
export function deriveDeviceKey(suite: CryptoSuite, siteKey: Uint8Array, deviceId: string, gen: number): Uint8Array {
  assertKey(siteKey, 'site key');
  return hkdf(suite, DEVICE_SALT, siteKey, deviceKeyInfo(deviceId, gen), KEY_LEN);
}

/** `info` of a traffic key: lp(S) || lp(R) || u32(epoch) || boot (8 bytes). */
export function trafficKeyInfo(senderId: string, receiverId: string, epoch: number, boot: Uint8Array): Uint8Array {
  assertNodeId(senderId);
  assertNodeId(receiverId);
  if (senderId === receiverId) throw new InvalidArgumentError('sender and receiver ids must differ [SW-3.5-3]');
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) {
    throw new InvalidArgumentError(`epoch must be a 32-bit unsigned integer, got ${epoch}`);
  }
  if (!(boot instanceof Uint8Array) || boot.length !== BOOT_LEN) throw new InvalidArgumentError(`boot must be ${BOOT_LEN} bytes`);
  return concat(lengthPrefixed(senderId), lengthPrefixed(receiverId), u32(epoch), boot);
}

/**
 * TK(S → R, epoch, boot) = HKDF("saltwire/v1 traffic key", PK, lp(S) || lp(R) || u32(epoch) || boot, 32)
 * [SW-3.5-1]. `boot` is the sender's random per-start value ([SW-5.2-6]): with it, two starts of a
 * sender never share a key, whatever became of its stored epoch.
 */
export function deriveTrafficKey(
  suite: CryptoSuite,
  pairKey: Uint8Array,
  senderId: string,
  receiverId: string,
  epoch: number,
  boot: Uint8Array,
): Uint8Array {
  assertKey(pairKey, 'pair key');
  return hkdf(suite, TRAFFIC_SALT, pairKey, trafficKeyInfo(senderId, receiverId, epoch, boot), KEY_LEN);
}

/**
 * A new random 32-byte key (site key or provisioned pair key) [SW-3.3-1] (`saltwire keygen`).
 *
 * @example
 * ```ts
 * import { defaultCryptoSuite, generateKey } from 'saltwire';
 *
 * const siteKey = generateKey(defaultCryptoSuite());
 * ```
 * @group Start here
 */
export function generateKey(suite: CryptoSuite): Uint8Array {
  return suite.randomBytes(KEY_LEN);
}
