/**
 * The Transport interface (spec 8): a way to send a datagram to an address and to receive datagrams
 * with their source. The peer layer sees nothing else of the network, so the same node runs over
 * UDP (transport/udp.ts, Node only), the in-memory network of tests (transport/memory.ts) or
 * anything else that moves datagrams. Runtime-agnostic: no node:* imports here.
 * @module
 */

/**
 * A network address. `host` is a literal IP address (IPv4 dotted quad or IPv6 without brackets) for
 * UDP, or any name on a MemoryNetwork; `port` is 0 to 65535. Two addresses are the same endpoint
 * iff their addressKey() is equal.
 * @group Transports, state and time
 */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A canonical string for an address: `host:port`, with IPv6 hosts in brackets (`[::1]:4000`). */
export function addressKey(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * Called once per received datagram. `data` is owned by the callee (the transport keeps no reference).
 * @group Transports, state and time
 */
export type ReceiveHandler = (data: Uint8Array, from: Address) => void;

/** @group Transports, state and time */
export interface Transport {
  /** The address this transport is bound to (after bind, with the real port when 0 was asked). */
  readonly local: Address;
  /**
   * Largest datagram, in bytes, the transport will send [SW-8.1-2]. The peer layer never asks to send
   * more; a larger `data` is refused with InvalidArgumentError.
   */
  readonly mtu: number;
  /**
   * Sends one datagram. Fire and forget, like UDP: resolves when handed to the network, and never
   * rejects for a loss on the path. It rejects with TransportError only for a local failure (socket
   * closed, unreachable network reported by the OS); the caller counts it and goes on [SW-8.1-4].
   * It never throws synchronously. The caller must not modify `data` until the promise settles: a
   * UDP socket may read it after send() returns.
   */
  send(data: Uint8Array, to: Address): Promise<void>;
  /**
   * Sets the one handler of received datagrams (replacing any previous one). Datagrams that arrive
   * while no handler is set are dropped (the SDK transports count them in `stats.droppedNoHandler`).
   */
  onReceive(handler: ReceiveHandler): void;
  /** Stops receiving and releases the socket. Idempotent. After close, send() rejects. */
  close(): Promise<void>;
  /**
   * Optional [SW-8.4-3]: runs `fn` once the datagrams that had arrived when it was called have been
   * handed to the receive handler (a read found the socket empty), or after `maxWaitMs` if input
   * keeps coming faster than it is read. A node runs its timers through it: after a stall of its
   * process, a timer would otherwise judge a peer silent, or a fragment lost, while the answer waits
   * unread in its own receive buffer. Without it, timers run at once.
   */
  afterInput?(fn: () => void, maxWaitMs: number): void;
  /**
   * Optional, with afterInput: turns of the event loop that afterInput waited because more input
   * was waiting (`waits`), and waits that ended at maxWaitMs with input still coming (`expired`). A
   * node that keeps waiting is behind its own input: overloaded (NodeStats.input). `shrinks`: times
   * the receive buffer shrank because the node stayed behind its input [SW-8.4-4] (absent: never).
   */
  readonly inputStats?: { readonly waits: number; readonly expired: number; readonly shrinks?: number };
}
