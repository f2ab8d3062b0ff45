/**
 * What a rule with `properties: "envelope"` carries (envelope.ts has the format): inbound, the
 * broker's publication becomes an envelope of its payload and properties; outbound, a device's
 * envelope becomes the payload and properties of the MQTT publication.
 *
 * User properties are a list of pairs in an envelope (order and duplicates kept, as MQTT 5 allows)
 * and a record of string or string[] in MQTT.js, which groups the values of one key together (in
 * order) under the key's first position: a list that interleaves keys (a, b, a) reaches MQTT as
 * (a, a, b), and MQTT.js hands the bridge (a, a, b) for a broker publication that had (a, b, a).
 * @module
 */
import type { IPublishPacket } from 'mqtt';
import { encodeBridged, type Bridged } from './envelope.js';
import type { MappingRule } from './topic-map.js';

/** MQTT.js's form of user properties. */
export type UserPropertyRecord = Readonly<Record<string, string | readonly string[]>>;

/** The MQTT 5 properties of an outbound publication besides the bridge's own (outbox entries keep them). */
export interface CarriedProperties {
  readonly contentType?: string;
  readonly userProperties?: UserPropertyRecord;
  readonly payloadFormat?: 0 | 1;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
}

/** The envelope of a broker publication (throws InvalidEnvelopeError when its properties cannot be carried). */
export function envelopeOf(p: IPublishPacket): Uint8Array {
  const pr = p.properties;
  const up: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(pr?.userProperties ?? {})) {
    for (const x of Array.isArray(v) ? v : [v]) up.push([k, String(x)]);
  }
  return encodeBridged({
    payload: new Uint8Array(p.payload as Buffer),
    ...(pr?.contentType !== undefined && { contentType: pr.contentType }),
    ...(pr?.payloadFormatIndicator !== undefined && { payloadFormat: pr.payloadFormatIndicator ? 1 : 0 }),
    ...(up.length > 0 && { userProperties: up }),
    ...(pr?.responseTopic !== undefined && { responseTopic: pr.responseTopic }),
    ...(pr?.correlationData !== undefined && { correlationData: new Uint8Array(pr.correlationData) }),
  });
}

/**
 * The properties of an outbound publication: the rule's content type and user properties, then the
 * envelope's (its content type wins; its user properties follow the rule's). The bridge's own
 * (`sw-origin`, `sw-msg`, `sw-from`) replace any of those names when it publishes.
 */
export function carried(rule: MappingRule, m: Bridged | undefined): CarriedProperties {
  if (m === undefined) {
    // the default rule, every message: the rule's own objects, nothing built
    return { ...(rule.contentType !== undefined && { contentType: rule.contentType }), ...(rule.userProperties !== undefined && { userProperties: rule.userProperties }) };
  }
  // a Map, then fromEntries: a key such as `__proto__` stays a key
  const up = new Map<string, string | string[]>(Object.entries(rule.userProperties ?? {}));
  for (const [k, v] of m.userProperties ?? []) {
    const had = up.get(k);
    up.set(k, had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v]);
  }
  const ct = m.contentType ?? rule.contentType;
  return {
    ...(ct !== undefined && { contentType: ct }),
    ...(up.size > 0 && { userProperties: Object.fromEntries(up) }),
    ...(m.payloadFormat !== undefined && { payloadFormat: m.payloadFormat }),
    ...(m.responseTopic !== undefined && { responseTopic: m.responseTopic }),
    ...(m.correlationData !== undefined && { correlationData: m.correlationData }),
  };
}
