// Shared helpers of the evaluators.
// Contract: an Evaluator takes one group (without reading other groups) and one test and returns the
// list of disagreements for that test (empty = the vector agrees with this checker). It may throw;
// the caller records the exception as a failure of that test.
import { fromHex, toHex } from './bytes.js';
import { RefusedError } from './keys.js';

export type Json = Record<string, any>;
export type Evaluator = (group: Json, test: Json) => string[];

export class Report {
  readonly failures: string[] = [];

  /** Compares a computed byte string with a vector hex field. */
  hex(what: string, computed: Uint8Array, expected: unknown): void {
    const c = toHex(computed);
    if (typeof expected !== 'string') this.failures.push(`${what}: missing in vector (computed ${c})`);
    else if (c !== expected) this.failures.push(`${what}: computed ${c}, vector says ${expected}`);
  }

  /** Compares any JSON-comparable value. */
  eq(what: string, computed: unknown, expected: unknown): void {
    const a = canonical(computed), b = canonical(expected);
    if (a !== b) this.failures.push(`${what}: computed ${a}, vector says ${b}`);
  }

  fail(msg: string): void { this.failures.push(msg); }
}

/** JSON with object keys sorted, so key order in the vector does not matter. */
export function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

export function hex(test: Json, field: string): Uint8Array {
  return fromHex(test[field], field);
}

/**
 * Runs `f`, which must refuse with RefusedError for an invalid test. Other exceptions are checker or
 * vector-format errors and propagate.
 */
export function expectRefusal(r: Report, what: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (e instanceof RefusedError) return;
    throw e;
  }
  r.fail(`${what}: the vector is invalid but this checker accepts it`);
}

/** Runs `f` for a valid test; a refusal is a disagreement. */
export function expectSuccess<T>(r: Report, what: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof RefusedError) { r.fail(`${what}: the vector is valid but this checker refuses: ${e.message}`); return undefined; }
    throw e;
  }
}
