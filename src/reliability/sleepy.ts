/**
 * A sleepy peer's declared schedule (spec 14.9): after each datagram it sends, it listens for
 * `awakeMs`; otherwise it sleeps, and it sends at least once every `wakeIntervalMs`. A sender
 * transmits reliable messages to it only while it listens, so retries are not burnt while it sleeps.
 * Pure: `now` is passed in.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

export interface SleepDeclaration {
  readonly wakeIntervalMs: number;
  readonly awakeMs: number;
}

export class SleepSchedule {
  /** The declaration in force, or undefined for a peer that does not sleep (always listening). */
  declared: SleepDeclaration | undefined;
  /** Last time an authenticated datagram was heard from the peer, or undefined. */
  lastHeard: number | undefined;

  /** Applies a SLEEP frame [SW-14.9-2]: zero intervals cancel the declaration. */
  declare(d: SleepDeclaration | undefined): void {
    if (d !== undefined && (d.wakeIntervalMs < 0 || d.awakeMs < 0)) throw new InvalidArgumentError('sleep intervals must be >= 0');
    this.declared = d === undefined || d.wakeIntervalMs === 0 ? undefined : d;
  }

  heard(now: number): void {
    this.lastHeard = this.lastHeard === undefined ? now : Math.max(this.lastHeard, now);
  }

  get sleepy(): boolean {
    return this.declared !== undefined;
  }

  /** Whether the peer listens at `now` [SW-14.9-3]. */
  awake(now: number): boolean {
    if (this.declared === undefined) return true;
    return this.lastHeard !== undefined && now >= this.lastHeard && now < this.lastHeard + this.declared.awakeMs;
  }

  /** End of the current listening period (exclusive), or Infinity for a peer that does not sleep. */
  awakeUntil(): number {
    if (this.declared === undefined) return Infinity;
    return this.lastHeard === undefined ? -Infinity : this.lastHeard + this.declared.awakeMs;
  }

  /** When the peer is next expected to wake (informational: the sender waits to hear it). */
  nextWakeExpected(): number {
    if (this.declared === undefined) return -Infinity;
    return (this.lastHeard ?? 0) + this.declared.wakeIntervalMs;
  }
}
