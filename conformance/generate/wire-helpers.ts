/** SDK functions the open-vector generator uses, plus raw writers for datagrams a sender must refuse. */
import { hkdfExpand, hkdfExtract, type CryptoSuite } from '../../src/core.js';

export { deriveDeviceKey, deriveTrafficKey, encodeFrames, encodeFullHeader, encodeShortHeader, sealDatagram } from '../../src/core.js';

/**
 * TK(S → S, epoch, boot) per the formula of spec 3.5 with S = R, which deriveTrafficKey refuses
 * [SW-3.5-3]: the key a receiver without the S = R check would derive for a self-addressed datagram.
 */
export function selfTrafficKeyForVectors(suite: CryptoSuite, pairKey: Uint8Array, id: string, epoch: number, boot: Uint8Array): Uint8Array {
  const lp = [id.length, ...new TextEncoder().encode(id)];
  const info = Uint8Array.from([...lp, ...lp, epoch >>> 24, (epoch >>> 16) & 0xff, (epoch >>> 8) & 0xff, epoch & 0xff, ...boot]);
  return hkdfExpand(suite, hkdfExtract(suite, new TextEncoder().encode('saltwire/v1 traffic key'), pairKey), info, 32);
}

/** Writes a u32 into a header, bypassing the encoder's checks, to build datagrams a sender must not send. */
export function writeU32ForVectors(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}
