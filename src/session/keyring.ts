/**
 * Where a receiver finds the pair key for a (sender id, generation) (spec 3.4, 3.6, step 7a of
 * 6.1). A hub derives device keys from the site key; a device holds explicit pair keys. Keys are
 * selected from the key id alone, never by trying several [SW-3.6-2].
 * @module
 */
import { DEVICE_KEY_CACHE } from '../constants.js';
import { assertGeneration, assertKey, deriveDeviceKey } from '../crypto/keys.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { assertNodeId } from '../wire/node-id.js';
import { Generations } from './generations.js';

export type KeyLookup = { ok: true; pairKey: Uint8Array } | { ok: false; reason: KeyFailure };

/** @group Keys */
export interface Keyring {
  /** The generations policy this keyring applies. */
  readonly generations: Generations;
  /**
   * The pair key for `peer` at `gen`, or why there is none. `now` drives grace deadlines. With
   * `provisional`, a key derived for the lookup is not kept until confirm() (spec 6.4): the receive
   * path derives for a datagram that has not authenticated yet.
   */
  lookup(peer: string, gen: number, now: number, provisional?: boolean): KeyLookup;
  /**
   * Keeps the key the last provisional lookup of (peer, gen) derived: a datagram authenticated under
   * it [SW-6.4-4]. Keyrings that derive nothing need not implement it.
   */
  confirm?(peer: string, gen: number): void;
  /**
   * The verdict of lookup() without the key: 'ok' exactly when lookup() would succeed. Used on the
   * SHORT path, which already holds the traffic key (spec 6.1 step 7b), so it must stay cheap.
   */
  status(peer: string, gen: number, now: number): 'ok' | KeyFailure;
}

export type KeyFailure = 'UNKNOWN_KEY' | 'RETIRED_KEY';

/**
 * A hub's keyring: DK(peer, gen) derived from the site key on demand [SW-3.4-1], kept in a bounded
 * cache, the least recently used evicted [SW-6.4-4]. DK is a pure function of the site key, the id
 * and the generation, so a cached key never goes stale; revocation and generations are checked
 * before the cache. Revoked ids get UNKNOWN_KEY [SW-6.1-2].
 *
 * @example
 * ```ts
 * import { defaultCryptoSuite, SiteKeyring, startNode } from 'saltwire';
 *
 * const hub = await startNode({ id: 'hub', keyring: new SiteKeyring(defaultCryptoSuite(), siteKey), stateDir: 'state/hub' });
 * ```
 * @group Keys
 */
export class SiteKeyring implements Keyring {
  readonly generations = new Generations();
  private readonly revoked = new Set<string>();
  private readonly cache = new Map<string, Uint8Array>();
  /** The key a provisional lookup derived, waiting for confirm(): one datagram is opened at a time. */
  private provisional: { readonly k: string; readonly key: Uint8Array } | undefined;

  constructor(
    private readonly suite: CryptoSuite,
    private readonly siteKey: Uint8Array,
    private readonly cacheLimit: number = DEVICE_KEY_CACHE,
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

  lookup(peer: string, gen: number, now: number, provisional = false): KeyLookup {
    const verdict = this.status(peer, gen, now);
    if (verdict !== 'ok') return { ok: false, reason: verdict };
    const k = `${gen}:${peer}`;
    let key = this.cache.get(k);
    if (key !== undefined) {
      this.cache.delete(k); // least recently used first
      this.cache.set(k, key);
      return { ok: true, pairKey: key };
    }
    key = deriveDeviceKey(this.suite, this.siteKey, peer, gen);
    if (provisional) this.provisional = { k, key };
    else this.keep(k, key);
    return { ok: true, pairKey: key };
  }

  confirm(peer: string, gen: number): void {
    const p = this.provisional;
    if (p === undefined || p.k !== `${gen}:${peer}`) return;
    this.provisional = undefined;
    this.keep(p.k, p.key);
  }

  private keep(k: string, key: Uint8Array): void {
    if (this.cache.size >= this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(k, key);
  }
}

/**
 * A device's keyring: explicit pair keys per (peer, generation).
 *
 * @example
 * ```ts
 * import { fromHex, PairKeyring } from 'saltwire';
 *
 * const keyring = new PairKeyring().add('hub', 0, fromHex(process.env.SALTWIRE_KEY!)); // `saltwire derive`
 * ```
 * @group Keys
 */
export class PairKeyring implements Keyring {
  private readonly keys = new Map<string, Map<number, Uint8Array>>();

  /** `generations` may be shared with another keyring (SitePairsKeyring); by default it is its own. */
  constructor(readonly generations: Generations = new Generations()) {}

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

  /** Whether this keyring holds a key for `peer` at some generation. */
  has(peer: string): boolean {
    return (this.keys.get(peer)?.size ?? 0) > 0;
  }

  status(peer: string, gen: number, now: number): 'ok' | KeyFailure {
    const r = this.lookup(peer, gen, now);
    return r.ok ? 'ok' : r.reason;
  }

  lookup(peer: string, gen: number, now: number, _provisional?: boolean): KeyLookup {
    const byGen = this.keys.get(peer);
    if (byGen === undefined) return { ok: false, reason: 'UNKNOWN_KEY' }; // no key for this peer at all
    const verdict = this.generations.check(peer, gen, now);
    if (verdict !== 'ok') return { ok: false, reason: verdict };
    const key = byGen.get(gen);
    return key === undefined ? { ok: false, reason: 'UNKNOWN_KEY' } : { ok: true, pairKey: key };
  }
}

/**
 * A hub's keyring that also holds provisioned pair keys [SW-3.8-3]: a peer for which it holds a pair
 * key uses only its pair keys, at every generation, with the generation of its first key current
 * [SW-3.6-9]; every other peer gets DK(peer, gen) from the site key, with generation 0 current
 * [SW-3.6-8]. Never both for one peer: two keys for one key id would break [SW-3.6-2]. One
 * Generations policy covers both kinds of peer. Check order is that of spec [SW-6.1-6], steps 2-4.
 * @group Keys
 */
export class SitePairsKeyring implements Keyring {
  readonly generations: Generations;
  private readonly site: SiteKeyring;
  private readonly pairs: PairKeyring;
  private readonly revoked = new Set<string>();

  constructor(suite: CryptoSuite, siteKey: Uint8Array, cacheLimit: number = DEVICE_KEY_CACHE) {
    this.site = new SiteKeyring(suite, siteKey, cacheLimit);
    this.generations = this.site.generations;
    this.pairs = new PairKeyring(this.generations);
  }

  /** Adds a provisioned key; from now on `peer` gets no derived key. See PairKeyring.add. */
  add(peer: string, gen: number, key: Uint8Array): this {
    this.pairs.add(peer, gen, key);
    return this;
  }

  /** Erases a provisioned key. A peer left with none is derived again, like any unnamed peer. */
  remove(peer: string, gen: number): void {
    this.pairs.remove(peer, gen);
  }

  /** Revokes `peer`, whichever kind: UNKNOWN_KEY for every generation [SW-6.1-2]. */
  revoke(peer: string): void {
    assertNodeId(peer);
    this.revoked.add(peer);
  }

  status(peer: string, gen: number, now: number): 'ok' | KeyFailure {
    if (this.revoked.has(peer)) return 'UNKNOWN_KEY';
    return this.pairs.has(peer) ? this.pairs.status(peer, gen, now) : this.site.status(peer, gen, now);
  }

  lookup(peer: string, gen: number, now: number, provisional = false): KeyLookup {
    if (this.revoked.has(peer)) return { ok: false, reason: 'UNKNOWN_KEY' };
    return this.pairs.has(peer) ? this.pairs.lookup(peer, gen, now) : this.site.lookup(peer, gen, now, provisional);
  }

  confirm(peer: string, gen: number): void {
    if (!this.pairs.has(peer)) this.site.confirm(peer, gen);
  }
}
