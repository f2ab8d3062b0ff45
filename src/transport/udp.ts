/**
 * UDP transport for Node (spec 8): node:dgram through dgram-as-promised for bind, send and close.
 * Datagrams are received from the socket's 'message' event, never through recv(): dgram-as-promised
 * keeps no queue, so anything arriving while no recv() is pending would be lost.
 * @module
 */
import type { RemoteInfo } from 'node:dgram';
import { isIP } from 'node:net';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { MIN_MAX_DATAGRAM } from '../constants.js';
import { InvalidArgumentError, TransportError } from '../errors.js';
import { STANDING_QUEUE_MS, StandingQueueLimit, UDP_RECV_BUFFER_BEHIND } from './standing-queue.js';
import { newTransportStats, type TransportStats } from './memory.js';
import type { Address, ReceiveHandler, Transport } from './transport.js';

/** Default MTU over IPv4: 1500 minus the IPv4 (20) and UDP (8) headers. */
export const UDP_MTU_IPV4 = 1472;
/** Default MTU over IPv6 (and dual-stack sockets): 1500 minus the IPv6 (40) and UDP (8) headers. */
export const UDP_MTU_IPV6 = 1452;
/** Default receive buffer requested (SO_RCVBUF); spec 8.4 explains the number. */
export const UDP_RECV_BUFFER = 4 * 1024 * 1024;
/**
 * Datagrams libuv reads from one socket per turn of the event loop (uv__udp_recvmsg, without
 * recvmmsg, which Node does not enable): a turn that read this many may have left more unread.
 */
export const UV_READS_PER_TURN = 32;
/** Largest UDP payload: 65535 minus the UDP header, minus the IPv4 header for IPv4. */
const MAX_PAYLOAD = { IPv4: 65507, IPv6: 65527 } as const;

/** @group Transports, state and time */
export interface UdpBindOptions {
  /** Literal IP address to bind (no DNS). Default '0.0.0.0'; '::' binds every IPv6 (and, unless ipv6Only, IPv4) address. */
  readonly host?: string;
  /** Default 0: a port chosen by the OS (read it from `local.port`). */
  readonly port?: number;
  /**
   * SO_RCVBUF to request, in bytes; 0 keeps the OS default. Default UDP_RECV_BUFFER (4 MiB). Linux
   * caps the request at net.core.rmem_max and reports double the granted value (its bookkeeping
   * share); a system that refuses is asked for half, down to 64 KiB. Check getRecvBufferSize().
   * This library never changes rmem_max.
   */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF to request, in bytes; 0 (the default) keeps the OS default. Capped by net.core.wmem_max. */
  readonly sendBufferSize?: number;
  /** Largest datagram send() accepts, from MIN_MAX_DATAGRAM (512) to 65507 (IPv4) or 65527 (IPv6). Default UDP_MTU_IPV4 or UDP_MTU_IPV6. */
  readonly mtu?: number;
  /**
   * Only for host '::': true receives IPv6 only; false (the default) is dual-stack, whatever the
   * OS default (net.ipv6.bindv6only) says. On a dual-stack socket IPv4 peers are still reported and
   * addressed as plain IPv4.
   */
  readonly ipv6Only?: boolean;
  /**
   * Microseconds to keep polling the socket after each datagram sent or received, before the event
   * loop may sleep; 0 (the default) never polls. A sleeping process takes tens of microseconds to
   * wake when the next datagram comes (more on a virtual machine, whose idle vCPU is halted), which
   * is most of a loopback round trip. Polling trades CPU for latency as the kernel's busy_poll
   * (SO_BUSY_POLL) does: at most this long after each burst of traffic, and none while idle. Up to
   * 1,000,000 (1 s).
   */
  readonly busyPollUs?: number;
  /**
   * [SW-8.4-4] Once every read of the socket has found more waiting for this long (ms), the receive
   * buffer shrinks to `behindRecvBufferSize` until a read finds it empty, so that a node behind its
   * input handles datagrams a fraction of a second old instead of seconds. Default
   * STANDING_QUEUE_MS (200); 0 never shrinks. Applies only when recvBufferSize is larger.
   */
  readonly standingQueueMs?: number;
  /** The receive buffer requested while behind (see standingQueueMs). Default UDP_RECV_BUFFER_BEHIND (256 KiB). */
  readonly behindRecvBufferSize?: number;
}

/** TransportStats plus errors the socket reported outside any send(). */
export interface UdpTransportStats extends TransportStats {
  socketErrors: number;
  /** Event loop turns spent busy polling (busyPollUs): the CPU that polling costs, in turns. */
  busyPollTurns: number;
  /**
   * Turns of the event loop that afterInput() waited because the socket had more to read: each is
   * a timer run that would have judged peers by datagrams not read yet [SW-8.4-3].
   */
  inputWaits: number;
  /** afterInput() calls that gave up waiting after maxWaitMs, input still coming faster than read. */
  inputWaitsExpired: number;
  /** Times the receive buffer shrank because the node stayed behind its input [SW-8.4-4]. */
  inputShrinks: number;
}

/**
 * A Transport on one UDP socket. Addresses are literal IPs; an IPv4-mapped IPv6 source
 * (`::ffff:a.b.c.d`) is reported as the IPv4 address (spec 8.2-2). The receive handler runs inside
 * the socket's 'message' event and must not throw: an exception there is uncaught.
 * @group Transports, state and time
 */
export class UdpTransport implements Transport {
  readonly local: Address;
  readonly mtu: number;
  readonly family: 'IPv4' | 'IPv6';
  /** True for a '::' socket that also carries IPv4. */
  readonly dualStack: boolean;
  readonly stats: UdpTransportStats = { ...newTransportStats(), socketErrors: 0, busyPollTurns: 0, inputWaits: 0, inputWaitsExpired: 0, inputShrinks: 0 };
  private handler: ReceiveHandler | undefined;
  private closing: Promise<void> | undefined;
  /** busyPollUs in ms; 0 = off. */
  private readonly pollMs: number;
  private pollUntil = 0;
  private polling = false;
  /** Datagrams read in the current turn of the event loop; `turnOpen` until that turn's immediates run. */
  private turnReads = 0;
  private turnOpen = false;
  /** Bounds the standing queue in the receive buffer [SW-8.4-4]; undefined when off. */
  private queueLimit: StandingQueueLimit | undefined;

  private constructor(
    private readonly sock: SocketAsPromised,
    local: Address,
    family: 'IPv4' | 'IPv6',
    mtu: number,
    dualStack: boolean,
    busyPollUs: number,
  ) {
    this.pollMs = busyPollUs / 1000;
    this.local = local;
    this.family = family;
    this.mtu = mtu;
    this.dualStack = dualStack;
    sock.socket.on('message', this.onMessage);
    // Replaces dgram-as-promised's own listener, which would keep the error and reject the next
    // send() with it. An asynchronous socket error is counted; the socket stays usable.
    sock.destroy();
    sock.socket.on('error', () => void this.stats.socketErrors++);
  }

  /**
   * Binds a UDP socket. Rejects with InvalidArgumentError for a bad option and with TransportError
   * if the OS refuses (address in use, address not local).
   */
  static async bind(options: UdpBindOptions = {}): Promise<UdpTransport> {
    const host = options.host ?? '0.0.0.0';
    const v = isIP(host);
    if (v === 0) throw new InvalidArgumentError(`bind: host must be a literal IP address, got ${JSON.stringify(host)}`);
    const family = v === 4 ? 'IPv4' : 'IPv6';
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`bind: port must be an integer from 0 to 65535, got ${port}`);
    const mtu = options.mtu ?? (family === 'IPv4' ? UDP_MTU_IPV4 : UDP_MTU_IPV6);
    if (!Number.isInteger(mtu) || mtu < MIN_MAX_DATAGRAM || mtu > MAX_PAYLOAD[family]) {
      throw new InvalidArgumentError(`bind: mtu must be an integer from ${MIN_MAX_DATAGRAM} to ${MAX_PAYLOAD[family]}, got ${mtu}`);
    }
    const rcv = checkBufferSize(options.recvBufferSize ?? UDP_RECV_BUFFER, 'recvBufferSize');
    const snd = checkBufferSize(options.sendBufferSize ?? 0, 'sendBufferSize');
    const wildcard6 = family === 'IPv6' && isUnspecified6(host);
    if (options.ipv6Only !== undefined && !wildcard6) throw new InvalidArgumentError("bind: ipv6Only applies to host '::' only");
    const ipv6Only = options.ipv6Only ?? false;
    const busyPollUs = options.busyPollUs ?? 0;
    const standingQueueMs = options.standingQueueMs ?? STANDING_QUEUE_MS;
    if (!Number.isInteger(standingQueueMs) || standingQueueMs < 0 || standingQueueMs > 60_000) throw new InvalidArgumentError(`bind: standingQueueMs must be an integer from 0 to 60000, got ${standingQueueMs}`);
    const behind = checkBufferSize(options.behindRecvBufferSize ?? UDP_RECV_BUFFER_BEHIND, 'behindRecvBufferSize');
    if (!Number.isInteger(busyPollUs) || busyPollUs < 0 || busyPollUs > 1_000_000) throw new InvalidArgumentError(`bind: busyPollUs must be an integer from 0 to 1000000, got ${busyPollUs}`);

    const sock = DgramAsPromised.createSocket(family === 'IPv4' ? { type: 'udp4', lookup: literalLookup } : { type: 'udp6', ipv6Only, lookup: literalLookup });
    try {
      const info = await sock.bind({ port, address: host, exclusive: true });
      if (rcv > 0) requestBuffer((n) => sock.setRecvBufferSize(n), rcv);
      if (snd > 0) requestBuffer((n) => sock.setSendBufferSize(n), snd);
      const t = new UdpTransport(sock, Object.freeze({ host: info.address, port: info.port }), family, mtu, wildcard6 && !ipv6Only, busyPollUs);
      if (standingQueueMs > 0 && rcv > behind) {
        // requestBuffer never throws: a size refused (or a socket closed meanwhile) is skipped
        t.queueLimit = new StandingQueueLimit({ full: rcv, behind, afterMs: standingQueueMs }, (n) => requestBuffer((k) => sock.setRecvBufferSize(k), n));
      }
      return t;
    } catch (e) {
      try {
        sock.socket.close();
      } catch {
        // never bound, or already closed: nothing to release
      }
      throw new TransportError(`bind ${host}:${port} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The receive buffer the kernel granted (on Linux, double the effective request). */
  getRecvBufferSize(): number {
    return this.sockOption(() => this.sock.socket.getRecvBufferSize());
  }

  /** The send buffer the kernel granted (on Linux, double the effective request). */
  getSendBufferSize(): number {
    // not sock.getSendBufferSize(): dgram-as-promised 6.0.0 implements it as endless recursion
    return this.sockOption(() => this.sock.socket.getSendBufferSize());
  }

  /** Whether the event loop is being kept polling now (busyPollUs after the latest datagram). */
  get busyPolling(): boolean {
    return this.polling;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Sends one datagram. `data` must not be modified until the promise settles: the socket reads it
   * after send() returns. Rejects, never throws: InvalidArgumentError for bad arguments (a length
   * over the MTU, an address of a family this socket cannot reach), TransportError when closed or
   * when the OS refuses.
   */
  send(data: Uint8Array, to: Address): Promise<void> {
    if (this.closing !== undefined) {
      this.stats.sendErrors++;
      return Promise.reject(new TransportError('send on a closed UDP transport'));
    }
    if (!(data instanceof Uint8Array)) return Promise.reject(new InvalidArgumentError('send: data must be a Uint8Array'));
    if (data.length > this.mtu) return Promise.reject(new InvalidArgumentError(`send: ${data.length} bytes exceed the MTU of ${this.mtu}`));
    let host: string;
    try {
      host = this.destination(to);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.pollMs > 0) this.keepPolling();
    return this.sock.send(data, to.port, host).then(
      () => {
        this.stats.datagramsSent++;
        this.stats.bytesSent += data.length;
      },
      (e: unknown) => {
        this.stats.sendErrors++;
        throw new TransportError(`send to ${host}:${to.port} failed: ${(e as Error).message}`, { cause: e });
      },
    );
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.handler = undefined;
      this.sock.socket.off('message', this.onMessage);
      this.closing = this.sock.close().catch(() => undefined); // already closed by the runtime: nothing left to release
    }
    return this.closing;
  }

  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    const h = this.handler;
    if (h === undefined) {
      this.stats.droppedNoHandler++;
      return;
    }
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += msg.length;
    if (!this.turnOpen) {
      this.turnOpen = true;
      this.turnReads = 0;
      setImmediate(this.closeTurn);
    }
    this.turnReads++;
    if (this.pollMs > 0) this.keepPolling();
    // a plain Uint8Array view, never the Buffer: Buffer#slice shares memory where Uint8Array#slice
    // copies, and code above the transport relies on slice() being a copy
    h(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), { host: canonicalHost(rinfo.address), port: rinfo.port });
  };

  get inputStats(): { readonly waits: number; readonly expired: number; readonly shrinks: number } {
    return { waits: this.stats.inputWaits, expired: this.stats.inputWaitsExpired, shrinks: this.stats.inputShrinks };
  }

  /** Whether the receive buffer is shrunk now because the node stays behind its input [SW-8.4-4]. */
  get inputBehind(): boolean {
    return this.queueLimit?.shrunk ?? false;
  }

  private readonly closeTurn = (): void => {
    this.turnOpen = false;
    const q = this.queueLimit;
    if (q === undefined || this.closing !== undefined) return;
    q.turn(this.turnReads < UV_READS_PER_TURN, performance.now());
    this.stats.inputShrinks = q.shrinks;
  };

  /**
   * [SW-8.4-3] Runs `fn` in the check phase of the event loop, after the poll phase has read the
   * socket: if that read found it empty (fewer than UV_READS_PER_TURN datagrams), what had arrived
   * before the call has been handled; otherwise it waits another turn, up to `maxWaitMs`. An
   * immediate queued here runs before the turn's closeTurn (queued by the poll phase after it), so
   * `turnReads` is that poll's count while `turnOpen`, and no datagram came in the turn otherwise.
   */
  afterInput(fn: () => void, maxWaitMs: number): void {
    const start = performance.now();
    const check = (): void => {
      if (!this.turnOpen || this.turnReads < UV_READS_PER_TURN || this.closing !== undefined) return fn();
      if (performance.now() - start >= maxWaitMs) {
        this.stats.inputWaitsExpired++;
        return fn();
      }
      this.stats.inputWaits++;
      setImmediate(check);
    };
    setImmediate(check);
  }

  /**
   * Keeps the event loop turning (an immediate each turn, so libuv polls the socket without
   * sleeping) until `busyPollUs` pass with no datagram either way.
   */
  private keepPolling(): void {
    this.pollUntil = performance.now() + this.pollMs;
    if (this.polling) return;
    this.polling = true;
    setImmediate(this.poll);
  }

  private readonly poll = (): void => {
    if (this.closing !== undefined || performance.now() >= this.pollUntil) {
      this.polling = false;
      return;
    }
    this.stats.busyPollTurns++;
    setImmediate(this.poll);
  };

  /** The host string to hand to dgram for `to`, or throws InvalidArgumentError. */
  private destination(to: Address): string {
    if (to === null || typeof to !== 'object' || typeof to.host !== 'string') throw new InvalidArgumentError('send: to must be an Address');
    if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
      throw new InvalidArgumentError(`send: port must be an integer from 1 to 65535, got ${String(to.port)}`);
    }
    const host = canonicalHost(to.host);
    const v = isIP(host);
    if (v === 0) throw new InvalidArgumentError(`send: host must be a literal IP address, got ${JSON.stringify(to.host)}`);
    if (this.family === 'IPv4' && v === 6) throw new InvalidArgumentError(`send: IPv6 destination ${host} on an IPv4 socket`);
    if (this.family === 'IPv6' && v === 4) {
      if (!this.dualStack) throw new InvalidArgumentError(`send: IPv4 destination ${host} on an IPv6-only socket`);
      return `::ffff:${host}`;
    }
    return host;
  }

  private sockOption(read: () => number): number {
    if (this.closing !== undefined) throw new TransportError('the UDP transport is closed');
    return read();
  }
}

/**
 * dgram's `lookup` for a socket that is only ever given literal IPs (destination() checks): answers
 * at once. The default, dns.lookup, answers a literal on the next tick, so every datagram would
 * leave only once the sender's whole call stack had unwound: tens of microseconds on a round trip.
 */
function literalLookup(host: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, host, isIP(host));
}

/** `::ffff:a.b.c.d` becomes `a.b.c.d`; every other host is returned as is. */
function canonicalHost(host: string): string {
  if (host.length > 7 && (host.startsWith('::ffff:') || host.startsWith('::FFFF:'))) {
    const v4 = host.slice(7);
    if (isIP(v4) === 4) return v4;
  }
  return host;
}

function isUnspecified6(host: string): boolean {
  return /^[0:]+$/.test(host);
}

/**
 * Asks for a buffer of `size`, halving on refusal down to 64 KiB, then keeps the OS default: some
 * systems (macOS above kern.ipc.maxsockbuf) refuse instead of capping, and a smaller buffer must not
 * make bind fail. getRecvBufferSize() tells what was granted.
 */
function requestBuffer(set: (n: number) => void, size: number): void {
  for (let n = size; n >= 65536; n = Math.floor(n / 2)) {
    try {
      set(n);
      return;
    } catch {
      // refused: try half
    }
  }
}

function checkBufferSize(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new InvalidArgumentError(`bind: ${what} must be an integer from 0 to 2^31-1, got ${n}`);
  return n;
}
