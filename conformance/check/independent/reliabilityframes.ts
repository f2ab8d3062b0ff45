// Frames of spec 14.2 (MSG, ACK, FORWARD, SLEEP), written from the spec text only.
// Contract: parseRelFrames(p) returns the decoded frames of a plaintext made only of section-14
// frames, or null when the whole plaintext must be discarded (MALFORMED_INNER, [SW-14.2-6]):
// a truncated frame, a MSG breaking [SW-14.2-1], an ACK breaking [SW-14.2-4], a FORWARD with FLOOR 0,
// a SLEEP breaking [SW-14.2-5], more than one ACK, FORWARD or SLEEP, the reserved types 0x0a/0x0b
// ([SW-4.7-1]) or any other type. encodeRelFrame() is the inverse for valid frames.
// Output shape (conformance/README.md, RelFrameTest): MSG { type, channel, id?, prev?, frag?, data }
// with data in hex; ACK { type, cum, window, delay, ranges: [{ start, end }] } with `end` exclusive
// (one past the last id of the range); FORWARD { type, floor }; SLEEP { type, wakeIntervalMs, awakeMs }.
import { concat, fromHex, readU32, toHex, u32, u8 } from './bytes.js';

export const FRAME_MSG = 0x06; // 20.3
export const FRAME_ACK = 0x07;
export const FRAME_FORWARD = 0x08;
export const FRAME_SLEEP = 0x09;
export const FLAG_R = 0x01;
export const FLAG_O = 0x02;
export const FLAG_F = 0x04;
export const MSG_MAX_HEADER_LEN = 21;
export const ACK_FIXED_LEN = 10;
export const ACK_RANGE_LEN = 4;
export const FORWARD_FRAME_LEN = 5;
export const SLEEP_FRAME_LEN = 9;
export const MAX_MESSAGE_ID = 0xffffffff;

export interface MsgFrame { type: 'MSG'; channel: number; id?: number; prev?: number; frag?: { index: number; count: number; total: number }; data: string }
export interface AckFrame { type: 'ACK'; cum: number; window: number; delay: number; ranges: { start: number; end: number }[] }
export interface ForwardFrame { type: 'FORWARD'; floor: number }
export interface SleepFrame { type: 'SLEEP'; wakeIntervalMs: number; awakeMs: number }
export type RelFrame = MsgFrame | AckFrame | ForwardFrame | SleepFrame;

const u16 = (x: number): Uint8Array => {
  if (!Number.isInteger(x) || x < 0 || x > 0xffff) throw new Error(`u16 out of range: ${x}`);
  return Uint8Array.of(x >> 8, x & 0xff);
};
const readU16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

/** Length in bytes of the MSG frame for these fields (header + data). */
export function msgFrameLen(reliable: boolean, ordered: boolean, fragment: boolean, dataLen: number): number {
  return 3 + (reliable ? 4 : 0) + (ordered ? 4 : 0) + (fragment ? 8 : 0) + 2 + dataLen;
}

export function parseRelFrames(p: Uint8Array): RelFrame[] | null {
  const out: RelFrame[] = [];
  const seen = new Set<string>();
  let i = 0;
  const need = (n: number): boolean => p.length - i >= n;
  while (i < p.length) {
    const type = p[i];
    if (type === FRAME_MSG) {
      if (!need(3)) return null;
      const flags = p[i + 1], channel = p[i + 2];
      let o = i + 3;
      if (flags & 0xf8) return null; // bits 3-7
      const R = (flags & FLAG_R) !== 0, O = (flags & FLAG_O) !== 0, F = (flags & FLAG_F) !== 0;
      if ((O || F) && !R) return null;
      const hdr = msgFrameLen(R, O, F, 0);
      if (p.length - i < hdr) return null;
      const f: MsgFrame = { type: 'MSG', channel, data: '' };
      let id = 0, prev = 0, index = 0;
      if (R) { id = readU32(p, o); o += 4; if (id === 0) return null; f.id = id; }
      if (O) { prev = readU32(p, o); o += 4; f.prev = prev; }
      let count = 0, total = 0;
      if (F) {
        index = readU16(p, o); count = readU16(p, o + 2); total = readU32(p, o + 4); o += 8;
        f.frag = { index, count, total };
      }
      const len = readU16(p, o); o += 2;
      if (p.length - o < len) return null; // truncated DATA
      if (O && !(prev < id - index)) return null; // PREV below the first id of its message
      if (F && !(count >= 2 && index < count && index <= id - 1 && total >= count && len >= 1 && len <= total)) return null;
      // PREV < ID - INDEX is stated for every MSG; for an unordered one PREV is absent (no check).
      f.data = toHex(p.subarray(o, o + len));
      out.push(f);
      i = o + len;
    } else if (type === FRAME_ACK) {
      if (!need(ACK_FIXED_LEN)) return null;
      if (seen.has('ACK')) return null;
      seen.add('ACK');
      const cum = readU32(p, i + 1), window = readU16(p, i + 5), delay = readU16(p, i + 7), n = p[i + 9];
      if (cum === 0) return null;
      if (!need(ACK_FIXED_LEN + ACK_RANGE_LEN * n)) return null;
      const ranges: { start: number; end: number }[] = [];
      let edge = cum; // start_1 = CUM + GAP_1; start_k = end_{k-1} + GAP_k
      for (let k = 0; k < n; k++) {
        const gap = readU16(p, i + 10 + 4 * k), len = readU16(p, i + 12 + 4 * k);
        if (gap < 1 || len < 1) return null;
        const start = edge + gap, end = start + len;
        if (end - 1 > MAX_MESSAGE_ID) return null;
        ranges.push({ start, end });
        edge = end;
      }
      out.push({ type: 'ACK', cum, window, delay, ranges });
      i += ACK_FIXED_LEN + ACK_RANGE_LEN * n;
    } else if (type === FRAME_FORWARD) {
      if (!need(FORWARD_FRAME_LEN)) return null;
      if (seen.has('FORWARD')) return null;
      seen.add('FORWARD');
      const floor = readU32(p, i + 1);
      if (floor === 0) return null;
      out.push({ type: 'FORWARD', floor });
      i += FORWARD_FRAME_LEN;
    } else if (type === FRAME_SLEEP) {
      if (!need(SLEEP_FRAME_LEN)) return null;
      if (seen.has('SLEEP')) return null;
      seen.add('SLEEP');
      const wakeIntervalMs = readU32(p, i + 1), awakeMs = readU32(p, i + 5);
      if ((wakeIntervalMs === 0) !== (awakeMs === 0)) return null;
      out.push({ type: 'SLEEP', wakeIntervalMs, awakeMs });
      i += SLEEP_FRAME_LEN;
    } else {
      return null; // 0x0a/0x0b reserved, anything else outside this section's plaintexts
    }
  }
  return out;
}

export function encodeRelFrame(f: RelFrame): Uint8Array {
  switch (f.type) {
    case 'MSG': {
      const R = f.id !== undefined, O = f.prev !== undefined, F = f.frag !== undefined;
      const data = fromHex(f.data, 'MSG data');
      return concat(
        u8(FRAME_MSG), u8((R ? FLAG_R : 0) | (O ? FLAG_O : 0) | (F ? FLAG_F : 0)), u8(f.channel),
        R ? u32(f.id!) : new Uint8Array(0), O ? u32(f.prev!) : new Uint8Array(0),
        F ? concat(u16(f.frag!.index), u16(f.frag!.count), u32(f.frag!.total)) : new Uint8Array(0),
        u16(data.length), data,
      );
    }
    case 'ACK': {
      const parts = [u8(FRAME_ACK), u32(f.cum), u16(f.window), u16(f.delay), u8(f.ranges.length)];
      let edge = f.cum;
      for (const r of f.ranges) { parts.push(u16(r.start - edge), u16(r.end - r.start)); edge = r.end; }
      return concat(...parts);
    }
    case 'FORWARD': return concat(u8(FRAME_FORWARD), u32(f.floor));
    case 'SLEEP': return concat(u8(FRAME_SLEEP), u32(f.wakeIntervalMs), u32(f.awakeMs));
  }
}
