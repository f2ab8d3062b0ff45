/**
 * What a member persists per (group, generation) (spec 19.5): the grant, so it keeps its key over a
 * restart, and per sender the floor: (epoch, BOOT, counter) at or above every counter it accepted,
 * written a reserve block ahead so that one write covers FLOOR_RESERVE datagrams [SW-19.5-9].
 * The byte layout is this SDK's own; the spec fixes what is kept, not how.
 * @module
 */
import { BOOT_LEN } from '../constants.js';
import type { StateStore } from '../peer/state-store.js';
import { readU32, writeU32 } from '../util/bytes.js';
import { decodeGrant, encodeGrant, type GroupGrant } from './grant.js';

export interface SenderFloor {
  readonly member: number;
  readonly epoch: number;
  readonly boot: Uint8Array;
  /** Every counter of (member, epoch, boot) accepted so far is ≤ floor. */
  readonly floor: number;
}

export interface GenerationRecord {
  readonly grant: GroupGrant;
  readonly activateAt: number;
  readonly expiresAt: number;
  readonly floors: readonly SenderFloor[];
}

/** One store key per group; it holds the records of the group's (at most two) generations. */
export function recordKey(gid: number): string {
  return `mcast-${gid}`;
}

const FLOOR_LEN = 2 + 4 + BOOT_LEN + 4;

export function encodeRecord(r: GenerationRecord): Uint8Array {
  const g = encodeGrant(r.grant);
  const b = new Uint8Array(2 + g.length + 16 + 2 + r.floors.length * FLOOR_LEN);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, g.length);
  b.set(g, 2);
  let o = 2 + g.length;
  dv.setFloat64(o, r.activateAt);
  dv.setFloat64(o + 8, r.expiresAt);
  dv.setUint16(o + 16, r.floors.length);
  o += 18;
  for (const f of r.floors) {
    dv.setUint16(o, f.member);
    writeU32(b, o + 2, f.epoch);
    b.set(f.boot, o + 6);
    writeU32(b, o + 6 + BOOT_LEN, f.floor);
    o += FLOOR_LEN;
  }
  return b;
}

/** Decodes a record; undefined if corrupt (the generation is then treated as lost: re-granted). */
export function decodeRecord(b: Uint8Array): GenerationRecord | undefined {
  try {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const gl = dv.getUint16(0);
    const grant = decodeGrant(b.subarray(2, 2 + gl));
    if (grant === undefined) return undefined;
    let o = 2 + gl;
    const activateAt = dv.getFloat64(o);
    const expiresAt = dv.getFloat64(o + 8);
    const n = dv.getUint16(o + 16);
    o += 18;
    if (b.length !== o + n * FLOOR_LEN) return undefined;
    const floors: SenderFloor[] = [];
    for (let i = 0; i < n; i++, o += FLOOR_LEN) {
      floors.push({ member: dv.getUint16(o), epoch: readU32(b, o + 2), boot: b.slice(o + 6, o + 6 + BOOT_LEN), floor: readU32(b, o + 6 + BOOT_LEN) });
    }
    return { grant, activateAt, expiresAt, floors };
  } catch {
    return undefined;
  }
}

/** Saves the records of one group, durably (StateStore.save resolves once durable). */
export async function saveGroupRecords(store: StateStore, gid: number, records: readonly GenerationRecord[]): Promise<void> {
  const parts = records.map(encodeRecord);
  const b = new Uint8Array(1 + parts.reduce((n, p) => n + 4 + p.length, 0));
  b[0] = parts.length;
  let o = 1;
  for (const p of parts) {
    writeU32(b, o, p.length);
    b.set(p, o + 4);
    o += 4 + p.length;
  }
  await store.save(recordKey(gid), b);
}

/** The records of group `gid`; a corrupt record is left out (that generation counts as lost). */
export async function loadGroupRecords(store: StateStore, gid: number): Promise<GenerationRecord[]> {
  const b = await store.load(recordKey(gid));
  if (b === undefined || b.length < 1) return [];
  const out: GenerationRecord[] = [];
  let o = 1;
  for (let i = 0; i < b[0]! && o + 4 <= b.length; i++) {
    const n = readU32(b, o);
    const r = decodeRecord(b.subarray(o + 4, o + 4 + n));
    if (r !== undefined) out.push(r);
    o += 4 + n;
  }
  return out;
}
