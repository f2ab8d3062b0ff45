/**
 * Validation of the CLI's flag values: each parser returns the typed value or throws a UsageError
 * whose message names the flag (`what`) and what is wrong with the value.
 * @module
 */
import { isIP } from 'node:net';
import { SaltwireError } from '../errors.js';
import { isValidNodeId } from '../wire/node-id.js';
import { validateTopicFilter, validateTopicName } from '../pubsub/topic.js';
import { fromHex } from '../util/bytes.js';
import type { QoS } from '../messaging/ops.js';

/** Bad command line: the CLI prints the message and the command's usage to stderr, exit 1. */
export class UsageError extends SaltwireError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `HOST:PORT` or `[IPV6]:PORT`; port 1..65535, or 0..65535 with allowZero. */
export function parseHostPort(text: string, what: string, o: { allowZero?: boolean; literalIp?: boolean } = {}): HostPort {
  const bad = (why: string): UsageError => new UsageError(`${what} must be HOST:PORT (e.g. 127.0.0.1:4000 or [::1]:4000): ${why}, got ${JSON.stringify(text)}`);
  const m = /^\[([^\]]+)\]:([^:]*)$/.exec(text) ?? /^([^:[\]]+):([^:]*)$/.exec(text);
  if (m === null) throw bad(text.includes(':') ? 'an IPv6 address goes in brackets' : 'no port');
  const host = m[1]!;
  const portText = m[2]!;
  if (!/^\d{1,5}$/.test(portText)) throw bad('the port is not a number');
  const port = Number(portText);
  const min = o.allowZero === true ? 0 : 1;
  if (port < min || port > 65535) throw bad(`the port must be from ${min} to 65535`);
  if (o.literalIp === true && isIP(host) === 0) throw bad('the host must be an IP address');
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw bad('the host is not an IP address or a host name');
  return { host, port };
}

/** Parses a 32-byte key written as 64 hex characters. */
export function parseKey(text: string, what: string): Uint8Array {
  const t = text.trim();
  const bad = /[^0-9a-fA-F]/.exec(t);
  if (bad !== null) throw new UsageError(`${what} is not hex: ${JSON.stringify(bad[0])} at position ${bad.index + 1} (a key is 64 hex characters)`);
  if (t.length !== 64) throw new UsageError(`${what} must be 64 hex characters (a 32-byte key), got ${t.length}`);
  return fromHex(t);
}

export function parseNodeId(text: string, what: string): string {
  if (!isValidNodeId(text)) throw new UsageError(`${what}: invalid node id ${JSON.stringify(text)}: expected 1 to 32 characters from A-Z a-z 0-9 _ -`);
  return text;
}

/** An integer in [min, max]. */
export function parseInteger(text: string, what: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'up' : max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A number > 0 (decimals allowed), at most `max`. */
export function parsePositive(text: string, what: string, max: number): number {
  const n = /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : NaN;
  if (!(n > 0) || n > max) throw new UsageError(`${what} must be a number greater than 0 and at most ${max}, got ${JSON.stringify(text)}`);
  return n;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration, returned in ms: a number with a unit (`500ms`, `5s`, `1.5s`, `2m`, `1h`), or a bare
 * number in `bareUnit`, the unit the flag took before units existed (scripts keep working). Greater
 * than 0 and at most `maxMs`.
 */
export function parseDuration(text: string, what: string, bareUnit: 'ms' | 's', maxMs: number): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m === null ? NaN : Number(m[1]) * UNIT_MS[(m[2] ?? bareUnit) as keyof typeof UNIT_MS];
  if (!(ms > 0) || ms > maxMs) {
    const bare = bareUnit === 's' ? 'seconds' : 'ms';
    throw new UsageError(`${what} must be a number greater than 0 and at most ${maxMs / 1000} s, with a unit (500ms, 5s, 2m, 1h) or without (${bare}), got ${JSON.stringify(text)}`);
  }
  return ms;
}

export function parseQos(text: string, what: string): QoS {
  if (text !== '0' && text !== '1' && text !== '2') throw new UsageError(`${what} must be 0, 1 or 2, got ${JSON.stringify(text)}`);
  return Number(text) as QoS;
}

export function parseTopic(text: string, what: string, kind: 'name' | 'filter'): string {
  try {
    (kind === 'name' ? validateTopicName : validateTopicFilter)(text);
  } catch (e) {
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
  return text;
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

