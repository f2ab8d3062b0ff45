/**
 * Frames of the plaintext (spec 4.7, 4.8, 9.4, 12.4, 14.2): PADDING, INDEX, PING, CHALLENGE, ECHO, STALE, the
 * reliability frames MSG, ACK, FORWARD and SLEEP (decoded by reliability/frames.ts), and DATAGRAM. Decoding is all or nothing:
 * a bad frame anywhere rejects the whole plaintext [SW-4.7-5].
 * @module
 */
import {
  CHALLENGE_LEN,
  FRAME_CHALLENGE,
  FRAME_DATAGRAM,
  FRAME_ECHO,
  FRAME_INDEX,
  FRAME_PADDING,
  FRAME_PING,
  FRAME_STALE,
  INDEX_FRAME_LEN,
  MAX_GENERATION,
  STALE_FRAME_LEN,
} from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { decodeRelFrame, encodeRelFrame, isReliabilityFrameType, relFrameSize, type RelFrame } from '../reliability/frames.js';
import { readU32, view, writeU32 } from '../util/bytes.js';

export type Frame =
  | { readonly type: 'PADDING'; readonly length: number }
  | { readonly type: 'INDEX'; readonly index: number; readonly gen: number; readonly epoch: number }
  | { readonly type: 'DATAGRAM'; readonly data: Uint8Array }
  | { readonly type: 'PING' }
  | { readonly type: 'CHALLENGE'; readonly token: Uint8Array }
  | { readonly type: 'ECHO'; readonly token: Uint8Array }
  /** The receiver's datagram was stale: its next epoch under `gen` must exceed `epoch` (spec 12.4). */
  | { readonly type: 'STALE'; readonly gen: number; readonly epoch: number };

/** Every frame a plaintext may hold: the frames above and the reliability frames of spec 14.2. */
export type WireFrame = Frame | RelFrame;

/** Whether a decoded frame is a reliability frame (MSG, ACK, FORWARD, SLEEP; spec 14.2). */
export function isRelFrame(f: WireFrame): f is RelFrame {
  return f.type === 'MSG' || f.type === 'ACK' || f.type === 'FORWARD' || f.type === 'SLEEP';
}

/** Reliability frame types that may appear at most once per plaintext [SW-14.2-6]. */
const ONCE_REL = ['ACK', 'FORWARD', 'SLEEP'] as const;
/** The frame types a datagram carries at most once, each with a bit of its own. */
const ONCE_BIT: Readonly<Record<string, number>> = Object.fromEntries(['INDEX', 'PING', 'CHALLENGE', 'ECHO', 'STALE', ...ONCE_REL].map((t, i) => [t, 1 << i]));

/**
 * Decodes a plaintext into frames. Returns undefined for an unknown type, a truncated frame, or a
 * second frame of a type that may appear once (INDEX, PING, CHALLENGE, ECHO, STALE, ACK, FORWARD, SLEEP;
 * [SW-4.7-5], [SW-9.4-1], [SW-12.4-4], [SW-14.2-6]), a STALE with epoch 0, or a reliability frame that breaks 14.2; the caller drops with MALFORMED_INNER. A run of PADDING bytes is one entry. An empty plaintext is no frames.
 * DATAGRAM data is a view into `plaintext`.
 */
export function decodeFrames(plaintext: Uint8Array): WireFrame[] | undefined {
  return decodeWireFrames(plaintext);
}

/** decodeFrames with its true element type: the peer frames and the reliability frames (spec 14.2). */
export function decodeWireFrames(plaintext: Uint8Array): WireFrame[] | undefined {
  // the steady-state plaintext is one DATAGRAM frame: decode it without a growing array
  if (plaintext[0] === FRAME_DATAGRAM) return [{ type: 'DATAGRAM', data: view(plaintext, 1) }];
  const frames: WireFrame[] = [];
  let i = 0;
  while (i < plaintext.length) {
    const type = plaintext[i]!;
    if (type === FRAME_PADDING) {
      let j = i + 1;
      while (j < plaintext.length && plaintext[j] === FRAME_PADDING) j++;
      frames.push({ type: 'PADDING', length: j - i }); // a run of one-byte PADDING frames
      i = j;
      continue;
    }
    if (type === FRAME_DATAGRAM) {
      frames.push({ type: 'DATAGRAM', data: view(plaintext, i + 1) });
      return frames; // extends to the end [SW-4.7-2]
    }
    if (type === FRAME_PING) {
      if (frames.some((f) => f.type === 'PING')) return undefined;
      frames.push({ type: 'PING' });
      i += 1;
      continue;
    }
    if (type === FRAME_CHALLENGE || type === FRAME_ECHO) {
      const name = type === FRAME_CHALLENGE ? 'CHALLENGE' : 'ECHO';
      if (i + 1 + CHALLENGE_LEN > plaintext.length || frames.some((f) => f.type === name)) return undefined;
      frames.push({ type: name, token: plaintext.slice(i + 1, i + 1 + CHALLENGE_LEN) });
      i += 1 + CHALLENGE_LEN;
      continue;
    }
    if (type === FRAME_INDEX) {
      if (i + INDEX_FRAME_LEN > plaintext.length) return undefined;
      const index = readU32(plaintext, i + 1);
      const epoch = readU32(plaintext, i + 6);
      if (index === 0 || epoch === 0 || frames.some((f) => f.type === 'INDEX')) return undefined;
      frames.push({ type: 'INDEX', index, gen: plaintext[i + 5]!, epoch });
      i += INDEX_FRAME_LEN;
      continue;
    }
    if (type === FRAME_STALE) {
      if (i + STALE_FRAME_LEN > plaintext.length || frames.some((f) => f.type === 'STALE')) return undefined;
      const epoch = readU32(plaintext, i + 2);
      if (epoch === 0) return undefined; // [SW-12.4-4] a floor is an epoch a sender used: never 0
      frames.push({ type: 'STALE', gen: plaintext[i + 1]!, epoch });
      i += STALE_FRAME_LEN;
      continue;
    }
    if (isReliabilityFrameType(type)) {
      // MSG (0x80-0xff), ACK, FORWARD, SLEEP (spec 14.2); a malformed frame rejects the plaintext [SW-14.2-6]
      const d = decodeRelFrame(plaintext, i);
      if (d === undefined) return undefined;
      const t = d.frame.type;
      if (t !== 'MSG' && frames.some((f) => f.type === t)) return undefined;
      frames.push(d.frame);
      i = d.end;
      continue;
    }
    return undefined; // reserved or unknown type
  }
  return frames;
}

/** Encoded size of one frame; `last`: it ends its plaintext (a MSG then has no LEN, [SW-14.2-8]). */
export function frameSize(f: WireFrame, last = false): number {
  switch (f.type) {
    case 'PADDING':
      return f.length;
    case 'INDEX':
      return INDEX_FRAME_LEN;
    case 'DATAGRAM':
      return 1 + f.data.length;
    case 'PING':
      return 1;
    case 'CHALLENGE':
    case 'ECHO':
      return 1 + CHALLENGE_LEN;
    case 'STALE':
      return STALE_FRAME_LEN;
    default:
      return relFrameSize(f, last);
  }
}

/**
 * Encodes frames into one plaintext. DATAGRAM runs to the end, so it may only be the last frame;
 * violating that throws InvalidArgumentError. PADDING of length n is n zero bytes, anywhere.
 */
export function encodeFrames(frames: readonly WireFrame[]): Uint8Array {
  return writeFrames(frames, new Uint8Array(framesSize(frames)));
}

/** Shared by encodeFramesTransient: one datagram's plaintext at a time. */
let scratch = new Uint8Array(2048);

/**
 * encodeFrames into a buffer shared by every call: the result is valid only until the next call.
 * For a plaintext that is sealed at once (the seal copies it), it saves a fresh ArrayBuffer per
 * datagram sent (V8 keeps those over 64 bytes off the heap, about 0.7 µs each).
 */
export function encodeFramesTransient(frames: readonly WireFrame[]): Uint8Array {
  const n = framesSize(frames);
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const out = scratch.subarray(0, n);
  out.fill(0); // PADDING and anything a frame leaves unwritten are zero, as in a fresh array
  return writeFrames(frames, out);
}

function framesSize(frames: readonly WireFrame[]): number {
  let n = 0;
  for (let k = 0; k < frames.length; k++) n += frameSize(frames[k]!, k === frames.length - 1);
  return n;
}

/** Writes `frames` into `out` (zero-filled, exactly their size). */
function writeFrames(frames: readonly WireFrame[], out: Uint8Array): Uint8Array {
  let o = 0;
  // at most one of each of these (a bit per type): one pass, no arrays, for every datagram sent
  let seen = 0;
  for (const f of frames) {
    const bit = ONCE_BIT[f.type] ?? 0;
    if ((seen & bit) !== 0) throw new InvalidArgumentError(`at most one ${f.type} frame`);
    seen |= bit;
  }
  for (let k = 0; k < frames.length; k++) {
    const f = frames[k]!;
    const last = k === frames.length - 1;
    switch (f.type) {
      case 'PADDING':
        if (!Number.isInteger(f.length) || f.length < 1) throw new InvalidArgumentError('PADDING length must be >= 1');
        o += f.length; // zero bytes; out is zero-filled and out[o] = FRAME_PADDING = 0
        break;
      case 'DATAGRAM':
        if (!last) throw new InvalidArgumentError('DATAGRAM must be the last frame');
        out[o] = FRAME_DATAGRAM;
        out.set(f.data, o + 1);
        o += 1 + f.data.length;
        break;
      case 'INDEX':
        if (f.index < 1 || f.index > 0xffffffff || f.epoch < 1 || f.epoch > 0xffffffff) {
          throw new InvalidArgumentError('INDEX frame needs index and epoch in [1, 2^32-1]');
        }
        if (!Number.isInteger(f.gen) || f.gen < 0 || f.gen > MAX_GENERATION) {
          throw new InvalidArgumentError('INDEX frame gen must be in [0, 255]');
        }
        out[o] = FRAME_INDEX;
        writeU32(out, o + 1, f.index);
        out[o + 5] = f.gen;
        writeU32(out, o + 6, f.epoch);
        o += INDEX_FRAME_LEN;
        break;
      case 'PING':
        out[o++] = FRAME_PING;
        break;
      case 'CHALLENGE':
      case 'ECHO':
        if (f.token.length !== CHALLENGE_LEN) throw new InvalidArgumentError(`${f.type} token must be ${CHALLENGE_LEN} bytes`);
        out[o] = f.type === 'CHALLENGE' ? FRAME_CHALLENGE : FRAME_ECHO;
        out.set(f.token, o + 1);
        o += 1 + CHALLENGE_LEN;
        break;
      case 'STALE':
        if (!Number.isInteger(f.gen) || f.gen < 0 || f.gen > MAX_GENERATION || !Number.isInteger(f.epoch) || f.epoch < 1 || f.epoch > 0xffffffff) {
          throw new InvalidArgumentError('STALE frame needs gen in [0, 255] and epoch in [1, 2^32-1]');
        }
        out[o] = FRAME_STALE;
        out[o + 1] = f.gen;
        writeU32(out, o + 2, f.epoch);
        o += STALE_FRAME_LEN;
        break;
      default:
        o = encodeRelFrame(f, out, o, last); // MSG, ACK, FORWARD, SLEEP (spec 14.2); a last MSG has no LEN
        break;
    }
  }
  return out;
}
