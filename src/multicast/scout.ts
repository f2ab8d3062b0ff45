/**
 * The scouting side of discovery (spec 19.6): a node that holds only its pair key for the hubs of
 * its site builds SCOUTs that prove it holds the key, and accepts only the ANNOUNCEs that answer
 * one of its own outstanding scouts under that key.
 * @module
 */
import { TAG_LEN } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import { constantTimeEqual } from '../util/bytes.js';
import { decodeNodeId } from '../wire/node-id.js';
import { ANNOUNCE_HEADER_LEN, SCOUT_FLAG_UNICAST, SCOUT_ID_LEN, SCOUT_MAX_INTERVAL_MS, SCOUT_PAD_TO, SCOUT_RETRY_MS } from './constants.js';
import type { GroupDrop } from './drop.js';
import { encodeScoutHeader, parseAnnounce, scoutNonce } from './header.js';
import { deriveDiscoveryKeys, type DiscoveryKeys } from './keys.js';

/** What an ANNOUNCE tells: which hub, and where its unicast endpoint is. */
export interface Announcement {
  readonly hubId: string;
  readonly port: number;
  /** The hub's unicast address; undefined: the ANNOUNCE's source address [SW-19.6-6]. */
  readonly address?: string;
}

export interface ScoutOptions {
  readonly suite: CryptoSuite;
  readonly id: string;
  /** The pair key this node holds for its hubs (its device key), and its generation. */
  readonly pairKey: Uint8Array;
  readonly gen?: number;
  /** Scouts are padded to this many bytes, so that an announcement fits (19.7). */
  readonly padTo?: number;
}

/** Scouts whose answers a scouting node still takes (the most recent ones). */
const MAX_OUTSTANDING = 8;

export class Scouter {
  readonly keys: DiscoveryKeys;
  private readonly gen: number;
  /** Outstanding scout ids (hex) → attempt; a scout ends with its first accepted ANNOUNCE. */
  private readonly outstanding = new Map<string, Uint8Array>();
  attempts = 0;

  constructor(private readonly o: ScoutOptions) {
    this.gen = o.gen ?? 0;
    this.keys = deriveDiscoveryKeys(o.suite, o.pairKey, o.id, this.gen);
  }

  /**
   * The next SCOUT: a fresh random scout id [SW-19.6-1]. The first asks for an answer to the group;
   * later ones set U, since this node may not receive the group at all (IGMP snooping, 19.9).
   */
  next(): Uint8Array {
    const scoutId = this.o.suite.randomBytes(SCOUT_ID_LEN);
    const flags = this.attempts === 0 ? 0 : SCOUT_FLAG_UNICAST;
    this.attempts++;
    this.outstanding.set(hex(scoutId), scoutId);
    // a node that scouts for hours keeps only its latest scouts: older answers are long overdue
    if (this.outstanding.size > MAX_OUTSTANDING) this.outstanding.delete(this.outstanding.keys().next().value!);
    const header = encodeScoutHeader(this.gen, flags, scoutId, this.o.id);
    const padTo = this.o.padTo ?? SCOUT_PAD_TO;
    const pad = Math.max(0, padTo - header.length - TAG_LEN);
    return this.o.suite.seal(this.keys.scout, scoutNonce(header), new Uint8Array(pad), header);
  }

  /** Delay before scout number `attempt` + 1 (0-based): 250 ms, doubling, capped at 8 s [SW-19.6-7]. */
  static delayAfter(attempt: number): number {
    return Math.min(SCOUT_RETRY_MS * 2 ** attempt, SCOUT_MAX_INTERVAL_MS);
  }

  /** Opens an ANNOUNCE [SW-19.6-8]: it must answer an outstanding scout and authenticate. */
  accept(d: Uint8Array): Announcement | GroupDrop {
    const h = parseAnnounce(d);
    if (typeof h === 'string') return h;
    if (h.gen !== this.gen) return 'UNKNOWN_KEY';
    const scoutId = this.outstanding.get(hex(h.scoutId));
    if (scoutId === undefined || !constantTimeEqual(scoutId, h.scoutId)) return 'UNSOLICITED';
    const p = this.o.suite.open(this.keys.announce, d.subarray(0, ANNOUNCE_HEADER_LEN), d.subarray(ANNOUNCE_HEADER_LEN));
    if (p === null) return 'AUTH';
    const a = decodeAnnouncement(p);
    if (a === undefined) return 'MALFORMED_INNER';
    return a;
  }

  /** Forgets outstanding scouts (discovery done). */
  done(): void {
    this.outstanding.clear();
  }
}

/** Plaintext of an ANNOUNCE: lp(hub id) || u16 port || u8 address length (0, 4, 16) || address [SW-19.6-6]. */
export function encodeAnnouncement(a: Announcement): Uint8Array {
  const addr = a.address === undefined ? new Uint8Array(0) : parseIp(a.address);
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 0xffff) throw new InvalidArgumentError('port must be in [1, 65535]');
  const b = new Uint8Array(1 + a.hubId.length + 3 + addr.length);
  b[0] = a.hubId.length;
  for (let i = 0; i < a.hubId.length; i++) b[1 + i] = a.hubId.charCodeAt(i);
  let o = 1 + a.hubId.length;
  b[o] = a.port >>> 8;
  b[o + 1] = a.port & 0xff;
  b[o + 2] = addr.length;
  b.set(addr, o + 3);
  return b;
}

export function decodeAnnouncement(p: Uint8Array): Announcement | undefined {
  if (p.length < 1) return undefined;
  const n = p[0]!;
  const hubId = decodeNodeId(p.subarray(1, 1 + n));
  if (hubId === undefined || p.length < 1 + n + 3) return undefined;
  const o = 1 + n;
  const port = (p[o]! << 8) | p[o + 1]!;
  const al = p[o + 2]!;
  if (port === 0 || (al !== 0 && al !== 4 && al !== 16) || p.length !== o + 3 + al) return undefined;
  const addr = p.subarray(o + 3);
  return al === 0 ? { hubId, port } : { hubId, port, address: formatIp(addr) };
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** IPv4 dotted quad or a full or ::-compressed IPv6 address to bytes. */
export function parseIp(s: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4 !== null) {
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) throw new InvalidArgumentError(`bad IPv4 address: ${s}`);
    return Uint8Array.from(b);
  }
  const halves = s.split('::');
  if (halves.length > 2 || !/^[0-9a-fA-F:]+$/.test(s)) throw new InvalidArgumentError(`bad IP address: ${s}`);
  const groups = (x: string) => (x === '' ? [] : x.split(':').map((g) => parseInt(g, 16)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const all = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) throw new InvalidArgumentError(`bad IPv6 address: ${s}`);
  const b = new Uint8Array(16);
  all.forEach((g, i) => ((b[2 * i] = g >>> 8), (b[2 * i + 1] = g & 0xff)));
  return b;
}

/** IPv4 dotted quad, or IPv6 in its RFC 5952 text form (the longest run of zero groups as '::'). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}
