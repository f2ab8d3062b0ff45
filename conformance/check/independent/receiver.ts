// The receive path of spec section 6.1, steps 1-12, over the state model of conformance/README.md
// (OpenTest group). Contract: receive(d) runs the checks in the exact order of the [SW-6.1-9] table
// and stops at the first failure, returning its reason; state changes only at step 10 [SW-6.3-1].
// MALFORMED_INNER (step 11) is reported after the commit [SW-6.1-3].
// Traffic keys are TK(peer -> receiver, epoch, boot) [SW-3.5-1]: for FULL the header's BOOT, for SHORT
// the BOOT of the context the index names (the spec's step 8 says "(sender, receiver, generation,
// epoch)"; 3.5 and [SW-5.5-4] make BOOT part of the key and of the context).
// Stale answers (12.4), when the group's receiver answers them (`staleAnswer`): a FULL datagram
// dropped as STALE_EPOCH at step 7c is authenticated with the key of its own header [SW-12.4-9]; if
// it opens, the drop carries `stale`: the peer, the datagram's GEN and EPOCH, the floor the answer
// names (the context's maxEpoch, or the persisted record, [SW-12.4-2]) and the CHALLENGE token to echo
// (or null). It is still a drop with reason STALE_EPOCH, and no state changes [SW-12.4-9].
import type { DropReason } from './constants.js';
import { commit, floorForNewContext, precheck, type Freshness, type ReceiveContext } from './context.js';
import { parseFrames, type Frame } from './frames.js';
import { nonceOf, parseHeader } from './header.js';
import { deviceKey, isValidNodeId, trafficKey } from './keys.js';
import { secretboxOpen } from './primitives.js';

/** pairKeys are in provisioning order: a peer's first entry is the first key provisioned for it. */
export type PairKeyEntry = { peer: string; gen: number; key: Uint8Array };
export type Keyring =
  | { mode: 'site'; siteKey: Uint8Array }
  | { mode: 'pairs'; pairKeys: PairKeyEntry[] }
  | { mode: 'site+pairs'; siteKey: Uint8Array; pairKeys: PairKeyEntry[] };

/** Generation policy of one peer [SW-3.6-1] (grace deadline reduced to a bool, as in the vectors). */
export interface GenerationPolicy { current: number; previous: number | null; previousInGrace: boolean }

export interface ReceiverConfig {
  receiver: string;
  maxDatagram: number;
  windowSize: number;
  keyring: Keyring;
  generations: Map<string, GenerationPolicy>;
  /** the store of maxEpoch values is complete [SW-5.6-6] */
  completeStore: boolean;
  /** the receiver answers every stale FULL datagram (no rate limit refuses one in the vectors) [SW-12.4-10] */
  staleAnswer: boolean;
}

/** What the answer to an authentic stale datagram names (12.4). */
export interface StaleProof { peer: string; gen: number; epoch: number; floor: number; token: string | null }

export type ReceiveOutcome =
  | { accepted: true; sender: string; gen: number; epoch: number; counter: number; plaintext: Uint8Array; frames: Frame[]; freshness: Freshness }
  | { accepted: false; reason: DropReason; step: string; stale?: StaleProof; gap?: string };

const ctxKey = (peer: string, gen: number) => `${gen}/${peer}`;

export class Receiver {
  readonly contexts = new Map<string, ReceiveContext>();
  /** persisted maxEpoch of (peer, gen) with no context in memory (5.6) */
  readonly persisted = new Map<string, number>();

  constructor(readonly cfg: ReceiverConfig) {}

  addContext(c: ReceiveContext): void { this.contexts.set(ctxKey(c.peer, c.gen), c); }
  addPersisted(peer: string, gen: number, maxEpoch: number): void { this.persisted.set(ctxKey(peer, gen), maxEpoch); }

  /** The provisioned pair keys of `peer`, in provisioning order (empty for a derived or unknown peer). */
  provisioned(peer: string): PairKeyEntry[] {
    const k = this.cfg.keyring;
    return k.mode === 'site' ? [] : k.pairKeys.filter((e) => e.peer === peer);
  }

  /**
   * Configured policy (a rotation); else, for a peer with provisioned pair keys, the generation of its
   * first one [SW-3.6-9]; else (derived from the site key, or no key at all) current 0 [SW-3.6-8].
   * No previous generation unless configured.
   */
  policy(peer: string): GenerationPolicy {
    const configured = this.cfg.generations.get(peer);
    if (configured) return configured;
    const first = this.provisioned(peer)[0];
    return { current: first ? first.gen : 0, previous: null, previousInGrace: false };
  }

  /** [SW-3.6-1]: is generation g of peer accepted? If not, which reason. */
  generationVerdict(peer: string, g: number): DropReason | null {
    const p = this.policy(peer);
    if (g === p.current) return null;
    if (p.previous !== null && g === p.previous && p.previousInGrace) return null;
    return g < p.current ? 'RETIRED_KEY' : 'UNKNOWN_KEY';
  }

  /**
   * The pair key for (peer, gen), selected from the KID alone [SW-3.6-2], or null. A peer with
   * provisioned keys uses only those, even when a site key could derive one [SW-3.8-3].
   */
  pairKey(peer: string, g: number): Uint8Array | null {
    const k = this.cfg.keyring;
    const mine = this.provisioned(peer);
    if (mine.length > 0) return mine.find((e) => e.gen === g)?.key ?? null;
    return k.mode !== 'pairs' && isValidNodeId(peer) ? deviceKey(k.siteKey, peer, g) : null; // [SW-6.1-2]
  }

  /** Check 2 of [SW-6.1-6]: a pair key for the peer at some generation (held or derivable). */
  hasAnyKey(peer: string): boolean {
    return this.provisioned(peer).length > 0 || (this.cfg.keyring.mode !== 'pairs' && isValidNodeId(peer));
  }

  /**
   * Step 7a (checks 1-4 of [SW-6.1-6], in that order), or for step 7b checks 2-4 [SW-6.1-7]: the
   * first failing check gives the reason. The vectors model no revocation, so check 2 is "no key".
   */
  keyFor(peer: string, gen: number): { key: Uint8Array } | { reason: DropReason } {
    if (peer === this.cfg.receiver) return { reason: 'UNKNOWN_KEY' }; // 1: own id [SW-3.5-3]
    if (!this.hasAnyKey(peer)) return { reason: 'UNKNOWN_KEY' }; // 2: no key at all [SW-6.1-2]
    const gv = this.generationVerdict(peer, gen); // 3: policy [SW-3.6-1]
    if (gv) return { reason: gv };
    const key = this.pairKey(peer, gen); // 4: a key for this generation
    return key ? { key } : { reason: 'UNKNOWN_KEY' };
  }

  receive(d: Uint8Array): ReceiveOutcome {
    const drop = (reason: DropReason, step: string): ReceiveOutcome => ({ accepted: false, reason, step });
    // step 1 [SW-4.10-1]
    if (d.length > this.cfg.maxDatagram) return drop('TOO_LARGE', '1');
    // steps 2-6
    const h = parseHeader(d);
    if (!h.ok) return drop(h.reason, '2-6');
    const hd = h.header;

    let peer: string, gen: number, epoch: number, ctx: ReceiveContext | undefined;
    if (hd.form === 'FULL') {
      // step 7a [SW-6.1-6]: own id, key for the peer, generation policy, key for the generation
      peer = hd.senderId; gen = hd.gen; epoch = hd.epoch;
      ctx = this.contexts.get(ctxKey(peer, gen));
    } else {
      // step 7b [SW-4.4-1]: index 0 is never assigned [SW-4.8-1]
      ctx = hd.index === 0 ? undefined : [...this.contexts.values()].find((c) => c.index === hd.index);
      if (!ctx) return drop('UNKNOWN_INDEX', '7b');
      peer = ctx.peer; gen = ctx.gen; epoch = ctx.maxEpoch; // the index names the current epoch [SW-5.5-3]
    }
    // 7a, or 7b's "same key and generation rules as a FULL one" [SW-6.1-4] [SW-6.1-7]
    const k = this.keyFor(peer, gen);
    if ('reason' in k) return drop(k.reason, hd.form === 'FULL' ? '7a' : '7b');
    const pk = k.key;
    // steps 7c, 7d (7c does not apply to SHORT: epoch == maxEpoch by construction)
    const key = ctxKey(peer, gen);
    const persisted = ctx ? undefined : this.persisted.get(key);
    const boot = hd.form === 'FULL' ? hd.boot : null;
    const pre = precheck(ctx, persisted, epoch, boot, hd.counter);
    if (pre === 'STALE_EPOCH' && hd.form === 'FULL' && this.cfg.staleAnswer) {
      // [SW-12.4-9]: authenticate the stale datagram under the key of its own header, change nothing
      const floor = ctx ? ctx.maxEpoch : persisted!;
      const stk = trafficKey(pk, peer, this.cfg.receiver, epoch, hd.boot);
      const p = secretboxOpen(stk, nonceOf(d.subarray(0, hd.length), 'FULL'), d.subarray(hd.length));
      if (!p) return drop('STALE_EPOCH', '7c'); // a silent drop [SW-12.4-9]
      const fr = parseFrames(p);
      if (!fr) return { accepted: false, reason: 'STALE_EPOCH', step: '7c', gap: 'SPEC GAP: an authentic stale datagram whose frames do not parse: 12.4 does not say whether it is answered' };
      const ch = fr.find((f) => f.type === 'CHALLENGE');
      const token = ch && ch.type === 'CHALLENGE' ? ch.token : null; // [SW-12.4-2] ECHO of its CHALLENGE, if any
      return { accepted: false, reason: 'STALE_EPOCH', step: '7c', stale: { peer, gen, epoch, floor, token } };
    }
    if (pre) return drop(pre, '7c/7d');
    // step 8 [SW-3.5-1]: a SHORT datagram's key is its context's, under the context's BOOT
    const tk = trafficKey(pk, peer, this.cfg.receiver, epoch, boot ?? ctx!.boot);
    // step 9 [SW-4.5-2]
    const plaintext = secretboxOpen(tk, nonceOf(d.subarray(0, hd.length), hd.form), d.subarray(hd.length));
    if (!plaintext) return drop('AUTH', '9');
    // step 10 [SW-5.5-2] [SW-5.4-2]
    const c = commit(ctx, peer, gen, epoch, boot, hd.counter, this.cfg.windowSize, floorForNewContext(persisted, this.cfg.completeStore));
    this.contexts.set(key, c.ctx);
    this.persisted.delete(key);
    // step 11 [SW-4.7-5] [SW-6.1-3]
    const frames = parseFrames(plaintext);
    if (!frames) return drop('MALFORMED_INNER', '11');
    // step 12
    return { accepted: true, sender: peer, gen, epoch, counter: hd.counter, plaintext, frames, freshness: c.freshness };
  }
}
