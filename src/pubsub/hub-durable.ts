/**
 * The hub's durable-before-acknowledged glue [SW-18.3-3] [SW-18.3-5]: holding an operation's
 * acknowledgement until the journal has its effect, and sending again the publications the journal
 * says are still owed to subscribers.
 * @module
 */
import type { ForwardOutcome, HubForwarder } from './hub-forwarder.js';
import type { HubLedger } from './hub-ledger.js';

/**
 * Runs `then` (the answer: SUBACK, UNSUBACK) and releases the operation's acknowledgement once
 * `durable` resolved; at once when there is nothing to wait for (no journal). If the commit
 * failed the journal is rewritten whole and the release waits for that; if that fails too, the
 * operation is never acknowledged: the sender keeps it and sends it again (counted in notDurable).
 */
export function durably(durable: Promise<void> | undefined, hold: (() => () => void) | undefined, drops: { notDurable: number }, then?: () => void, retry?: () => Promise<void>): void {
  if (durable === undefined) return then?.();
  const release = hold?.();
  durable.then(
    () => {
      then?.();
      release?.();
    },
    () => {
      if (retry === undefined) return void drops.notDurable++;
      durably(retry(), release === undefined ? undefined : () => release, drops, then);
    },
  );
}

/** Owed copies sent again per acknowledged one, when earlier ones found the outbox full. */
const RESEND_BATCH = 32;

/**
 * What a forwarded copy's outcome means for the journal: acknowledged or given up, it is no longer
 * owed; not sent (outbox full, subscriber unknown), it is sent again later: when the subscriber
 * acknowledges another copy (room in its outbox) or is heard again.
 */
export function settleOwed(ledger: HubLedger, forwarder: HubForwarder, seq: number, device: string): (o: ForwardOutcome) => void {
  return (o) => {
    if (o === 'unsent') return ledger.unsent(seq, device);
    ledger.delivered(seq, device);
    if (o === 'delivered' && ledger.hasUnsent(device)) resendOwed(ledger, forwarder, device, RESEND_BATCH);
  };
}

/**
 * Sends the publications still owed: every one at start (a restarted hub, oldest first), or those
 * owed to `device` that could not be queued before (it is known again).
 */
export function resendOwed(ledger: HubLedger, forwarder: HubForwarder, device?: string, max = Infinity): void {
  const send = (pub: ReturnType<HubLedger['takeUnsent']>[number], d: string): void => {
    const qos = pub.targets.get(d) ?? 1;
    const f = { topic: pub.topic, payload: pub.payload, qos, retain: pub.copy, from: pub.from, ...(qos === 2 && pub.pubId !== undefined && { pubId: pub.pubId }) };
    forwarder.forward(d, f, settleOwed(ledger, forwarder, pub.seq, d));
  };
  if (device !== undefined) {
    for (const pub of ledger.takeUnsent(device, max)) send(pub, device);
    return;
  }
  for (const { pub, devices } of ledger.owed()) for (const d of devices) send(pub, d);
}
