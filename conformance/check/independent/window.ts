// Replay window of spec 5.4.
// Contract: state is `top` (null = empty) and `seen` ⊆ (top - W, top].
// verdict() is the pre-check of [SW-5.4-1] and never changes state [SW-5.4-3];
// update() is the post-authentication update of [SW-5.4-2].
export type WindowVerdict = 'accept' | 'TOO_OLD' | 'REPLAY';

export class ReplayWindow {
  top: number | null = null;
  readonly seen = new Set<number>();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`bad window size ${size}`);
  }

  /** Builds a window from a vector's state; returns the problems found with that state. */
  static fromState(size: number, top: number | null, seen: number[]): { window: ReplayWindow; problems: string[] } {
    const w = new ReplayWindow(size);
    const problems: string[] = [];
    w.top = top;
    for (const c of seen) {
      if (top === null) problems.push(`seen counter ${c} in an empty window`);
      else if (c > top || top - c >= size) problems.push(`seen counter ${c} outside (top - W, top] = (${top - size}, ${top}] [SW-5.4-2]`);
      w.seen.add(c);
    }
    if (top !== null && !w.seen.has(top)) problems.push(`top ${top} is not in seen (top is an accepted counter, [SW-5.4-2])`);
    return { window: w, problems };
  }

  /** [SW-5.4-1], steps 1-5 in order. */
  verdict(c: number): WindowVerdict {
    if (this.top === null) return 'accept'; // 1
    if (c > this.top) return 'accept'; // 2
    if (this.top - c >= this.size) return 'TOO_OLD'; // 3
    if (this.seen.has(c)) return 'REPLAY'; // 4
    return 'accept'; // 5
  }

  /** [SW-5.4-2]: if empty or c > top, top = c; add c; forget every counter <= top - W. */
  update(c: number): void {
    if (this.top === null || c > this.top) this.top = c;
    this.seen.add(c);
    for (const s of this.seen) if (s <= this.top - this.size) this.seen.delete(s);
  }

  /** [SW-5.5-2]: a new epoch's window is empty. */
  clear(): void {
    this.top = null;
    this.seen.clear();
  }
}
