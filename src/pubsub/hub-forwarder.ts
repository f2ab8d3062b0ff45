/**
 * The hub's sending of publications to the devices it serves [SW-18.2-1] [SW-18.2-2]: its own
 * aliases towards each device, QoS 1 and 2 reliably with FORWARD_DEADLINE (waiting in the device's
 * outbox while it is away), failures counted per reason, and the in-flight sends for draining.
 * @module
 */
import type { MessagePort } from '../messaging/port.js';
import type { PublishOp, QoS } from '../messaging/ops.js';
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

export interface Forwarded {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly from: string;
  readonly pubId?: bigint;
}

export class HubForwarder {
  /** Forwarded publications dropped: outbox full, deadline passed, unknown peer, too large. */
  dropped = 0;
  sent = 0;
  private readonly aliases = new Map<string, AliasSender>();
  private readonly inflight = new Set<Promise<void>>();

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
    const names = this.aliasesOf(device).fields(f.topic, f.qos);
    // built field by field (no spreads): one of these per subscriber per publication on a busy hub
    const op: { -readonly [K in keyof PublishOp]: PublishOp[K] } = { op: 'PUBLISH', qos: f.qos, retain: f.retain, payload: f.payload };
    if (names.alias !== undefined) op.alias = names.alias;
    if (names.topic !== undefined) op.topic = names.topic;
    op.from = f.from;
    if (f.qos === 2 && f.pubId !== undefined) op.pubId = f.pubId;
    let p: Promise<void>;
    try {
      p = this.port.send(device, op, f.qos > 0 ? { qos: f.qos, deadlineMs } : QOS0);
    } catch (e) {
      this.dropped++;
      settled?.(unsent(e) ? 'unsent' : 'given-up');
      return;
    }
    this.sent++;
    if (f.qos === 0) {
      // settled once queued: nothing for drain() to wait for, so no tracking per publication
      p.then(undefined, () => void this.dropped++);
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
    if (a === undefined) this.aliases.set(device, (a = new AliasSender(this.port, device, this.maxAliases)));
    return a;
  }
}
