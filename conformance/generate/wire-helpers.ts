/** SDK functions the open-vector generator uses, plus a raw u32 writer for out-of-range headers. */
export { deriveDeviceKey, deriveTrafficKey, encodeFrames, encodeFullHeader, encodeShortHeader, sealDatagram } from '../../src/core.js';

/** Writes a u32 into a header, bypassing the encoder's checks, to build datagrams a sender must not send. */
export function writeU32ForVectors(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}
