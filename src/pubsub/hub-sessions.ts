/**
 * HubSessions: the subscriptions a hub holds for the devices it serves (spec 15.5, 18.2), indexed
 * for routing: one TopicTree over every (device, filter) entry, so matching one topic costs what the
 * filters that can match it cost, not the number of subscriptions.
 *
 * Persisted by the hub under the StateStore key `subscriptions` [SW-18.3-1]. Byte format, version 1
 * (integers big-endian):
 *   u8 version = 0x01; u32 D devices;
 *   D × (u8 L, L bytes device id UTF-8, u32 N >= 1, N × (u8 QOS 0-2, u16 F, F bytes filter UTF-8))
 * Nothing may follow. A device appears at most once, a filter at most once per device.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { QoS } from '../messaging/ops.js';
import { CorruptRecordError } from '../rpc/errors.js';
import { DEFAULT_MAX_FILTERS, TopicTree } from './topic-tree.js';
import { isValidTopicFilter } from './topic.js';

export const SUBSCRIPTIONS_KEY = 'subscriptions';
export const SUBSCRIPTIONS_FORMAT_VERSION = 1;
/** Default most filters per device (SUBACK 0x82 beyond it). */
export const DEFAULT_MAX_FILTERS_PER_DEVICE = 1024;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // U+FEFF is kept [SW-15.1-3]

interface Entry {
  readonly device: string;
  readonly filter: string;
  qos: QoS;
}

export interface HubSessionsOptions {
  /** Most (device, filter) entries in all; default DEFAULT_MAX_FILTERS. */
  readonly maxFilters?: number;
  readonly maxFiltersPerDevice?: number;
}

export class HubSessions {
  private readonly tree: TopicTree<Entry>;
  private readonly byDevice = new Map<string, Map<string, Entry>>();
  private readonly maxPerDevice: number;

  constructor(options: HubSessionsOptions = {}) {
    this.tree = new TopicTree({ maxFilters: options.maxFilters ?? DEFAULT_MAX_FILTERS });
    this.maxPerDevice = options.maxFiltersPerDevice ?? DEFAULT_MAX_FILTERS_PER_DEVICE;
    if (!Number.isInteger(this.maxPerDevice) || this.maxPerDevice < 1) throw new InvalidArgumentError('maxFiltersPerDevice must be an integer >= 1');
  }

  /** Entries in all. */
  get size(): number {
    return this.tree.size;
  }

  /** Subscribes `device` to `filter` at `qos` (replacing the QoS of one it holds); false at a limit. */
  set(device: string, filter: string, qos: QoS): boolean {
    const mine = this.byDevice.get(device);
    const have = mine?.get(filter);
    if (have !== undefined) {
      have.qos = qos;
      return true;
    }
    if ((mine?.size ?? 0) >= this.maxPerDevice || this.tree.size >= this.tree.maxFilters) return false;
    const e: Entry = { device, filter, qos };
    this.tree.add(filter, e);
    if (mine === undefined) this.byDevice.set(device, new Map([[filter, e]]));
    else mine.set(filter, e);
    return true;
  }

  /** Whether it held it. */
  remove(device: string, filter: string): boolean {
    const mine = this.byDevice.get(device);
    const e = mine?.get(filter);
    if (mine === undefined || e === undefined) return false;
    this.tree.remove(filter, e);
    mine.delete(filter);
    if (mine.size === 0) this.byDevice.delete(device);
    return true;
  }

  /** Removes every subscription of `device`. */
  clear(device: string): void {
    for (const f of [...(this.byDevice.get(device)?.keys() ?? [])]) this.remove(device, f);
  }

  /** filter -> QoS of `device` (a copy). */
  filtersOf(device: string): Map<string, QoS> {
    return new Map([...(this.byDevice.get(device)?.values() ?? [])].map((e) => [e.filter, e.qos]));
  }

  devices(): string[] {
    return [...this.byDevice.keys()];
  }

  /** Each device with a subscription matching `topic`, once, with its highest matching QoS [SW-18.2-1]. */
  match(topic: string): Map<string, QoS> {
    const out = new Map<string, QoS>();
    this.tree.forEachMatch(topic, (e) => {
      const q = out.get(e.device);
      if (q === undefined || e.qos > q) out.set(e.device, e.qos);
    });
    return out;
  }

  encode(): Uint8Array {
    const parts: number[] = [SUBSCRIPTIONS_FORMAT_VERSION];
    const u16 = (v: number): void => void parts.push(v >>> 8, v & 0xff);
    const u32 = (v: number): void => (u16(v >>> 16), u16(v & 0xffff));
    u32(this.byDevice.size);
    for (const [device, mine] of this.byDevice) {
      const id = enc.encode(device);
      parts.push(id.length, ...id);
      u32(mine.size);
      for (const e of mine.values()) {
        const f = enc.encode(e.filter);
        parts.push(e.qos);
        u16(f.length);
        for (const b of f) parts.push(b);
      }
    }
    return Uint8Array.from(parts);
  }

  /** Builds sessions from `encode` bytes; throws CorruptRecordError. Entries over the limits are skipped. */
  static decode(bytes: Uint8Array, options: HubSessionsOptions = {}): HubSessions {
    const s = new HubSessions(options);
    const fail = (o: number, problem: string): never => {
      throw new CorruptRecordError(SUBSCRIPTIONS_KEY, o, problem);
    };
    let o = 0;
    const need = (n: number, what: string): void => void (o + n > bytes.length && fail(o, `truncated: ${what}`));
    const u8 = (what: string): number => (need(1, what), bytes[o++]!);
    const u16 = (what: string): number => (need(2, what), (o += 2), (bytes[o - 2]! << 8) | bytes[o - 1]!);
    const u32 = (what: string): number => u16(what) * 0x10000 + u16(what);
    const str = (n: number, what: string): string => {
      need(n, what);
      try {
        return dec.decode(bytes.subarray(o, (o += n)));
      } catch {
        return fail(o - n, `${what} is not UTF-8`);
      }
    };
    if (u8('version') !== SUBSCRIPTIONS_FORMAT_VERSION) fail(0, `unknown version ${bytes[0]}`);
    const d = u32('device count');
    for (let i = 0; i < d; i++) {
      const device = str(u8('device id length'), 'device id');
      if (device === '' || s.byDevice.has(device)) fail(o, 'empty or repeated device id');
      const n = u32('filter count');
      for (let k = 0; k < n; k++) {
        const qos = u8('qos');
        const filter = str(u16('filter length'), 'filter');
        if (qos > 2 || !isValidTopicFilter(filter)) fail(o, `bad entry ${JSON.stringify(filter)}`);
        s.set(device, filter, qos as QoS);
      }
    }
    if (o !== bytes.length) fail(o, `${bytes.length - o} bytes after the end`);
    return s;
  }
}
