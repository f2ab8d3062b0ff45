/**
 * The receiver's set of message ids (spec 14.3): a cumulative point BASE (every id below it is
 * settled) and at most `maxRanges` ranges of received ids above it, within `window` ids of BASE.
 * Its ACK frame fits the space left in a datagram: the ranges nearest BASE first [SW-14.3-4].
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { ACK_FIXED_LEN, ACK_MAX_RANGES, ACK_RANGE_LEN, FIRST_MESSAGE_ID } from './constants.js';
import type { AckFrame, AckRange } from './frames.js';

export type Admission = 'new' | 'duplicate' | 'beyond-window' | 'too-many-ranges';

export class ReceivedIds {
  /** Every id below base is settled (received, or given up by the sender through FORWARD). */
  base = FIRST_MESSAGE_ID;
  /** Disjoint, increasing, each start > base (a range touching base is folded into it). */
  private ranges: Array<{ start: number; end: number }> = [];

  constructor(
    readonly window: number,
    readonly maxRanges: number,
  ) {
    if (!Number.isInteger(window) || window < 1 || window > 0xffff) throw new InvalidArgumentError('window must be in [1, 65535]');
    if (!Number.isInteger(maxRanges) || maxRanges < 1) throw new InvalidArgumentError('maxRanges must be >= 1');
  }

  get rangeCount(): number {
    return this.ranges.length;
  }

  /** The highest received id, or base - 1 when nothing above base is received. */
  get largest(): number {
    const last = this.ranges[this.ranges.length - 1];
    return last === undefined ? this.base - 1 : last.end - 1;
  }

  has(id: number): boolean {
    if (id < this.base) return true;
    for (const r of this.ranges) if (id >= r.start && id < r.end) return true;
    return false;
  }

  /** What add(id) would do, without doing it [SW-14.3-2]. */
  admit(id: number): Admission {
    if (this.has(id)) return 'duplicate';
    if (id >= this.base + this.window) return 'beyond-window';
    if (id === this.base) return 'new';
    // a new range is needed unless id touches an existing one
    for (const r of this.ranges) if (id === r.end || id + 1 === r.start) return 'new';
    return this.ranges.length >= this.maxRanges ? 'too-many-ranges' : 'new';
  }

  /** Records id (admit(id) must have said 'new'). */
  add(id: number): void {
    if (this.admit(id) !== 'new') throw new InvalidArgumentError(`id ${id} cannot be added`);
    let i = 0;
    while (i < this.ranges.length && this.ranges[i]!.end < id) i++;
    const r = this.ranges[i];
    if (r !== undefined && r.end === id) {
      r.end++;
      const next = this.ranges[i + 1];
      if (next !== undefined && next.start === r.end) {
        r.end = next.end;
        this.ranges.splice(i + 1, 1);
      }
    } else if (r !== undefined && r.start === id + 1) r.start = id;
    else this.ranges.splice(i, 0, { start: id, end: id + 1 });
    this.fold();
  }

  /** Moves base to at least `floor` (FORWARD, [SW-14.3-7]). */
  forward(floor: number): void {
    if (floor <= this.base) return;
    this.base = floor;
    this.ranges = this.ranges.filter((r) => r.end > floor).map((r) => ({ start: Math.max(r.start, floor), end: r.end }));
    this.fold();
  }

  private fold(): void {
    const first = this.ranges[0];
    if (first !== undefined && first.start <= this.base) {
      this.base = first.end;
      this.ranges.shift();
    }
  }

  /** The ranges above base (copies). */
  list(): AckRange[] {
    return this.ranges.map((r) => ({ start: r.start, end: r.end }));
  }

  /**
   * An ACK frame that fits in `room` bytes, or undefined if not even the fixed part fits. Ranges
   * nearest base are kept; the others are left out and acknowledged by a later ACK [SW-14.3-4].
   */
  ackFrame(room: number, window: number, delay: number, withheld?: ReadonlySet<number>): AckFrame | undefined {
    if (room < ACK_FIXED_LEN) return undefined;
    let cum = this.base;
    let ranges: ReadonlyArray<{ start: number; end: number }> = this.ranges;
    if (withheld !== undefined && withheld.size > 0) ({ cum, ranges } = this.without(withheld));
    const n = Math.min(ranges.length, ACK_MAX_RANGES, Math.floor((room - ACK_FIXED_LEN) / ACK_RANGE_LEN));
    return {
      type: 'ACK',
      cum,
      window: Math.max(0, Math.min(0xffff, window)),
      delay: Math.max(0, Math.min(0xffff, Math.round(delay))),
      ranges: ranges.slice(0, n).map((r) => ({ start: r.start, end: r.end })),
    };
  }

  /**
   * The received ids less `withheld` (ids taken whose acknowledgement waits until their effect is
   * durable, [SW-14.3-9]): CUM stops at the lowest withheld id below base, and the ranges are
   * split around each withheld id. Every withheld id was received (it is below base or in a range).
   */
  private without(withheld: ReadonlySet<number>): { cum: number; ranges: Array<{ start: number; end: number }> } {
    const all = [{ start: -Infinity, end: this.base }, ...this.ranges.map((r) => ({ start: r.start, end: r.end }))];
    const out: Array<{ start: number; end: number }> = [];
    const ids = [...withheld].sort((a, b) => a - b);
    let k = 0;
    for (const r of all) {
      let start = r.start;
      for (; k < ids.length && ids[k]! < r.end; k++) {
        const w = ids[k]!;
        if (w < start) continue;
        out.push({ start, end: w });
        start = w + 1;
      }
      out.push({ start, end: r.end });
    }
    const first = out.shift()!; // starts at -Infinity: everything below its end is acknowledged
    return { cum: first.end, ranges: out.filter((r) => r.end > r.start) };
  }
}
