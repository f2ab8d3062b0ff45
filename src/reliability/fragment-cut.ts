/**
 * How a message's fragments are cut (spec 14.6, [SW-14.6-7]): fragment `i` of a message of `count`
 * fragments of `unit` payload bytes, with PREV on each when the message is ordered [SW-14.2-3]. Both
 * senders (the full profile's FragmentBook and the device profile's) cut with it, at assignment and
 * again when a restarted peer needs a message whole ([SW-14.7-11]).
 * @module
 */
import { msgHeaderSize, type MsgFrame } from './frames.js';
import type { Pending } from './send-types.js';

/** What a message's fragments are cut from; its fragments' data are views of `pending.data`. */
export interface CutMessage {
  readonly pending: Pending;
  readonly firstId: number;
  readonly count: number;
  readonly unit: number;
  readonly prev: number | undefined;
}

/** The MSG frame of fragment `i` and its accounted size. */
export function cutFragment(m: CutMessage, i: number): { frame: MsgFrame; size: number } {
  const p = m.pending;
  const data = m.count === 1 ? p.data : p.data.subarray(i * m.unit, Math.min(p.data.length, (i + 1) * m.unit));
  const frame: MsgFrame = {
    type: 'MSG',
    channel: p.channel,
    id: m.firstId + i,
    ...(m.prev !== undefined && { prev: m.prev }),
    ...(m.count > 1 && { frag: { index: i, count: m.count, total: p.data.length } }),
    data,
  };
  return { frame, size: msgHeaderSize(frame) + data.length };
}
