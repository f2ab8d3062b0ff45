/**
 * Grants over the secured unicast channel (spec 19.3, 19.8) with a Hub and Clients: the hub's
 * GroupController pushes a grant to each member by RPC and answers members that ask for one (after
 * a restart that lost their store), learns each member's epoch from the group itself for the
 * grants' EPOCH_FLOOR, and rotates on removal; joinGroup() is the member's side.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { Client } from '../messaging/client.js';
import type { Hub } from '../messaging/hub.js';
import { encodeGrant, type GroupGrant } from '../multicast/grant.js';
import { GroupManager, type GroupManagerOptions } from '../multicast/manager.js';
import type { StateStore } from '../peer/state-store.js';
import type { GroupEndpoint } from './group-endpoint.js';

/**
 * Hub → member: the parameter is a grant's bytes; the member answers true once it installed it.
 * @group Multicast and discovery
 */
export const GRANT_METHOD = 'saltwire/group-grant';
/**
 * Member → hub: `{ gid }`; the hub answers with the member's grant's bytes.
 * @group Multicast and discovery
 */
export const JOIN_METHOD = 'saltwire/group-join';

/** @group Multicast and discovery */
export interface RotationReport {
  /** Members whose grant call returned, and those it did not reach (they ask when they come back). */
  readonly delivered: readonly string[];
  readonly failed: readonly string[];
  /** From the rotation to the last grant delivered: D of 19.8, ms. */
  readonly elapsedMs: number;
}

/** @group Multicast and discovery */
export class GroupController {
  private constructor(
    private readonly hub: Hub,
    private readonly hubId: string,
    private readonly endpoint: GroupEndpoint,
    readonly manager: GroupManager,
    private readonly timeoutMs: number,
    private readonly store: StateStore | undefined,
  ) {}

  /**
   * The manager a hub saved in `store` before it stopped (GroupController with `store` saves it), or
   * undefined: a restarted hub continues the generation its members hold.
   */
  static async loadManager(store: StateStore, options: GroupManagerOptions): Promise<GroupManager | undefined> {
    const b = await store.load(managerKey(options.gid));
    return b === undefined ? undefined : GroupManager.fromBytes(b, options);
  }

  /**
   * Installs the hub's own grant (`hubId` must be a member), serves JOIN_METHOD for the members,
   * and watches the group for their epochs [SW-19.3-4].
   */
  static async start(o: { hub: Hub; endpoint: GroupEndpoint; manager: GroupManager; hubId?: string; callTimeoutMs?: number; store?: StateStore }): Promise<GroupController> {
    const hubId = o.hubId ?? 'hub';
    const m = o.manager;
    if (!m.has(hubId)) throw new InvalidArgumentError(`the hub (${hubId}) must be a member of its group`);
    const c = new GroupController(o.hub, hubId, o.endpoint, m, o.callTimeoutMs ?? 2000, o.store);
    await o.endpoint.grant(m.grantFor(hubId)); // after a restart with its own store, an old grant: ignored
    await c.save();
    o.endpoint.on((d) => {
      if (d.gid === m.gid) m.observe(d.member, d.epoch);
    });
    o.hub.serve(JOIN_METHOD, async (params, ctx) => {
      const gid = (params as { gid?: unknown } | null)?.gid;
      if (gid !== m.gid || !m.has(ctx.from)) throw new Error('not a member of this group');
      const grant = m.grantBytesFor(ctx.from); // a second one in this generation carries R [SW-19.5-11]
      await c.save();
      return grant;
    });
    return c;
  }

  /** Adds a member and pushes its grant; false if it was not reached (it asks when it joins). */
  async add(id: string): Promise<boolean> {
    this.manager.add(id);
    const ok = await this.deliver(id, this.manager.grantFor(id));
    await this.save();
    return ok;
  }

  /** Removes a member and rotates [SW-19.8-1]: the hub's new grant at once, the others' by RPC, in parallel. */
  async remove(id: string): Promise<RotationReport> {
    const t0 = performance.now();
    const grants = this.manager.remove(id);
    await this.save(); // the new generation is durable before any member holds it
    const results = await Promise.all([...grants].map(async ([m, g]) => [m, await this.deliver(m, g)] as const));
    await this.save();
    return {
      delivered: results.filter(([, ok]) => ok).map(([m]) => m),
      failed: results.filter(([, ok]) => !ok).map(([m]) => m),
      elapsedMs: performance.now() - t0,
    };
  }

  /** Saves the manager when the controller has a store (the group key included: keep it private). */
  async save(): Promise<void> {
    if (this.store !== undefined) await this.store.save(managerKey(this.manager.gid), this.manager.toBytes());
  }

  private async deliver(id: string, grant: GroupGrant): Promise<boolean> {
    if (id === this.hubId) {
      await this.endpoint.grant(grant);
      return true;
    }
    let ok = false;
    try {
      ok = (await this.hub.call(id, GRANT_METHOD, encodeGrant(grant), { timeoutMs: this.timeoutMs })) === true;
    } catch {
      ok = false;
    }
    if (!ok) this.manager.forget(id); // not delivered: its next grant is no re-grant
    return ok;
  }
}

function managerKey(gid: number): string {
  return `mcast-manager-${gid}`;
}

/**
 * The member's side: serves GRANT_METHOD (from the hub only, [SW-19.3-3]) and asks the hub for its
 * grant of group `gid` now (a new member, or one that lost its store) unless `ask` is false.
 * @group Multicast and discovery
 */
export async function joinGroup(client: Client, endpoint: GroupEndpoint, o: { gid: number; hubId?: string; ask?: boolean; timeoutMs?: number }): Promise<void> {
  const hubId = o.hubId ?? 'hub';
  client.serve(GRANT_METHOD, async (params, ctx) => {
    if (ctx.from !== hubId || !(params instanceof Uint8Array)) throw new Error('grants come from the hub');
    await endpoint.grant(params);
    return true;
  });
  if (o.ask === false) return;
  const bytes = await client.call(hubId, JOIN_METHOD, { gid: o.gid }, { timeoutMs: o.timeoutMs ?? 2000 });
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('the hub answered with no grant');
  await endpoint.grant(bytes);
}
