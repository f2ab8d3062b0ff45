/**
 * Telling a publisher that its hub did not take a publication [SW-15.4-4]: a PUBNACK with the
 * publication's REF and the reason, sent reliably, and only then the acknowledgement of the
 * publication's MSG frame (the hold is released once the PUBNACK is acknowledged or given up), so
 * the publisher holds the refusal before its publication is acknowledged and reports it instead of
 * a success. A publication without REF (QoS 0, or a publisher that asked for no answer) is refused
 * in silence, counted by the caller.
 * @module
 */
import type { MessagePort } from '../messaging/port.js';
import type { PublishOp } from '../messaging/ops.js';

/** Refusals a hub told (PUBNACKs sent) and those it could not send. */
export interface RefusalStats {
  told: number;
  untold: number;
}

/** Sends `peer` a PUBNACK for `op` with `reason`, keeping the publication's acknowledgement back until it is answered. */
export function refuse(port: MessagePort, peer: string, op: PublishOp, reason: number, hold: (() => () => void) | undefined, stats: RefusalStats): void {
  if (op.ref === undefined || op.qos === 0) return;
  const release = hold?.();
  const done = (): void => release?.();
  try {
    port.send(peer, { op: 'PUBNACK', ref: op.ref, reason }, { qos: 1 }).then(done, () => {
      stats.untold++;
      done();
    });
    stats.told++;
  } catch {
    stats.untold++;
    done();
  }
}
