/**
 * The seeded fault model shared by the MemoryNetwork and the ChaosProxy: for each datagram offered
 * to a path it decides, from a Prng only, what the path does to it (spec 8.1-3 lists what a
 * transport may do: lose, duplicate, reorder, delay, corrupt). Same seed and same offered datagrams
 * give the same decisions, so a failing test replays exactly. Runtime-agnostic; reads no clock:
 * it returns delays, and the caller schedules them.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { Prng, type Seed } from '../util/prng.js';

/**
 * What a path does to the datagrams on it. Every field is optional; the default is a perfect path.
 * @group Transports, state and time
 */
export interface FaultConfig {
  /** Probability that a datagram is lost (0 to 1). Decided once per datagram, before duplication. */
  readonly loss?: number;
  /** Probability that a datagram is delivered twice; the copy draws its own delay, reordering and corruption. */
  readonly duplicate?: number;
  /** Probability that a delivery is held back by an extra uniform delay in [0, reorderDelayMs), so later datagrams overtake it. */
  readonly reorder?: number;
  /** Upper bound of the reordering delay, in ms. Default 50. */
  readonly reorderDelayMs?: number;
  /** Fixed one-way delay of every delivery, in ms. Default 0. */
  readonly delayMs?: number;
  /** Extra uniform delay in [0, jitterMs) added to every delivery, in ms. Default 0. */
  readonly jitterMs?: number;
  /** Probability that a delivery is corrupted (0 to 1). */
  readonly corrupt?: number;
  /** A bit-flip corruption flips 1 to corruptMaxBits distinct bits. Default 3. */
  readonly corruptMaxBits?: number;
  /** Fraction of corruptions that change the length instead (half truncate, half extend with random bytes). Default 0. */
  readonly corruptResize?: number;
  /** A resize removes or appends 1 to corruptMaxResize bytes (a truncation leaves at least 0 bytes). Default 16. */
  readonly corruptMaxResize?: number;
}

/** A FaultConfig with every default filled in and every value checked. */
export type ResolvedFaultConfig = { readonly [K in keyof FaultConfig]-?: number };

/** One delivery of a datagram: `bytes` (a fresh copy, owned by the receiver) arrives `delayMs` after sending. */
export interface Delivery {
  readonly delayMs: number;
  readonly bytes: Uint8Array;
}

/** What the model did, cumulative. `datagrams = blocked + lost + (datagrams delivered at least once)`. */
export interface FaultCounters {
  /** Datagrams offered. */
  datagrams: number;
  /** Dropped by a partition, an isolation or the blackout. */
  blocked: number;
  lost: number;
  /** Datagrams delivered twice (each counts once here). */
  duplicated: number;
  /** Deliveries that drew a reordering delay. */
  reordered: number;
  /** Deliveries whose bytes were changed (bit flips or resizes). */
  corrupted: number;
  truncated: number;
  extended: number;
  /** Deliveries returned, duplicates included. */
  deliveries: number;
}

export function newFaultCounters(): FaultCounters {
  return { datagrams: 0, blocked: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0, truncated: 0, extended: 0, deliveries: 0 };
}

const DEFAULTS: ResolvedFaultConfig = {
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 50,
  delayMs: 0,
  jitterMs: 0,
  corrupt: 0,
  corruptMaxBits: 3,
  corruptResize: 0,
  corruptMaxResize: 16,
};

const PROBABILITIES = ['loss', 'duplicate', 'reorder', 'corrupt', 'corruptResize'] as const;
const DURATIONS = ['reorderDelayMs', 'delayMs', 'jitterMs'] as const;
const COUNTS = ['corruptMaxBits', 'corruptMaxResize'] as const;

/** Fills in defaults; throws InvalidArgumentError naming the first field out of range. */
export function resolveFaultConfig(config: FaultConfig = {}): ResolvedFaultConfig {
  const r = { ...DEFAULTS };
  for (const [k, v] of Object.entries(config) as [keyof FaultConfig, unknown][]) {
    if (v === undefined) continue;
    if (!(k in DEFAULTS)) throw new InvalidArgumentError(`fault config: unknown field ${JSON.stringify(k)}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`fault config: ${k} must be a finite number`);
    if ((PROBABILITIES as readonly string[]).includes(k) && (v < 0 || v > 1)) {
      throw new InvalidArgumentError(`fault config: ${k} must be a probability from 0 to 1, got ${v}`);
    }
    if ((DURATIONS as readonly string[]).includes(k) && v < 0) throw new InvalidArgumentError(`fault config: ${k} must be >= 0, got ${v}`);
    if ((COUNTS as readonly string[]).includes(k) && (!Number.isInteger(v) || v < 1)) {
      throw new InvalidArgumentError(`fault config: ${k} must be an integer >= 1, got ${v}`);
    }
    (r as Record<string, number>)[k] = v;
  }
  return r;
}

/**
 * Decides the fate of one datagram on a path that is not blocked. Pure but for advancing `prng` and
 * adding to `counters`; `data` is never modified and never returned: every delivery is a new copy.
 * The order of draws is fixed (loss, duplicate, then per delivery: jitter, reorder, corrupt), which
 * is what makes a seed reproduce a run.
 */
export function planDeliveries(config: ResolvedFaultConfig, prng: Prng, data: Uint8Array, counters: FaultCounters): Delivery[] {
  counters.datagrams++;
  if (prng.bool(config.loss)) {
    counters.lost++;
    return [];
  }
  const copies = prng.bool(config.duplicate) ? 2 : 1;
  if (copies === 2) counters.duplicated++;
  const out: Delivery[] = [];
  for (let i = 0; i < copies; i++) {
    let delayMs = config.delayMs + (config.jitterMs > 0 ? prng.next() * config.jitterMs : 0);
    if (prng.bool(config.reorder)) {
      counters.reordered++;
      delayMs += prng.next() * config.reorderDelayMs;
    }
    let bytes: Uint8Array = Uint8Array.prototype.slice.call(data); // a copy even when data is a Buffer
    if (prng.bool(config.corrupt)) {
      counters.corrupted++;
      bytes = corrupt(config, prng, bytes, counters);
    }
    out.push({ delayMs, bytes });
  }
  counters.deliveries += out.length;
  return out;
}

/** Changes `bytes` (a private copy) so that it differs from the original. */
function corrupt(config: ResolvedFaultConfig, prng: Prng, bytes: Uint8Array, counters: FaultCounters): Uint8Array {
  // an empty datagram has no bit to flip: it can only grow
  const resize = bytes.length === 0 || prng.bool(config.corruptResize);
  if (resize) {
    const n = 1 + prng.int(config.corruptMaxResize);
    if (bytes.length > 0 && prng.bool(0.5)) {
      counters.truncated++;
      return bytes.slice(0, Math.max(0, bytes.length - n));
    }
    counters.extended++;
    const out = new Uint8Array(bytes.length + n);
    out.set(bytes);
    for (let i = bytes.length; i < out.length; i++) out[i] = prng.int(256);
    return out;
  }
  const bits = bytes.length * 8;
  const flips = Math.min(bits, 1 + prng.int(config.corruptMaxBits));
  const done = new Set<number>();
  while (done.size < flips) {
    const bit = prng.int(bits);
    if (done.has(bit)) continue; // distinct bits: flipping one twice would undo it
    done.add(bit);
    const i = bit >>> 3;
    bytes[i] = bytes[i]! ^ (1 << (bit & 7));
  }
  return bytes;
}

/** Options of a FaultModel. */
export interface FaultModelOptions {
  /** Faults of every path without its own config. Default: none. */
  readonly faults?: FaultConfig;
  /** Seed of the model's Prng, or the Prng itself. Default 0. */
  readonly seed?: Seed | Prng;
}

/**
 * A Prng, a default FaultConfig, reachability switches and counters. Endpoints are opaque strings
 * chosen by the user of the model (addressKey() of an Address, or a name such as 'client').
 */
export class FaultModel {
  readonly counters: FaultCounters = newFaultCounters();
  private readonly prng: Prng;
  private cfg: ResolvedFaultConfig;
  /** Directed blocks, `from\nto`. */
  private readonly blockedPaths = new Set<string>();
  private readonly isolated = new Set<string>();
  private dark = false;

  constructor(options: FaultModelOptions = {}) {
    this.prng = options.seed instanceof Prng ? options.seed : new Prng(options.seed ?? 0);
    this.cfg = resolveFaultConfig(options.faults);
  }

  /** The default config (resolved). */
  get config(): ResolvedFaultConfig {
    return this.cfg;
  }

  /** Replaces the default config; takes effect for the next datagram offered. */
  setFaults(config: FaultConfig): void {
    this.cfg = resolveFaultConfig(config);
  }

  /** While true, every datagram on every path is blocked. */
  get blackout(): boolean {
    return this.dark;
  }
  set blackout(on: boolean) {
    this.dark = on;
  }

  /** Blocks `a` to `b` and, unless oneWay, `b` to `a`. */
  partition(a: string, b: string, options: { oneWay?: boolean } = {}): void {
    this.blockedPaths.add(`${a}\n${b}`);
    if (options.oneWay !== true) this.blockedPaths.add(`${b}\n${a}`);
  }

  /** Blocks everything from and to `endpoint`. */
  isolate(endpoint: string): void {
    this.isolated.add(endpoint);
  }

  /**
   * Undoes blocks. No argument: every partition, isolation and the blackout. One: the isolation of
   * `a` and every partition involving `a`. Two: the partition between `a` and `b`, both ways.
   */
  heal(a?: string, b?: string): void {
    if (a === undefined) {
      this.blockedPaths.clear();
      this.isolated.clear();
      this.dark = false;
    } else if (b === undefined) {
      this.isolated.delete(a);
      for (const k of [...this.blockedPaths]) {
        const [from, to] = k.split('\n');
        if (from === a || to === a) this.blockedPaths.delete(k);
      }
    } else {
      this.blockedPaths.delete(`${a}\n${b}`);
      this.blockedPaths.delete(`${b}\n${a}`);
    }
  }

  /** Whether a datagram from `from` to `to` would be blocked now. */
  isBlocked(from: string, to: string): boolean {
    return this.dark || this.isolated.has(from) || this.isolated.has(to) || this.blockedPaths.has(`${from}\n${to}`);
  }

  /**
   * The deliveries of one datagram from `from` to `to`: none if blocked or lost, else one or two
   * fresh copies with their delays. `config` (resolved) overrides the default for this datagram.
   */
  decide(data: Uint8Array, from: string, to: string, config?: ResolvedFaultConfig): Delivery[] {
    if (this.isBlocked(from, to)) {
      this.counters.datagrams++;
      this.counters.blocked++;
      return [];
    }
    return planDeliveries(config ?? this.cfg, this.prng, data, this.counters);
  }
}
