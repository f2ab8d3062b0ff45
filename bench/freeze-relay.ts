/**
 * A counting UDP relay for one client (issue 14 item 1, bench/freeze.ts): the client (a device)
 * sends to the relay, the relay sends to the target (the hub) from an upstream socket of its own, and
 * the target's replies go back to the client. It counts the datagrams of each direction in 100 ms
 * buckets (wall clock), and can hold the client's datagrams to the target and release them all at
 * once (a path that queues 30 s of traffic and then delivers it in a burst). The target's datagrams
 * to the client are never held.
 *
 * Not src/transport/chaos-proxy.ts: that proxy has no one-way hold (its blackout drops both ways)
 * and copies every datagram into its capture, which a storm of 75k datagrams/s would make the
 * bottleneck. This relay does nothing per datagram but count and forward.
 *
 * Bounded: buckets up to `maxSeconds` after the start (later datagrams are relayed, not counted),
 * at most MAX_HELD datagrams held (beyond: dropped, counted in `heldDropped`). Node only.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface RelayAddress {
  readonly host: string;
  readonly port: number;
}

/** `toTarget`: client -> target; `toClient`: target -> client. */
export type RelayDirection = 'toTarget' | 'toClient';

const BUCKET_MS = 100;
const MAX_HELD = 200_000;

export const wallNow = (): number => performance.timeOrigin + performance.now();

export class CountingRelay {
  /** Where the client sends. */
  readonly address: RelayAddress;
  /** Datagrams received from each side (toTarget: from the client, held or not), per 100 ms bucket. */
  readonly received: Record<RelayDirection, Uint32Array>;
  /** Datagrams sent on to each side (toTarget: a released datagram counts when it is released). */
  readonly forwarded: Record<RelayDirection, Uint32Array>;
  readonly t0 = wallNow();
  /** Datagrams from a second client address, or from anyone but the target upstream: ignored. */
  strays = 0;
  heldDropped = 0;
  private client: RemoteInfo | undefined;
  private held: Buffer[] | undefined;
  private closed = false;

  private constructor(
    private readonly listen: Socket,
    private readonly up: Socket,
    private readonly target: RelayAddress,
    maxSeconds: number,
  ) {
    const n = Math.ceil((maxSeconds * 1000) / BUCKET_MS);
    this.received = { toTarget: new Uint32Array(n), toClient: new Uint32Array(n) };
    this.forwarded = { toTarget: new Uint32Array(n), toClient: new Uint32Array(n) };
    const a = listen.address();
    this.address = { host: a.address, port: a.port };
    listen.on('message', (msg, from) => this.fromClient(msg, from));
    up.on('message', (msg, from) => this.fromTarget(msg, from));
  }

  /** A relay on 127.0.0.1 towards `target`, counting for `maxSeconds`. */
  static async start(target: RelayAddress, maxSeconds = 600): Promise<CountingRelay> {
    const bind = async (): Promise<Socket> => {
      const s = createSocket('udp4');
      s.on('error', () => undefined); // a send refused by the OS (ENOBUFS under a storm) is a lost datagram, as on a path
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      return s;
    };
    return new CountingRelay(await bind(), await bind(), target, maxSeconds);
  }

  /** From now on the client's datagrams to the target are held, not sent. */
  hold(): void {
    this.held ??= [];
  }

  /** Sends every held datagram at once, in arrival order, and stops holding; returns how many. */
  release(): number {
    const held = this.held ?? [];
    this.held = undefined;
    for (const b of held) this.sendUp(b);
    return held.length;
  }

  /** Sum over the buckets from wall-clock ms `from` (inclusive) to `to` (exclusive). */
  count(kind: 'received' | 'forwarded', dir: RelayDirection, from: number, to: number): number {
    const b = this[kind][dir];
    let sum = 0;
    const i0 = Math.max(0, Math.floor((from - this.t0) / BUCKET_MS));
    const i1 = Math.min(b.length, Math.floor((to - this.t0) / BUCKET_MS));
    for (let i = i0; i < i1; i++) sum += b[i]!;
    return sum;
  }

  /** `n` consecutive windows of `widthMs` from `from`: the counts of each. */
  series(kind: 'received' | 'forwarded', dir: RelayDirection, from: number, widthMs: number, n: number): number[] {
    return Array.from({ length: n }, (_, k) => this.count(kind, dir, from + k * widthMs, from + (k + 1) * widthMs));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.held = undefined;
    await Promise.all([this.listen, this.up].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private tick(a: Uint32Array): void {
    const i = Math.floor((wallNow() - this.t0) / BUCKET_MS);
    if (i < a.length) a[i]!++;
  }

  private fromClient(msg: Buffer, from: RemoteInfo): void {
    this.client ??= from;
    if (from.address !== this.client.address || from.port !== this.client.port) return void this.strays++;
    this.tick(this.received.toTarget);
    if (this.held === undefined) return this.sendUp(msg);
    if (this.held.length >= MAX_HELD) return void this.heldDropped++;
    this.held.push(msg);
  }

  private fromTarget(msg: Buffer, from: RemoteInfo): void {
    if (from.address !== this.target.host || from.port !== this.target.port || this.client === undefined) return void this.strays++;
    this.tick(this.received.toClient);
    this.tick(this.forwarded.toClient);
    if (!this.closed) this.listen.send(msg, this.client.port, this.client.address);
  }

  private sendUp(msg: Buffer): void {
    this.tick(this.forwarded.toTarget);
    if (!this.closed) this.up.send(msg, this.target.port, this.target.host);
  }
}
