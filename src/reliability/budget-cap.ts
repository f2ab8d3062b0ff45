/**
 * The datagram budget a peer declared (spec 15.5, [SW-4.6-7]) below the node's own: new fragments
 * are cut to it at once, and datagrams to the peer shrink to it as soon as nothing cut to the older,
 * larger budget is left to (re)send, so that no fragment is ever larger than the room it gets.
 * @module
 */
export class BudgetCap {
  private cap = Infinity;
  /** Message ids below this were cut to the older budget. */
  private legacyBelow = 0;
  /** Unreliable messages queued before the cap (sized for the older budget). */
  private legacyUnreliable = 0;

  constructor(private readonly base: number) {}

  /** The budget new fragments are cut to. */
  get cut(): number {
    return Math.min(this.base, this.cap);
  }

  /** Lowers the cap to `n` (never raises it); `nextId` and `unreliable` are what is queued now. */
  lower(n: number, nextId: number, unreliable: number): void {
    if (!(n < this.cut)) return;
    this.cap = n;
    this.legacyBelow = nextId;
    this.legacyUnreliable = unreliable;
  }

  /** An unreliable message left the queue (oldest first). */
  tookUnreliable(): void {
    if (this.legacyUnreliable > 0) this.legacyUnreliable--;
  }

  /** The largest datagram to build now, given the lowest unsettled id. */
  room(floor: number): number {
    return floor < this.legacyBelow || this.legacyUnreliable > 0 ? this.base : this.cut;
  }
}
