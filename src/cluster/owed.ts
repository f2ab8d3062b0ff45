/**
 * Take-over of the copies a dead hub owed its own devices. A hub acknowledges a QoS 1/2 publication
 * once its journal (`hub.journal`, src/pubsub/hub-ledger.ts) holds it with the subscribers it is
 * owed to [SW-18.3-3]; for a subscriber asleep or unreachable when its hub dies, the copies are only
 * there. The member that adopts the dead hub (the fence of adopt.ts: same host, process gone) loads
 * that journal and hands each copy to the hub holding its device once the device has roamed to one:
 * itself (PubSubHub.oweCopy), or the holder through the broker (`<prefix>/owed/<hub>`, MQTT QoS 1),
 * which journals it before it answers. Only then is the copy marked delivered (DONE) in the dead
 * hub's journal, so a copy is lost neither by the adopter's death (the journal still owes it) nor
 * by a lost message (offered again every `retryMs` until answered) [SW-18.3-9]. A copy whose device
 * no live hub holds yet is offered when a hub claims the device.
 *
 * A copy the device took from the dead hub whose DONE was not yet durable arrives again, FROM and
 * PUB_ID kept: QoS 1 at least once; QoS 2 exactly once for a device whose RoamingClient ran on (one
 * QoS 2 window across its hubs), at least once for one that lost its window (restarted, slept).
 * A holder offered a copy twice (a lost answer) owes it once.
 *
 * Messages, MessagePack arrays (a PUB_ID as a decimal string, nil when absent):
 *   [1, adopter, key, device, from, topic, payload, qos, copy, pubId, expiresAt]  owe this copy to device
 *   [2, key, device]                                                            owed (durable) here now
 * `key` is `<dead hub>:<its journal's publication number>`, `expiresAt` wall-clock ms or nil.
 * @module
 */
import { decode, encode } from '@msgpack/msgpack';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HUB_JOURNAL } from '../messaging/hub.js';
import { FileJournal } from '../node/file-journal.js';
import type { OwedCopy } from '../pubsub/hub-durable.js';
import { loadLedger, type HubLedger } from '../pubsub/hub-ledger.js';
import { fenceRefusal } from './adopt.js';

/**
 * What the take-over needs of its cluster member.
 * @group Cluster
 */
export interface OwedParts {
  readonly self: string;
  /** The live hub holding `device` now, if any (RouteTable.holder). */
  holder(device: string): string | undefined;
  /** Publishes `bytes` to `hub`'s owed topic; false if it could not be sent now. */
  send(hub: string, bytes: Uint8Array): boolean;
  /** Owes `c` to `device` at this hub; resolves once durable (PubSubHub.oweCopy). */
  take(device: string, c: OwedCopy): Promise<void>;
  /** How often copies not yet answered are offered again, ms. */
  readonly retryMs: number;
  readonly log?: (line: string) => void;
}

interface Pending {
  readonly hub: string;
  readonly seq: number;
  readonly device: string;
  readonly copy: OwedCopy;
  busy: boolean;
}

/** Most copies a holder remembers having taken (answers to offers repeated after a lost answer). */
const TAKEN_MAX = 100_000;

/** @group Cluster */
export class OwedHandover {
  readonly stats = { handed: 0, taken: 0, malformed: 0 };
  /** Dead hubs' journals adopted here, and how many of their copies are still to hand over. */
  private readonly ledgers = new Map<string, { ledger: HubLedger; left: number }>();
  private readonly pending = new Map<string, Pending>();
  /** The same, by device (a claim offers that device's copies only). */
  private readonly byDevice = new Map<string, Set<Pending>>();
  /** Offered to another hub, not answered yet: offered again every retryMs. */
  private readonly unanswered = new Set<Pending>();
  private readonly taken = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly p: OwedParts) {}

  /** Copies still to hand over. */
  get left(): number {
    return this.pending.size;
  }

  /**
   * Adopts the journal of the dead hub `hub` in `dir` (refused, and why, unless its process is
   * known gone); resolves with how many copies it owed, each handed over once its device is held.
   */
  async adopt(hub: string, dir: string): Promise<{ owed: number; refused?: string }> {
    if (this.ledgers.has(hub)) return { owed: 0 };
    const refused = fenceRefusal(dir);
    if (refused !== undefined) return { owed: 0, refused };
    const path = join(dir, `${HUB_JOURNAL}.journal`);
    if (!existsSync(path)) return { owed: 0 };
    const { ledger } = await loadLedger(await FileJournal.open(path), { now: Date.now, wall: Date.now });
    const now = Date.now();
    let owed = 0;
    for (const { pub, devices } of ledger.owed()) {
      for (const device of devices) {
        if (pub.expiresAt !== undefined && pub.expiresAt <= now) {
          ledger.delivered(pub.seq, device); // expired: given up, as the dead hub would have
          continue;
        }
        const qos = pub.targets.get(device) === 2 ? 2 : 1;
        const copy: OwedCopy = { from: pub.from, topic: pub.topic, payload: pub.payload, qos, copy: pub.copy, ...(pub.pubId !== undefined && { pubId: pub.pubId }), ...(pub.expiresAt !== undefined && { expiresAt: pub.expiresAt }) };
        const w: Pending = { hub, seq: pub.seq, device, copy, busy: false };
        this.pending.set(id(`${hub}:${pub.seq}`, device), w);
        let set = this.byDevice.get(device);
        if (set === undefined) this.byDevice.set(device, (set = new Set()));
        set.add(w);
        owed++;
      }
    }
    if (owed === 0) {
      await ledger.barrier();
      await ledger.close();
      return { owed };
    }
    this.ledgers.set(hub, { ledger, left: owed });
    for (const w of this.pending.values()) if (w.hub === hub) this.offer(w);
    if (this.timer === undefined) {
      this.timer = setInterval(() => {
        for (const w of [...this.unanswered]) this.offer(w);
      }, this.p.retryMs);
      this.timer.unref();
    }
    return { owed };
  }

  /** A claim on `device` changed: its copies go to its holder now, if it has one. */
  claimed(device: string): void {
    for (const w of this.byDevice.get(device) ?? []) this.offer(w);
  }

  /** The dead hub `hub` is back (restarted on its state directory): it owes its copies itself. */
  async revived(hub: string): Promise<void> {
    const l = this.ledgers.get(hub);
    if (l === undefined) return;
    this.ledgers.delete(hub);
    for (const w of [...this.pending.values()]) if (w.hub === hub) this.forget(w);
    await l.ledger.close();
  }

  /** A message on this hub's owed topic. */
  onMessage(bytes: Uint8Array): void {
    const m = decodeOwed(bytes);
    if (m === undefined) return void this.stats.malformed++;
    if (m.kind === 'taken') {
      const w = this.pending.get(id(m.key, m.device));
      return void (w !== undefined && this.done(w));
    }
    // held here no more (or not yet): the adopter offers it to the holder when the claims say
    if (this.p.holder(m.device) !== this.p.self) return;
    const k = id(m.key, m.device);
    let t = this.taken.get(k);
    if (t === undefined) {
      this.taken.set(k, (t = this.p.take(m.device, m.copy)));
      this.stats.taken++;
      if (this.taken.size > TAKEN_MAX) this.taken.delete(this.taken.keys().next().value!);
    }
    t.then(() => void this.p.send(m.adopter, encode([2, m.key, m.device])), () => this.taken.delete(k));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.pending.clear();
    this.byDevice.clear();
    this.unanswered.clear();
    for (const l of this.ledgers.values()) await l.ledger.close();
    this.ledgers.clear();
  }

  private offer(w: Pending): void {
    if (w.busy) return;
    const h = this.p.holder(w.device);
    this.unanswered.delete(w);
    if (h === undefined) return; // the device has not roamed to a live hub yet: offered when it is claimed
    if (h !== this.p.self) {
      this.unanswered.add(w);
      const c = w.copy;
      this.p.send(h, encode([1, this.p.self, `${w.hub}:${w.seq}`, w.device, c.from, c.topic, c.payload, c.qos, c.copy, c.pubId?.toString() ?? null, c.expiresAt ?? null]));
      return; // answered by [2], else offered again at the next retry
    }
    w.busy = true;
    this.p.take(w.device, w.copy).then(() => this.done(w), () => (w.busy = false));
  }

  /** Removes `w` from the pending copies; false if it was not there. */
  private forget(w: Pending): boolean {
    const set = this.byDevice.get(w.device);
    if (set?.delete(w) === true && set.size === 0) this.byDevice.delete(w.device);
    this.unanswered.delete(w);
    return this.pending.delete(id(`${w.hub}:${w.seq}`, w.device));
  }

  private done(w: Pending): void {
    if (!this.forget(w)) return;
    this.stats.handed++;
    const l = this.ledgers.get(w.hub);
    if (l === undefined) return;
    l.ledger.delivered(w.seq, w.device);
    if (--l.left > 0) return;
    this.ledgers.delete(w.hub);
    if (this.pending.size === 0) (clearInterval(this.timer), (this.timer = undefined));
    this.p.log?.(`cluster: every copy ${w.hub} owed its devices is handed over`);
    void l.ledger.barrier().then(() => l.ledger.close());
  }
}

type OwedMessage =
  | { readonly kind: 'owe'; readonly adopter: string; readonly key: string; readonly device: string; readonly copy: OwedCopy }
  | { readonly kind: 'taken'; readonly key: string; readonly device: string };

function decodeOwed(bytes: Uint8Array): OwedMessage | undefined {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  if (v[0] === 2 && v.length === 3 && typeof v[1] === 'string' && typeof v[2] === 'string') return { kind: 'taken', key: v[1], device: v[2] };
  const [t, adopter, key, device, from, topic, payload, qos, copy, pubId, expiresAt] = v as unknown[];
  if (t !== 1 || v.length !== 11 || typeof adopter !== 'string' || typeof key !== 'string' || typeof device !== 'string' || typeof from !== 'string' || typeof topic !== 'string') return undefined;
  if (!(payload instanceof Uint8Array) || (qos !== 1 && qos !== 2) || typeof copy !== 'boolean') return undefined;
  if (!(pubId === null || (typeof pubId === 'string' && /^\d{1,20}$/.test(pubId))) || !(expiresAt === null || typeof expiresAt === 'number')) return undefined;
  const c: OwedCopy = { from, topic, payload, qos, copy, ...(pubId !== null && { pubId: BigInt(pubId) }), ...(expiresAt !== null && { expiresAt }) };
  return { kind: 'owe', adopter, key, device, copy: c };
}

function id(key: string, device: string): string {
  return `${key}\u0000${device}`;
}
