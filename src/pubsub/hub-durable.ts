/**
 * The hub's durable-before-acknowledged glue [SW-18.3-3] [SW-18.3-5] [SW-18.3-8]: holding an
 * operation's acknowledgement until the journal has its effect, refusing it once the journal gave
 * up, and owing again, after a restart, the publications the journal says are still owed.
 * @module
 */
import type { DeliveryQueues } from './delivery-queue.js';
import type { HubLedger } from './hub-ledger.js';

/**
 * Runs `then` (the answer: SUBACK, UNSUBACK) and releases the operation's acknowledgement once
 * `durable` resolved; at once when there is nothing to wait for (no journal). If the commit failed
 * after its retries [SW-18.3-8] it is counted in notDurable and `refused` (when given) is called
 * with the hold: a publication with a REF is refused to its publisher (PUBNACK 0x83), which
 * releases it; an operation without an answer is never acknowledged, and its sender gives it up at
 * its deadline (a device then sends SYNC and WILL again, [SW-15.5-5]).
 */
export function durably(
  durable: Promise<void> | undefined,
  hold: (() => () => void) | undefined,
  drops: { notDurable: number },
  then?: () => void,
  refused?: (hold: (() => () => void) | undefined) => void,
): void {
  if (durable === undefined) return then?.();
  const release = hold?.();
  durable.then(
    () => {
      then?.();
      release?.();
    },
    () => {
      drops.notDurable++;
      // the refusal takes over the hold: the acknowledgement goes once the refusal was told
      refused?.(release === undefined ? undefined : () => release);
    },
  );
}

/** Owes again every publication the journal says is still owed (a restarted hub, oldest first) [SW-18.3-5], with its expiry. */
export function resendOwed(ledger: HubLedger, queues: DeliveryQueues): void {
  for (const { pub, devices, expiresAt } of ledger.owed()) {
    for (const d of devices) {
      const qos = pub.targets.get(d) ?? 1;
      // a copy whose message expiry passed meanwhile is given up by the queue (counted in givenUp), never sent
      queues.owe(d, { topic: pub.topic, payload: pub.payload, qos, retain: pub.copy, from: pub.from, ...(qos === 2 && pub.pubId !== undefined && { pubId: pub.pubId }), ...(expiresAt !== undefined && { expiresAt }) }, pub.seq);
    }
  }
}

/**
 * A copy owed to one device as another hub's journal held it: what a cluster member that took over
 * a dead hub's journal hands to the hub the device moved to. `expiresAt` is on the wall clock.
 */
export interface OwedCopy {
  readonly from: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 1 | 2;
  /** A retained copy for a new subscription: delivered with RETAIN set. */
  readonly copy: boolean;
  readonly pubId?: bigint;
  readonly expiresAt?: number;
}

/**
 * Owes `c` to `device` as a restarted hub owes what its journal held [SW-18.3-5] [SW-18.3-9]: recorded (deliveries
 * only: no retained nor QoS 2 window effect here) and queued; resolves once the record is durable
 * (at once without a journal). `now` is the scheduler's time, `wall` the wall clock's.
 */
export function oweCopy(ledger: HubLedger | undefined, queues: DeliveryQueues, device: string, c: OwedCopy, now: number, wall: number): Promise<void> {
  const expiresAt = c.expiresAt === undefined ? undefined : now + (c.expiresAt - wall);
  const pubId = c.qos === 2 ? c.pubId : undefined;
  const more = { ...(pubId !== undefined && { pubId }), ...(expiresAt !== undefined && { expiresAt }) };
  const rec = ledger?.publication({ from: c.from, topic: c.topic, payload: c.payload, qos: c.qos, retain: false, copy: c.copy, owedOnly: true, targets: new Map([[device, c.qos]]), ...more });
  queues.owe(device, { topic: c.topic, payload: c.payload, qos: c.qos, retain: c.copy, from: c.from, ...more }, rec?.seq);
  return rec?.durable ?? Promise.resolve();
}
