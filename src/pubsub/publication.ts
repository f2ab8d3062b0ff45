/**
 * The Publication objects handed to subscriptions [SW-15.4-3].
 * @module
 */
import type { Publication } from '../messaging/api.js';
import type { QoS } from '../messaging/ops.js';

const dec = new TextDecoder(); // not fatal: text() documents U+FFFD for ill-formed bytes

/** Builds a Publication; `payload` is shared, not copied (the receiver owns the decoded bytes). */
export function publication(topic: string, payload: Uint8Array, qos: QoS, retained: boolean, from: string): Publication {
  const p = { topic, payload, qos, retained, from } as { -readonly [K in keyof Publication]: Publication[K] };
  // Assigned, not written in the literal: the literal's inferred method names make tsx/esbuild
  // (keepNames) wrap both closures in a defineProperty call, once per delivered publication.
  p.text = () => dec.decode(payload);
  p.json = <T>() => JSON.parse(dec.decode(payload)) as T;
  return p;
}

/** The lower of two QoS levels [SW-15.4-3]. */
export function minQos(a: QoS, b: QoS): QoS {
  return a < b ? a : b;
}

/** A payload given as a string is UTF-8. */
export function payloadBytes(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? new TextEncoder().encode(p) : p;
}
