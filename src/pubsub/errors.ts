/**
 * Errors of the publish/subscribe engines (spec 15) raised to the application. Bad input from the
 * network is never one of these: it is a counted drop.
 * @module
 */
import { SaltwireError } from '../errors.js';

/**
 * The hub answered a subscription with a failure code (SUBACK [SW-15.3-2]): `0x80` refused by access
 * control (17.8: the code says nothing about why), `0x81` invalid filter, `0x82` over the hub's
 * subscription limit. The subscription has ended; nothing will be delivered to it.
 * @group Errors
 */
export class SubscriptionRefusedError extends SaltwireError {
  readonly filter: string;
  /** The SUBACK code: 0x80, 0x81 or 0x82. */
  readonly subackCode: number;
  constructor(filter: string, subackCode: number) {
    const why = subackCode === 0x80 ? 'refused' : subackCode === 0x81 ? 'invalid filter' : subackCode === 0x82 ? 'over the subscription limit' : `code ${subackCode}`;
    super('ERR_SUBSCRIPTION_REFUSED', `subscription to ${JSON.stringify(filter)} was refused by the hub: ${why} (SUBACK 0x${subackCode.toString(16)})`);
    this.filter = filter;
    this.subackCode = subackCode;
  }
}

/**
 * The subscription ended (unsubscribe, its AbortSignal, or the Client closed) before the hub answered
 * it: `granted` rejects with this, since no QoS was granted [SW-15.5-6].
 * @group Errors
 */
export class SubscriptionEndedError extends SaltwireError {
  readonly filter: string;
  constructor(filter: string) {
    super('ERR_SUBSCRIPTION_ENDED', `subscription to ${JSON.stringify(filter)} ended before the hub answered it`);
    this.filter = filter;
  }
}

/**
 * Why a hub refused a publication (PUBNACK REASON [SW-15.4-4]).
 * @group Errors
 */
export type PublicationRefusal = 'refused' | 'limit' | 'not-durable';

/**
 * The hub did not take a QoS 1 or 2 publication and said so (PUBNACK [SW-15.4-4]): `refusal`
 * 'limit' when it would pass a limit (the publisher's retained quota or the hub's retained store,
 * [SW-15.8-2]), 'not-durable' when the hub could not make it durable [SW-18.3-8] (it may have been
 * forwarded to subscribers that were reachable, but the hub does not owe it to them across a
 * crash). A refusal by access control is the subclass AccessDeniedError.
 * @group Errors
 */
export class PublicationRefusedError extends SaltwireError {
  readonly topic: string;
  readonly refusal: PublicationRefusal;
  /** The PUBNACK REASON: 0x80, 0x82 or 0x83. */
  readonly reasonCode: number;
  constructor(topic: string, reasonCode: number, code = 'ERR_PUBLICATION_REFUSED') {
    const refusal: PublicationRefusal = reasonCode === 0x80 ? 'refused' : reasonCode === 0x82 ? 'limit' : 'not-durable';
    const why = refusal === 'refused' ? 'refused by access control' : refusal === 'limit' ? 'over a limit (retained quota or store)' : 'the hub could not make it durable';
    super(code, `publication to ${JSON.stringify(topic)} was not taken by the hub: ${why} (PUBNACK 0x${reasonCode.toString(16)})`);
    this.topic = topic;
    this.refusal = refusal;
    this.reasonCode = reasonCode;
  }
}

/**
 * The hub's access control refused a publication (PUBNACK 0x80, [SW-15.4-4], [SW-17.8-4]): it was
 * not delivered, forwarded or kept. Like SUBACK 0x80 it says nothing about why ([SW-17.8-2]).
 * @group Errors
 */
export class AccessDeniedError extends PublicationRefusedError {
  constructor(topic: string) {
    super(topic, 0x80, 'ERR_ACCESS_DENIED');
  }
}

/** The error a PUBNACK with `reasonCode` for a publication to `topic` stands for. */
export function refusalError(topic: string, reasonCode: number): PublicationRefusedError {
  return reasonCode === 0x80 ? new AccessDeniedError(topic) : new PublicationRefusedError(topic, reasonCode);
}
