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
 */
export class SubscriptionEndedError extends SaltwireError {
  readonly filter: string;
  constructor(filter: string) {
    super('ERR_SUBSCRIPTION_ENDED', `subscription to ${JSON.stringify(filter)} ended before the hub answered it`);
    this.filter = filter;
  }
}
