/**
 * The hub's side of discovery (spec 19.7): verify a SCOUT, stay silent unless it authenticates,
 * and answer within the reply budget: never more bytes than the scout, at most one ANNOUNCE per
 * (scout, source) per second, per-source and total rates, a random delay of 20-120 ms, and no
 * answer at all when another hub of the site answered the same scout first. Pure: time and
 * randomness come in, the Node edge owns the timers and the socket.
 * @module
 */
import { MAX_DATAGRAM } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import type { Keyring } from '../session/keyring.js';
import { IntervalTable, KeyedBuckets, TokenBucket } from './budget.js';
import {
  ANNOUNCE_HEADER_LEN,
  ANNOUNCE_RAND_LEN,
  REPLY_DELAY_MAX_MS,
  REPLY_DELAY_MIN_MS,
  REPLY_INTERVAL_MS,
  REPLY_RATE,
  REPLY_SOURCE_RATE,
  SCOUT_DERIVE_RATE,
  SCOUT_FLAG_UNICAST,
} from './constants.js';
import { GroupDropCounters, type GroupDrop } from './drop.js';
import { encodeAnnounceHeader, parseAnnounce, parseScout, scoutNonce } from './header.js';
import { deriveDiscoveryKeys, type DiscoveryKeys } from './keys.js';
import { encodeAnnouncement, type Announcement } from './scout.js';

export interface ResponderOptions {
  readonly suite: CryptoSuite;
  /** The hub's node id: a scout from it is never answered. */
  readonly hubId: string;
  /** The hub's keyring: the same pair keys as its unicast traffic (3.4). */
  readonly keyring: Keyring;
  /** What to announce: the hub's unicast port and, optionally, address. */
  readonly announce: Omit<Announcement, 'hubId'>;
  /** A uniform random number in [0, 1), for the reply delay; default Math.random. */
  readonly random?: () => number;
  readonly maxDatagram?: number;
  readonly deriveRate?: number;
  readonly replySourceRate?: number;
  readonly replyRate?: number;
}

/** An authenticated scout to answer after `delayMs`, unless suppressed by then. */
export interface ScheduledReply {
  readonly ok: true;
  readonly reply: Uint8Array;
  /** True: send to the group (the scout's U bit is clear); false: to the scout's source. */
  readonly toGroup: boolean;
  readonly delayMs: number;
  /** Pass to take() when the delay ends. */
  readonly token: string;
}

export interface ResponderStats {
  scouts: number;
  scoutBytes: number;
  answered: number;
  answerBytes: number;
  suppressed: number;
}

export class DiscoveryResponder {
  readonly drops = new GroupDropCounters();
  readonly stats: ResponderStats = { scouts: 0, scoutBytes: 0, answered: 0, answerBytes: 0, suppressed: 0 };
  private readonly keyCache = new Map<string, DiscoveryKeys>();
  private readonly deriveBudget: TokenBucket;
  private readonly perScout = new IntervalTable(REPLY_INTERVAL_MS);
  private readonly perSource: KeyedBuckets;
  private readonly total: TokenBucket;
  /** Replies waiting out their delay, by scout id: what suppression looks up. */
  private readonly pending = new Map<string, { readonly announceKey: Uint8Array; suppressed: boolean }>();

  constructor(private readonly o: ResponderOptions) {
    this.deriveBudget = new TokenBucket(o.deriveRate ?? SCOUT_DERIVE_RATE);
    this.perSource = new KeyedBuckets(o.replySourceRate ?? REPLY_SOURCE_RATE);
    this.total = new TokenBucket(o.replyRate ?? REPLY_RATE);
  }

  /**
   * A SCOUT from `source` (the sender's host, or host:port) at `now` ([SW-19.7-1]). Returns a drop reason
   * (nothing is ever sent for it), or the ANNOUNCE to send once the delay has passed.
   */
  onScout(d: Uint8Array, source: string, now: number): ScheduledReply | { readonly ok: false; readonly reason: GroupDrop } {
    const drop = (reason: GroupDrop) => {
      this.drops.add(reason);
      return { ok: false as const, reason };
    };
    if (d.length > (this.o.maxDatagram ?? MAX_DATAGRAM)) return drop('TOO_LARGE');
    const h = parseScout(d);
    if (typeof h === 'string') return drop(h);
    if (h.senderId === this.o.hubId) return drop('UNKNOWN_KEY');
    const status = this.o.keyring.status(h.senderId, h.gen, now);
    if (status !== 'ok') return drop(status);
    const ck = `${h.gen}:${h.senderId}`;
    let keys = this.keyCache.get(ck);
    if (keys === undefined) {
      if (!this.deriveBudget.take(now)) return drop('DERIVE_LIMIT');
      const pk = this.o.keyring.lookup(h.senderId, h.gen, now, true);
      if (!pk.ok) return drop(pk.reason);
      keys = deriveDiscoveryKeys(this.o.suite, pk.pairKey, h.senderId, h.gen);
    }
    const p = this.o.suite.open(keys.scout, scoutNonce(d), d.subarray(h.length));
    if (p === null) return drop('AUTH');
    if (!this.keyCache.has(ck)) {
      this.o.keyring.confirm?.(h.senderId, h.gen);
      if (this.keyCache.size >= 256) this.keyCache.delete(this.keyCache.keys().next().value!);
      this.keyCache.set(ck, keys);
    }
    if (p.some((b) => b !== 0)) return drop('MALFORMED_INNER');
    this.stats.scouts++;
    this.stats.scoutBytes += d.length;
    // the reply budget [SW-19.7-2] [SW-19.7-3]
    const id = hexOf(h.scoutId);
    if (!this.perScout.grant(`${id}/${source}`, now)) return drop('REPLY_BUDGET');
    if (!this.perSource.take(hostOf(source), now) || !this.total.take(now)) return drop('REPLY_BUDGET');
    // one RAND per answer [SW-19.6-5]: the shorter form, if needed, replaces the longer unsent one
    const rand = this.o.suite.randomBytes(ANNOUNCE_RAND_LEN);
    let reply = this.seal(keys, h.gen, h.scoutId, rand, { hubId: this.o.hubId, ...this.o.announce });
    if (reply.length > d.length && this.o.announce.address !== undefined) {
      reply = this.seal(keys, h.gen, h.scoutId, rand, { hubId: this.o.hubId, port: this.o.announce.port });
    }
    if (reply.length > d.length) return drop('REPLY_TOO_LARGE');
    const toGroup = (h.flags & SCOUT_FLAG_UNICAST) === 0;
    if (toGroup) this.pending.set(id, { announceKey: keys.announce, suppressed: false });
    const r = (this.o.random ?? Math.random)();
    const delayMs = REPLY_DELAY_MIN_MS + Math.floor(r * (REPLY_DELAY_MAX_MS - REPLY_DELAY_MIN_MS + 1));
    return { ok: true, reply, toGroup, delayMs, token: id };
  }

  /**
   * An ANNOUNCE seen on the group [SW-19.7-4]: if it authenticates as an answer to a scout this hub
   * is about to answer, this hub stays silent. Unauthenticated announcements suppress nothing.
   */
  observe(d: Uint8Array): boolean {
    // every one that suppresses nothing is a counted drop [SW-19.1-3]: a junk datagram that merely
    // began like an ANNOUNCE went uncounted (1 in 65,536 random datagrams)
    const h = parseAnnounce(d);
    const p = typeof h === 'string' ? undefined : this.pending.get(hexOf(h.scoutId));
    const reason = typeof h === 'string' ? h : p === undefined || p.suppressed ? 'UNSOLICITED' : this.o.suite.open(p.announceKey, d.subarray(0, ANNOUNCE_HEADER_LEN), d.subarray(ANNOUNCE_HEADER_LEN)) === null ? 'AUTH' : undefined;
    if (reason !== undefined) {
      this.drops.add(reason);
      return false;
    }
    p!.suppressed = true;
    return true;
  }

  /** When the delay of `token` ends: true if the reply is to be sent now (and counts it). */
  take(token: string, reply: Uint8Array): boolean {
    const p = this.pending.get(token);
    this.pending.delete(token);
    if (p?.suppressed === true) {
      this.stats.suppressed++;
      return false;
    }
    this.stats.answered++;
    this.stats.answerBytes += reply.length;
    return true;
  }

  private seal(keys: DiscoveryKeys, gen: number, scoutId: Uint8Array, rand: Uint8Array, a: Announcement): Uint8Array {
    const header = encodeAnnounceHeader(gen, scoutId, rand);
    return this.o.suite.seal(keys.announce, header, encodeAnnouncement(a), header);
  }
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** The address part of "host:port" or "[v6]:port" (per-source budgets count hosts). */
function hostOf(source: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(source) ?? /^([^:]*):\d+$/.exec(source);
  return m === null ? source : m[1]!;
}
