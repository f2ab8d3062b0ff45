/**
 * Repair of group losses from a bounded history (spec 19.12), runtime-agnostic with time passed in.
 * Three pieces: the sender's RepairHistory of its own sealed datagrams, the RepairResponder that
 * answers a NACK by handing back the named datagrams unchanged within the reply budget, and the
 * receiver's NackScheduler that finds gaps in each sender's counters and says when to NACK them.
 * Repair is off unless a group enables it; nothing here sends: the caller does.
 * @module
 */
import { toHex } from '../util/bytes.js';
import { KeyedBuckets, TokenBucket } from './budget.js';
import {
  NACK_DELAY_MAX_MS,
  NACK_DELAY_MIN_MS,
  NACK_MAX_COUNTERS,
  NACK_MAX_MISSING,
  NACK_RETRY_MS,
  NACK_TRIES,
  REPAIR_HISTORY_BYTES,
  REPAIR_HISTORY_COUNT,
  REPAIR_INTERVAL_MS,
  REPAIR_RATE,
  REPAIR_SOURCE_RATE,
} from './constants.js';
import type { GroupNack } from './frames.js';
import { parseGroupHeader } from './header.js';

/** The sender a datagram or a NACK belongs to: (GEN, MEMBER, EPOCH, BOOT). */
const senderKey = (gen: number, member: number, epoch: number, boot: Uint8Array) => `${gen}/${member}/${epoch}/${toHex(boot)}`;

/** A datagram kept in a sender's history, to be sent again unchanged. */
export interface RepairEntry {
  readonly datagram: Uint8Array;
  /** When it was last re-sent, for the per-counter interval [SW-19.12-5]. */
  lastRepair: number;
}

/**
 * The last datagrams a sender sent to one group, bounded by count and by bytes [SW-19.12-1]: the
 * sealed bytes as they left, so a repair is the same datagram again (same counter, same nonce,
 * same ciphertext) and never a new encryption.
 */
export class RepairHistory {
  private readonly entries = new Map<string, RepairEntry>();
  private total = 0;
  constructor(
    readonly maxCount = REPAIR_HISTORY_COUNT,
    readonly maxBytes = REPAIR_HISTORY_BYTES,
  ) {}

  /** Records a datagram this node sealed; the oldest entries go when a bound is passed. */
  add(d: Uint8Array): void {
    const h = parseGroupHeader(d);
    if (typeof h === 'string' || d.length > this.maxBytes) return;
    const k = `${senderKey(h.gen, h.member, h.epoch, h.boot)}/${h.counter}`;
    if (this.entries.has(k)) return;
    this.entries.set(k, { datagram: d.slice(), lastRepair: Number.NEGATIVE_INFINITY });
    this.total += d.length;
    while (this.entries.size > this.maxCount || this.total > this.maxBytes) {
      const [oldest, e] = this.entries.entries().next().value as [string, RepairEntry];
      this.entries.delete(oldest);
      this.total -= e.datagram.length;
    }
  }

  get(gen: number, member: number, epoch: number, boot: Uint8Array, counter: number): RepairEntry | undefined {
    return this.entries.get(`${senderKey(gen, member, epoch, boot)}/${counter}`);
  }

  get size(): number {
    return this.entries.size;
  }
  get bytes(): number {
    return this.total;
  }
}

export interface RepairResponderOptions {
  readonly history: RepairHistory;
  readonly intervalMs?: number;
  readonly sourceRate?: number;
  readonly rate?: number;
}

export interface RepairStats {
  nacks: number;
  /** Datagrams handed back for re-sending, and their bytes. */
  repairs: number;
  repairBytes: number;
  /** Named counters not in the history (evicted, never sent, another sender's). */
  notHeld: number;
  /** Named counters re-sent less than REPAIR_INTERVAL ago (another member's NACK was answered). */
  suppressed: number;
  /** Named counters over the per-source or the total rate. */
  overBudget: number;
}

/** The sender's side: which of its datagrams a NACK gets back, under the reply budget [SW-19.12-5]. */
export class RepairResponder {
  readonly stats: RepairStats = { nacks: 0, repairs: 0, repairBytes: 0, notHeld: 0, suppressed: 0, overBudget: 0 };
  private readonly perSource: KeyedBuckets;
  private readonly all: TokenBucket;

  constructor(private readonly o: RepairResponderOptions) {
    this.perSource = new KeyedBuckets(o.sourceRate ?? REPAIR_SOURCE_RATE);
    this.all = new TokenBucket(o.rate ?? REPAIR_RATE);
  }

  /**
   * An authenticated NACK from member `from` at `now`: the datagrams to send to the group again,
   * unchanged. Never more than the NACK names, and each only if held, not re-sent within the
   * interval, and within both rates.
   */
  onNack(nack: GroupNack, from: number, now: number): Uint8Array[] {
    this.stats.nacks++;
    const out: Uint8Array[] = [];
    for (const c of nack.counters) {
      const e = this.o.history.get(nack.gen, nack.member, nack.epoch, nack.boot, c);
      if (e === undefined) {
        this.stats.notHeld++;
        continue;
      }
      if (now - e.lastRepair < (this.o.intervalMs ?? REPAIR_INTERVAL_MS)) {
        this.stats.suppressed++;
        continue;
      }
      if (!this.perSource.take(String(from), now) || !this.all.take(now)) {
        this.stats.overBudget++;
        continue;
      }
      e.lastRepair = now;
      out.push(e.datagram);
      this.stats.repairs++;
      this.stats.repairBytes += e.datagram.length;
    }
    return out;
  }
}

export interface NackSchedulerOptions {
  /** Uniform in [0, 1): draws the first NACK's delay (seeded in tests). */
  readonly random: () => number;
  readonly delayMinMs?: number;
  readonly delayMaxMs?: number;
  readonly retryMs?: number;
  readonly tries?: number;
  readonly maxMissing?: number;
}

export interface NackStats {
  /** Counters found missing, then received (by repair or late), and given up. */
  missing: number;
  recovered: number;
  givenUp: number;
  /** NACKs handed out, and first NACKs put off because another member asked for the same counter. */
  nacks: number;
  suppressed: number;
}

interface Missing {
  due: number;
  tries: number;
}

interface SenderGaps {
  readonly gen: number;
  readonly member: number;
  readonly epoch: number;
  readonly boot: Uint8Array;
  top: number;
  readonly missing: Map<number, Missing>;
}

/**
 * The receiver's side [SW-19.12-2] [SW-19.12-6]: per sender, the highest counter accepted and the
 * counters below it not yet seen; each is NACKed after a random delay, again every retry interval,
 * at most `tries` times, and put off when another member's NACK names it first.
 */
export class NackScheduler {
  readonly stats: NackStats = { missing: 0, recovered: 0, givenUp: 0, nacks: 0, suppressed: 0 };
  private readonly senders = new Map<string, SenderGaps>();

  constructor(private readonly o: NackSchedulerOptions) {}

  /** A datagram of this sender accepted by the receiver (a replay never gets here). */
  onAccepted(d: { gen: number; member: number; epoch: number; boot: Uint8Array; counter: number }, now: number): void {
    const k = `${d.gen}/${d.member}`;
    let s = this.senders.get(k);
    if (s === undefined || s.epoch !== d.epoch || toHex(s.boot) !== toHex(d.boot)) {
      // a sender heard first, or its new start: what came before is not known to be missing
      if (s !== undefined) this.giveUp(s, () => true);
      this.senders.set(k, { gen: d.gen, member: d.member, epoch: d.epoch, boot: d.boot.slice(), top: d.counter, missing: new Map() });
      return;
    }
    if (d.counter < s.top) {
      if (s.missing.delete(d.counter)) this.stats.recovered++;
      return;
    }
    const max = this.o.maxMissing ?? NACK_MAX_MISSING;
    for (let c = Math.max(s.top + 1, d.counter - max); c < d.counter; c++) {
      s.missing.set(c, { due: now + this.delay(), tries: 0 });
      this.stats.missing++;
    }
    s.top = d.counter;
    this.giveUp(s, (c) => c <= s.top - max); // a gap that fell out of range is lost
  }

  /** Another member's NACK: counters it names are put off by a retry interval (suppression). */
  onNackSeen(n: GroupNack, now: number): void {
    const s = this.senders.get(`${n.gen}/${n.member}`);
    if (s === undefined || s.epoch !== n.epoch || toHex(s.boot) !== toHex(n.boot)) return;
    for (const c of n.counters) {
      const m = s.missing.get(c);
      if (m === undefined) continue;
      const later = now + (this.o.retryMs ?? NACK_RETRY_MS);
      if (m.due < later) {
        m.due = later;
        this.stats.suppressed++;
      }
    }
  }

  /** The NACKs due at `now` (each at most 32 counters of one sender); gaps out of tries are given up. */
  poll(now: number): GroupNack[] {
    const out: GroupNack[] = [];
    const tries = this.o.tries ?? NACK_TRIES;
    for (const s of this.senders.values()) {
      this.giveUp(s, (_c, m) => m.due <= now && m.tries >= tries);
      const due = [...s.missing.entries()].filter(([, m]) => m.due <= now).map(([c]) => c).sort((a, b) => a - b);
      let i = 0;
      while (i < due.length) {
        const base = due[i]!;
        const counters: number[] = [];
        for (; i < due.length && due[i]! - base < NACK_MAX_COUNTERS; i++) {
          const m = s.missing.get(due[i]!)!;
          m.tries++;
          m.due = now + (this.o.retryMs ?? NACK_RETRY_MS);
          counters.push(due[i]!);
        }
        out.push({ kind: 'nack', gen: s.gen, member: s.member, epoch: s.epoch, boot: s.boot, counters });
        this.stats.nacks++;
      }
    }
    return out;
  }

  /** When poll() has something to do next, or undefined. */
  nextDeadline(): number | undefined {
    let d: number | undefined;
    for (const s of this.senders.values()) for (const m of s.missing.values()) if (d === undefined || m.due < d) d = m.due;
    return d;
  }

  /** Counters still missing across senders. */
  get outstanding(): number {
    let n = 0;
    for (const s of this.senders.values()) n += s.missing.size;
    return n;
  }

  private delay(): number {
    const lo = this.o.delayMinMs ?? NACK_DELAY_MIN_MS;
    const hi = this.o.delayMaxMs ?? NACK_DELAY_MAX_MS;
    return lo + Math.floor(this.o.random() * (hi - lo + 1));
  }

  private giveUp(s: SenderGaps, f: (c: number, m: Missing) => boolean): void {
    for (const [c, m] of s.missing) {
      if (f(c, m)) {
        s.missing.delete(c);
        this.stats.givenUp++;
      }
    }
  }
}
