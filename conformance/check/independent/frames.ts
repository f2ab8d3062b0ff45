// Plaintext frames (4.7, 4.8, 12.4) — step 11 of [SW-6.1-9].
// Contract: parseFrames(p) returns the frames in order, or null if the whole plaintext must be
// discarded as MALFORMED_INNER [SW-4.7-5]: a frame of a type this checker does not decode (anything
// but 0x00-0x05 and 0x0c: the reliability frames 0x06-0x0b of 14.2 are not part of the OpenTest
// vectors, and 0x0d-0x3f are reserved), a truncated INDEX body, an INDEX frame with INDEX 0 or EPOCH 0,
// more than one INDEX, PING, CHALLENGE or ECHO frame, a CHALLENGE or ECHO token shorter than 8 bytes
// [SW-9.4-1], a STALE body shorter than 5 bytes [SW-4.7-5], a STALE frame with EPOCH 0 or a second
// STALE frame [SW-12.4-4]. STALE is `u8 gen`, `u32 epoch` (12.4); any GEN is decoded.
// PADDING is the single byte 0x00 and may appear anywhere; a maximal run of n of them is one entry
// { PADDING, length: n } [SW-4.7-4]. DATAGRAM extends to the end and may be empty [SW-4.7-2].
// An empty plaintext has no frames (4.7). Output shape: conformance/README.md, OpenTest `expected.frames`.
import { readU32, toHex } from './bytes.js';
import { FRAME_DATAGRAM, FRAME_INDEX, FRAME_PADDING, FRAME_STALE, INDEX_FRAME_LEN, STALE_FRAME_LEN } from './constants.js';

export type Frame =
  | { type: 'PADDING'; length: number }
  | { type: 'INDEX'; index: number; gen: number; epoch: number }
  | { type: 'DATAGRAM'; data: string }
  | { type: 'PING' }
  | { type: 'CHALLENGE' | 'ECHO'; token: string }
  | { type: 'STALE'; gen: number; epoch: number };

const FRAME_PING = 0x03;
const FRAME_CHALLENGE = 0x04;
const FRAME_ECHO = 0x05;
const TOKEN_LEN = 8;

export function parseFrames(p: Uint8Array): Frame[] | null {
  const frames: Frame[] = [];
  let sawIndex = false;
  let i = 0;
  while (i < p.length) {
    const type = p[i];
    if (type === FRAME_PADDING) {
      let j = i;
      while (j < p.length && p[j] === FRAME_PADDING) j++;
      frames.push({ type: 'PADDING', length: j - i });
      i = j;
    } else if (type === FRAME_INDEX) {
      if (p.length - i < INDEX_FRAME_LEN) return null; // truncated
      if (sawIndex) return null; // more than one INDEX frame
      const index = readU32(p, i + 1), gen = p[i + 5], epoch = readU32(p, i + 6);
      if (index === 0 || epoch === 0) return null;
      sawIndex = true;
      frames.push({ type: 'INDEX', index, gen, epoch });
      i += INDEX_FRAME_LEN;
    } else if (type === FRAME_PING || type === FRAME_CHALLENGE || type === FRAME_ECHO) {
      const name = type === FRAME_PING ? 'PING' : type === FRAME_CHALLENGE ? 'CHALLENGE' : 'ECHO';
      if (frames.some((f) => f.type === name)) return null; // at most one of each [SW-9.4-1]
      if (name === 'PING') {
        frames.push({ type: 'PING' });
        i += 1;
      } else {
        if (p.length - i - 1 < TOKEN_LEN) return null;
        frames.push({ type: name, token: toHex(p.subarray(i + 1, i + 1 + TOKEN_LEN)) });
        i += 1 + TOKEN_LEN;
      }
    } else if (type === FRAME_STALE) {
      if (p.length - i < STALE_FRAME_LEN) return null; // truncated [SW-4.7-5]
      if (frames.some((f) => f.type === 'STALE')) return null; // a second STALE frame [SW-12.4-4]
      const gen = p[i + 1], epoch = readU32(p, i + 2);
      if (epoch === 0) return null; // [SW-12.4-4]
      frames.push({ type: 'STALE', gen, epoch });
      i += STALE_FRAME_LEN;
    } else if (type === FRAME_DATAGRAM) {
      frames.push({ type: 'DATAGRAM', data: toHex(p.subarray(i + 1)) });
      i = p.length;
    } else {
      return null; // unknown or reserved type
    }
  }
  return frames;
}
