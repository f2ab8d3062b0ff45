/**
 * Which hub of a cluster holds which device, from what the hubs announce on the broker: a hub
 * claims a device (retained `<prefix>/held/<hub>/<device>`, the wall-clock ms it became reachable
 * there) and withdraws the claim (an empty retained message) when it becomes unreachable there.
 * Each hub writes only its own topics, so claims of two hubs never overwrite each other; the
 * holder is the member that is online (its bridge status, whose last will says when it died) with
 * the newest claim. A claim of a dead hub is kept but not used: the device is Unreachable until
 * another hub claims it (it roamed there). Ordering by wall clock assumes the hubs' clocks agree
 * to well under the time a device takes to roam (NTP).
 * @module
 */
/** @group Cluster */
export class RouteTable {
  /** device -> (hub -> claimed at, ms). */
  private readonly claims = new Map<string, Map<string, number>>();
  private readonly online = new Map<string, boolean>();

  constructor(readonly self: string) {
    this.online.set(self, true);
  }

  /** `hub` claims `device` since `at` (ms), or withdraws its claim (undefined). */
  claim(hub: string, device: string, at: number | undefined): void {
    let m = this.claims.get(device);
    if (at === undefined) {
      m?.delete(hub);
      if (m?.size === 0) this.claims.delete(device);
      return;
    }
    if (m === undefined) this.claims.set(device, (m = new Map()));
    m.set(hub, at);
  }

  /** `hub`'s bridge is online (or went offline). */
  member(hub: string, online: boolean): void {
    if (hub !== this.self) this.online.set(hub, online);
  }

  isOnline(hub: string): boolean {
    return this.online.get(hub) === true;
  }

  /** Members known online, this one included, sorted. */
  members(): string[] {
    return [...this.online].filter(([, on]) => on).map(([h]) => h).sort();
  }

  /** The online hub with the newest claim on `device`, or undefined (no live hub holds it). */
  holder(device: string): string | undefined {
    let best: string | undefined;
    let bestAt = -Infinity;
    for (const [hub, at] of this.claims.get(device) ?? []) {
      if (!this.isOnline(hub)) continue;
      if (at > bestAt || (at === bestAt && best !== undefined && hub < best)) (best = hub), (bestAt = at);
    }
    return best;
  }

  /** Whether any hub, live or dead, claims `device`: it is a device of the cluster. */
  known(device: string): boolean {
    return this.claims.has(device);
  }

  /** Devices `hub` claims. */
  claimedBy(hub: string): string[] {
    const out: string[] = [];
    for (const [device, m] of this.claims) if (m.has(hub)) out.push(device);
    return out;
  }
}
