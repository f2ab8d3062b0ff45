/**
 * The message layer's view of a node (spec 15.3): operations to and from peers on their channels,
 * the peers' reachability and restarts, this node's epoch and clock. The pub/sub and RPC engines are
 * written against MessagePort only, so they run on a SaltwireNode (NodePort) or on a fake in tests.
 * @module
 */
import { decodeOp, encodeOp } from './op-codec.js';
import { channelOf, LAST_MESSAGE_LAYER_CHANNEL, type Op, type QoS } from './ops.js';
import type { SaltwireNode } from '../peer/node.js';
import type { Message } from '../peer/node-events.js';
import type { Reachability } from '../peer/liveness.js';
import type { Scheduler } from '../time/scheduler.js';
import { Emitter } from '../util/emitter.js';

export interface PortEvents {
  /** An operation from `peer`, decoded and on its own channel. */
  op: {
    readonly peer: string;
    readonly op: Op;
    /**
     * Present on a reliable operation of a channel passed to deferAcks: keeps its acknowledgement
     * back until the returned release is called (its effect is durable, [SW-14.3-9]).
     */
    readonly hold?: () => () => void;
  };
  /** `peer` restarted (a new epoch, [SW-9.3-5]): its message-layer state for us is gone. */
  restart: { readonly peer: string };
  reachable: { readonly peer: string };
  unreachable: { readonly peer: string };
}

export interface SendOpOptions {
  /** 0: one unreliable MSG frame; 1 and 2: reliable (ordered on the control and publish channels). */
  readonly qos: QoS;
  /** A QoS 0 operation sent in a reliable MSG all the same (a retained copy answering a SUBSCRIBE, [SW-15.8-5]). */
  readonly reliable?: boolean;
  /** For reliable operations: ms until the promise rejects with DeadlineExceededError. */
  readonly deadlineMs?: number;
}

export interface MessagePort {
  /** This node's id. */
  readonly self: string;
  /** This node's current epoch (5.2): the high half of CALL_IDs and PUB_IDs. */
  epoch(): number;
  readonly scheduler: Scheduler;
  /**
   * Sends `op` to `peer` on the operation's channel. QoS 0 resolves once queued; QoS 1 and 2 resolve
   * when the peer acknowledged it ([SW-14.1-2]). Throws (or rejects) with the node's typed errors.
   */
  send(peer: string, op: Op, o: SendOpOptions): Promise<void>;
  reachability(peer: string): Reachability;
  /** Whether `peer` is in the node's table with an address (it can be sent to). */
  knows(peer: string): boolean;
  on<K extends keyof PortEvents>(name: K, fn: (e: PortEvents[K]) => void): () => void;
  /** Operations dropped as malformed or on the wrong channel ([SW-15.3-3]). */
  readonly drops: { malformed: number; wrongChannel: number };
  /**
   * Reliable operations on these channels are acknowledged only once released (their 'op' event
   * carries `hold`) [SW-14.3-9]; a port that cannot defer leaves it out (acknowledged on taking).
   */
  deferAcks?(channels: readonly number[]): void;
  /** What this node takes from a peer (its MAX_DATAGRAM, MAX_MESSAGE, RECEIVE_WINDOW), declared in SYNC [SW-15.5-8]. */
  receiveLimits?(): { readonly maxDatagram: number; readonly maxMessage: number; readonly window: number };
  /**
   * `peer` declared what it takes (its SYNC, [SW-15.5-8]): the node sends it no datagram longer than
   * maxDatagram and no reliable message longer than maxMessage. A port that cannot leaves it out.
   */
  limitPeer?(peer: string, limits: { readonly maxDatagram: number; readonly maxMessage: number; readonly window: number }): void;
  /**
   * Registers `fn` for every reliable operation the node moves to a new epoch of its own before
   * sending it (12.4: the peer refused the old one as stale; 14.1: ids used up). None was taken, so
   * `fn` may return the operation with its ids stamped again under the new epoch ([SW-15.6-4],
   * [SW-16.1-5]), or undefined to keep it. Returns a function that unregisters it.
   */
  onRenewedOp?(fn: (peer: string, op: Op) => Op | undefined): () => void;
}

const SENT: Promise<void> = Promise.resolve();

/** MessagePort over a SaltwireNode. */
export class NodePort implements MessagePort {
  readonly drops = { malformed: 0, wrongChannel: 0 };
  private readonly events = new Emitter<PortEvents>();
  private readonly off: Array<() => void> = [];
  /** Whether the node's 'message' events are listened to (from the first 'op' listener on). */
  private listening = false;

  readonly scheduler: Scheduler;

  constructor(readonly node: SaltwireNode) {
    this.scheduler = node.scheduler;
    this.off.push(
      node.on('restart', (e) => this.events.emit('restart', { peer: e.peer })),
      node.on('reachable', (e) => this.events.emit('reachable', { peer: e.peer })),
      node.on('unreachable', (e) => this.events.emit('unreachable', { peer: e.peer })),
    );
  }

  receiveLimits(): { readonly maxDatagram: number; readonly maxMessage: number; readonly window: number } {
    return this.node.receiveLimits;
  }

  get self(): string {
    return this.node.id;
  }

  epoch(): number {
    return this.node.epoch;
  }

  // Not an async function: a QoS 0 operation (one per publication on a busy hub) returns one shared,
  // already resolved promise instead of allocating one; errors still come back as a rejection.
  send(peer: string, op: Op, o: SendOpOptions): Promise<void> {
    try {
      const data = encodeOp(op);
      const channel = channelOf(op.op);
      if (o.qos === 0 && o.reliable !== true) {
        // a full queue makes a QoS 0 operation wait for room, not fail [SW-14.8-6] [SW-15.4-5]
        return this.node.sendWhenRoom(peer, data, channel) ?? SENT;
      }
      const ordered = op.op !== 'CALL' && op.op !== 'CALLACK' && op.op !== 'RESULT';
      // what restores a session (SYNC, WILL) and answers it takes the outbox room reserved for it [SW-14.12-12]
      const control = op.op === 'SYNC' || op.op === 'WILL' || op.op === 'SUBACK' || op.op === 'UNSUBACK';
      return this.node.send(peer, data, { reliable: true, ordered, channel, ...(control && { control }), ...(o.deadlineMs !== undefined && { deadlineMs: o.deadlineMs }) });
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  reachability(peer: string): Reachability {
    return this.node.reachability(peer);
  }

  knows(peer: string): boolean {
    return this.node.peer(peer)?.address !== undefined;
  }

  limitPeer(peer: string, limits: { readonly maxDatagram: number; readonly window?: number }): void {
    this.node.limitPeer(peer, limits.maxDatagram, limits.window); // [SW-4.6-7], [SW-14.12-14]
  }

  deferAcks(channels: readonly number[]): void {
    for (const c of channels) this.node.deferAcks(c);
  }

  onRenewedOp(fn: (peer: string, op: Op) => Op | undefined): () => void {
    return this.node.onRenewedMessage((peer, channel, data) => {
      if (channel > LAST_MESSAGE_LAYER_CHANNEL) return undefined;
      const op = decodeOp(data);
      const again = op === undefined ? undefined : fn(peer, op);
      return again === undefined ? undefined : encodeOp(again);
    });
  }

  /**
   * The node's messages are listened to from the first 'op' listener on, not before: until the
   * engines listen (a hub loads its state first), the node takes no data [SW-14.7-9].
   */
  on<K extends keyof PortEvents>(name: K, fn: (e: PortEvents[K]) => void): () => void {
    if (name === 'op' && !this.listening) {
      this.listening = true;
      this.off.push(this.node.on('message', this.onMessage));
    }
    return this.events.on(name, fn);
  }

  private readonly onMessage = (m: Message): void => {
    if (m.channel < 1 || m.channel > LAST_MESSAGE_LAYER_CHANNEL || !m.fresh) return;
    const op = decodeOp(m.data, true); // m.data is this delivery's own copy (receive-state)
    if (op === undefined) return void this.drops.malformed++;
    if (channelOf(op.op) !== m.channel) return void this.drops.wrongChannel++;
    this.events.emit('op', m.hold === undefined ? { peer: m.from, op } : { peer: m.from, op, hold: m.hold });
  };

  /** Stops listening to the node (the node itself stays open). */
  close(): void {
    for (const f of this.off.splice(0)) f();
  }
}
