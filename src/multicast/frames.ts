/**
 * The plaintext of a GROUP_DATA or SIGNED datagram (spec 19.4): PADDING bytes, then exactly one
 * message frame that runs to the end: PUBLISH (a topic and a payload), DATAGRAM (opaque bytes) or
 * COMMAND (a name and parameters, signed tier only [SW-19.5-6]).
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { isValidTopicName } from '../pubsub/topic.js';
import { readUvar, uvarSize, writeUvar } from '../util/uvar.js';
import { GFRAME_COMMAND, GFRAME_DATAGRAM, GFRAME_PADDING, GFRAME_PUBLISH } from './constants.js';

export type GroupMessage =
  | { readonly kind: 'publish'; readonly topic: string; readonly payload: Uint8Array }
  | { readonly kind: 'datagram'; readonly payload: Uint8Array }
  | { readonly kind: 'command'; readonly name: string; readonly params: Uint8Array };

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Encodes `m` after `padding` PADDING bytes; throws InvalidArgumentError for a bad topic or name. */
export function encodeGroupMessage(m: GroupMessage, padding = 0): Uint8Array {
  let kind: number;
  let name: Uint8Array | undefined;
  let body: Uint8Array;
  if (m.kind === 'publish') {
    if (!isValidTopicName(m.topic)) throw new InvalidArgumentError(`invalid topic name: ${m.topic}`);
    kind = GFRAME_PUBLISH;
    name = enc.encode(m.topic);
    body = m.payload;
  } else if (m.kind === 'command') {
    if (!isValidTopicName(m.name)) throw new InvalidArgumentError(`invalid command name: ${m.name}`);
    kind = GFRAME_COMMAND;
    name = enc.encode(m.name);
    body = m.params;
  } else {
    kind = GFRAME_DATAGRAM;
    body = m.payload;
  }
  const nameLen = name === undefined ? 0 : uvarSize(name.length) + name.length;
  const out = new Uint8Array(padding + 1 + nameLen + body.length);
  let o = padding;
  out[o++] = kind;
  if (name !== undefined) {
    o = writeUvar(out, o, name.length);
    out.set(name, o);
    o += name.length;
  }
  out.set(body, o);
  return out;
}

/** Decodes a plaintext [SW-19.4-5]; undefined when it is malformed (reason MALFORMED_INNER). */
export function decodeGroupMessage(p: Uint8Array): GroupMessage | undefined {
  let o = 0;
  while (o < p.length && p[o] === GFRAME_PADDING) o++;
  if (o >= p.length) return undefined; // no message frame
  const kind = p[o++]!;
  if (kind === GFRAME_DATAGRAM) return { kind: 'datagram', payload: p.subarray(o) };
  if (kind !== GFRAME_PUBLISH && kind !== GFRAME_COMMAND) return undefined;
  const n = readUvar(p, o);
  if (n < 0) return undefined;
  o += uvarSize(n);
  if (o + n > p.length) return undefined;
  let name: string;
  try {
    name = dec.decode(p.subarray(o, o + n));
  } catch {
    return undefined;
  }
  if (!isValidTopicName(name)) return undefined;
  const rest = p.subarray(o + n);
  return kind === GFRAME_PUBLISH ? { kind: 'publish', topic: name, payload: rest } : { kind: 'command', name, params: rest };
}
