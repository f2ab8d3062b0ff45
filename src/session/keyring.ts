/**
 * Where a receiver finds the pair key for a (sender id, generation) (spec 3.4, 3.6, step 7a of
 * 6.1). A hub derives device keys from the site key; a device holds explicit pair keys. Keys are
 * selected from the key id alone, never by trying several [SW-3.6-2].
 * @module
 */
import { TRAFFIC_KEY_CACHE } from '../constants.js';
import { assertGeneration, assertKey, deriveDeviceKey } from '../crypto/keys.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { assertNodeId } from '../wire/node-id.js';
import { Generations } from './generations.js';

export type KeyLookup = { ok: true; pairKey: Uint8Array } | { ok: false; reason: KeyFailure };

export interface Keyring {
  /** The generations policy this keyring applies. */
  readonly generations: Generations;
  /** The pair key for `peer` at `gen`, or why there is none. `now` drives grace deadlines. */
  lookup(peer: string, gen: number, now: number): KeyLookup;
  /**
   * The verdict of lookup() without the key: 'ok' exactly when lookup() would succeed. Used on the
   * SHORT path, which already holds the traffic key (spec 6.1 step 7b), so it must stay cheap.
   */
  status(peer: string, gen: number, now: number): 'ok' | KeyFailure;
}

export type KeyFailure = 'UNKNOWN_KEY' | 'RETIRED_KEY';

/**
 * A hub's keyring: DK(peer, gen) derived from the site key on demand [SW-3.4-1], cached in a
 * bounded map (spec 6.4). Revoked ids get UNKNOWN_KEY [SW-6.1-2].
 */
export class SiteKeyring implements Keyring {
  readonly generations = new Generations();
  private readonly revoked = new Set<string>();
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly suite: CryptoSuite,
    private readonly siteKey: Uint8Array,
    private readonly cacheLimit: number = TRAFFIC_KEY_CACHE,
  ) {
    assertKey(siteKey, 'site key');
  }

  revoke(peer: string): void {
    assertNodeId(peer);
    this.revoked.add(peer);
  }

  status(peer: string, gen: number, now: number): 'ok' | KeyFailure {
    return this.revoked.has(peer) ? 'UNKNOWN_KEY' : this.generations.check(peer, gen, now);
  }

  lookup(peer: string, gen: number, now: number): KeyLookup {
    const verdict = this.status(peer, gen, now);
    if (verdict !== 'ok') return { ok: false, reason: verdict };
    const k = `${gen}:${peer}`;
    let key = this.cache.get(k);
    if (key === undefined) {
      key = deriveDeviceKey(this.suite, this.siteKey, peer, gen);
      if (this.cache.size >= this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(k, key);
    }
    return { ok: true, pairKey: key };
  }
}

/** A device's keyring: explicit pair keys per (peer, generation). */
export class PairKeyring implements Keyring {
  readonly generations = new Generations();
  private readonly keys = new Map<string, Map<number, Uint8Array>>();

  /** Adds the key of `peer` at `gen`. The first key added for a peer makes that gen current. */
  add(peer: string, gen: number, key: Uint8Array): this {
    assertNodeId(peer);
    assertGeneration(gen);
    assertKey(key, 'pair key');
    let byGen = this.keys.get(peer);
    if (byGen === undefined) {
      byGen = new Map();
      this.keys.set(peer, byGen);
      this.generations.set(peer, { current: gen });
    }
    byGen.set(gen, key.slice());
    return this;
  }

  /** Erases the key of `peer` at `gen` (for example when its grace period ends, [SW-3.6-4]). */
  remove(peer: string, gen: number): void {
    const byGen = this.keys.get(peer);
    byGen?.get(gen)?.fill(0);
    byGen?.delete(gen);
  }

  status(peer: string, gen: number, now: number): 'ok' | KeyFailure {
    const r = this.lookup(peer, gen, now);
    return r.ok ? 'ok' : r.reason;
  }

  lookup(peer: string, gen: number, now: number): KeyLookup {
    const byGen = this.keys.get(peer);
    if (byGen === undefined) return { ok: false, reason: 'UNKNOWN_KEY' }; // no key for this peer at all
    const verdict = this.generations.check(peer, gen, now);
    if (verdict !== 'ok') return { ok: false, reason: verdict };
    const key = byGen.get(gen);
    return key === undefined ? { ok: false, reason: 'UNKNOWN_KEY' } : { ok: true, pairKey: key };
  }
}
