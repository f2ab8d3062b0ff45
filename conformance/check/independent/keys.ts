// Node ids (3.2), device keys (3.4) and traffic keys (3.5).
// Contract: every function that derives a key refuses (throws RefusedError) for an invalid node id
// [SW-3.2-2], a generation outside 0..255 (3.6), an epoch outside u32, a key that is not 32 bytes, a
// BOOT value that is not BOOT_LEN (8) bytes (3.5, 4.3), or a traffic key whose sender and receiver
// are the same node id [SW-3.5-3].
import { ascii, concat, isUint, u32, u8 } from './bytes.js';
import { BOOT_LEN, KEY_LEN, LABEL_DEVICE_KEY, LABEL_TRAFFIC_KEY, MAX_GENERATION, MAX_ID_LEN, MIN_ID_LEN } from './constants.js';
import { hkdf } from './primitives.js';

/** Thrown when the spec requires an implementation to refuse an operation. */
export class RefusedError extends Error {}

const ID_CHAR = /^[A-Za-z0-9_-]*$/;

/** [SW-3.2-1]: 1..32 characters from A-Z a-z 0-9 _ - (ASCII only; compared byte for byte). */
export function isValidNodeId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= MIN_ID_LEN && id.length <= MAX_ID_LEN && ID_CHAR.test(id);
}

/** Same rule on raw header bytes (step 5 of [SW-6.1-9]). */
export function isValidNodeIdBytes(b: Uint8Array): boolean {
  if (b.length < MIN_ID_LEN || b.length > MAX_ID_LEN) return false;
  for (const c of b) {
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
    if (!ok) return false;
  }
  return true;
}

function requireId(id: unknown, what: string): asserts id is string {
  if (!isValidNodeId(id)) throw new RefusedError(`${what} ${JSON.stringify(id)} violates [SW-3.2-1]`);
}

function requireKey(k: Uint8Array, what: string): void {
  if (k.length !== KEY_LEN) throw new RefusedError(`${what} must be ${KEY_LEN} bytes, got ${k.length}`);
}

/** lp(s) = u8(len(s)) || s (1.4). */
export function lp(id: string): Uint8Array {
  return concat(u8(id.length), ascii(id));
}

/** info of DK: lp(D) || u8(g) [SW-3.4-1]. */
export function deviceKeyInfo(deviceId: unknown, gen: unknown): Uint8Array {
  requireId(deviceId, 'device id');
  if (!isUint(gen, MAX_GENERATION)) throw new RefusedError(`generation ${gen} outside 0..255`);
  return concat(lp(deviceId), u8(gen));
}

/** DK(D, g) = HKDF("saltwire/v1 device key", SK, lp(D) || u8(g), 32) [SW-3.4-1]. */
export function deviceKey(siteKey: Uint8Array, deviceId: unknown, gen: unknown): Uint8Array {
  requireKey(siteKey, 'site key');
  return hkdf(ascii(LABEL_DEVICE_KEY), siteKey, deviceKeyInfo(deviceId, gen), KEY_LEN);
}

/** info of TK: lp(S) || lp(R) || u32(epoch) || boot, sender first [SW-3.5-2]; boot is the 8 raw bytes (3.5). */
export function trafficKeyInfo(sender: unknown, receiver: unknown, epoch: unknown, boot: Uint8Array): Uint8Array {
  requireId(sender, 'sender id');
  requireId(receiver, 'receiver id');
  if (sender === receiver) throw new RefusedError(`sender and receiver are both ${JSON.stringify(sender)}: S and R MUST differ [SW-3.5-3]`);
  if (!isUint(epoch, 0xffffffff)) throw new RefusedError(`epoch ${epoch} outside u32`);
  if (boot.length !== BOOT_LEN) throw new RefusedError(`BOOT of ${boot.length} bytes, not ${BOOT_LEN} (3.5, 4.3)`);
  return concat(lp(sender), lp(receiver), u32(epoch), boot);
}

/** TK(S → R, epoch, boot) = HKDF("saltwire/v1 traffic key", PK, info, 32) [SW-3.5-1]. */
export function trafficKey(pairKey: Uint8Array, sender: unknown, receiver: unknown, epoch: unknown, boot: Uint8Array): Uint8Array {
  requireKey(pairKey, 'pair key');
  return hkdf(ascii(LABEL_TRAFFIC_KEY), pairKey, trafficKeyInfo(sender, receiver, epoch, boot), KEY_LEN);
}
