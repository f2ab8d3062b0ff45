/**
 * MessagePack values of RPC [SW-16.1-2]: PARAMS, a RESULT's value and a RemoteError's DATA. One
 * value, no extension types, nesting at most MAX_VALUE_DEPTH. The empty string of bytes means nil
 * [SW-16.1-1]: `undefined` (and `null`) encode to it, and it decodes to `null`.
 *
 * Why a walk of our own around @msgpack/msgpack: the library silently encodes a Map or Set as an
 * empty map and a Date as an extension type; a caller must get an error instead of a different value.
 * @module
 */
import { Decoder, Encoder, ExtData } from '@msgpack/msgpack';

/** Deepest nesting of arrays and maps accepted either way (the SDK's limit of [SW-16.1-2]). */
export const MAX_VALUE_DEPTH = 64;

const EMPTY = new Uint8Array(0);

// One encoder and one decoder for every call: encode()/decode() build a new one per value (the
// encoder with a 2 KiB buffer). Same options, same bytes; the library clones them if re-entered.
const encoder = new Encoder({ maxDepth: MAX_VALUE_DEPTH + 1 });
const decoder = new Decoder();

/** Why `value` cannot be sent as MessagePack, or undefined if it can. */
export function whyNotEncodable(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
      return undefined;
    case 'object':
      break;
    default:
      return `a ${typeof value} has no MessagePack form`;
  }
  if (value === null || value instanceof Uint8Array) return undefined;
  if (depth >= MAX_VALUE_DEPTH) return `nested deeper than ${MAX_VALUE_DEPTH} (or a cycle)`;
  if (Array.isArray(value)) {
    for (const v of value) {
      const why = whyNotEncodable(v, depth + 1);
      if (why !== undefined) return why;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return `a ${(value as object).constructor?.name ?? 'non-plain object'} has no MessagePack form`;
  for (const v of Object.values(value as Record<string, unknown>)) {
    const why = whyNotEncodable(v, depth + 1);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * Encodes one value. Returns undefined (never throws) for a value with no MessagePack form: a
 * function, symbol, bigint, class instance (Date, Map, ...), or nesting over MAX_VALUE_DEPTH (a cycle).
 */
export function encodeValue(value: unknown): Uint8Array | undefined {
  if (value === undefined || value === null) return EMPTY;
  if (whyNotEncodable(value) !== undefined) return undefined;
  try {
    return encoder.encode(value);
  } catch {
    return undefined;
  }
}

/** A decoded value, or `{ ok: false }` for bytes that are not exactly one valid value. */
export type Decoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** Decodes one value; empty bytes are nil (null). Never throws: the bytes come from the network. */
export function decodeValue(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { ok: true, value: null };
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch {
    return { ok: false };
  }
  return isPlainDecoded(value, 0) ? { ok: true, value } : { ok: false };
}

/** No extension types (ExtData, or a timestamp decoded as Date) and nesting within the limit. */
function isPlainDecoded(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return true;
  if (v instanceof ExtData || v instanceof Date || depth >= MAX_VALUE_DEPTH) return false;
  const items = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
  for (const x of items) if (!isPlainDecoded(x, depth + 1)) return false;
  return true;
}
