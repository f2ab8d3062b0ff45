// Frames of spec 14.2 (MSG, ACK, FORWARD, SLEEP), written from the spec text only.
// Contract: parseRelFrames(p) returns the decoded frames of a plaintext made only of section-14
// frames, or null when the whole plaintext must be discarded (MALFORMED_INNER, [SW-14.2-6]):
// a truncated frame, a MSG breaking [SW-14.2-8] or [SW-14.2-10], an ACK breaking [SW-14.2-4], a FORWARD with FLOOR 0,
// a SLEEP breaking [SW-14.2-5], more than one ACK, FORWARD or SLEEP, the reserved types 0x06, 0x0a,
// 0x0b ([SW-4.7-5]) or any other type. A MSG is every type with bit 7 set [SW-14.2-8]. encodeRelFrame() is the inverse for valid frames.
// Output shape (conformance/README.md, RelFrameTest): MSG { type, channel, id?, prev?, frag?, data }
// with data in hex; ACK { type, cum, window, delay, ranges: [{ start, end }] } with `end` exclusive
// (one past the last id of the range); FORWARD { type, floor }; SLEEP { type, wakeIntervalMs, awakeMs }.
import { concat, fromHex, readU32, toHex, u32, u8 } from './bytes.js';
import { readUvar, writeUvar } from './messageops.js';

export const FRAME_MSG = 0x80; // every type with bit 7 set: 1 L C C C F O R [SW-14.2-8]
export const FRAME_ACK = 0x07;
export const FRAME_FORWARD = 0x08;
export const FRAME_SLEEP = 0x09;
export const FLAG_R = 0x01;
export const FLAG_O = 0x02;
export const FLAG_F = 0x04;
export const FLAG_L = 0x40;
export const CH_ESCAPE = 7;
export const MSG_MAX_HEADER_LEN = 26; // accounted: 5 + ID 5 + PREV 5 + fragment fields 11 [SW-14.2-9]
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

/**
 * Accounted length of a MSG frame for these flags (header + data) [SW-14.2-9]: what a datagram's
 * room, cwnd and pacing count; the bytes on the wire are never more.
 */
export function msgFrameLen(reliable: boolean, ordered: boolean, fragment: boolean, dataLen: number): number {
  return 5 + (reliable ? 5 : 0) + (ordered ? 5 : 0) + (fragment ? 11 : 0) + dataLen;
}

export function parseRelFrames(p: Uint8Array): RelFrame[] | null {
  const out: RelFrame[] = [];
  const seen = new Set<string>();
  let i = 0;
  const need = (n: number): boolean => p.length - i >= n;
  while (i < p.length) {
    const type = p[i];
    if (type >= FRAME_MSG) {
      // [SW-14.2-8]: fields by the type byte's bits; every integer a UVAR (4.11)
      const R = (type & FLAG_R) !== 0, O = (type & FLAG_O) !== 0, F = (type & FLAG_F) !== 0, L = (type & FLAG_L) !== 0;
      if ((O || F) && !R) return null;
      const at = { pos: i + 1 };
      let channel = (type >> 3) & 7;
      if (channel === CH_ESCAPE) {
        if (!need(2)) return null;
        channel = p[i + 1]; at.pos++;
        if (channel < CH_ESCAPE) return null; // 0-6 go in the type byte
      }
      const f: MsgFrame = { type: 'MSG', channel, data: '' };
      let id = 0, prevGap = 0, index = 0, count = 0, total = 0;
      if (R) { const v = readUvar(p, at); if (v === null || v === 0) return null; id = v; f.id = id; }
      if (O) { const v = readUvar(p, at); if (v === null || v === 0) return null; prevGap = v; }
      if (F) {
        const a = readUvar(p, at), b = a === null ? null : readUvar(p, at), c = b === null ? null : readUvar(p, at);
        if (a === null || b === null || c === null) return null;
        index = a; count = b; total = c;
        if (!(count >= 2 && count <= 0xffff && index < count && index <= id - 1 && total >= count)) return null;
        f.frag = { index, count, total };
      }
      if (O) {
        const first = id - index; // PREV = first id of the message - PREV_GAP, and PREV >= 0
        if (prevGap > first) return null;
        f.prev = first - prevGap;
      }
      let len: number;
      if (L) {
        const v = readUvar(p, at);
        if (v === null || v > 0xffff) return null;
        len = v;
        if (p.length - at.pos < len) return null; // truncated DATA
        if (p.length - at.pos === len) return null; // the last frame has no LEN [SW-14.2-8]
      } else {
        len = p.length - at.pos; // to the end of the plaintext
        if (len > 0xffff) return null;
      }
      if (F && !(len >= 1 && len <= total)) return null;
      f.data = toHex(p.subarray(at.pos, at.pos + len));
      out.push(f);
      i = at.pos + len;
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
      return null; // 0x06 (draft 1's MSG), 0x0a, 0x0b reserved; anything else outside this section's plaintexts
    }
  }
  return out;
}

/** One frame; `last`: it ends its plaintext, so a MSG is written without LEN [SW-14.2-8]. */
export function encodeRelFrame(f: RelFrame, last = false): Uint8Array {
  switch (f.type) {
    case 'MSG': {
      const R = f.id !== undefined, O = f.prev !== undefined, F = f.frag !== undefined;
      const data = fromHex(f.data, 'MSG data');
      const ch = f.channel < CH_ESCAPE ? f.channel : CH_ESCAPE;
      const type = FRAME_MSG | (last ? 0 : FLAG_L) | (ch << 3) | (F ? FLAG_F : 0) | (O ? FLAG_O : 0) | (R ? FLAG_R : 0);
      const first = (f.id ?? 0) - (f.frag?.index ?? 0);
      return concat(
        u8(type), ch === CH_ESCAPE ? u8(f.channel) : new Uint8Array(0),
        R ? writeUvar(f.id!) : new Uint8Array(0), O ? writeUvar(first - f.prev!) : new Uint8Array(0),
        F ? concat(writeUvar(f.frag!.index), writeUvar(f.frag!.count), writeUvar(f.frag!.total)) : new Uint8Array(0),
        last ? new Uint8Array(0) : writeUvar(data.length), data,
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
