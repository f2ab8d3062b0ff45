/**
 * An in-memory datagram network for tests and simulations: transports bound to addresses on one
 * MemoryNetwork exchange datagrams through a Scheduler (a VirtualScheduler by default, so a test
 * moves time itself and every run with the same seed and calls is identical). Paths apply the seeded
 * faults of faults.ts; partitions, address changes (roaming) and a capture hook let tests reproduce
 * what real networks do. Runtime-agnostic: no node:* imports, no Buffer, no clock but the Scheduler.
 * @module
 */
import { MIN_MAX_DATAGRAM } from '../constants.js';
import { InvalidArgumentError, TransportError } from '../errors.js';
import { VirtualScheduler, type Millis, type Scheduler } from '../time/scheduler.js';
import type { Seed } from '../util/prng.js';
import { FaultModel, resolveFaultConfig, type FaultConfig, type ResolvedFaultConfig } from './faults.js';
import { addressKey, type Address, type ReceiveHandler, type Transport } from './transport.js';

/** Counters kept by every SDK transport. */
export interface TransportStats {
  datagramsSent: number;
  bytesSent: number;
  datagramsReceived: number;
  bytesReceived: number;
  /** send() calls that rejected with TransportError (closed, or refused by the OS). */
  sendErrors: number;
  /** Datagrams that arrived while no receive handler was set. */
  droppedNoHandler: number;
}

export function newTransportStats(): TransportStats {
  return { datagramsSent: 0, bytesSent: 0, datagramsReceived: 0, bytesReceived: 0, sendErrors: 0, droppedNoHandler: 0 };
}

/** A datagram as it was put on the wire (before faults). `bytes` is the hook's own copy. */
export interface CapturedDatagram {
  readonly at: Millis;
  readonly from: Address;
  readonly to: Address;
  readonly bytes: Uint8Array;
  /** True when put on the wire by MemoryNetwork.inject() rather than by a transport. */
  readonly injected: boolean;
}

export type CaptureHook = (datagram: CapturedDatagram) => void;

/** @group Transports, state and time */
export interface MemoryNetworkOptions {
  /** Delivers datagrams. Default: a new VirtualScheduler at time 0. */
  readonly scheduler?: Scheduler;
  /** Seed of the fault model. Default 0. */
  readonly seed?: Seed;
  /** Faults of every path without its own (setLinkFaults). Default: a perfect network. */
  readonly faults?: FaultConfig;
  /** Default MTU of the transports, at least MIN_MAX_DATAGRAM (512). Default 1472, as UDP over IPv4. */
  readonly mtu?: number;
  /** Called with every datagram sent or injected. */
  readonly capture?: CaptureHook;
}

/** Where bind() puts a transport when no host is given. */
export const MEMORY_DEFAULT_HOST = 'mem';
const EPHEMERAL_FIRST = 49152;
const PORT_COUNT = 65536;

/** Network-wide counters; the fault decisions are in `faults.counters`. */
export interface MemoryNetworkStats {
  /** Datagrams put on the wire by send(). */
  sent: number;
  /** Datagrams put on the wire by inject(). */
  injected: number;
  /** Deliveries handed to a transport (handler set or not). */
  delivered: number;
  /** Deliveries to an address where no transport was bound at delivery time. */
  noRoute: number;
}

/** @group Transports, state and time */
export class MemoryNetwork {
  readonly scheduler: Scheduler;
  /** The shared fault model: default faults, partitions, blackout, counters. */
  readonly faults: FaultModel;
  readonly mtu: number;
  readonly stats: MemoryNetworkStats = { sent: 0, injected: 0, delivered: 0, noRoute: 0 };
  private readonly bound = new Map<string, MemoryTransport>();
  private readonly links = new Map<string, ResolvedFaultConfig>();
  private nextPort = EPHEMERAL_FIRST;
  private captureHook: CaptureHook | undefined;

  constructor(options: MemoryNetworkOptions = {}) {
    this.scheduler = options.scheduler ?? new VirtualScheduler();
    this.faults = new FaultModel({ seed: options.seed ?? 0, faults: options.faults ?? {} });
    this.mtu = checkMtu(options.mtu ?? 1472);
    this.captureHook = options.capture;
  }

  /**
   * A transport bound to `address`. Host defaults to MEMORY_DEFAULT_HOST; port 0 or no port picks a
   * free one from 49152 up. Throws TransportError if the address is taken.
   */
  bind(address: Partial<Address> & { mtu?: number } = {}): MemoryTransport {
    const t = new MemoryTransport(this, checkMtu(address.mtu ?? this.mtu));
    t.rebind({ host: address.host, port: address.port });
    return t;
  }

  /** The transport bound to `address` now, if any. */
  lookup(address: Address): MemoryTransport | undefined {
    return this.bound.get(addressKey(address));
  }

  /** Replaces the default faults of every path that has no link config. */
  setFaults(config: FaultConfig): void {
    this.faults.setFaults(config);
  }

  /**
   * Faults of the path between two addresses, both ways unless oneWay (then `a` to `b` only);
   * `undefined` returns the path to the default faults.
   */
  setLinkFaults(a: Address, b: Address, config: FaultConfig | undefined, options: { oneWay?: boolean } = {}): void {
    const resolved = config === undefined ? undefined : resolveFaultConfig(config);
    const keys = [linkKey(a, b)];
    if (options.oneWay !== true) keys.push(linkKey(b, a));
    for (const k of keys) {
      if (resolved === undefined) this.links.delete(k);
      else this.links.set(k, resolved);
    }
  }

  /**
   * Drops everything between `a` and `b` (both ways unless oneWay), or, without `b`, everything
   * from and to `a`. Partitions name addresses: a transport rebound elsewhere escapes them.
   */
  partition(a: Address, b?: Address, options: { oneWay?: boolean } = {}): void {
    if (b === undefined) this.faults.isolate(addressKey(a));
    else this.faults.partition(addressKey(a), addressKey(b), options);
  }

  /** Undoes partitions: all of them (and the blackout) without arguments, see FaultModel.heal. */
  heal(a?: Address, b?: Address): void {
    this.faults.heal(a && addressKey(a), b && addressKey(b));
  }

  /** Sets or removes the capture hook. */
  onCapture(hook: CaptureHook | undefined): void {
    this.captureHook = hook;
  }

  /**
   * Puts `bytes` on the wire from `from` (which need not be bound: a spoofed source) to `to`,
   * delivered once after `delayMs`, bypassing faults and partitions: an attacker on the path, or the
   * replay of a captured datagram. No MTU check: a receiver must cope with anything.
   */
  inject(bytes: Uint8Array, from: Address, to: Address, delayMs: Millis = 0): void {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('inject: bytes must be a Uint8Array');
    const src = checkAddress(from, 'inject: from');
    const dst = checkAddress(to, 'inject: to');
    if (!(delayMs >= 0)) throw new InvalidArgumentError('inject: delayMs must be >= 0');
    this.stats.injected++;
    this.record(bytes, src, dst, true);
    this.schedule(Uint8Array.prototype.slice.call(bytes), src, dst, delayMs);
  }

  /** Runs deliveries due within `ms`; only for the default VirtualScheduler. */
  advance(ms: Millis = 0): void {
    if (!(this.scheduler instanceof VirtualScheduler)) {
      throw new InvalidArgumentError('advance() needs the MemoryNetwork to run on a VirtualScheduler');
    }
    this.scheduler.advance(ms);
  }

  /** @internal Binds or rebinds `t`. */
  attach(t: MemoryTransport, address: Partial<Address>): Address {
    const host = address.host ?? t.localOrUndefined?.host ?? MEMORY_DEFAULT_HOST;
    const port = address.port ?? 0;
    const wanted = checkAddress({ host, port }, 'bind: address');
    const addr = port === 0 ? { host, port: this.freePort(host) } : wanted;
    const key = addressKey(addr);
    if (this.bound.has(key)) throw new TransportError(`address ${key} is in use`);
    if (t.localOrUndefined !== undefined) this.bound.delete(addressKey(t.localOrUndefined));
    this.bound.set(key, t);
    return Object.freeze({ host: addr.host, port: addr.port });
  }

  /** @internal */
  detach(t: MemoryTransport): void {
    const local = t.localOrUndefined;
    if (local !== undefined && this.bound.get(addressKey(local)) === t) this.bound.delete(addressKey(local));
  }

  /** @internal Called by MemoryTransport.send after its checks. */
  transmit(data: Uint8Array, from: Address, to: Address): void {
    this.stats.sent++;
    this.record(data, from, to, false);
    const fromKey = addressKey(from);
    const toKey = addressKey(to);
    for (const d of this.faults.decide(data, fromKey, toKey, this.links.get(`${fromKey}\n${toKey}`))) {
      this.schedule(d.bytes, from, to, d.delayMs);
    }
  }

  private schedule(bytes: Uint8Array, from: Address, to: Address, delayMs: Millis): void {
    // looked up at delivery time: a transport closed or rebound meanwhile no longer receives
    this.scheduler.at(this.scheduler.now() + delayMs, () => {
      const t = this.bound.get(addressKey(to));
      if (t === undefined) {
        this.stats.noRoute++;
        return;
      }
      this.stats.delivered++;
      t.deliver(bytes, from);
    });
  }

  private record(bytes: Uint8Array, from: Address, to: Address, injected: boolean): void {
    this.captureHook?.({ at: this.scheduler.now(), from, to, bytes: Uint8Array.prototype.slice.call(bytes), injected });
  }

  private freePort(host: string): number {
    const span = PORT_COUNT - EPHEMERAL_FIRST;
    for (let i = 0; i < span; i++) {
      const port = this.nextPort;
      this.nextPort = port + 1 >= PORT_COUNT ? EPHEMERAL_FIRST : port + 1;
      if (!this.bound.has(addressKey({ host, port }))) return port;
    }
    throw new TransportError(`no free port on host ${JSON.stringify(host)}`);
  }
}

/**
 * A transport on a MemoryNetwork.
 * @group Transports, state and time
 */
export class MemoryTransport implements Transport {
  readonly mtu: number;
  readonly stats: TransportStats = newTransportStats();
  private addr: Address | undefined;
  private handler: ReceiveHandler | undefined;
  private isClosed = false;

  /** @internal Use MemoryNetwork.bind(). */
  constructor(
    private readonly net: MemoryNetwork,
    mtu: number,
  ) {
    this.mtu = mtu;
  }

  get local(): Address {
    return this.addr!;
  }

  /** @internal */
  get localOrUndefined(): Address | undefined {
    return this.addr;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Copies `data` at once: the caller may reuse it as soon as send() returns. */
  send(data: Uint8Array, to: Address): Promise<void> {
    if (this.isClosed) {
      this.stats.sendErrors++;
      return Promise.reject(new TransportError('send on a closed transport'));
    }
    if (!(data instanceof Uint8Array)) return Promise.reject(new InvalidArgumentError('send: data must be a Uint8Array'));
    if (data.length > this.mtu) {
      return Promise.reject(new InvalidArgumentError(`send: ${data.length} bytes exceed the MTU of ${this.mtu}`));
    }
    let dst: Address;
    try {
      dst = checkAddress(to, 'send: to');
    } catch (e) {
      return Promise.reject(e);
    }
    this.stats.datagramsSent++;
    this.stats.bytesSent += data.length;
    this.net.transmit(data, this.local, dst);
    return Promise.resolve();
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  /**
   * Moves this transport to a new address, as a device that roams to another network or is
   * re-mapped by a NAT: datagrams it sends from now on come from the new address, and datagrams to
   * the old one (in flight included) go nowhere. Host defaults to the current one, port 0 picks a
   * free port. Returns the new address; throws TransportError if closed or the address is taken.
   */
  rebind(address: Partial<Address> = {}): Address {
    if (this.isClosed) throw new TransportError('rebind on a closed transport');
    this.addr = this.net.attach(this, address);
    return this.addr;
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.handler = undefined;
      this.net.detach(this);
    }
    return Promise.resolve();
  }

  /** @internal Called by the network at delivery time. */
  deliver(bytes: Uint8Array, from: Address): void {
    const h = this.handler;
    if (h === undefined) {
      this.stats.droppedNoHandler++;
      return;
    }
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += bytes.length;
    h(bytes, from);
  }
}

function linkKey(from: Address, to: Address): string {
  return `${addressKey(checkAddress(from, 'link'))}\n${addressKey(checkAddress(to, 'link'))}`;
}

function checkAddress(a: Address, what: string): Address {
  if (a === null || typeof a !== 'object' || typeof a.host !== 'string' || a.host.length === 0) {
    throw new InvalidArgumentError(`${what}: host must be a non-empty string`);
  }
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) {
    throw new InvalidArgumentError(`${what}: port must be an integer from 0 to 65535, got ${String(a.port)}`);
  }
  return Object.freeze({ host: a.host, port: a.port });
}

function checkMtu(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < MIN_MAX_DATAGRAM || mtu > 65535) {
    throw new InvalidArgumentError(`mtu must be an integer from 512 (MIN_MAX_DATAGRAM) to 65535, got ${mtu}`);
  }
  return mtu;
}
