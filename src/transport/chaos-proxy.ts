/**
 * ChaosProxy: a real UDP relay for integration tests that must cross the kernel. Clients send to the
 * proxy; for each client source address the proxy holds an upstream socket towards one fixed target,
 * so the target sees one address per client and its replies find their way back (a NAT-like
 * mapping). Both directions pass through the seeded fault model of faults.ts on real timers; tests
 * can black the path out, move a client's upstream port (NAT rebinding, roaming), capture traffic
 * and inject or replay datagrams. Node only. Every table is bounded.
 * @module
 */
import { isIP } from 'node:net';
import { InvalidArgumentError, TransportError } from '../errors.js';
import { RealScheduler, type Millis, type Scheduler, type Timer } from '../time/scheduler.js';
import type { Seed } from '../util/prng.js';
import { FaultModel, resolveFaultConfig, type FaultConfig, type ResolvedFaultConfig } from './faults.js';
import { addressKey, type Address } from './transport.js';
import { UdpTransport } from './udp.js';

/** `toTarget`: from a client to the target; `toClient`: from the target back to a client. */
export type ProxyDirection = 'toTarget' | 'toClient';

export interface ChaosProxyOptions {
  /** Where the proxy relays client datagrams: a literal IP and a port. */
  readonly target: Address;
  /** Listening host, a literal IP. Default '127.0.0.1'. */
  readonly host?: string;
  /** Listening port. Default 0 (read `address.port`). */
  readonly port?: number;
  /** Host of the upstream sockets. Default: the loopback of the target's family if the target is a loopback address, else that family's wildcard. */
  readonly upstreamHost?: string;
  /** Faults of both directions (setFaults changes them at run time). Default: none. */
  readonly faults?: FaultConfig;
  /** Seed of the fault model. Default 0. */
  readonly seed?: Seed;
  /** Client mappings held; the least recently used is evicted (its upstream socket closed). Default 256. */
  readonly maxMappings?: number;
  /** Datagrams kept in the capture, the oldest dropped first; 0 disables capture. Default 1024. */
  readonly maxCapture?: number;
  /** Timers for delayed deliveries and capture times. Default: a RealScheduler. */
  readonly scheduler?: Scheduler;
}

/** A datagram as the proxy received it, before faults. */
export interface ProxyCapture {
  readonly seq: number;
  readonly at: Millis;
  readonly direction: ProxyDirection;
  /** The client it came from (toTarget) or was going to (toClient). */
  readonly client: Address;
  readonly bytes: Uint8Array;
}

export interface ProxyDirectionStats {
  /** Datagrams the proxy received in this direction. */
  received: number;
  bytesReceived: number;
  /** Datagrams dropped by the blackout or the loss fault. */
  dropped: number;
  /** Deliveries sent or scheduled (duplicates included). */
  forwarded: number;
}

export interface ChaosProxyStats {
  readonly toTarget: ProxyDirectionStats;
  readonly toClient: ProxyDirectionStats;
  mappingsCreated: number;
  mappingsEvicted: number;
  rebinds: number;
  /** Datagrams on an upstream socket from anyone but the target, or on a replaced one: dropped, as a NAT would. */
  strays: number;
  injected: number;
  /** Captured datagrams pushed out by newer ones. */
  captureOverflow: number;
  /** Sends or upstream binds the OS refused, and deliveries whose mapping was evicted meanwhile. */
  sendErrors: number;
  /** Deliveries dropped because MAX_DELAYED deliveries were already waiting on a timer. */
  delayedOverflow: number;
}

interface Mapping {
  readonly client: Address;
  readonly key: string;
  upstream: UdpTransport | undefined;
  ready: Promise<UdpTransport | undefined>;
  evicted: boolean;
}

const newDirectionStats = (): ProxyDirectionStats => ({ received: 0, bytesReceived: 0, dropped: 0, forwarded: 0 });
const TARGET = 'target';
/** Deliveries waiting on a timer at once; beyond, they are dropped (memory stays bounded under any delay). */
const MAX_DELAYED = 100_000;

export class ChaosProxy {
  /** Where clients send. */
  readonly address: Address;
  readonly target: Address;
  /** The fault model: blackout, counters. Direction configs are set through setFaults(). */
  readonly faults: FaultModel;
  readonly stats: ChaosProxyStats = {
    toTarget: newDirectionStats(),
    toClient: newDirectionStats(),
    mappingsCreated: 0,
    mappingsEvicted: 0,
    rebinds: 0,
    strays: 0,
    injected: 0,
    captureOverflow: 0,
    sendErrors: 0,
    delayedOverflow: 0,
  };
  private readonly mappings = new Map<string, Mapping>();
  private readonly timers = new Set<Timer>();
  private readonly capture: ProxyCapture[] = [];
  private readonly dirFaults: Record<ProxyDirection, ResolvedFaultConfig>;
  private seq = 0;
  private isClosed = false;

  private constructor(
    private readonly listen: UdpTransport,
    target: Address,
    private readonly upstreamHost: string,
    private readonly scheduler: Scheduler,
    private readonly maxMappings: number,
    private readonly maxCapture: number,
    faults: FaultModel,
  ) {
    this.address = listen.local;
    this.target = target;
    this.faults = faults;
    this.dirFaults = { toTarget: faults.config, toClient: faults.config };
    listen.onReceive((data, from) => this.fromClient(data, from));
  }

  /** Starts a proxy. Rejects with InvalidArgumentError for bad options, TransportError if binding fails. */
  static async start(options: ChaosProxyOptions): Promise<ChaosProxy> {
    const t = options.target;
    if (t === undefined || isIP(t.host) === 0 || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
      throw new InvalidArgumentError('ChaosProxy: target must be a literal IP address and a port from 1 to 65535');
    }
    const maxMappings = options.maxMappings ?? 256;
    const maxCapture = options.maxCapture ?? 1024;
    if (!Number.isInteger(maxMappings) || maxMappings < 1) throw new InvalidArgumentError('ChaosProxy: maxMappings must be an integer >= 1');
    if (!Number.isInteger(maxCapture) || maxCapture < 0) throw new InvalidArgumentError('ChaosProxy: maxCapture must be an integer >= 0');
    const v6 = isIP(t.host) === 6;
    const loopback = v6 ? t.host === '::1' : t.host.startsWith('127.');
    const upstreamHost = options.upstreamHost ?? (loopback ? (v6 ? '::1' : '127.0.0.1') : v6 ? '::' : '0.0.0.0');
    const faults = new FaultModel({ seed: options.seed ?? 0, faults: options.faults ?? {} });
    const host = options.host ?? '127.0.0.1';
    // standingQueueMs 0: the proxy models a network; its own socket must not shed load beyond its faults [SW-8.4-4]
    const listen = await UdpTransport.bind({ host, port: options.port ?? 0, mtu: maxPayload(host), standingQueueMs: 0 });
    const target = Object.freeze({ host: t.host, port: t.port });
    return new ChaosProxy(listen, target, upstreamHost, options.scheduler ?? new RealScheduler(), maxMappings, maxCapture, faults);
  }

  /** Replaces the faults of one direction or both; takes effect for the next datagram. */
  setFaults(config: FaultConfig, direction: ProxyDirection | 'both' = 'both'): void {
    const r = resolveFaultConfig(config);
    if (direction !== 'toClient') this.dirFaults.toTarget = r;
    if (direction !== 'toTarget') this.dirFaults.toClient = r;
  }

  /** While on, every datagram in both directions is dropped (injected ones excepted). */
  get blackout(): boolean {
    return this.faults.blackout;
  }
  set blackout(on: boolean) {
    this.faults.blackout = on;
  }

  /** Clients with a mapping, least recently active first. */
  get clients(): Address[] {
    return [...this.mappings.values()].map((m) => m.client);
  }

  /** The local address of the upstream socket of `client` (what the target sees), if mapped and bound. */
  upstreamAddressOf(client: Address): Address | undefined {
    return this.mappings.get(addressKey(client))?.upstream?.local;
  }

  /**
   * Gives `client` a new upstream socket, so the target sees its datagrams come from a new port (a
   * NAT rebinding, a roaming device). The old socket is closed: replies to it are lost, as they
   * would be. Resolves to the new upstream address; rejects with InvalidArgumentError if the client
   * has no mapping.
   */
  async rebindClient(client: Address): Promise<Address> {
    const m = this.mappings.get(addressKey(client));
    if (m === undefined || this.isClosed) throw new InvalidArgumentError(`rebindClient: no mapping for ${addressKey(client)}`);
    const old = await m.ready;
    const next = this.openUpstream(m);
    m.ready = next;
    const fresh = await next;
    if (fresh === undefined) throw new TransportError(`rebindClient: could not bind a new upstream socket for ${m.key}`);
    this.stats.rebinds++;
    await old?.close();
    return fresh.local;
  }

  /** Captured datagrams, oldest first (a copy of the list; the bytes are shared, do not modify them). */
  get captured(): readonly ProxyCapture[] {
    return [...this.capture];
  }

  clearCapture(): void {
    this.capture.length = 0;
  }

  /**
   * Sends `bytes` as is, bypassing faults and the blackout: `toTarget` from the upstream socket of
   * `client`, `toClient` from the proxy's address to `client`. `client` defaults to the most
   * recently active one. For replay tests and forged datagrams.
   */
  async inject(bytes: Uint8Array, direction: ProxyDirection, client?: Address): Promise<void> {
    if (this.isClosed) throw new TransportError('inject on a closed ChaosProxy');
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('inject: bytes must be a Uint8Array');
    const c = client ?? [...this.mappings.values()].at(-1)?.client;
    if (c === undefined) throw new InvalidArgumentError('inject: no client given and none mapped');
    this.stats.injected++;
    if (direction === 'toClient') return this.listen.send(bytes, c);
    const up = await this.mapping(c).ready;
    if (up === undefined) throw new TransportError(`inject: no upstream socket for ${addressKey(c)}`);
    return up.send(bytes, this.target);
  }

  /** inject() of a captured datagram, in its direction and for its client. */
  replay(c: ProxyCapture): Promise<void> {
    return this.inject(c.bytes, c.direction, c.client);
  }

  /** Stops relaying: cancels pending deliveries and closes every socket. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    const ups = [...this.mappings.values()].map((m) => this.evict(m));
    this.mappings.clear();
    await Promise.all([this.listen.close(), ...ups]);
  }

  private fromClient(data: Uint8Array, from: Address): void {
    const m = this.mapping(from);
    this.relay('toTarget', m, data, m.key, TARGET, (bytes) => {
      if (m.evicted) return void this.stats.sendErrors++;
      void m.ready.then((up) => (up === undefined ? void this.stats.sendErrors++ : this.sendCounted(up, bytes, this.target)));
    });
  }

  private fromTarget(m: Mapping, up: UdpTransport, data: Uint8Array, from: Address): void {
    // a socket replaced by rebindClient is closing: like the NAT entry it stands for, it is gone
    if (addressKey(from) !== addressKey(this.target) || m.upstream !== up) return void this.stats.strays++;
    if (this.mappings.get(m.key) !== m) return; // evicted meanwhile
    this.touch(m);
    this.relay('toClient', m, data, TARGET, m.key, (bytes) => this.sendCounted(this.listen, bytes, m.client));
  }

  /** Capture, fault decision and (possibly delayed) sends of one received datagram. */
  private relay(dir: ProxyDirection, m: Mapping, data: Uint8Array, from: string, to: string, send: (b: Uint8Array) => void): void {
    const s = this.stats[dir];
    s.received++;
    s.bytesReceived += data.length;
    this.record(dir, m.client, data);
    const deliveries = this.faults.decide(data, from, to, this.dirFaults[dir]);
    if (deliveries.length === 0) s.dropped++;
    for (const d of deliveries) {
      if (d.delayMs > 0 && this.timers.size >= MAX_DELAYED) {
        this.stats.delayedOverflow++;
        continue;
      }
      s.forwarded++;
      if (d.delayMs <= 0) {
        send(d.bytes);
        continue;
      }
      const timer = this.scheduler.at(this.scheduler.now() + d.delayMs, () => {
        this.timers.delete(timer);
        send(d.bytes);
      });
      this.timers.add(timer);
    }
  }

  private sendCounted(t: UdpTransport, bytes: Uint8Array, to: Address): void {
    if (this.isClosed || t.closed) return;
    t.send(bytes, to).catch(() => void this.stats.sendErrors++);
  }

  private record(direction: ProxyDirection, client: Address, data: Uint8Array): void {
    if (this.maxCapture === 0) return;
    if (this.capture.length >= this.maxCapture) {
      this.capture.shift();
      this.stats.captureOverflow++;
    }
    this.capture.push({ seq: this.seq++, at: this.scheduler.now(), direction, client, bytes: Uint8Array.prototype.slice.call(data) });
  }

  /** The mapping of `client`, created (evicting the least recently used) if needed; marks it used. */
  private mapping(client: Address): Mapping {
    const key = addressKey(client);
    const found = this.mappings.get(key);
    if (found !== undefined) {
      this.touch(found);
      return found;
    }
    while (this.mappings.size >= this.maxMappings) {
      const oldest = this.mappings.values().next().value as Mapping;
      this.mappings.delete(oldest.key);
      this.stats.mappingsEvicted++;
      void this.evict(oldest);
    }
    const m: Mapping = { client: Object.freeze({ host: client.host, port: client.port }), key, upstream: undefined, ready: Promise.resolve(undefined), evicted: false };
    m.ready = this.openUpstream(m);
    this.mappings.set(key, m);
    this.stats.mappingsCreated++;
    return m;
  }

  private touch(m: Mapping): void {
    // Map iteration order is insertion order: re-inserting makes it the most recently used
    this.mappings.delete(m.key);
    this.mappings.set(m.key, m);
  }

  /** Binds a new upstream socket for `m`; it becomes `m.upstream` when bound. Never rejects. */
  private async openUpstream(m: Mapping): Promise<UdpTransport | undefined> {
    let up: UdpTransport;
    try {
      up = await UdpTransport.bind({ host: this.upstreamHost, port: 0, mtu: maxPayload(this.upstreamHost), standingQueueMs: 0 });
    } catch {
      this.stats.sendErrors++;
      return undefined;
    }
    if (m.evicted || this.isClosed) {
      await up.close();
      return undefined;
    }
    up.onReceive((data, from) => this.fromTarget(m, up, data, from));
    m.upstream = up;
    return up;
  }

  private async evict(m: Mapping): Promise<void> {
    m.evicted = true;
    const up = await m.ready;
    await up?.close();
  }
}

function maxPayload(host: string): number {
  return isIP(host) === 6 ? 65527 : 65507;
}
