/**
 * Take-over of a dead hub: Adopter decides who takes it over and when; this module sends its bridge
 * outbox, owed.ts hands over the copies its journal owed its devices.
 *
 * The bridge outbox. A device's QoS 1/2 publication is acknowledged once the
 * hub's bridge journaled it (level one of the bridge's contract); if that hub dies for good before
 * sending it, a surviving member whose storage reaches the dead hub's state directory sends it in
 * its stead: the pending entries of its `bridge.journal`, in order, each with the dead bridge's
 * origin and its own message id (`sw-origin`, `sw-msg`), so a bridge that got it before the death
 * drops the copy as a duplicate; each is removed from the journal once the broker acknowledged it.
 *
 * Fence: the dead hub must really be dead, not only cut from the broker (its last will says only
 * that the connection was lost). A member writes `cluster.pid` (host and pid) in its state directory
 * when it joins; the outbox is adopted only on that host, and only if that process is gone. On
 * another host nothing is adopted (the hub's next start sends its outbox, as it always does).
 * @module
 */
import { connectAsync, type IClientOptions } from 'mqtt';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BRIDGE_JOURNAL, FROM_PROPERTY, MSG_PROPERTY, ORIGIN_PROPERTY, type BridgeOptions } from '../bridge/bridge-types.js';
import type { BrokerOptions } from '../bridge/link.js';
import { Outbox } from '../bridge/outbox.js';
import { FileJournal } from '../node/file-journal.js';
import type { OwedHandover } from './owed.js';
import type { RouteTable } from './routes.js';

/**
 * The fence file a member writes in its state directory: `<host> <pid>`.
 * @group Cluster
 */
export const FENCE_FILE = 'cluster.pid';

/**
 * Whether the process named by the fence file in `dir` is known dead: undefined if so, else why not.
 * @group Cluster
 */
export function fenceRefusal(dir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, FENCE_FILE), 'utf8');
  } catch {
    return `no ${FENCE_FILE} in ${dir}: not adopted`;
  }
  const [host, pid] = text.trim().split(' ');
  if (host !== hostname()) return `${dir} belongs to a hub on ${host ?? '?'}: not adopted`;
  try {
    process.kill(Number(pid), 0);
    return `the hub of ${dir} (pid ${pid}) still runs: not adopted`;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? undefined : `pid ${pid}: ${(e as Error).message}: not adopted`;
  }
}

/**
 * Sends the pending entries of the outbox journal `journal` in `dir` as bridge `origin`, through
 * its own connection to the broker of `broker`. Resolves with how many were sent, or why nothing was.
 * @group Cluster
 */
export async function adoptOutbox(dir: string, journal: string, origin: string, broker: BrokerOptions): Promise<{ sent: number; refused?: string }> {
  const refused = fenceRefusal(dir);
  if (refused !== undefined) return { sent: 0, refused };
  const j = await FileJournal.open(join(dir, `${journal}.journal`));
  const outbox = Outbox.open({ maxCount: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER }, j, () => undefined);
  const entries = [...outbox.values()];
  if (entries.length === 0) return void (await outbox.close()), { sent: 0 };
  const o: IClientOptions = {
    protocolVersion: 5,
    reconnectPeriod: 0,
    clientId: `${origin}-adopted-${Math.random().toString(36).slice(2, 8)}`,
    connectTimeout: broker.connectTimeoutMs ?? 5000,
    ...(broker.username !== undefined && { username: broker.username }),
    ...(broker.password !== undefined && { password: broker.password }),
    ...(broker.ca !== undefined && { ca: broker.ca }),
    ...(broker.cert !== undefined && { cert: broker.cert }),
    ...(broker.key !== undefined && { key: broker.key }),
    ...(broker.rejectUnauthorized !== undefined && { rejectUnauthorized: broker.rejectUnauthorized }),
  };
  const c = await connectAsync(broker.url, o);
  let sent = 0;
  try {
    const now = Date.now();
    // in order, 64 in flight: the broker keeps the order of one client's publications
    for (let i = 0; i < entries.length; i += 64) {
      await Promise.all(entries.slice(i, i + 64).map(async (e) => {
        if (e.expiresAt !== undefined && e.expiresAt <= now) return void outbox.done(e.id);
        await c.publishAsync(e.topic, Buffer.from(e.payload), {
          qos: e.qos,
          retain: e.retain,
          properties: {
            userProperties: { ...e.userProperties, [ORIGIN_PROPERTY]: origin, [MSG_PROPERTY]: e.msgId, [FROM_PROPERTY]: e.from },
            ...(e.contentType !== undefined && { contentType: e.contentType }),
            ...(e.expiresAt !== undefined && { messageExpiryInterval: Math.max(1, Math.ceil((e.expiresAt - now) / 1000)) }),
          },
        });
        outbox.done(e.id);
        sent++;
      }));
    }
  } finally {
    await c.endAsync().catch(() => undefined);
    await outbox.close();
  }
  return { sent };
}

/**
 * What an Adopter needs of its cluster member.
 * @group Cluster
 */
export interface AdopterParts {
  readonly routes: RouteTable;
  readonly owed: OwedHandover;
  readonly broker: BridgeOptions;
  /** Members' state directories, by origin (ClusterOptions.stateDirs). */
  readonly stateDirs: Readonly<Record<string, string>>;
  /** While a dead-looking member's process still runs, look again this often, ms. */
  readonly retryMs: number;
}

/**
 * Adopts members whose bridge was lost (their last will), when this member is the first live one
 * (by origin) and their state directory is shared: the journal's copies (owed.ts), then the outbox,
 * both behind the fence; while the process still runs (cut from the broker only), it looks again.
 * Once it adopted one, it adopts again every member lost before it: the copies a dead adopter was
 * still handing over are in those members' journals (marked done only once handed over).
 * @group Cluster
 */
export class Adopter {
  /** Outbox entries of dead members sent. */
  adopted = 0;
  private readonly adopting = new Set<string>();
  /** Members whose connection was lost and that have not come back. */
  private readonly dead = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly p: AdopterParts) {}

  /** `hub`'s bridge connection was lost (its last will), or it stopped gracefully: adopt it once its process is gone. */
  lost(hub: string): void {
    this.dead.add(hub);
    this.try(hub);
  }

  private try(hub: string): void {
    const dir = this.p.stateDirs[hub];
    if (dir === undefined || this.adopting.has(hub) || this.closed) return;
    if (this.p.routes.members()[0] !== this.p.routes.self) return; // the first live member adopts
    this.adopting.add(hub);
    void this.adopt(hub, dir);
  }

  /** `hub` is online (again): nothing of it to adopt, and what was adopted is its own again. */
  online(hub: string): void {
    this.dead.delete(hub);
    this.adopting.delete(hub);
    void this.p.owed.revived(hub);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private async adopt(hub: string, dir: string): Promise<void> {
    const log = this.p.broker.log;
    let refused: string | undefined;
    try {
      const o = await this.p.owed.adopt(hub, dir);
      if ((refused = o.refused) === undefined) {
        if (o.owed > 0) log?.(`cluster: took over ${o.owed} copies the dead hub ${hub} owed its devices`);
        const r = await adoptOutbox(dir, BRIDGE_JOURNAL, hub, this.p.broker);
        this.adopted += r.sent;
        refused = r.refused;
        if (r.sent > 0) log?.(`cluster: sent ${r.sent} entries of the dead hub ${hub}'s bridge outbox`);
      }
      if (refused !== undefined) log?.(`cluster: ${refused}`);
    } catch (e) {
      this.adopting.delete(hub);
      return void log?.(`cluster: adopting ${hub}: ${(e as Error).message}`);
    }
    // a dead adopter's take-overs die with it: what the members dead before it still owe is taken again
    if (refused === undefined) for (const d of this.dead) if (d !== hub) this.try(d);
    if (refused === undefined || !refused.includes('still runs')) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.adopting.delete(hub);
      if (!this.p.routes.isOnline(hub)) this.try(hub);
    }, this.p.retryMs);
    t.unref();
    this.timers.add(t);
  }
}
