/**
 * The live runner's socket: a Transport around the runner's own UDP socket that records every
 * datagram both ways (with a time), lets a scenario send raw bytes from the same address (a replay,
 * junk: a device whose socket is connected to its hub only hears that address), holds the runner's
 * own sends back while a scenario watches for an answer that must not come, and plays injected loss,
 * duplication and reordering both ways (the fault model of the chaos proxy, src/transport/faults.ts).
 * @module
 */
import { planDeliveries, newFaultCounters, resolveFaultConfig, type FaultConfig, type FaultCounters, type ResolvedFaultConfig } from '../../../src/transport/faults.js';
import type { Address, ReceiveHandler, Transport } from '../../../src/transport/transport.js';
import { Prng } from '../../../src/util/prng.js';

export interface TapRecord {
  readonly at: number;
  readonly dir: 'in' | 'out';
  readonly bytes: Uint8Array;
  readonly peer: Address;
  /** Sent raw by a scenario (not by the runner's node). */
  readonly raw: boolean;
}

export class TapTransport implements Transport {
  readonly records: TapRecord[] = [];
  private handler: ReceiveHandler | undefined;
  private held: Array<{ d: Uint8Array; to: Address }> | undefined;
  private faults: ResolvedFaultConfig | undefined;
  private readonly prng: Prng;
  readonly faultCounters: FaultCounters = newFaultCounters();
  /** Bound on the records kept (a long run keeps its last ones). */
  private readonly maxRecords = 20_000;

  constructor(
    private readonly inner: Transport,
    seed = 1,
  ) {
    this.prng = new Prng(seed);
    inner.onReceive((d, from) => {
      this.record('in', d, from, false);
      this.deliver(d, (x) => this.handler?.(x, from));
    });
  }

  get local(): Address {
    return this.inner.local;
  }

  get mtu(): number {
    return this.inner.mtu;
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  async send(data: Uint8Array, to: Address): Promise<void> {
    if (this.held !== undefined) {
      this.held.push({ d: data.slice(), to });
      return;
    }
    const copy = data.slice();
    this.deliver(copy, (x) => {
      this.record('out', x, to, false);
      void this.inner.send(x, to).catch(() => undefined);
    });
  }

  /** A datagram from the runner's address that its node never made: no faults, recorded as raw. */
  async sendRaw(data: Uint8Array, to: Address): Promise<void> {
    this.record('out', data, to, true);
    await this.inner.send(data, to);
  }

  /** Holds the node's own sends until release() (they go then, in order). */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const h = this.held ?? [];
    this.held = undefined;
    for (const x of h) void this.send(x.d, x.to);
  }

  /** Loss, duplication and reordering on both ways from now on; undefined: none. */
  setFaults(f: FaultConfig | undefined): void {
    this.faults = f === undefined ? undefined : resolveFaultConfig(f);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private deliver(d: Uint8Array, fn: (x: Uint8Array) => void): void {
    if (this.faults === undefined) return fn(d);
    for (const x of planDeliveries(this.faults, this.prng, d, this.faultCounters)) {
      if (x.delayMs <= 0) fn(x.bytes);
      else setTimeout(() => fn(x.bytes), x.delayMs);
    }
  }

  private record(dir: 'in' | 'out', bytes: Uint8Array, peer: Address, raw: boolean): void {
    this.records.push({ at: performance.now(), dir, bytes: bytes.slice(), peer, raw });
    if (this.records.length > this.maxRecords) this.records.splice(0, this.records.length - this.maxRecords);
    for (const w of this.watchers.splice(0)) w();
  }

  private readonly watchers: Array<() => void> = [];

  /** Resolves at the next record (or after ms). */
  next(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.watchers.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }
}
