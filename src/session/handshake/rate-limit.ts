/**
 * The responder's handshake budget (spec 13.6, step 11): a token bucket over all initiators, so a
 * flood of fresh, authentic initiations (a compromised device, or replays to a responder that lost
 * its timestamps) costs at most HANDSHAKE_RATE pairs of X25519 per second. Time is passed in.
 * @module
 */
import { InvalidArgumentError } from '../../errors.js';
import { HANDSHAKE_RATE } from './constants.js';

export interface RateLimiter {
  /** Takes one unit of budget at `now` (ms); false, changing nothing, if none is left. */
  take(now: number): boolean;
}

export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number | undefined;

  /** `perSecond` units refill per second, up to `burst` (default: one second's worth). */
  constructor(
    private readonly perSecond: number = HANDSHAKE_RATE,
    private readonly burst: number = perSecond,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new InvalidArgumentError('rate must be > 0 and burst ≥ 1');
    this.tokens = burst;
  }

  take(now: number): boolean {
    if (this.last !== undefined && now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    }
    if (this.last === undefined || now > this.last) this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
