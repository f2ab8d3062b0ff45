/**
 * Maps vector groups onto the SDK: builds a Receiver from an OpenTest group and renders its result
 * in the vector format. Used by the generator (to compute expectations) and by check/sdk.ts.
 */
import {
  fromHex,
  MemoryMaxEpochStore,
  PairKeyring,
  Receiver,
  SiteKeyring,
  SitePairsKeyring,
  toHex,
  type CryptoSuite,
  type Frame,
  type WireFrame,
  type Keyring,
  type KeyLookup,
  type OpenResult,
} from '../src/core.js';

export interface OpenGroup {
  receiver: string;
  maxDatagram: number;
  windowSize: number;
  /** pairKeys are in provisioning order: a peer's first entry is its current generation [SW-3.6-9]. */
  keyring:
    | { mode: 'site'; siteKey: string }
    | { mode: 'pairs'; pairKeys: PairKeyEntry[] }
    | { mode: 'site+pairs'; siteKey: string; pairKeys: PairKeyEntry[] };
  generations: Record<string, { current: number; previous?: number; previousInGrace?: boolean }>;
  /** `boot`: hex of the sender's BOOT value for maxEpoch, the start the context belongs to [SW-5.5-4]. */
  contexts: Array<{ peer: string; gen: number; maxEpoch: number; boot: string; floor: number | null; top: number | null; seen: number[]; index: number | null }>;
  persistedMaxEpochs: Array<{ peer: string; gen: number; maxEpoch: number }>;
  durableMaxEpochs: boolean;
  /**
   * true: the receiver answers every stale datagram (its rate limits of [SW-12.4-10] never refuse):
   * each STALE_EPOCH FULL datagram is authenticated, and an authentic one yields `stale`. Absent: none.
   */
  staleAnswer?: boolean;
}

export interface PairKeyEntry {
  peer: string;
  gen: number;
  key: string;
}

/** The time every OpenTest is evaluated at; grace deadlines are set around it. */
export const NOW = 1000;

/** A traffic key for restored contexts whose key the group no longer holds; never used to open. */
const PLACEHOLDER_KEY = new Uint8Array(32);

export function buildReceiver(g: OpenGroup, suite: CryptoSuite): Receiver {
  let keyring: Keyring;
  if (g.keyring.mode === 'site') {
    keyring = new SiteKeyring(suite, fromHex(g.keyring.siteKey));
  } else {
    // add() in list order: the first key added for a peer makes its generation current [SW-3.6-9]
    const pk = g.keyring.mode === 'pairs' ? new PairKeyring() : new SitePairsKeyring(suite, fromHex(g.keyring.siteKey));
    for (const e of g.keyring.pairKeys) pk.add(e.peer, e.gen, fromHex(e.key));
    keyring = pk;
  }
  for (const [peer, p] of Object.entries(g.generations)) {
    keyring.generations.set(peer, {
      current: p.current,
      ...(p.previous === undefined ? {} : { previous: p.previous, previousUntil: p.previousInGrace ? NOW + 1 : NOW }),
    });
  }
  const maxEpochs = new MemoryMaxEpochStore();
  for (const e of g.persistedMaxEpochs) maxEpochs.set(e.peer, e.gen, e.maxEpoch);
  // Restore contexts through a view whose lookup() cannot fail: a context may name a (peer, gen) the
  // keyring no longer has a key for (README, OpenTest `contexts`). Its placeholder key is never used:
  // every datagram for it must drop at step 7b [SW-6.1-7], and a FULL one at step 7a.
  let restoring = true;
  const view: Keyring = {
    generations: keyring.generations,
    lookup: (peer, gen, now): KeyLookup => {
      const k = keyring.lookup(peer, gen, now);
      return k.ok || !restoring ? k : { ok: true, pairKey: PLACEHOLDER_KEY };
    },
    status: (peer, gen, now) => keyring.status(peer, gen, now),
  };
  const r = new Receiver({
    suite,
    selfId: g.receiver,
    keyring: view,
    windowSize: g.windowSize,
    maxDatagram: g.maxDatagram,
    maxEpochs,
    durableMaxEpochs: g.durableMaxEpochs,
    ...(g.staleAnswer === true ? { staleAnswer: () => true } : {}),
  });
  for (const c of g.contexts) r.restore({ ...c, boot: fromHex(c.boot) }, NOW - 1); // before any grace deadline passes
  restoring = false;
  return r;
}

export function frameJson(f: WireFrame): Record<string, unknown> {
  switch (f.type) {
    case 'DATAGRAM':
      return { type: 'DATAGRAM', data: toHex(f.data) };
    case 'PADDING':
      return { type: 'PADDING', length: f.length };
    case 'INDEX':
      return { type: 'INDEX', index: f.index, gen: f.gen, epoch: f.epoch };
    case 'PING':
      return { type: 'PING' };
    case 'CHALLENGE':
    case 'ECHO':
      return { type: f.type, token: toHex(f.token) };
    case 'STALE':
      return { type: 'STALE', gen: f.gen, epoch: f.epoch };
    default:
      // reliability frames (spec 14): their fields as they are, bytes in hex
      return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]));
  }
}

/** What a stale datagram's answer names (spec 12.4): `token` is the CHALLENGE token to echo, or null. */
export interface StaleJson {
  peer: string;
  gen: number;
  epoch: number;
  floor: number;
  token: string | null;
}

/**
 * The vector rendering of an open() result: `expected` for valid, `reason` for invalid, and `stale`
 * for an authenticated stale datagram of a group whose receiver answers them.
 */
export function renderOpen(
  res: OpenResult,
): { result: 'valid'; expected: Record<string, unknown> } | { result: 'invalid'; reason: string; stale?: StaleJson } {
  if (!res.ok) {
    if (res.stale === undefined) return { result: 'invalid', reason: res.reason };
    const s = res.stale;
    return { result: 'invalid', reason: res.reason, stale: { peer: s.peer, gen: s.gen, epoch: s.epoch, floor: s.floor, token: s.token === undefined ? null : toHex(s.token) } };
  }
  return {
    result: 'valid',
    expected: {
      sender: res.senderId,
      gen: res.gen,
      epoch: res.epoch,
      counter: res.counter,
      plaintext: toHex(res.plaintext),
      frames: res.frames.map(frameJson),
      freshness: res.freshness,
    },
  };
}
