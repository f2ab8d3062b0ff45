/**
 * Method names (spec 15.3): 1 to MAX_METHOD_BYTES bytes of UTF-8, no U+0000 [SW-15.3-2].
 * @module
 */
import { MAX_METHOD_BYTES } from './ops.js';

const enc = new TextEncoder();
/** A UTF-16 string that has no UTF-8 encoding (TextEncoder would silently write U+FFFD for it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Method names found valid: a caller, the codec and a responder check the same few names for every
 * call (three UTF-8 encodings and two regular expressions a call). Bounded; cleared when full.
 */
const validMethods = new Set<string>();
const VALID_METHODS_MAX = 256;

/** Whether `m` is a method name: 1 to MAX_METHOD_BYTES bytes of UTF-8, no U+0000 [SW-15.3-2]. */
export function isValidMethod(m: unknown): m is string {
  if (typeof m !== 'string') return false;
  if (validMethods.has(m)) return true;
  if (m.length === 0 || m.includes('\u0000') || LONE_SURROGATE.test(m) || enc.encode(m).length > MAX_METHOD_BYTES) return false;
  if (validMethods.size >= VALID_METHODS_MAX) validMethods.clear();
  validMethods.add(m);
  return true;
}
