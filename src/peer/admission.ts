/**
 * Admission (spec 6.5) and cookies (spec 6.6): what a datagram that has not authenticated may cost
 * this node. A key derivation for one (a device key, or the traffic key of an epoch no context
 * holds) needs a token from its source's bucket and one from the node's; while the node's bucket is
 * below half, only a datagram that carries a cookie for its source address gets one, and one without
 * is answered with a COOKIE instead, at most ANSWER_RATE a second and never longer than itself. A
 * peer with a context needs no derivation, so a flood never stands between it and this node.
 *
 * Also the sending half: every FULL datagram and initiation this node sends is noted, so that a
 * COOKIE answering one (from a node under load) is answered with that datagram behind the cookie.
 * Runtime-agnostic: time is passed in, bytes go through the Transport.
 * @module
 */
import {
  ANSWER_RATE,
  COOKIE_PENDING,
  COOKIE_SECRET_INTERVAL_MS,
  DERIVE_BURST,
  DERIVE_RATE,
  SOURCE_BURST,
  SOURCE_RATE,
  SOURCE_TABLE,
  LOAD_WINDOW_MS,
} from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import type { Address, Transport } from '../transport/transport.js';
import { encodeCookie, encodeCookieEcho, parseCookieMessage } from '../wire/cookie.js';
import type { DropReason } from '../wire/drop-reason.js';
import { CookieMint } from './cookie-mint.js';
import { PendingCookies } from './cookie-pending.js';

/** The limits of spec 6.5 and 6.6 (section 20.2 gives the defaults). Rates are per second. */
export interface AdmissionOptions {
  readonly deriveRate?: number;
  readonly deriveBurst?: number;
  readonly sourceRate?: number;
  readonly sourceBurst?: number;
  readonly sourceTable?: number;
  readonly answerRate?: number;
  readonly loadWindowMs?: number;
  readonly cookieSecretIntervalMs?: number;
  readonly cookiePending?: number;
}

/** Counters of admission, for the operator (NodeStats.admission); drops are in NodeStats.drops. */
export interface AdmissionStats {
  /** Datagrams granted their derivations. */
  granted: number;
  /** Of those, granted on a valid cookie while under load. */
  grantedOnCookie: number;
  /** COOKIEs sent (as the node under load). */
  cookiesSent: number;
  /** COOKIEs and one-off answers not sent for want of answer budget. */
  answersLimited: number;
  /** COOKIE_ECHOs sent (answering a node under load). */
  cookieEchoes: number;
  /** Sources whose buckets are held now, at most SOURCE_TABLE (a gauge). */
  sources: number;
}

export interface AdmissionHost {
  readonly suite: CryptoSuite;
  /** Sends `bytes` as they are (a COOKIE or a COOKIE_ECHO), counted with the node's datagrams. */
  send(bytes: Uint8Array, to: Address): void;
  /** Counts a drop decided here [SW-6.2-1]. */
  drop(reason: DropReason): void;
  /** The receiver's MAX_DATAGRAM: a COOKIE_ECHO may exceed it by its overhead [SW-6.6-5]. */
  readonly maxDatagram: number;
  /** The transport's MTU: a COOKIE_ECHO that would exceed it is not sent. */
  readonly mtu: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

function refill(b: Bucket, now: number, rate: number, burst: number): void {
  if (now > b.at) {
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
    b.at = now;
  }
}

/**
 * The source of spec 6.5: the IPv4 address, or the /64 prefix of an IPv6 address (an IPv4-mapped
 * one is its IPv4 address); never the port. Any other host name (a test network's) is itself.
 */
export function sourceOf(host: string): string {
  if (!host.includes(':')) return host;
  const h = host.split('%')[0]!.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped !== null) return mapped[1]!;
  const [left, right] = h.split('::') as [string, string | undefined];
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  const l = groups(left);
  const r = groups(right);
  const tailIs4 = (r.length > 0 ? r : l)[(r.length > 0 ? r : l).length - 1]?.includes('.') === true;
  const missing = 8 - l.length - r.length - (tailIs4 ? 1 : 0);
  const all = right === undefined ? l : [...l, ...new Array<string>(Math.max(0, missing)).fill('0'), ...r];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export class Admission {
  readonly stats: AdmissionStats = { granted: 0, grantedOnCookie: 0, cookiesSent: 0, answersLimited: 0, cookieEchoes: 0, sources: 0 };
  private readonly o: Required<AdmissionOptions>;
  private readonly sources = new Map<string, Bucket>();
  private readonly node: Bucket;
  private readonly answers: Bucket;
  private readonly mint: CookieMint;
  private readonly pending: PendingCookies;
  /** The cookie of the COOKIE_ECHO whose inner datagram is being processed, else undefined. */
  private cookie: Uint8Array | undefined;
  /** Datagrams past rule 1 of [SW-6.5-4] in the current load window, and in the one before. */
  private demand = 0;
  private demandBefore = 0;
  private windowStart = -Infinity;

  constructor(
    private readonly host: AdmissionHost,
    options: AdmissionOptions = {},
  ) {
    this.o = {
      deriveRate: DERIVE_RATE,
      deriveBurst: DERIVE_BURST,
      sourceRate: SOURCE_RATE,
      sourceBurst: SOURCE_BURST,
      sourceTable: SOURCE_TABLE,
      answerRate: ANSWER_RATE,
      loadWindowMs: LOAD_WINDOW_MS,
      cookieSecretIntervalMs: COOKIE_SECRET_INTERVAL_MS,
      cookiePending: COOKIE_PENDING,
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as AdmissionOptions),
    };
    for (const [k, v] of Object.entries(this.o)) {
      if (!(typeof v === 'number' && v > 0)) throw new InvalidArgumentError(`admission.${k} must be a number > 0`);
    }
    if (this.o.deriveBurst < 2 || this.o.sourceBurst < 1) throw new InvalidArgumentError('admission bursts must be at least 2 (node) and 1 (source)');
    this.node = { tokens: this.o.deriveBurst, at: -Infinity };
    this.answers = { tokens: this.o.answerRate, at: -Infinity };
    this.mint = new CookieMint(host.suite, this.o.cookieSecretIntervalMs);
    this.pending = new PendingCookies(this.o.cookiePending);
  }

  /**
   * True while the node's bucket is below half, or while more datagrams asked for derivations in the
   * last load window than the node's rate grants in that time: new sources must prove their address
   * [SW-6.5-3]. Without the second condition a steady flood would get the bucket's refill: refused
   * while the bucket is low, it would take the refill again as soon as the bucket rose above half.
   */
  underLoad(now: number): boolean {
    refill(this.node, now, this.o.deriveRate, this.o.deriveBurst);
    return this.node.tokens < this.o.deriveBurst / 2 || this.recentDemand(now) > (this.o.deriveRate * this.o.loadWindowMs) / 1000;
  }

  /** The datagrams past rule 1 in the last load window: the current window's and a share of the one before. */
  private recentDemand(now: number): number {
    const w = this.o.loadWindowMs;
    if (now - this.windowStart >= w) {
      this.demandBefore = now - this.windowStart < 2 * w ? this.demand : 0;
      this.demand = 0;
      this.windowStart = now;
    }
    return this.demand + this.demandBefore * Math.max(0, 1 - (now - this.windowStart) / w);
  }

  /**
   * Asked before the first derivation for `d` (a FULL datagram or an initiation that has not
   * authenticated) from `from`, in the order of [SW-6.5-4]: undefined grants every derivation of this
   * datagram; a reason refuses it, and under load the sender gets a COOKIE [SW-6.6-2].
   */
  derivation(d: Uint8Array, from: Address, now: number): DropReason | undefined {
    const src = this.source(from, now);
    if (src.tokens < 1) return 'DERIVE_LIMIT'; // 1: this source's budget is spent, cookie or not
    src.tokens -= 1;
    this.recentDemand(now);
    this.demand++;
    const proven = this.cookie !== undefined;
    const load = this.underLoad(now);
    if (load) {
      if (!proven) {
        this.answerWithCookie(d, from, now); // 2
        return 'UNDER_LOAD';
      }
      if (!this.mint.check(this.cookie!, from, now)) return 'BAD_COOKIE'; // 3: never answered [SW-6.6-6]
    }
    if (this.node.tokens < 1) return 'DERIVE_LIMIT'; // 4
    this.node.tokens -= 1; // 5
    this.stats.granted++;
    if (load) this.stats.grantedOnCookie++;
    return undefined;
  }

  /**
   * Whether a one-off answer to a datagram from outside the validated path (the answer of
   * [SW-10.1-6]) may go to `to` now: it takes a token of that source's and one of the answer budget
   * [SW-6.5-6].
   */
  answer(to: Address, now: number): boolean {
    const src = this.source(to, now);
    if (src.tokens < 1 || !this.takeAnswer(now)) {
      this.stats.answersLimited++;
      return false;
    }
    src.tokens -= 1;
    return true;
  }

  /**
   * A COOKIE or COOKIE_ECHO from `from` (spec 6.6). A COOKIE that echoes a datagram this node sent
   * there is answered with that datagram behind the cookie [SW-6.6-4]; a COOKIE_ECHO's inner datagram
   * goes to `inner` as if it had come alone, with its cookie shown to derivation() [SW-6.6-5].
   */
  onMessage(d: Uint8Array, from: Address, now: number, inner: (d: Uint8Array) => void): void {
    const m = parseCookieMessage(d, this.host.maxDatagram);
    if (typeof m === 'string') return this.host.drop(m);
    if (m.type === 'COOKIE') {
      const sent = this.pending.take(m.echo, from); // [SW-6.6-3]
      if (sent === undefined) return this.host.drop('UNSOLICITED');
      const echo = encodeCookieEcho(m.cookie, sent);
      if (echo.length > this.host.mtu) return this.host.drop('TOO_LARGE'); // [SW-6.6-8] leaves room; counted if not
      this.stats.cookieEchoes++;
      this.host.send(echo, from);
      return;
    }
    this.cookie = m.cookie;
    try {
      inner(m.inner);
    } finally {
      this.cookie = undefined;
    }
  }

  /** `t` with every FULL datagram and initiation sent through it noted for COOKIEs [SW-6.6-3]. */
  watch(t: Transport): Transport {
    const pending = this.pending;
    return {
      get local() {
        return t.local;
      },
      get mtu() {
        return t.mtu;
      },
      send(d: Uint8Array, to: Address): Promise<void> {
        if (d[0] !== 0x40) pending.note(d, to); // SHORT, the common case, costs one comparison
        return t.send(d, to);
      },
      onReceive: (h) => t.onReceive(h),
      close: () => t.close(),
    };
  }

  private answerWithCookie(d: Uint8Array, from: Address, now: number): void {
    if (!this.takeAnswer(now)) {
      this.stats.answersLimited++;
      return;
    }
    this.stats.cookiesSent++;
    this.host.send(encodeCookie(d, this.mint.make(from, now)), from);
  }

  private takeAnswer(now: number): boolean {
    refill(this.answers, now, this.o.answerRate, this.o.answerRate);
    if (this.answers.tokens < 1) return false;
    this.answers.tokens -= 1;
    return true;
  }

  /** The bucket of `from`'s source, refilled; a source not held starts full [SW-6.5-2]. */
  private source(from: Address, now: number): Bucket {
    const key = sourceOf(from.host);
    let b = this.sources.get(key);
    if (b === undefined) {
      if (this.sources.size >= this.o.sourceTable) this.sources.delete(this.sources.keys().next().value!);
      b = { tokens: this.o.sourceBurst, at: now };
    } else {
      this.sources.delete(key); // least recently used first: re-inserted below
      refill(b, now, this.o.sourceRate, this.o.sourceBurst);
    }
    this.sources.set(key, b);
    this.stats.sources = this.sources.size;
    return b;
  }
}
