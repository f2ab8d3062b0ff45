/**
 * Codecs of the reliability frames (spec 14.2): MSG, ACK, FORWARD and SLEEP. Like src/wire/frames.ts,
 * decoding is all or nothing: a truncated frame, a reserved flag bit or an inconsistent field rejects
 * the frame, and a plaintext with one bad frame is rejected whole ([SW-4.7-5], [SW-14.2-6]).
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { readU32, view, writeU32 } from '../util/bytes.js';
import { readUvar, uvarSize, writeUvar } from '../util/uvar.js';
import {
  ACK_FIXED_LEN,
  ACK_MAX_RANGES,
  ACK_RANGE_LEN,
  FORWARD_FRAME_LEN,
  FRAME_ACK,
  FRAME_FORWARD,
  FRAME_MSG,
  FRAME_SLEEP,
  MSG_ACCOUNTED_BASE,
  MSG_ACCOUNTED_FRAG,
  MSG_ACCOUNTED_ID,
  MSG_ACCOUNTED_PREV,
  MSG_CHANNEL_ESCAPE,
  MSG_CHANNEL_SHIFT,
  MSG_FLAG_FRAGMENT,
  MSG_FLAG_LEN,
  MSG_FLAG_ORDERED,
  MSG_FLAG_RELIABLE,
  SLEEP_FRAME_LEN,
} from './constants.js';

/** Fragment fields of a MSG frame: this fragment's index, the fragment count, the message length. */
export interface FragmentInfo {
  readonly index: number;
  readonly count: number;
  readonly total: number;
}

/**
 * A MSG frame. `id` is present exactly when the message is reliable; `prev` exactly when it is
 * ordered (0: first ordered message of its channel); `frag` exactly when it is one of several fragments.
 */
export interface MsgFrame {
  readonly type: 'MSG';
  readonly channel: number;
  readonly id?: number;
  readonly prev?: number;
  readonly frag?: FragmentInfo;
  readonly data: Uint8Array;
}

/** An ACK range: ids start..end-1 received. */
export interface AckRange {
  readonly start: number;
  readonly end: number;
}

/** Every id below `cum` is settled; `ranges` are increasing, disjoint and above cum with a gap before each. */
export interface AckFrame {
  readonly type: 'ACK';
  readonly cum: number;
  readonly window: number;
  readonly delay: number;
  readonly ranges: readonly AckRange[];
}

export interface ForwardFrame {
  readonly type: 'FORWARD';
  readonly floor: number;
}

/** wakeIntervalMs 0 (and awakeMs 0) says "I do not sleep". */
export interface SleepFrame {
  readonly type: 'SLEEP';
  readonly wakeIntervalMs: number;
  readonly awakeMs: number;
}

export type RelFrame = MsgFrame | AckFrame | ForwardFrame | SleepFrame;

const U16 = 0xffff;
const U32 = 0xffffffff;
const isU = (n: number, max: number): boolean => Number.isInteger(n) && n >= 0 && n <= max;
const readU16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const writeU16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v >>> 8;
  b[o + 1] = v & 0xff;
};

/** Whether a type byte belongs to spec 14: MSG (0x80-0xff), ACK, FORWARD, SLEEP (0x07-0x09). 0x06, 0x0a, 0x0b are reserved. */
export function isReliabilityFrameType(type: number): boolean {
  return type >= FRAME_MSG || (type >= FRAME_ACK && type <= FRAME_SLEEP);
}

/**
 * Accounted size of a MSG header (everything before DATA) for these fields [SW-14.2-9]: the most
 * its encoding can take. The room of a datagram, cwnd and pacing count MSG frames at this size, so
 * that it depends on the flags alone; the bytes written (msgEncodedSize) are never more.
 */
export function msgHeaderSize(f: { id?: number; prev?: number; frag?: FragmentInfo }): number {
  return MSG_ACCOUNTED_BASE + (f.id !== undefined ? MSG_ACCOUNTED_ID : 0) + (f.prev !== undefined ? MSG_ACCOUNTED_PREV : 0) + (f.frag !== undefined ? MSG_ACCOUNTED_FRAG : 0);
}

/** Bytes a MSG frame takes on the wire; `last`: it ends its plaintext, so it has no LEN [SW-14.2-8]. */
export function msgEncodedSize(f: MsgFrame, last: boolean): number {
  let n = 1 + (f.channel >= MSG_CHANNEL_ESCAPE ? 1 : 0) + f.data.length;
  if (f.id !== undefined) n += uvarSize(f.id);
  if (f.prev !== undefined) n += uvarSize(f.id! - (f.frag?.index ?? 0) - f.prev);
  if (f.frag !== undefined) n += uvarSize(f.frag.index) + uvarSize(f.frag.count) + uvarSize(f.frag.total);
  if (!last) n += uvarSize(f.data.length);
  return n;
}

/** Encoded size of one reliability frame; `last`: it is the last frame of its plaintext. */
export function relFrameSize(f: RelFrame, last = false): number {
  switch (f.type) {
    case 'MSG':
      return msgEncodedSize(f, last);
    case 'ACK':
      return ACK_FIXED_LEN + ACK_RANGE_LEN * f.ranges.length;
    case 'FORWARD':
      return FORWARD_FRAME_LEN;
    case 'SLEEP':
      return SLEEP_FRAME_LEN;
  }
}

/**
 * Decodes one reliability frame starting at `offset` (the type byte) of the plaintext `b`. Returns
 * the frame and the offset after it, or undefined if it is truncated, invalid or not in its one
 * valid encoding [SW-14.2-6]. MSG data is a view; a MSG without L runs to the end of `b`.
 */
export function decodeRelFrame(b: Uint8Array, offset: number): { frame: RelFrame; end: number } | undefined {
  const type = b[offset]!;
  let o = offset + 1;
  if (type >= FRAME_MSG) return decodeMsg(b, type, o);
  // bounds checked inline, not by a closure: this runs for every frame of every datagram
  switch (type) {
    case FRAME_ACK: {
      if (o + ACK_FIXED_LEN - 1 > b.length) return undefined;
      const cum = readU32(b, o);
      const window = readU16(b, o + 4);
      const delay = readU16(b, o + 6);
      const n = b[o + 8]!;
      o += ACK_FIXED_LEN - 1;
      if (cum === 0 || o + n * ACK_RANGE_LEN > b.length) return undefined;
      const ranges: AckRange[] = [];
      let prevEnd = cum;
      for (let k = 0; k < n; k++) {
        const gap = readU16(b, o);
        const len = readU16(b, o + 2);
        o += ACK_RANGE_LEN;
        const start = prevEnd + gap;
        const end = start + len;
        if (gap === 0 || len === 0 || end > U32 + 1) return undefined;
        ranges.push({ start, end });
        prevEnd = end;
      }
      return { frame: { type: 'ACK', cum, window, delay, ranges }, end: o };
    }
    case FRAME_FORWARD: {
      if (o + 4 > b.length) return undefined;
      const floor = readU32(b, o);
      if (floor === 0) return undefined;
      return { frame: { type: 'FORWARD', floor }, end: o + 4 };
    }
    case FRAME_SLEEP: {
      if (o + 8 > b.length) return undefined;
      const wakeIntervalMs = readU32(b, o);
      const awakeMs = readU32(b, o + 4);
      if ((wakeIntervalMs === 0) !== (awakeMs === 0)) return undefined;
      return { frame: { type: 'SLEEP', wakeIntervalMs, awakeMs }, end: o + 8 };
    }
    default:
      return undefined;
  }
}

/** The rest of a MSG frame whose type byte (already read) is `type`; `o` is the offset after it. */
function decodeMsg(b: Uint8Array, type: number, o: number): { frame: RelFrame; end: number } | undefined {
  const reliable = (type & MSG_FLAG_RELIABLE) !== 0;
  if (!reliable && (type & (MSG_FLAG_ORDERED | MSG_FLAG_FRAGMENT)) !== 0) return undefined; // ordered or fragment without reliable
  let channel = (type >>> MSG_CHANNEL_SHIFT) & 7;
  if (channel === MSG_CHANNEL_ESCAPE) {
    if (o >= b.length) return undefined;
    channel = b[o++]!;
    if (channel < MSG_CHANNEL_ESCAPE) return undefined; // 0-6 are written in the type byte
  }
  let id: number | undefined;
  let prev: number | undefined;
  let frag: FragmentInfo | undefined;
  if (reliable) {
    id = readUvar(b, o);
    if (id <= 0) return undefined; // bad, or 0
    o += uvarSize(id);
  }
  let prevGap = 0;
  if ((type & MSG_FLAG_ORDERED) !== 0) {
    prevGap = readUvar(b, o);
    if (prevGap <= 0) return undefined; // PREV is below the first id of its message
    o += uvarSize(prevGap);
  }
  let first = id ?? 0;
  if ((type & MSG_FLAG_FRAGMENT) !== 0) {
    const index = readUvar(b, o);
    if (index < 0) return undefined;
    o += uvarSize(index);
    const count = readUvar(b, o);
    if (count < 0) return undefined;
    o += uvarSize(count);
    const total = readUvar(b, o);
    if (total < 0) return undefined;
    o += uvarSize(total);
    if (count < 2 || count > U16 || index >= count || total < count || index > id! - 1) return undefined;
    frag = { index, count, total };
    first = id! - index;
  }
  if (prevGap !== 0) {
    if (prevGap > first) return undefined; // PREV would be negative
    prev = first - prevGap;
  }
  let len: number;
  if ((type & MSG_FLAG_LEN) !== 0) {
    len = readUvar(b, o);
    if (len < 0 || len > U16) return undefined;
    o += uvarSize(len);
    if (o + len > b.length) return undefined;
    if (o + len === b.length) return undefined; // the last frame is written without LEN [SW-14.2-8]
  } else {
    len = b.length - o;
    if (len > U16) return undefined;
  }
  if (frag !== undefined && (len === 0 || len > frag.total)) return undefined;
  const data = view(b, o, o + len);
  o += len;
  const frame: { -readonly [K in keyof MsgFrame]: MsgFrame[K] } = { type: 'MSG', channel, data };
  if (id !== undefined) frame.id = id;
  if (prev !== undefined) frame.prev = prev;
  if (frag) frame.frag = frag;
  return { frame, end: o };
}

/**
 * Decodes a byte string made only of reliability frames (for tests and vectors; the node decodes
 * them inside decodeFrames). Returns undefined if any frame is bad, or if ACK, FORWARD or SLEEP
 * appears more than once [SW-14.2-6].
 */
export function decodeRelFrames(b: Uint8Array): RelFrame[] | undefined {
  const out: RelFrame[] = [];
  let o = 0;
  while (o < b.length) {
    const r = decodeRelFrame(b, o);
    if (r === undefined) return undefined;
    if (r.frame.type !== 'MSG' && out.some((f) => f.type === r.frame.type)) return undefined;
    out.push(r.frame);
    o = r.end;
  }
  return out;
}

/**
 * Writes one frame at `offset` of `out` (which must have room); returns the offset after it. Throws
 * on bad fields. `last`: the frame ends the plaintext, so a MSG is written without LEN [SW-14.2-8].
 */
export function encodeRelFrame(f: RelFrame, out: Uint8Array, offset: number, last = false): number {
  let o = offset;
  switch (f.type) {
    case 'MSG': {
      if (!isU(f.channel, 0xff)) throw new InvalidArgumentError('MSG channel must be in [0, 255]');
      if (f.data.length > U16) throw new InvalidArgumentError('MSG data must be at most 65535 bytes');
      const reliable = f.id !== undefined;
      if (!reliable && (f.prev !== undefined || f.frag !== undefined)) throw new InvalidArgumentError('an unreliable MSG has no PREV or fragment fields');
      if (reliable && (!isU(f.id!, U32) || f.id === 0)) throw new InvalidArgumentError('MSG id must be in [1, 2^32-1]');
      const first = f.id! - (f.frag?.index ?? 0);
      if (f.frag !== undefined) {
        const { index, count, total } = f.frag;
        if (!isU(index, U16) || !isU(count, U16) || !isU(total, U32) || count < 2 || index >= count || total < count || index > f.id! - 1 || f.data.length === 0 || f.data.length > total) {
          throw new InvalidArgumentError('bad MSG fragment fields');
        }
      }
      if (f.prev !== undefined && (!isU(f.prev, U32) || f.prev >= first)) throw new InvalidArgumentError('MSG prev must be below the first id of its message');
      const ch = f.channel < MSG_CHANNEL_ESCAPE ? f.channel : MSG_CHANNEL_ESCAPE;
      out[o++] =
        FRAME_MSG | (last ? 0 : MSG_FLAG_LEN) | (ch << MSG_CHANNEL_SHIFT) | (f.frag !== undefined ? MSG_FLAG_FRAGMENT : 0) | (f.prev !== undefined ? MSG_FLAG_ORDERED : 0) | (reliable ? MSG_FLAG_RELIABLE : 0);
      if (ch === MSG_CHANNEL_ESCAPE) out[o++] = f.channel;
      if (reliable) o = writeUvar(out, o, f.id!);
      if (f.prev !== undefined) o = writeUvar(out, o, first - f.prev);
      if (f.frag !== undefined) {
        o = writeUvar(out, o, f.frag.index);
        o = writeUvar(out, o, f.frag.count);
        o = writeUvar(out, o, f.frag.total);
      }
      if (!last) o = writeUvar(out, o, f.data.length);
      out.set(f.data, o);
      return o + f.data.length;
    }
    case 'ACK': {
      if (!isU(f.cum, U32) || f.cum === 0 || !isU(f.window, U16) || !isU(f.delay, U16) || f.ranges.length > ACK_MAX_RANGES) {
        throw new InvalidArgumentError('bad ACK fields');
      }
      out[o] = FRAME_ACK;
      writeU32(out, o + 1, f.cum);
      writeU16(out, o + 5, f.window);
      writeU16(out, o + 7, f.delay);
      out[o + 9] = f.ranges.length;
      o += ACK_FIXED_LEN;
      let prevEnd = f.cum;
      for (const r of f.ranges) {
        const gap = r.start - prevEnd;
        const len = r.end - r.start;
        if (!isU(gap, U16) || gap === 0 || !isU(len, U16) || len === 0) throw new InvalidArgumentError('ACK ranges must be increasing, separated and short');
        writeU16(out, o, gap);
        writeU16(out, o + 2, len);
        o += ACK_RANGE_LEN;
        prevEnd = r.end;
      }
      return o;
    }
    case 'FORWARD':
      if (!isU(f.floor, U32) || f.floor === 0) throw new InvalidArgumentError('FORWARD floor must be in [1, 2^32-1]');
      out[o] = FRAME_FORWARD;
      writeU32(out, o + 1, f.floor);
      return o + FORWARD_FRAME_LEN;
    case 'SLEEP':
      if (!isU(f.wakeIntervalMs, U32) || !isU(f.awakeMs, U32) || (f.wakeIntervalMs === 0) !== (f.awakeMs === 0)) {
        throw new InvalidArgumentError('SLEEP needs both intervals zero or both non-zero');
      }
      out[o] = FRAME_SLEEP;
      writeU32(out, o + 1, f.wakeIntervalMs);
      writeU32(out, o + 5, f.awakeMs);
      return o + SLEEP_FRAME_LEN;
  }
}

/** Encodes frames into one plaintext of reliability frames alone (a last MSG has no LEN; for tests and vectors). */
export function encodeRelFrames(frames: readonly RelFrame[]): Uint8Array {
  let n = 0;
  for (let k = 0; k < frames.length; k++) n += relFrameSize(frames[k]!, k === frames.length - 1);
  const out = new Uint8Array(n);
  let o = 0;
  for (let k = 0; k < frames.length; k++) o = encodeRelFrame(frames[k]!, out, o, k === frames.length - 1);
  return out;
}
