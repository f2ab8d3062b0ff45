/**
 * The bridge's outbox: what goes to the broker, in order, bounded by count and bytes, kept across
 * broker outages and never discarded on reconnect. A QoS 1/2 entry is journaled (append + fdatasync,
 * group commit) before add() resolves its `durable` promise, and the hub holds the device's
 * acknowledgement until then: level one of the two-level delivery contract, surviving kill -9 of the
 * hub. QoS 0 entries share the bounds but live in memory only (QoS 0 promises nothing across a
 * crash). done() removes an entry once the broker settled it (level two: the receipt).
 *
 * Overflow policy: 'refuse-new' refuses the new entry (the device's publication is refused, PUBNACK
 * 0x83); 'drop-oldest' drops the oldest QoS 0 entries first, then the oldest of any QoS, each
 * reported to `onDrop` (a 'dropped' receipt). Both are counted.
 *
 * Journal records (MessagePack arrays): [1, id, msgId, topic, payload, qos, retain, from, queuedAt,
 * expiresAt, contentType, userProperties, payloadFormat, responseTopic, correlationData] adds (the
 * last three only when one is set, by a rule with `properties: "envelope"`), [2, id] removes.
 * Compacted to the pending adds.
 * @module
 */
import { decode, Encoder } from '@msgpack/msgpack';
import { InvalidArgumentError } from '../errors.js';
import type { QoS } from '../messaging/ops.js';
import type { JournalStore } from '../peer/journal-store.js';
import { GroupCommit } from '../pubsub/group-commit.js';
import type { CarriedProperties } from './carry.js';

/** @group Bridge building blocks */
export type OverflowPolicy = 'refuse-new' | 'drop-oldest';

/** @group Bridge building blocks */
export interface OutboxOptions {
  /** Most entries (default 10,000). */
  readonly maxCount?: number;
  /** Most payload and topic bytes (default 64 MiB). */
  readonly maxBytes?: number;
  /** What a full outbox does with a new entry (default 'refuse-new'). */
  readonly policy?: OverflowPolicy;
}

/** @group Bridge building blocks */
export interface OutboxEntry extends CarriedProperties {
  /** Position in the outbox (order of sending). */
  readonly id: number;
  /** Unique across restarts: the `sw-msg` user property receivers deduplicate by. */
  readonly msgId: string;
  /** The broker topic. */
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  /** The device (or hub) that published it. */
  readonly from: string;
  /** Wall-clock ms when queued. */
  readonly queuedAt: number;
  /** Wall-clock ms after which it is not sent (MQTT 5 message expiry), if any. */
  readonly expiresAt?: number;
}

/** @group Bridge building blocks */
export type NewEntry = Omit<OutboxEntry, 'id' | 'msgId'>;

/** @group Bridge building blocks */
export interface OutboxStats {
  depth: number;
  bytes: number;
  /** New entries refused by a full outbox (refuse-new). */
  refusedFull: number;
  /** Entries dropped to make room (drop-oldest), QoS 0 and QoS 1/2. */
  droppedQos0: number;
  droppedQos12: number;
}

const ADD = 1;
const DONE = 2;
/** One encoder for every record (encode() made one, with its 2 KiB buffer, per call); encode() returns a copy. */
const encoder = new Encoder();
const encode = (v: unknown): Uint8Array => encoder.encode(v);

function size(e: { topic: string; payload: Uint8Array }): number {
  return e.payload.length + e.topic.length;
}

/** @group Bridge building blocks */
export class Outbox {
  readonly maxCount: number;
  readonly maxBytes: number;
  readonly policy: OverflowPolicy;
  readonly stats: OutboxStats = { depth: 0, bytes: 0, refusedFull: 0, droppedQos0: 0, droppedQos12: 0 };
  private readonly entries = new Map<number, OutboxEntry>();
  private nextId: number;
  private readonly boot = Math.random().toString(36).slice(2, 10);
  private readonly commits: GroupCommit | undefined;

  private constructor(o: OutboxOptions, loaded: OutboxEntry[], journal: JournalStore | undefined, private readonly onDrop: (e: OutboxEntry) => void) {
    this.maxCount = o.maxCount ?? 10_000;
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.policy = o.policy ?? 'refuse-new';
    if (!Number.isInteger(this.maxCount) || this.maxCount < 1) throw new InvalidArgumentError('outbox maxCount must be an integer >= 1');
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1) throw new InvalidArgumentError('outbox maxBytes must be an integer >= 1');
    if (this.policy !== 'refuse-new' && this.policy !== 'drop-oldest') throw new InvalidArgumentError(`outbox policy must be refuse-new or drop-oldest, got ${String(this.policy)}`);
    for (const e of loaded) this.put(e);
    this.nextId = loaded.reduce((m, e) => Math.max(m, e.id), 0) + 1;
    this.commits = journal === undefined ? undefined : new GroupCommit(journal, () => [...this.entries.values()].filter((e) => e.qos > 0).map(addRecord));
  }

  /** Opens the outbox, reloading from `journal` what a previous process left pending (oldest first). */
  static open(o: OutboxOptions, journal: JournalStore | undefined, onDrop: (e: OutboxEntry) => void): Outbox {
    return new Outbox(o, journal === undefined ? [] : replay(journal.records()), journal, onDrop);
  }

  /**
   * Queues `e`: the entry and, for QoS 1/2 with a journal, the promise of its durability; or
   * 'full' when the outbox refuses it (refuse-new, or an entry larger than the byte bound).
   */
  add(n: NewEntry): { entry: OutboxEntry; durable?: Promise<void> } | 'full' {
    const bytes = size(n);
    if (bytes > this.maxBytes) return void this.stats.refusedFull++, 'full';
    while (this.stats.depth + 1 > this.maxCount || this.stats.bytes + bytes > this.maxBytes) {
      if (this.policy === 'refuse-new') return void this.stats.refusedFull++, 'full';
      const victim = this.oldest(0) ?? this.oldest(undefined)!;
      if (victim.qos === 0) this.stats.droppedQos0++;
      else this.stats.droppedQos12++;
      this.done(victim.id);
      this.onDrop(victim);
    }
    const id = this.nextId++;
    const entry: OutboxEntry = { ...n, id, msgId: `${this.boot}.${id}` };
    this.put(entry);
    if (entry.qos === 0 || this.commits === undefined) return { entry };
    return { entry, durable: this.commits.commit(addRecord(entry)) };
  }

  /** Removes entry `id` (settled by the broker, expired or dropped); idempotent. */
  done(id: number): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    this.entries.delete(id);
    this.stats.depth--;
    this.stats.bytes -= size(e);
    // nobody waits: a crash before it is durable sends the entry again (at least once)
    if (e.qos > 0) this.commits?.add(encode([DONE, id]));
  }

  get(id: number): OutboxEntry | undefined {
    return this.entries.get(id);
  }

  /** Pending entries in order. */
  values(): IterableIterator<OutboxEntry> {
    return this.entries.values();
  }

  /** Waits for the journal's pending commits and closes it. */
  async close(): Promise<void> {
    await this.commits?.close();
  }

  /** The journal's commit counters (absent without a journal). */
  journalStats(): Readonly<GroupCommit['stats']> | undefined {
    return this.commits?.stats;
  }

  private oldest(qos: QoS | undefined): OutboxEntry | undefined {
    for (const e of this.entries.values()) if (qos === undefined || e.qos === qos) return e;
    return undefined;
  }

  private put(e: OutboxEntry): void {
    this.entries.set(e.id, e);
    this.stats.depth++;
    this.stats.bytes += size(e);
  }
}

function addRecord(e: OutboxEntry): Uint8Array {
  const r = [ADD, e.id, e.msgId, e.topic, e.payload, e.qos, e.retain, e.from, e.queuedAt, e.expiresAt ?? null, e.contentType ?? null, e.userProperties ?? null];
  // 12 fields unless an envelope's properties are there: a journal written without them reads as before
  if (e.payloadFormat !== undefined || e.responseTopic !== undefined || e.correlationData !== undefined) r.push(e.payloadFormat ?? null, e.responseTopic ?? null, e.correlationData ?? null);
  return encode(r);
}

/** The pending entries a journal describes; records it cannot read are skipped. */
function replay(records: readonly Uint8Array[]): OutboxEntry[] {
  const m = new Map<number, OutboxEntry>();
  for (const r of records) {
    let v: unknown;
    try {
      v = decode(r);
    } catch {
      continue;
    }
    if (!Array.isArray(v)) continue;
    if (v[0] === DONE) m.delete(v[1] as number);
    else if (v[0] === ADD && (v.length === 12 || v.length === 15)) {
      const [, id, msgId, topic, payload, qos, retain, from, queuedAt, expiresAt, contentType, userProperties, payloadFormat = null, responseTopic = null, correlationData = null] = v as [
        number, number, string, string, Uint8Array, QoS, boolean, string, number, number | null, string | null, Record<string, string | string[]> | null, (0 | 1 | null)?, (string | null)?, (Uint8Array | null)?,
      ];
      m.set(id, {
        id, msgId, topic, payload, qos, retain, from, queuedAt,
        ...(expiresAt !== null && { expiresAt }),
        ...(contentType !== null && { contentType }),
        ...(userProperties !== null && { userProperties }),
        ...(payloadFormat !== null && { payloadFormat }),
        ...(responseTopic !== null && { responseTopic }),
        ...(correlationData !== null && { correlationData }),
      });
    }
  }
  return [...m.values()].sort((a, b) => a.id - b.id);
}
