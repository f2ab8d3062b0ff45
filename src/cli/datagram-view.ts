/**
 * What `saltwire inspect` shows of one datagram: each clear header field beside its bytes, whether
 * the datagram authenticates under the key given (and under which traffic key), and then its
 * frames, with the message layer's operation inside each MSG frame of a message-layer channel.
 * Decoding goes through the SDK's own parsers (parseHeader, decodeWireFrames, decodeOp), so what
 * is shown is what a node would see. Pure: the caller prints.
 * @module
 */
import { BOOT_LEN, FULL_HEADER_FIXED_LEN, TAG_LEN } from '../constants.js';
import { deriveTrafficKey } from '../crypto/keys.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { decodeOp } from '../messaging/op-codec.js';
import { LAST_MESSAGE_LAYER_CHANNEL } from '../messaging/ops.js';
import { toHex } from '../util/bytes.js';
import { decodeWireFrames } from '../wire/frames.js';
import { nonceOf, parseHeader, type Header } from '../wire/header.js';

/** One header field: where it is, its bytes and what they mean. */
export interface FieldView {
  readonly offset: number;
  readonly hex: string;
  readonly name: string;
  readonly value: string | number;
}

export interface DatagramView {
  readonly length: number;
  /** The header, or the drop reason a receiver would count. */
  readonly header: Header | { readonly drop: string };
  readonly fields: readonly FieldView[];
  /** 'yes', 'no', or why it was not tried. */
  readonly authenticates: 'yes' | 'no' | string;
  /** The traffic key's inputs when it was tried. */
  readonly trafficKey?: { readonly from: string; readonly to: string; readonly epoch: number; readonly boot: string };
  readonly frames?: readonly unknown[];
}

/** What is needed to open: the pair key, the receiver's id, and for a SHORT header the sender's context. */
export interface OpenContext {
  readonly suite: CryptoSuite;
  /** The pair key (a device key), or a function of the device's id (from a site key). */
  readonly key?: Uint8Array | ((deviceId: string) => Uint8Array);
  /** The receiver's id (default: `hub`, or with a hub as sender the device named by `device`). */
  readonly to?: string;
  readonly hubId: string;
  /** SHORT headers name no sender: its id, epoch and BOOT. */
  readonly from?: string;
  readonly epoch?: number;
  readonly boot?: Uint8Array;
}

const hex = (b: Uint8Array): string => toHex(b).replace(/(..)(?!$)/g, '$1 ');

export function viewDatagram(d: Uint8Array, ctx: OpenContext): DatagramView {
  const h = parseHeader(d);
  const fields: FieldView[] = [];
  const field = (offset: number, len: number, name: string, value: string | number): void => void fields.push({ offset, hex: hex(d.subarray(offset, offset + len)), name, value });
  if (typeof h === 'string') {
    if (d.length > 0) field(0, 1, 'first byte', `0x${d[0]!.toString(16).padStart(2, '0')}`);
    return { length: d.length, header: { drop: h }, fields, authenticates: `no: the header is not valid (${h})` };
  }
  field(0, 1, 'first byte', `version 1, ${h.form} form, flags 0`);
  if (h.form === 'FULL') {
    field(1, 1, 'gen', h.gen);
    field(2, 4, 'epoch', h.epoch);
    field(6, 4, 'counter', h.counter);
    field(10, BOOT_LEN, 'BOOT', toHex(h.boot));
    field(FULL_HEADER_FIXED_LEN - 1, 1 + h.senderId.length, 'sender id', JSON.stringify(h.senderId));
  } else {
    field(1, 4, 'index', h.index);
    field(5, 4, 'counter', h.counter);
  }
  const bodyLen = d.length - h.length;
  field(h.length, bodyLen, 'sealed', `${bodyLen - TAG_LEN} bytes of frames + ${TAG_LEN}-byte tag`);
  const from = h.form === 'FULL' ? h.senderId : ctx.from;
  const epoch = h.form === 'FULL' ? h.epoch : ctx.epoch;
  const boot = h.form === 'FULL' ? h.boot : ctx.boot;
  if (ctx.key === undefined) return { length: d.length, header: h, fields, authenticates: 'not tried: no key (--key, --key-file or --site-file)' };
  if (from === undefined || epoch === undefined || boot === undefined) {
    return { length: d.length, header: h, fields, authenticates: 'not tried: a SHORT header names no sender: give --from ID --epoch N --boot HEX' };
  }
  const to = ctx.to ?? (from === ctx.hubId ? undefined : ctx.hubId);
  if (to === undefined) return { length: d.length, header: h, fields, authenticates: 'not tried: the sender is the hub: name the receiving device with --to ID' };
  const device = from === ctx.hubId ? to : from;
  const pairKey = typeof ctx.key === 'function' ? ctx.key(device) : ctx.key;
  const trafficKey = { from, to, epoch, boot: toHex(boot) };
  let tk: Uint8Array;
  try {
    tk = deriveTrafficKey(ctx.suite, pairKey, from, to, epoch, boot);
  } catch (e) {
    return { length: d.length, header: h, fields, authenticates: `not tried: ${(e as Error).message}`, trafficKey };
  }
  const plaintext = ctx.suite.open(tk, nonceOf(d, h.form), d.subarray(h.length));
  if (plaintext === null) return { length: d.length, header: h, fields, authenticates: 'no', trafficKey };
  const frames = decodeWireFrames(plaintext);
  return { length: d.length, header: h, fields, authenticates: 'yes', trafficKey, frames: frames === undefined ? [{ malformed: toHex(plaintext) }] : frames.map(frameView) };
}

/** A frame as plain data (bytes as hex), with the operation of a message-layer MSG frame. */
function frameView(f: object): unknown {
  const o = plain(f) as Record<string, unknown>;
  const m = f as { type?: string; channel?: number; data?: Uint8Array; frag?: unknown };
  if (m.type === 'MSG' && m.data !== undefined && m.frag === undefined && m.channel !== undefined && m.channel >= 1 && m.channel <= LAST_MESSAGE_LAYER_CHANNEL) {
    const op = decodeOp(m.data);
    o['operation'] = op === undefined ? '(not an operation)' : plain(op);
  }
  return o;
}

/** JSON-friendly: bytes as hex strings, bigints as decimal strings, maps as objects. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The text form: an offset, the bytes and the meaning of each field, then the verdict and the frames. */
export function formatView(v: DatagramView, paint: (style: 'dim' | 'bold' | 'green' | 'red', s: string) => string = (_s, t) => t): string[] {
  const form = 'drop' in v.header ? `invalid header (${v.header.drop})` : `${v.header.form} header, ${v.header.length} bytes`;
  const lines = [paint('bold', `datagram: ${v.length} bytes, ${form}`)];
  const width = Math.min(48, Math.max(...v.fields.map((f) => f.hex.length), 5));
  for (const f of v.fields) {
    const bytes = f.hex.length > width ? `${f.hex.slice(0, width - 4)} ...` : f.hex;
    lines.push(`  ${paint('dim', f.offset.toString(16).padStart(4, '0'))}  ${bytes.padEnd(width)}  ${f.name}: ${f.value}`);
  }
  const verdict = v.authenticates === 'yes' ? paint('green', 'yes') : v.authenticates === 'no' ? paint('red', 'no') : v.authenticates;
  const tk = v.trafficKey === undefined ? '' : ` (TK ${v.trafficKey.from} -> ${v.trafficKey.to}, epoch ${v.trafficKey.epoch}, BOOT ${v.trafficKey.boot})`;
  lines.push(`authenticates: ${verdict}${tk}`);
  if (v.frames !== undefined) {
    lines.push(`frames: ${v.frames.length}`);
    for (const f of v.frames) lines.push(`  ${JSON.stringify(f)}`);
  }
  return lines;
}

