/**
 * The access-control configuration (spec 17.9): its JSON shape, and its parsing into compiled rules.
 * Parsing is strict: an unknown key, a wrong type or an invalid pattern throws InvalidArgumentError
 * naming the path in the configuration (e.g. `rules[2].publish[0]: '+' must occupy a whole level`),
 * because a typo in a security policy must not silently grant or withhold anything.
 * @module
 */
import { MAX_ID_LEN } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { InvalidTopicError } from '../pubsub/topic-errors.js';
import { validateTopicFilter } from '../pubsub/topic.js';
import { isValidNodeId } from '../wire/node-id.js';

/**
 * The four operations a rule grants or denies (spec 17.2).
 * @group Access control
 */
export type AclOperation = 'publish' | 'subscribe' | 'call' | 'serve';
export const ACL_OPERATIONS: readonly AclOperation[] = ['publish', 'subscribe', 'call', 'serve'];

/** Replaced by the device's own id in every pattern [SW-17.3-1]. */
export const ID_PLACEHOLDER = '{id}';
/** In `devices`, stands for every device [SW-17.2-2]. */
export const ANY_DEVICE = '*';

/**
 * Patterns per operation, as written in the configuration.
 * @group Access control
 */
export type AclPatternsJson = { [K in AclOperation]?: string[] };

/**
 * One rule of the configuration (spec 17.9).
 * @group Access control
 */
export interface AclRuleJson extends AclPatternsJson {
  /** Device ids this rule applies to, or '*' for every device. At least one entry. */
  devices: string[];
  /** Patterns this rule denies; a deny wins over every allow [SW-17.2-4]. */
  deny?: AclPatternsJson;
  /** Free text, ignored. */
  comment?: string;
}

/**
 * The reference configuration format (spec 17.9), for example:
 * ```json
 * { "revoked": ["dev-9"],
 *   "rules": [
 *     { "devices": ["*"], "publish": ["devices/{id}/#"], "subscribe": ["devices/{id}/cmd/#", "broadcast/#"],
 *       "call": ["time"], "serve": ["{id}.*"] },
 *     { "devices": ["admin"], "subscribe": ["#"] },
 *     { "devices": ["*"], "deny": { "publish": ["devices/{id}/secret"] } } ] }
 * ```
 * Both keys are optional. With no rules at all, every operation is allowed [SW-17.2-1].
 * @group Access control
 */
export interface AclConfigJson {
  revoked?: string[];
  rules?: AclRuleJson[];
}

/**
 * A pattern split at its `{id}` placeholders: `parts.join(id)` is the pattern for device `id`. Ids
 * match [A-Za-z0-9_-]{1,32}, so a substitution never adds '/', '+', '#' or '$' [SW-17.3-2].
 */
export interface CompiledPattern {
  readonly source: string;
  readonly parts: readonly string[];
}

export type CompiledPatterns = { readonly [K in AclOperation]: readonly CompiledPattern[] };

export interface CompiledRule {
  /** Position in `rules`, for diagnostics. */
  readonly index: number;
  /** undefined: every device ('*'); otherwise the listed ids. */
  readonly devices: ReadonlySet<string> | undefined;
  readonly allow: CompiledPatterns;
  readonly deny: CompiledPatterns;
}

export interface ParsedAcl {
  readonly revoked: ReadonlySet<string>;
  readonly rules: readonly CompiledRule[];
}

/** Substitutes `id` for every placeholder of `pattern`. */
export function expandPattern(pattern: CompiledPattern, id: string): string {
  return pattern.parts.length === 1 ? pattern.source : pattern.parts.join(id);
}

/** True if method pattern `expanded` (already substituted) matches `method` [SW-17.6-1]. */
export function methodMatches(expanded: string, method: string): boolean {
  return expanded.endsWith('*') ? method.startsWith(expanded.slice(0, -1)) : method === expanded;
}

function fail(path: string, what: string, cause?: unknown): never {
  throw new InvalidArgumentError(`${path}: ${what}`, cause === undefined ? undefined : { cause });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(path, `unknown key ${JSON.stringify(key)} (expected one of ${allowed.join(', ')})`);
  }
}

function stringArray(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) fail(path, 'expected an array of strings');
  v.forEach((s, i) => {
    if (typeof s !== 'string') fail(`${path}[${i}]`, `expected a string, got ${s === null ? 'null' : typeof s}`);
  });
  return v as string[];
}

/** Splits at `{id}` and rejects any other brace, which is most likely a misspelt placeholder. */
function splitPlaceholders(source: string, path: string): string[] {
  const parts = source.split(ID_PLACEHOLDER);
  if (parts.some((p) => p.includes('{') || p.includes('}'))) {
    fail(path, `'{' and '}' may appear only in the placeholder ${ID_PLACEHOLDER}`);
  }
  return parts;
}

/**
 * A topic pattern is a topic filter (spec 15.1) that may contain `{id}`. The source is validated as
 * written ('{id}' is four ordinary characters there, so error positions are exact), then with the
 * longest possible id substituted, so that no device's expansion can exceed MAX_TOPIC_BYTES.
 */
function compileTopicPattern(source: string, path: string): CompiledPattern {
  const parts = splitPlaceholders(source, path);
  for (const candidate of [source, parts.join('x'.repeat(MAX_ID_LEN))]) {
    try {
      validateTopicFilter(candidate);
    } catch (e) {
      if (e instanceof InvalidTopicError) fail(path, candidate === source ? e.detail : `with a ${MAX_ID_LEN}-character id, ${e.detail}`, e);
      throw e;
    }
  }
  return { source, parts };
}

/** A method pattern is an exact name, or a prefix followed by one trailing '*' [SW-17.6-1]. */
function compileMethodPattern(source: string, path: string): CompiledPattern {
  if (source.length === 0) fail(path, 'a method pattern must not be empty');
  // A lone surrogate before '*' would make the prefix test split a character.
  if (/[\uD800-\uDFFF]/u.test(source)) fail(path, 'is not valid UTF-8: lone surrogate');
  const star = source.indexOf('*');
  if (star !== -1 && star !== source.length - 1) fail(path, "'*' may appear only as the last character of a method pattern");
  return { source, parts: splitPlaceholders(source, path) };
}

function compilePatterns(obj: Record<string, unknown>, path: string): CompiledPatterns {
  const out: Record<AclOperation, CompiledPattern[]> = { publish: [], subscribe: [], call: [], serve: [] };
  for (const op of ACL_OPERATIONS) {
    const v = obj[op];
    if (v === undefined) continue;
    const p = `${path}${op}`;
    const compile = op === 'publish' || op === 'subscribe' ? compileTopicPattern : compileMethodPattern;
    out[op] = stringArray(v, p).map((s, i) => compile(s, `${p}[${i}]`));
  }
  return out;
}

function compileRule(v: unknown, index: number): CompiledRule {
  const path = `rules[${index}]`;
  if (!isObject(v)) fail(path, 'expected an object');
  checkKeys(v, ['devices', ...ACL_OPERATIONS, 'deny', 'comment'], path);
  if (v.devices === undefined) fail(`${path}.devices`, "missing: list device ids or '*'");
  const ids = stringArray(v.devices, `${path}.devices`);
  if (ids.length === 0) fail(`${path}.devices`, "must list at least one device id or '*'");
  ids.forEach((id, i) => {
    if (id !== ANY_DEVICE && !isValidNodeId(id)) {
      fail(`${path}.devices[${i}]`, `invalid device id ${JSON.stringify(id)}: expected '*' or 1 to 32 characters from A-Z a-z 0-9 _ -`);
    }
  });
  if (v.comment !== undefined && typeof v.comment !== 'string') fail(`${path}.comment`, 'expected a string');
  let deny: CompiledPatterns = { publish: [], subscribe: [], call: [], serve: [] };
  if (v.deny !== undefined) {
    if (!isObject(v.deny)) fail(`${path}.deny`, 'expected an object');
    checkKeys(v.deny, ACL_OPERATIONS, `${path}.deny`);
    deny = compilePatterns(v.deny, `${path}.deny.`);
  }
  return {
    index,
    devices: ids.includes(ANY_DEVICE) ? undefined : new Set(ids),
    allow: compilePatterns(v, `${path}.`),
    deny,
  };
}

/**
 * Parses a configuration: the parsed JSON value, or JSON text. Throws InvalidArgumentError naming
 * the offending path; never returns a partial result.
 * @group Access control
 */
export function parseAclConfig(json: unknown): ParsedAcl {
  let config = json;
  if (typeof json === 'string') {
    try {
      config = JSON.parse(json) as unknown;
    } catch (e) {
      fail('config', 'not valid JSON', e);
    }
  }
  if (!isObject(config)) fail('config', 'expected an object with optional keys "revoked" and "rules"');
  checkKeys(config, ['revoked', 'rules'], 'config');
  const revoked = new Set<string>();
  if (config.revoked !== undefined) {
    stringArray(config.revoked, 'revoked').forEach((id, i) => {
      if (!isValidNodeId(id)) fail(`revoked[${i}]`, `invalid device id ${JSON.stringify(id)}: expected 1 to 32 characters from A-Z a-z 0-9 _ -`);
      revoked.add(id);
    });
  }
  const rules: CompiledRule[] = [];
  if (config.rules !== undefined) {
    if (!Array.isArray(config.rules)) fail('rules', 'expected an array of rules');
    config.rules.forEach((r, i) => rules.push(compileRule(r, i)));
  }
  return { revoked, rules };
}
