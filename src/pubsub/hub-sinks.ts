/**
 * Sinks: consumers in the hub's own process that take every publication the hub routes, and can
 * hold its acknowledgement (the MQTT bridge's durable outbox, src/bridge). A sink returns a promise
 * for a publication it must make durable first: the publisher's QoS 1/2 acknowledgement waits for it
 * as it waits for the hub's journal [SW-18.3-3], and a rejection refuses the publication to its
 * publisher (PUBNACK 0x83, as a journal that gave up [SW-18.3-8]). Sinks see publications in routing
 * order, after the hub's subscribers were served; a sink that throws is counted, never fatal.
 * @module
 */
import type { QoS } from '../messaging/ops.js';

/** One routed publication, as a sink sees it. `payload` is shared: copy it to keep it. */
export interface SinkPublication {
  /** The node that published it (the hub's own id for its application's publications). */
  readonly publisher: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
}

/** A sink: undefined when nothing need be waited for, or a promise the acknowledgement waits for. */
export type HubSink = (p: SinkPublication) => Promise<void> | undefined;

export class HubSinks {
  private readonly sinks = new Set<HubSink>();
  /** Sinks that threw (their publication went on without them). */
  failed = 0;

  add(sink: HubSink): () => void {
    this.sinks.add(sink);
    return () => void this.sinks.delete(sink);
  }

  /** Hands `p` to every sink; what to wait for before acknowledging it, if anything. */
  deliver(p: SinkPublication): Promise<void> | undefined {
    if (this.sinks.size === 0) return undefined;
    let waits: Array<Promise<void>> | undefined;
    for (const s of this.sinks) {
      let w: Promise<void> | undefined;
      try {
        w = s(p);
      } catch {
        this.failed++;
      }
      if (w !== undefined) (waits ??= []).push(w);
    }
    if (waits === undefined) return undefined;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }
}
