/**
 * Reconnect delays with decorrelated jitter (AWS architecture blog, "Exponential Backoff and
 * Jitter"): each delay is uniform in [base, 3 x the previous], capped. A connection resets the
 * sequence to `base` only once it has stayed up `stableMs` (mosquitto's `restart_timeout base cap
 * stable`, HiveMQ Edge's stall lesson): a link that flaps right after each connect keeps backing off
 * instead of hammering the broker. Pure: the random source is passed in.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/** @group Bridge building blocks */
export interface BackoffOptions {
  /** First delay, ms (default 1000). */
  readonly baseMs?: number;
  /** Largest delay, ms (default 30,000). */
  readonly capMs?: number;
  /** How long a connection must last before the delays start over, ms (default 10,000). */
  readonly stableMs?: number;
}

/** @group Bridge building blocks */
export class DecorrelatedJitter {
  readonly baseMs: number;
  readonly capMs: number;
  readonly stableMs: number;
  private prev: number;
  private upSince: number | undefined;

  constructor(o: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.baseMs = o.baseMs ?? 1000;
    this.capMs = o.capMs ?? 30_000;
    this.stableMs = o.stableMs ?? 10_000;
    if (!(this.baseMs > 0) || !(this.capMs >= this.baseMs) || !(this.stableMs >= 0)) {
      throw new InvalidArgumentError('backoff needs 0 < baseMs <= capMs and stableMs >= 0');
    }
    this.prev = this.baseMs;
  }

  /** The link came up at `now`. */
  up(now: number): void {
    this.upSince = now;
  }

  /** The link went down (or an attempt failed) at `now`: the delay before the next attempt. */
  next(now: number): number {
    if (this.upSince !== undefined && now - this.upSince >= this.stableMs) this.prev = this.baseMs;
    this.upSince = undefined;
    const hi = Math.min(this.capMs, this.prev * 3);
    this.prev = Math.min(this.capMs, this.baseMs + this.random() * (hi - this.baseMs));
    return Math.round(this.prev);
  }
}
