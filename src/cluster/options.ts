/**
 * A cluster member's options (`"mqtt": {"cluster": {...}}` in a hub's config) and its counters.
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/** @group Cluster */
export interface ClusterOptions {
  /** Broker topic prefix of the cluster's own messages (default 'saltwire/cluster'). */
  readonly prefix?: string;
  /** This hub's state directory: where it writes its fence file (host and pid) so that others may adopt its outbox. */
  readonly stateDir?: string;
  /**
   * The state directories of other members (shared storage), by their bridge origin: the first
   * live member (by origin) sends what a dead one's bridge outbox still holds (adopt.ts) and hands
   * the copies its hub journal still owed its devices to the hubs they roam to (owed.ts).
   */
  readonly stateDirs?: Readonly<Record<string, string>>;
  /**
   * While a dead-looking member's process still runs (cut from the broker only), look again this
   * often, ms (default 5000); also how often a dead member's copies not yet taken are offered again.
   */
  readonly adoptRetryMs?: number;
}

/** @group Cluster */
export interface ClusterStats {
  /** Devices this hub claims now. */
  readonly held: number;
  /** Members online (this one included). */
  readonly members: readonly string[];
  /** Calls sent to other hubs, calls taken from them, results and acknowledgements relayed. */
  readonly callsOut: number;
  readonly callsIn: number;
  readonly relayed: number;
  /** Callers answered Unreachable because the target's hub died before acknowledging. */
  readonly lostHub: number;
  /** Relay messages that did not decode. */
  readonly malformed: number;
  /** Outbox entries of dead members this hub sent (adopt.ts). */
  readonly adopted: number;
  /** Copies dead members owed their devices: handed over by this hub, taken by it from another, still to hand over (owed.ts). */
  readonly owedHanded: number;
  readonly owedTaken: number;
  readonly owedLeft: number;
}

/** Options as a config file gives them (`"mqtt": {"cluster": {...}}`): each key checked, none ignored. */
export function checkOptions(o: ClusterOptions): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InvalidArgumentError('cluster options must be an object');
  for (const [k, v] of Object.entries(o)) {
    const ok = k === 'prefix' || k === 'stateDir' ? typeof v === 'string'
      : k === 'adoptRetryMs' ? Number.isInteger(v) && (v as number) > 0
      : k === 'stateDirs' ? typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((d) => typeof d === 'string')
      : undefined;
    if (ok === undefined) throw new InvalidArgumentError(`cluster: unknown key "${k}"`);
    if (!ok) throw new InvalidArgumentError(`cluster.${k}: ${k === 'stateDirs' ? 'an object of hub -> directory strings' : k === 'adoptRetryMs' ? 'an integer > 0' : 'a string'}`);
  }
}
