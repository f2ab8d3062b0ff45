/**
 * A UDP socket joined to a multicast group (spec 19.9), on node:dgram. Administratively scoped
 * groups only (239/8, ff02::/16, ff05::/16), TTL 1 by default, loopback and interface
 * configurable; it joins again when its interface comes back or changes (polled every
 * `watchInterfacesMs`), every `rejoinMs` (IGMP/MLD reports an access point or a rebooted router may
 * have forgotten) and on rejoin(). On a host's loopback,
 * `interface: '127.0.0.1'` keeps everything on lo (the tests do).
 * @module
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { INTERFACE_POLL_MS, REJOIN_INTERVAL_MS } from '../multicast/constants.js';
import { watchInterfaces, type InterfaceLister } from './interface-watch.js';

export interface MulticastSocketOptions {
  /** The group to join; undefined: a plain socket on an ephemeral port that only sends to groups (a scouting node's unicast side). */
  readonly group?: string;
  /** The group's port (the socket binds it, with SO_REUSEADDR, so several processes share it). */
  readonly port: number;
  /** Local interface for membership and for sending to groups: an IPv4 address ('127.0.0.1'), or '::%ifname' for IPv6. */
  readonly interface?: string;
  /** TTL (IPv4) or hop limit (IPv6) of datagrams sent to a group; default 1 [SW-19.9-1]. */
  readonly ttl?: number;
  /** Receive this host's own group datagrams; default true (several nodes on one host). */
  readonly loopback?: boolean;
  /** Join again this often; default 60 s, 0 never [SW-19.9-2]. */
  readonly rejoinMs?: number;
  /** Look for the interface coming back or changing this often, and join again when it does; default 1 s, 0 never [SW-19.9-2]. */
  readonly watchInterfacesMs?: number;
  /** Tests only: what lists the host's interfaces (default os.networkInterfaces). */
  readonly listInterfaces?: InterfaceLister;
}

export type MulticastHandler = (data: Uint8Array, from: { readonly host: string; readonly port: number }) => void;

export interface MulticastSocketStats {
  sent: number;
  bytesSent: number;
  received: number;
  bytesReceived: number;
  joins: number;
  /** Joins caused by an interface that came back or changed. */
  interfaceRejoins: number;
  errors: number;
}

/** True for the administratively scoped groups of [SW-19.9-1]. */
export function isScopedGroup(group: string): boolean {
  if (isIP(group) === 4) return group.startsWith('239.');
  if (isIP(group) === 6) return /^ff0[25]:/i.test(group);
  return false;
}

export class MulticastSocket {
  readonly stats: MulticastSocketStats = { sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, joins: 0, interfaceRejoins: 0, errors: 0 };
  private handler: MulticastHandler | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private unwatch: (() => void) | undefined;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly options: MulticastSocketOptions,
    readonly localPort: number,
  ) {}

  static async open(o: MulticastSocketOptions): Promise<MulticastSocket> {
    if (o.group !== undefined && !isScopedGroup(o.group)) throw new InvalidArgumentError(`not an administratively scoped group: ${o.group} [SW-19.9-1]`);
    const v6 = o.group !== undefined ? isIP(o.group) === 6 : o.interface !== undefined && isIP(o.interface) === 6;
    const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // a group socket binds the group's port on every address (the group's datagrams are addressed
      // to the group, not to a local address); a sending-only socket binds an ephemeral port
      // (an IPv6 interface is named '::%ifname': the socket binds '::' and the scope picks the link)
      const host = o.group === undefined && o.interface !== undefined ? (v6 ? '::' : o.interface) : undefined;
      socket.bind({ port: o.group === undefined ? 0 : o.port, ...(host !== undefined && { address: host }) }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const s = new MulticastSocket(socket, o, socket.address().port);
    socket.on('error', () => s.stats.errors++);
    socket.on('message', (msg, rinfo) => {
      s.stats.received++;
      s.stats.bytesReceived += msg.length;
      s.handler?.(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), { host: rinfo.address, port: rinfo.port });
    });
    if (o.interface !== undefined) socket.setMulticastInterface(o.interface);
    socket.setMulticastTTL(o.ttl ?? 1);
    socket.setMulticastLoopback(o.loopback ?? true);
    if (o.group !== undefined) {
      s.join();
      const every = o.rejoinMs ?? REJOIN_INTERVAL_MS;
      if (every > 0) {
        s.timer = setInterval(() => s.rejoin(), every);
        s.timer.unref();
      }
      const poll = o.watchInterfacesMs ?? INTERFACE_POLL_MS;
      if (poll > 0) {
        s.unwatch = watchInterfaces(v6 ? 'IPv6' : 'IPv4', o.interface, poll, () => {
          s.stats.interfaceRejoins++;
          s.rejoin();
        }, o.listInterfaces);
      }
    }
    return s;
  }

  onMessage(h: MulticastHandler): void {
    this.handler = h;
  }

  /** Leaves and joins the group again: sends a fresh IGMP/MLD report [SW-19.9-2]. */
  rejoin(): void {
    if (this.options.group === undefined) return;
    try {
      this.socket.dropMembership(this.options.group, this.options.interface);
    } catch {
      // not a member (the interface went away): join below
    }
    this.join();
  }

  /** Sends to the group (default) or to a unicast address. */
  send(data: Uint8Array, to?: { readonly host: string; readonly port: number }): Promise<void> {
    const host = to?.host ?? this.options.group;
    if (host === undefined) return Promise.reject(new InvalidArgumentError('no destination: this socket has no group'));
    return new Promise((resolve) => {
      this.socket.send(data, to?.port ?? this.options.port, host, (err) => {
        if (err) this.stats.errors++;
        else {
          this.stats.sent++;
          this.stats.bytesSent += data.length;
        }
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.unwatch?.();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private join(): void {
    try {
      this.socket.addMembership(this.options.group!, this.options.interface);
      this.stats.joins++;
    } catch {
      this.stats.errors++; // no such interface yet: the next rejoin tries again
    }
  }
}
