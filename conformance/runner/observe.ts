/**
 * What the runner observes during one scenario, with times: every datagram that reaches one of its
 * sockets (and how the actors opened it), every line the target printed, and every datagram the
 * runner sent (for the amplification check). Expectations read this log; waiting is bounded and
 * wakes on every new entry, so no expectation polls or sleeps longer than its own window.
 * @module
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Decoded } from './peer.js';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export const now = (): number => performance.now();

/** Resolves once now() >= t (a timer alone may fire early, see Log.waitFor). */
export async function sleepUntil(t: number): Promise<void> {
  while (now() < t) await new Promise((r) => setTimeout(r, Math.max(1, t - now())));
}

/** A datagram that reached runner socket `socket`. `run` counts target starts (0 = first). */
export interface Traffic {
  readonly t: number;
  readonly socket: string;
  readonly bytes: Uint8Array;
  readonly from: Address;
  readonly run: number;
  readonly decoded: Decoded | undefined;
}

export interface EventLine {
  readonly t: number;
  readonly run: number;
  readonly line: Readonly<Record<string, unknown>>;
}

export interface SentRecord {
  readonly t: number;
  readonly socket: string;
  readonly bytes: number;
}

export class Log {
  readonly traffic: Traffic[] = [];
  readonly events: EventLine[] = [];
  readonly sent: SentRecord[] = [];
  private readonly waiters = new Set<() => void>();

  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with the first non-undefined value of `find`, checked now and after every new entry, or
   * with undefined at `deadline` (a performance.now() time) or as soon as `stop` returns true.
   */
  waitFor<T>(find: () => T | undefined, deadline: number, stop: () => boolean = () => false): Promise<T | undefined> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (v: T | undefined): void => {
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        this.waiters.delete(check);
        resolve(v);
      };
      const check = (): void => {
        const v = find();
        if (v !== undefined) return finish(v);
        if (stop() || now() >= deadline) finish(undefined);
      };
      // A timer can fire early by the clock of performance.now() (libuv starts it from a cached loop
      // time, stale on a loaded machine): re-arm until the deadline has really passed.
      const arm = (): void => {
        timer = setTimeout(() => {
          check();
          if (!done) arm();
        }, Math.max(0, deadline - now()) + 1);
      };
      this.waiters.add(check);
      arm();
      check();
    });
  }
}

/** The runner's named UDP sockets (its "addresses": a device's port, its next port, a victim's). */
export class Sockets {
  private readonly socks = new Map<string, { sock: Socket; address: Address }>();

  private constructor(private readonly onMessage: (socket: string, bytes: Uint8Array, from: Address) => void) {}

  /** Binds one socket per name on `host`, each on a port the OS picks. */
  static async bind(names: readonly string[], host: string, onMessage: (socket: string, bytes: Uint8Array, from: Address) => void): Promise<Sockets> {
    const s = new Sockets(onMessage);
    try {
      for (const name of names) await s.add(name, host);
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  private async add(name: string, host: string): Promise<void> {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', (m, r) => this.onMessage(name, new Uint8Array(m), { host: r.address, port: r.port }));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, host, () => {
        sock.off('error', reject);
        sock.on('error', () => undefined); // ICMP port unreachable after the target died: nothing to do
        resolve();
      });
    });
    const a = sock.address();
    this.socks.set(name, { sock, address: { host: a.address, port: a.port } });
  }

  address(name: string): Address {
    const s = this.socks.get(name);
    if (s === undefined) throw new Error(`no socket ${name}`);
    return s.address;
  }

  /** The socket name bound at `a`, if any. */
  nameOf(a: Address): string | undefined {
    for (const [name, s] of this.socks) if (s.address.port === a.port && sameHost(s.address.host, a.host)) return name;
    return undefined;
  }

  send(name: string, bytes: Uint8Array, to: Address): Promise<void> {
    const s = this.socks.get(name);
    if (s === undefined) return Promise.reject(new Error(`no socket ${name}`));
    return new Promise((resolve, reject) => s.sock.send(bytes, to.port, to.host, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes every socket; idempotent. */
  async close(): Promise<void> {
    const all = [...this.socks.values()];
    this.socks.clear();
    await Promise.all(all.map(({ sock }) => new Promise<void>((r) => sock.close(() => r()))));
  }
}

/** Hosts compared as written, except that an IPv4-mapped IPv6 address equals its IPv4 form. */
export function sameHost(a: string, b: string): boolean {
  const strip = (h: string): string => (h.startsWith('::ffff:') ? h.slice(7) : h);
  return strip(a) === strip(b);
}
