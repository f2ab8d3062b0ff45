/**
 * The sender's half of the cookie exchange (spec 6.6): the last COOKIE_PENDING datagrams this node
 * sent that a COOKIE may answer (FULL datagrams and initiations), each with where it went. A COOKIE
 * is accepted only if it echoes the last 16 bytes of one of them and comes from the address that one
 * went to [SW-6.6-3]; that datagram is then taken out, so each draws at most one COOKIE_ECHO. An
 * off-path attacker never sees those bytes: it cannot make this node send anything.
 * @module
 */
import { COOKIE_LEN, COOKIE_PENDING } from '../constants.js';
import type { Address } from '../transport/transport.js';
import { isAnswerable } from '../wire/cookie.js';

interface Sent {
  readonly bytes: Uint8Array;
  readonly to: Address;
}

export class PendingCookies {
  private readonly slots: Array<Sent | undefined>;
  private next = 0;

  constructor(size: number = COOKIE_PENDING) {
    this.slots = new Array<Sent | undefined>(Math.max(1, size)).fill(undefined);
  }

  /** Remembers a copy of `d` if a COOKIE may answer it; the oldest remembered is forgotten. */
  note(d: Uint8Array, to: Address): void {
    if (!isAnswerable(d)) return; // SHORT datagrams, responses and cookie messages draw no COOKIE
    this.slots[this.next] = { bytes: d.slice(), to: { host: to.host, port: to.port } };
    this.next = (this.next + 1) % this.slots.length;
  }

  /** The datagram `echo` names, sent to `from`, taken out; undefined if none [SW-6.6-3]. */
  take(echo: Uint8Array, from: Address): Uint8Array | undefined {
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s === undefined || s.to.port !== from.port || s.to.host !== from.host) continue;
      const off = s.bytes.length - COOKIE_LEN;
      let d = 0;
      for (let j = 0; j < COOKIE_LEN; j++) d |= s.bytes[off + j]! ^ echo[j]!;
      if (d !== 0) continue;
      this.slots[i] = undefined;
      return s.bytes;
    }
    return undefined;
  }
}
