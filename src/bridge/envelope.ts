/**
 * The bridged envelope: an MQTT 5 publication's payload together with the properties a Saltwire
 * PUBLISH has no field for (content type, user properties, payload format indicator, response topic,
 * correlation data), as one MessagePack map in the Saltwire payload. It is an application-level
 * convention of the bridge, opt-in per mapping rule (`properties: "envelope"`); wire v1 is
 * unchanged, and a rule without it carries payload bytes untouched and drops the properties.
 *
 * The bytes (any MessagePack library reads and writes them; this is the whole format):
 *
 *   a map (fixmap, map16 or map32) of 1 to 6 entries, string keys, any order, each key at most once:
 *     "d"   bin   the MQTT payload (required; may be empty)
 *     "ct"  str   MQTT 5 Content Type
 *     "pf"  uint  MQTT 5 Payload Format Indicator: 0 bytes, 1 UTF-8 text (then "d" must be valid UTF-8)
 *     "up"  array of 2-element arrays [str key, str value]: MQTT 5 User Properties, in order,
 *                 duplicate keys allowed (as MQTT 5 allows); at most MAX_BRIDGED_USER_PROPERTIES
 *     "rt"  str   MQTT 5 Response Topic (a topic name: no `+` or `#`)
 *     "cd"  bin   MQTT 5 Correlation Data
 *   and nothing after the map. Text is UTF-8 without U+0000, each at most 65,535 bytes (an MQTT UTF-8
 *   string); "cd" at most 65,535 bytes; the whole envelope at most MAX_BRIDGED_BYTES. Where bin is
 *   said, str is accepted too, and where str is said, bin holding valid UTF-8 is accepted (msgpack
 *   libraries in the old "raw" mode write one type for both). An unknown key is refused: a later
 *   version of the format adds keys only with a version key of its own.
 *
 *   encodeBridged({ payload: [0x01, 0x02], contentType: 'a/b' }) writes
 *     82 a1 64 c4 02 01 02 a2 63 74 a3 61 2f 62
 *     map(2) "d" bin(2) 01 02 "ct" str(3) "a/b"
 *
 * encodeBridged writes the keys in the order d, ct, pf, up, rt, cd and leaves out absent ones.
 * @module
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { InvalidArgumentError } from '../errors.js';

/**
 * Most user properties in one envelope.
 * @group Bridge
 */
export const MAX_BRIDGED_USER_PROPERTIES = 64;
/**
 * Most bytes of one encoded envelope (a Saltwire message's upper bound, MAX_MESSAGE; a device may accept less).
 * @group Bridge
 */
export const MAX_BRIDGED_BYTES = 65_536;
/** An MQTT UTF-8 string's or binary data's most bytes (MQTT 5 1.5.4, 1.5.6). */
const MAX_FIELD_BYTES = 65_535;

/**
 * An MQTT 5 publication's payload and the properties the bridge carries in an envelope.
 * @group Bridge
 */
export interface Bridged {
  readonly payload: Uint8Array;
  readonly contentType?: string;
  /** In order; a key may appear more than once. */
  readonly userProperties?: ReadonlyArray<readonly [string, string]>;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  /** 0: unspecified bytes, 1: UTF-8 text (MQTT 5 Payload Format Indicator). */
  readonly payloadFormat?: 0 | 1;
}

/**
 * Why bytes are not an envelope (or an envelope cannot be written): `not-msgpack` (not one
 * MessagePack value), `not-map`, `unknown-key`, `duplicate-key`, `no-payload` ("d" missing),
 * `bad-type`, `bad-utf8`, `null-character`, `bad-topic` (a response topic with wildcards or
 * empty), `too-many-properties`, `too-long` (a field over 65,535 bytes), `too-large` (the envelope
 * over MAX_BRIDGED_BYTES).
 * @group Bridge
 */
export type EnvelopeProblem =
  | 'not-msgpack' | 'not-map' | 'unknown-key' | 'duplicate-key' | 'no-payload' | 'bad-type' | 'bad-utf8'
  | 'null-character' | 'bad-topic' | 'too-many-properties' | 'too-long' | 'too-large';

/**
 * Bytes that are not a bridged envelope, or a Bridged value that cannot be one; `problem` says why.
 * @group Bridge
 */
export class InvalidEnvelopeError extends InvalidArgumentError {
  constructor(readonly problem: EnvelopeProblem, message: string) {
    super(`bridged envelope: ${message}`);
  }
}

const KEYS = new Set(['d', 'ct', 'pf', 'up', 'rt', 'cd']);
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new Encoder();
// rawStrings: str values come back as bytes, checked here with a fatal UTF-8 decoder (the library's
// own decoder replaces bad sequences with U+FFFD: a garbled string instead of a refusal)
const decoder = new Decoder({ rawStrings: true, maxStrLength: MAX_BRIDGED_BYTES, maxBinLength: MAX_BRIDGED_BYTES, maxArrayLength: MAX_BRIDGED_BYTES, maxMapLength: MAX_BRIDGED_BYTES, maxExtLength: MAX_BRIDGED_BYTES });

function fail(problem: EnvelopeProblem, message: string): never {
  throw new InvalidEnvelopeError(problem, message);
}

function checkText(name: string, s: string): void {
  // a UTF-16 unit is at most 3 UTF-8 bytes: only a long string is measured
  const bytes = s.length * 3 <= MAX_FIELD_BYTES ? 0 : utf8.encode(s).length;
  if (bytes > MAX_FIELD_BYTES) fail('too-long', `${name} is ${bytes} bytes; at most ${MAX_FIELD_BYTES}`);
  if (s.includes('\u0000')) fail('null-character', `${name} contains U+0000`);
}

function checkTopic(t: string): void {
  if (t === '' || t.includes('+') || t.includes('#')) fail('bad-topic', `response topic '${t}' is not a topic name`);
}

function isUtf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * The envelope of `m`: its bytes, as the module describes them. Throws InvalidEnvelopeError for a
 * value the format cannot carry (over the bounds, U+0000 in a string, `payloadFormat` 1 with a
 * payload that is not UTF-8, a response topic with wildcards).
 * @group Bridge
 * @example
 * ```ts
 * import { encodeBridged, decodeBridged } from 'saltwire';
 * // a device sends a reading with MQTT 5 properties through a rule with `properties: "envelope"`
 * await client.publish('sensors/temp', encodeBridged({
 *   payload: new TextEncoder().encode('21.5'), contentType: 'text/plain', payloadFormat: 1,
 *   userProperties: [['unit', 'C'], ['tag', 'a'], ['tag', 'b']],
 * }), { qos: 1 });
 * // and reads a command's
 * client.subscribe('cmd/sensor-1/#', { qos: 1 }, (p) => {
 *   const m = decodeBridged(p.payload);
 *   console.log(m.contentType, m.userProperties, m.payload);
 * });
 * ```
 */
export function encodeBridged(m: Bridged): Uint8Array {
  if (!(m?.payload instanceof Uint8Array)) fail('bad-type', 'payload must be a Uint8Array');
  const o: Record<string, unknown> = { d: m.payload };
  if (m.contentType !== undefined) {
    if (typeof m.contentType !== 'string') fail('bad-type', 'contentType must be a string');
    checkText('contentType', m.contentType);
    o['ct'] = m.contentType;
  }
  if (m.payloadFormat !== undefined) {
    if (m.payloadFormat !== 0 && m.payloadFormat !== 1) fail('bad-type', 'payloadFormat must be 0 or 1');
    if (m.payloadFormat === 1 && !isUtf8(m.payload)) fail('bad-utf8', 'payloadFormat 1 and the payload is not UTF-8');
    o['pf'] = m.payloadFormat;
  }
  if (m.userProperties !== undefined) {
    if (!Array.isArray(m.userProperties)) fail('bad-type', 'userProperties must be an array of [key, value]');
    if (m.userProperties.length > MAX_BRIDGED_USER_PROPERTIES) fail('too-many-properties', `${m.userProperties.length} user properties; at most ${MAX_BRIDGED_USER_PROPERTIES}`);
    for (const p of m.userProperties) {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') fail('bad-type', 'a user property must be [string, string]');
      checkText('a user property key', p[0]);
      checkText('a user property value', p[1]);
    }
    o['up'] = m.userProperties;
  }
  if (m.responseTopic !== undefined) {
    if (typeof m.responseTopic !== 'string') fail('bad-type', 'responseTopic must be a string');
    checkText('responseTopic', m.responseTopic);
    checkTopic(m.responseTopic);
    o['rt'] = m.responseTopic;
  }
  if (m.correlationData !== undefined) {
    if (!(m.correlationData instanceof Uint8Array)) fail('bad-type', 'correlationData must be a Uint8Array');
    if (m.correlationData.length > MAX_FIELD_BYTES) fail('too-long', `correlationData is ${m.correlationData.length} bytes; at most ${MAX_FIELD_BYTES}`);
    o['cd'] = m.correlationData;
  }
  const bytes = encoder.encode(o);
  if (bytes.length > MAX_BRIDGED_BYTES) fail('too-large', `${bytes.length} bytes; at most ${MAX_BRIDGED_BYTES}`);
  return bytes;
}

/** The entry count a map's header declares (the decoder keeps the last of a repeated key: counted here). */
function mapCount(b: Uint8Array): number | undefined {
  const t = b[0];
  if (t === undefined) return undefined;
  if (t >= 0x80 && t <= 0x8f) return t & 0x0f;
  if (t === 0xde && b.length >= 3) return (b[1]! << 8) | b[2]!;
  if (t === 0xdf && b.length >= 5) return ((b[1]! << 24) >>> 0) + ((b[2]! << 16) | (b[3]! << 8) | b[4]!);
  return undefined;
}

/** Text from a str (raw) or bin value: valid UTF-8, no U+0000, at most 65,535 bytes. */
function text(name: string, v: unknown): string {
  if (!(v instanceof Uint8Array)) fail('bad-type', `${name} must be a string`);
  if (v.length > MAX_FIELD_BYTES) fail('too-long', `${name} is ${v.length} bytes; at most ${MAX_FIELD_BYTES}`);
  let s: string;
  try {
    s = strictUtf8.decode(v);
  } catch {
    fail('bad-utf8', `${name} is not UTF-8`);
  }
  if (s.includes('\u0000')) fail('null-character', `${name} contains U+0000`);
  return s;
}

/**
 * The payload and properties in envelope `bytes` (copies: nothing shares `bytes`). Throws
 * InvalidEnvelopeError for anything else: not exactly one MessagePack map, an unknown or repeated
 * key, no "d", a value of the wrong type, text that is not UTF-8 or holds U+0000, over the bounds.
 * @group Bridge
 */
export function decodeBridged(bytes: Uint8Array): Bridged {
  if (!(bytes instanceof Uint8Array)) fail('bad-type', 'bytes must be a Uint8Array');
  if (bytes.length > MAX_BRIDGED_BYTES) fail('too-large', `${bytes.length} bytes; at most ${MAX_BRIDGED_BYTES}`);
  const declared = mapCount(bytes);
  if (declared === undefined) fail('not-map', 'not a MessagePack map');
  let v: unknown;
  try {
    v = decoder.decode(bytes);
  } catch (e) {
    fail('not-msgpack', `not one MessagePack value (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail('not-map', 'not a MessagePack map');
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (const k of keys) if (!KEYS.has(k)) fail('unknown-key', `unknown key '${k.slice(0, 32)}'`);
  if (keys.length !== declared) fail('duplicate-key', 'a key appears more than once');
  const d = o['d'];
  if (d === undefined) fail('no-payload', 'no "d" (payload)');
  if (!(d instanceof Uint8Array)) fail('bad-type', '"d" must be bin');
  const out: { -readonly [K in keyof Bridged]: Bridged[K] } = { payload: d.slice() };
  if ('ct' in o) out.contentType = text('"ct"', o['ct']);
  if ('pf' in o) {
    const pf = o['pf'];
    if (pf !== 0 && pf !== 1) fail('bad-type', '"pf" must be 0 or 1');
    if (pf === 1 && !isUtf8(d)) fail('bad-utf8', '"pf" is 1 and "d" is not UTF-8');
    out.payloadFormat = pf;
  }
  if ('up' in o) {
    const up = o['up'];
    if (!Array.isArray(up)) fail('bad-type', '"up" must be an array');
    if (up.length > MAX_BRIDGED_USER_PROPERTIES) fail('too-many-properties', `${up.length} user properties; at most ${MAX_BRIDGED_USER_PROPERTIES}`);
    out.userProperties = up.map((p: unknown): [string, string] => {
      if (!Array.isArray(p) || p.length !== 2) fail('bad-type', 'a user property must be [key, value]');
      return [text('a user property key', p[0]), text('a user property value', p[1])];
    });
  }
  if ('rt' in o) {
    const rt = text('"rt"', o['rt']);
    checkTopic(rt);
    out.responseTopic = rt;
  }
  if ('cd' in o) {
    const cd = o['cd'];
    if (!(cd instanceof Uint8Array)) fail('bad-type', '"cd" must be bin');
    if (cd.length > MAX_FIELD_BYTES) fail('too-long', `"cd" is ${cd.length} bytes; at most ${MAX_FIELD_BYTES}`);
    out.correlationData = cd.slice();
  }
  return out;
}
