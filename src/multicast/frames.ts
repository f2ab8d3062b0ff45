/**
 * The plaintext of a GROUP_DATA or SIGNED datagram (spec 19.4): PADDING bytes, then exactly one
 * message frame that runs to the end: PUBLISH (a topic and a payload), DATAGRAM (opaque bytes) or
 * COMMAND (a name and parameters, signed tier only [SW-19.5-6]), or NACK (a request to re-send
 * missed datagrams of one sender, 19.12).
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { isValidTopicName } from '../pubsub/topic.js';
import { BOOT_LEN, COUNTER_LIMIT } from '../constants.js';
import { readU32, writeU32 } from '../util/bytes.js';
import { readUvar, uvarSize, writeUvar } from '../util/uvar.js';
import { GFRAME_COMMAND, GFRAME_DATAGRAM, GFRAME_NACK, GFRAME_PADDING, GFRAME_PUBLISH, NACK_BODY_LEN, NACK_MAX_COUNTERS } from './constants.js';

/** A NACK (19.12): the missed counters of one sender's (GEN, MEMBER, EPOCH, BOOT), ascending. */
export interface GroupNack {
  readonly kind: 'nack';
  readonly gen: number;
  readonly member: number;
  readonly epoch: number;
  readonly boot: Uint8Array;
  /** 1 to 32 distinct counters, all within 32 of the lowest [SW-19.12-3]. */
  readonly counters: readonly number[];
}

export type GroupMessage =
  | { readonly kind: 'publish'; readonly topic: string; readonly payload: Uint8Array }
  | { readonly kind: 'datagram'; readonly payload: Uint8Array }
  | { readonly kind: 'command'; readonly name: string; readonly params: Uint8Array }
  | GroupNack;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Encodes `m` after `padding` PADDING bytes; throws InvalidArgumentError for a bad topic or name. */
export function encodeGroupMessage(m: GroupMessage, padding = 0): Uint8Array {
  if (m.kind === 'nack') return encodeNack(m, padding);
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
  if (kind === GFRAME_NACK) return decodeNack(p.subarray(o));
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

/** GEN, MEMBER, EPOCH, BOOT, BASE = the lowest counter, MASK: bit i names BASE + i [SW-19.12-3]. */
function encodeNack(m: GroupNack, padding: number): Uint8Array {
  const cs = [...new Set(m.counters)].sort((a, b) => a - b);
  const base = cs[0];
  if (base === undefined || cs[cs.length - 1]! - base >= NACK_MAX_COUNTERS) throw new InvalidArgumentError(`a NACK names 1 to ${NACK_MAX_COUNTERS} counters within ${NACK_MAX_COUNTERS} of the lowest`);
  if (!cs.every((c) => Number.isInteger(c) && c >= 0 && c < COUNTER_LIMIT)) throw new InvalidArgumentError('NACK counter out of range');
  if (m.member < 1 || m.member > 0xffff || m.epoch < 1 || m.epoch > 0xffffffff || m.gen < 0 || m.gen > 255 || m.boot.length !== BOOT_LEN) throw new InvalidArgumentError('NACK names no valid sender');
  let mask = 0;
  for (const c of cs) mask |= 1 << (c - base);
  const out = new Uint8Array(padding + 1 + NACK_BODY_LEN);
  let o = padding;
  out[o++] = GFRAME_NACK;
  out[o++] = m.gen;
  out[o++] = m.member >>> 8;
  out[o++] = m.member & 0xff;
  writeU32(out, o, m.epoch);
  out.set(m.boot, o + 4);
  writeU32(out, o + 12, base);
  writeU32(out, o + 16, mask >>> 0);
  return out;
}

/** The NACK body after its kind; undefined (MALFORMED_INNER) unless exactly as [SW-19.12-3] says. */
function decodeNack(b: Uint8Array): GroupNack | undefined {
  if (b.length !== NACK_BODY_LEN) return undefined;
  const member = (b[1]! << 8) | b[2]!;
  const epoch = readU32(b, 3);
  const base = readU32(b, 15);
  const mask = readU32(b, 19);
  if (member === 0 || epoch === 0 || mask === 0) return undefined;
  const counters: number[] = [];
  for (let i = 0; i < NACK_MAX_COUNTERS; i++) if ((mask >>> i) & 1) counters.push(base + i);
  if (counters[counters.length - 1]! >= COUNTER_LIMIT) return undefined;
  return { kind: 'nack', gen: b[0]!, member, epoch, boot: b.subarray(3 + 4, 3 + 4 + BOOT_LEN), counters };
}
