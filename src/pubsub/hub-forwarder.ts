/**
 * The hub's sending of publications to the devices it serves [SW-18.2-1] [SW-18.2-2]: its own
 * aliases towards each device, QoS 1 and 2 reliably with FORWARD_DEADLINE (waiting in the device's
 * outbox while it is away), failures counted per reason, and the in-flight sends for draining.
 * @module
 */
import type { MessagePort } from '../messaging/port.js';
import type { PeerLimits, PublishOp, QoS } from '../messaging/ops.js';
import { NodeClosedError, OutboxFullError, UnknownPeerError } from '../errors.js';
import { AliasSender } from './alias-sender.js';

/**
 * How a forwarded QoS 1 or 2 publication ended: acknowledged by the subscriber, given up (deadline,
 * too large), or not sent because the subscriber is unknown to the node now, its outbox is full or
 * the node closed (it stays owed: a durable hub sends it again later, [SW-18.3-5]).
 */
export type ForwardOutcome = 'delivered' | 'given-up' | 'unsent';

const unsent = (e: unknown): boolean => e instanceof UnknownPeerError || e instanceof NodeClosedError || e instanceof OutboxFullError;

/** How long a forwarded QoS 1 or 2 publication may wait for its subscriber (spec 18.5). */
export const FORWARD_DEADLINE_MS = 10 * 60_000;
/** How long a hub that stops gracefully waits for its outboxes (spec 18.5). */
export const DRAIN_TIMEOUT_MS = 2_000;

const QOS0 = { qos: 0 } as const;
const QOS0_RELIABLE = { qos: 0, reliable: true } as const;

export interface Forwarded {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly from: string;
  readonly pubId?: bigint;
  /** Scheduler time after which it is not delivered (MQTT 5 message expiry through the bridge); none by default. */
  readonly expiresAt?: number;
  /**
   * A QoS 0 copy sent in a reliable MSG all the same: a retained message answering a SUBSCRIBE
   * ([SW-15.8-5]), which would otherwise often arrive before the subscriber can tell the hub's
   * datagrams fresh (it just restarted) and be dropped, once, for good.
   */
  readonly reliable?: boolean;
}

export class HubForwarder {
  /** Forwarded publications dropped: outbox full, deadline passed, unknown peer, too large. */
  dropped = 0;
  sent = 0;
  /** Publications not sent because they are longer than the device declared it reassembles [SW-15.5-8]. */
  overLimit = 0;
  private readonly aliases = new Map<string, AliasSender>();
  /** What each device declared in its latest SYNC [SW-15.5-8]. */
  private readonly limits = new Map<string, PeerLimits>();
  private readonly inflight = new Set<Promise<void>>();
  /** QoS 0 copies handed to the node and not yet queued: waiting for room ([SW-14.8-6]) or about to settle. */
  qos0Waiting = 0;
  private roomWaiters: Array<() => void> = [];
  private roomBelow = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly maxAliases: number | undefined,
    private readonly deadlineMs: number,
  ) {}

  /**
   * Sends one publication to `device`; never throws (failures are counted). `settled` hears how a
   * QoS 1 or 2 one ended; `deadlineMs` (default the forwarder's) is what is left of its deadline.
   */
  forward(device: string, f: Forwarded, settled?: (outcome: ForwardOutcome) => void, deadlineMs = this.deadlineMs): void {
    const declared = this.limits.get(device);
    if (declared !== undefined && publishBound(f) > declared.maxMessage) {
      // never sent: the device would refuse to reassemble it [SW-15.5-8]; counted, like any drop
      this.dropped++;
      this.overLimit++;
      settled?.('given-up'); // it will never fit: not kept to be tried again
      return;
    }
    const names = this.aliasesOf(device).fields(f.topic, f.qos);
    // built field by field (no spreads): one of these per subscriber per publication on a busy hub
    const op: { -readonly [K in keyof PublishOp]: PublishOp[K] } = { op: 'PUBLISH', qos: f.qos, retain: f.retain, payload: f.payload };
    if (names.alias !== undefined) op.alias = names.alias;
    if (names.topic !== undefined) op.topic = names.topic;
    op.from = f.from;
    if (f.qos === 2 && f.pubId !== undefined) op.pubId = f.pubId;
    let p: Promise<void>;
    try {
      p = this.port.send(device, op, f.qos > 0 ? { qos: f.qos, deadlineMs } : f.reliable === true ? QOS0_RELIABLE : QOS0);
    } catch (e) {
      this.dropped++;
      settled?.(unsent(e) ? 'unsent' : 'given-up');
      return;
    }
    this.sent++;
    if (f.qos === 0) {
      // settled once queued (or refused past the waiting bounds): nothing for drain() to wait for
      this.qos0Waiting++;
      p.then(
        () => this.qos0Settled(),
        () => {
          this.dropped++;
          this.qos0Settled();
        },
      );
      return;
    }
    const tracked = p.then(
      () => settled?.('delivered'),
      (e: unknown) => {
        this.dropped++;
        settled?.(unsent(e) ? 'unsent' : 'given-up');
      },
    );
    this.inflight.add(tracked);
    void tracked.then(() => this.inflight.delete(tracked));
  }

  /**
   * Back-pressure for a source of QoS 0 publications that can wait (the MQTT bridge reading its
   * broker, [SW-15.4-5]): undefined while fewer than `max` QoS 0 copies wait for room, else a promise
   * that resolves once they are fewer than half of it.
   */
  qos0Room(max: number): Promise<void> | undefined {
    if (this.qos0Waiting < max) return undefined;
    this.roomBelow = Math.max(1, Math.floor(max / 2));
    return new Promise<void>((resolve) => void this.roomWaiters.push(resolve));
  }

  private qos0Settled(): void {
    this.qos0Waiting--;
    if (this.roomWaiters.length > 0 && this.qos0Waiting < this.roomBelow) for (const r of this.roomWaiters.splice(0)) r();
  }

  /** `device` declared its limits in a SYNC [SW-15.5-8]: honoured from now on (aliases, message size). */
  declare(device: string, limits: PeerLimits): void {
    this.limits.set(device, limits);
    // made when something is first forwarded to the device (aliasesOf applies the limit then): a
    // device that only publishes never has an alias table of the hub's (about 300 B, bench:hub-memory)
    this.aliases.get(device)?.limit(limits.maxAliases);
  }

  /** `device` restarted (or this hub did): the aliases towards it are defined again. */
  reset(device: string): void {
    this.aliases.get(device)?.reset();
  }

  /** Sends in flight (not yet acknowledged, failed or past their deadline). */
  get pending(): number {
    return this.inflight.size;
  }

  /** Resolves when every send in flight settled, or after `timeoutMs` [SW-18.3-1]. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inflight.size === 0) return;
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<void>((resolve) => (timer = this.port.scheduler.at(this.port.scheduler.now() + timeoutMs, resolve)));
    const all = (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    })();
    await Promise.race([all, timeout]);
    timer?.cancel();
  }

  private aliasesOf(device: string): AliasSender {
    let a = this.aliases.get(device);
    if (a === undefined) {
      this.aliases.set(device, (a = new AliasSender(this.port, device, this.maxAliases)));
      const declared = this.limits.get(device);
      if (declared !== undefined) a.limit(declared.maxAliases);
    }
    return a;
  }
}

/**
 * The most bytes the PUBLISH of `f` can take (15.3: OP, ALIAS, TOPIC, FROM, PUB_ID, payload), so that
 * a publication under a device's MAX_MESSAGE by this bound is under it however it is named.
 */
function publishBound(f: Forwarded): number {
  return 1 + 3 + 2 + utf8Length(f.topic) + 1 + f.from.length + 8 + f.payload.length;
}

/** Bytes of the UTF-8 of `s` (topics are valid: no lone surrogates). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) (n += 4), i++;
    else n += 3;
  }
  return n;
}
