// Receiver B's deferred acknowledgements, [SW-14.3-9] (spec 14.3), written from the spec text only.
// On a deferring channel (config.B.deferAcks, 14.11) every reliable message is taken as usual, but the
// id of the fragment that completed it is left out of every ACK until it was delivered (a message held
// back for its predecessor, 14.7, is not) and the application released it (a `release` step; a
// release of any other id, a held-back one included, changes nothing). An ACK
// then reports CUM = the lowest withheld id if that is below BASE, and its ranges are split around
// the withheld ids ([SW-14.3-4]: it never lies, and CUM never moves backwards since a withheld id was
// never acknowledged). A FORWARD past a withheld id settles it. A release makes an ACK owed at once
// (the caller does that).

export interface AckView { cum: number; ranges: { start: number; end: number }[] }

/** Ascending ids as ranges of consecutive ids, `end` exclusive (14.11). */
export function toRanges(ids: readonly number[]): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (const i of ids) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === i) last.end++;
    else ranges.push({ start: i, end: i + 1 });
  }
  return ranges;
}

export class DeferredAcks {
  private readonly channels: Set<number>;
  /** completing id -> whether its message was delivered, and whether the application released it. */
  private readonly withheld = new Map<number, { delivered: boolean; released: boolean }>();

  constructor(channels: readonly number[]) { this.channels = new Set(channels); }

  /** A message on `channel` completed with the fragment `id`: withheld if the channel defers. */
  completed(channel: number, id: number): void {
    if (this.channels.has(channel)) this.withheld.set(id, { delivered: false, released: false });
  }

  /** The message completed by `id` was handed to the application. */
  delivered(id: number): void {
    const w = this.withheld.get(id);
    if (w) { w.delivered = true; this.settle(id); }
  }

  /**
   * The application releases `id`; returns whether it released anything. A release names a message
   * the application was handed: any other id, one still held back included, changes nothing.
   */
  release(id: number): boolean {
    const w = this.withheld.get(id);
    if (!w || !w.delivered) return false;
    w.released = true;
    this.settle(id);
    return true;
  }

  /** A FORWARD with `floor`: every withheld id below it is settled (the sender gave it up). */
  forward(floor: number): void {
    for (const id of [...this.withheld.keys()]) if (id < floor) this.withheld.delete(id);
  }

  private settle(id: number): void {
    const w = this.withheld.get(id)!;
    if (w.delivered && w.released) this.withheld.delete(id);
  }

  /**
   * What an ACK reports, from BASE and the received ids at or above BASE: every id below BASE is
   * settled, so with no withheld id CUM = BASE and the ranges are those of `received`.
   */
  view(base: number, received: Iterable<number>): AckView {
    const held = [...this.withheld.keys()].sort((a, b) => a - b);
    const cum = held.length > 0 && held[0]! < base ? held[0]! : base;
    const ids: number[] = [];
    for (let i = cum; i < base; i++) if (!this.withheld.has(i)) ids.push(i);
    for (const i of [...received].filter((x) => x >= base).sort((a, b) => a - b)) if (!this.withheld.has(i)) ids.push(i);
    return { cum, ranges: toRanges(ids) };
  }
}
