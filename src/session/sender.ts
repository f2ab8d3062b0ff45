/**
 * The sending half towards one peer for one (generation, epoch): counter assignment [SW-5.1-1],
 * header form choice [SW-4.8-2], and sealing. A node makes a new PeerSender when its epoch or the
 * generation changes, which also returns it to the FULL form [SW-4.8-3].
 * @module
 */
import { COUNTER_LIMIT, FIRST_BYTE_SHORT, INDEX_SILENCE_MS, INDEX_TIMEOUT_MS, NONCE_LEN, SHORT_HEADER_LEN } from '../constants.js';
import { assertGeneration, assertKey, deriveTrafficKey } from '../crypto/keys.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CounterExhaustedError, InvalidArgumentError } from '../errors.js';
import { wipe, writeU32 } from '../util/bytes.js';
import type { Frame } from '../wire/frames.js';
import { assertBoot, encodeFullHeader } from '../wire/header.js';
import { assertNodeId } from '../wire/node-id.js';
import { sealDatagram } from './seal.js';

export interface PeerSenderOptions {
  readonly suite: CryptoSuite;
  readonly selfId: string;
  readonly peerId: string;
  /**
   * The pair key shared with the peer at `gen`, from which the traffic key is derived. May be left
   * out only when `resume` holds the traffic key of this very (gen, epoch) (park(true)).
   */
  readonly pairKey?: Uint8Array;
  readonly gen: number;
  /** The node's current, persisted epoch (session/epoch.ts). */
  readonly epoch: number;
  /** The node's BOOT value for this start ([SW-5.2-6]): 8 random bytes, part of the traffic key. */
  readonly boot: Uint8Array;
  /** Continue a sender of the same key that was set aside (see snapshot()): never reuses a counter. */
  readonly resume?: SenderSnapshot;
}

/**
 * What a sender must remember to be set aside and rebuilt later with the same traffic key: the next
 * counter (so no nonce repeats), the receiver index and when the peer was last heard. Lets a node drop
 * the key and object of a peer it has not sent to for a while (spec 9.5) and derive them again.
 */
export interface SenderSnapshot {
  readonly gen: number;
  readonly epoch: number;
  readonly counter: number;
  readonly index: number;
  readonly lastHeard: number;
  /** The peer gave an INDEX naming this epoch: it accepted this start's datagrams ([SW-12.4-5]). */
  readonly indexed?: boolean;
  /**
   * The traffic key of exactly this (gen, epoch) and the start's BOOT, kept by park(true): a sender
   * rebuilt from the snapshot reuses it instead of deriving it again (two HKDFs on a hub that derives
   * device keys; spec 9.5 allows either). A snapshot relabelled to another gen or epoch MUST drop it.
   */
  readonly trafficKey?: PackedKey;
}

/**
 * A kept traffic key as six integers below 2^48 (bytes 0-5, 6-11, ... 30-31, big-endian), held by V8
 * as an array of unboxed doubles: about 100 bytes of heap, where a 32-byte Uint8Array costs about
 * 240 (bench:memory); still wiped in place (fill(0)) once unpacked.
 */
export type PackedKey = number[];

function packKey(k: Uint8Array): PackedKey {
  const out = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 32; i++) {
    const w = (i / 6) | 0;
    out[w] = out[w]! * 256 + k[i]!; // exact: every word stays below 2^48
  }
  return out;
}

/** The key, and the packed form wiped: a snapshot's key is used once. */
function unpackKey(p: PackedKey): Uint8Array {
  const k = new Uint8Array(32);
  for (let w = 0; w < 6; w++) {
    let v = p[w]!;
    for (let i = Math.min(32, 6 * w + 6) - 1; i >= 6 * w; i--) {
      k[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  p.fill(0);
  return k;
}

// Scratch shared by every sender: seal() copies the header into its output and consumes the nonce
// before returning, and JavaScript seals one datagram at a time. Saves two arrays per peer (spec 9.5).
const SHORT_SCRATCH = new Uint8Array(SHORT_HEADER_LEN);
const NONCE_SCRATCH = new Uint8Array(NONCE_LEN);

export class PeerSender {
  readonly selfId: string;
  readonly peerId: string;
  readonly gen: number;
  readonly epoch: number;
  readonly boot: Uint8Array;
  private readonly suite: CryptoSuite;
  private readonly trafficKey: Uint8Array;
  private nextCounter = 0;
  private index = 0;
  /** An INDEX naming this sender's epoch was adopted at least once: the peer accepted this epoch. */
  private indexedOnce = false;
  /**
   * Time of the first datagram that asked for an answer (noteAsk) since the peer was last heard, or
   * -1: silence after it makes the sender return to FULL ([SW-4.8-8]).
   */
  private askedAt = -1;
  /** Silence after an ask that sends the sender back to FULL: INDEX_SILENCE, or the peer's RTO if less. */
  private silenceMs = INDEX_SILENCE_MS;
  /** The next datagram goes FULL: it is the first to ask after the peer was silent INDEX_SILENCE ([SW-4.8-9]). */
  private fullNext = false;
  /** Time a datagram from the peer last passed every check; drives the SHORT fallback [SW-4.8-5]. */
  private lastHeard = -1; // none yet; an integer, so V8 keeps it unboxed (spec 9.5)

  constructor(o: PeerSenderOptions) {
    assertNodeId(o.selfId);
    assertNodeId(o.peerId);
    assertGeneration(o.gen);
    if (!Number.isInteger(o.epoch) || o.epoch < 1 || o.epoch > 0xffffffff) {
      throw new InvalidArgumentError(`epoch must be in [1, 2^32-1], got ${o.epoch}`);
    }
    this.suite = o.suite;
    this.selfId = o.selfId;
    this.peerId = o.peerId;
    this.gen = o.gen;
    this.epoch = o.epoch;
    assertBoot(o.boot);
    this.boot = o.boot;
    const kept = o.resume?.trafficKey;
    if (kept !== undefined && kept.length === 6 && o.resume!.gen === o.gen && o.resume!.epoch === o.epoch) {
      this.trafficKey = unpackKey(kept);
    } else {
      if (o.pairKey === undefined) throw new InvalidArgumentError('a pair key is needed: the snapshot holds no traffic key of this generation and epoch');
      assertKey(o.pairKey, 'pair key');
      this.trafficKey = deriveTrafficKey(o.suite, o.pairKey, o.selfId, o.peerId, o.epoch, o.boot);
    }
    if (o.resume !== undefined) {
      this.nextCounter = o.resume.counter;
      this.index = o.resume.index;
      this.lastHeard = o.resume.lastHeard;
      this.indexedOnce = o.resume.indexed === true;
    }
  }

  /** The counter the next datagram will carry. */
  get counter(): number {
    return this.nextCounter;
  }

  /** The receiver index in use, or undefined while sending FULL headers. */
  get receiverIndex(): number | undefined {
    return this.index === 0 ? undefined : this.index;
  }

  /**
   * Seals one datagram with the next counter. Throws CounterExhaustedError, having sent nothing,
   * when the counter limit is reached [SW-5.1-2]: the node must start a new epoch. `full` forces the
   * FULL form for this one datagram (an answer to a sender that cannot know our index, [SW-12.4-2]).
   */
  seal(plaintext: Uint8Array, now?: number, full = false): Uint8Array {
    const c = this.nextCounter;
    if (c >= COUNTER_LIMIT) throw new CounterExhaustedError();
    this.nextCounter = c + 1; // consumed even if sealing threw below: a counter is never reused
    // [SW-4.8-5]: with no authenticated word from the peer for INDEX_TIMEOUT, it may have lost the index.
    if (this.index !== 0 && now !== undefined && this.lastHeard >= 0 && now - this.lastHeard > INDEX_TIMEOUT_MS) this.index = 0;
    // [SW-4.8-8]: asked and unanswered for INDEX_SILENCE: the peer may have lost the index (a crash)
    if (this.index !== 0 && now !== undefined && this.askedAt >= 0 && now - this.askedAt > this.silenceMs) full = true;
    if (this.fullNext) {
      full = true;
      this.fullNext = false;
    }
    if (this.index !== 0 && !full) {
      SHORT_SCRATCH[0] = FIRST_BYTE_SHORT;
      writeU32(SHORT_SCRATCH, 1, this.index);
      writeU32(SHORT_SCRATCH, 5, c);
      return sealDatagram(this.suite, this.trafficKey, SHORT_SCRATCH, 'SHORT', plaintext, NONCE_SCRATCH);
    }
    const header = encodeFullHeader(this.gen, this.epoch, c, this.boot, this.selfId);
    return sealDatagram(this.suite, this.trafficKey, header, 'FULL', plaintext, NONCE_SCRATCH);
  }

  /**
   * Applies an INDEX frame received from the peer in an accepted datagram. Returns true if it names
   * this sender's generation and epoch and was adopted [SW-4.8-2]; any other is ignored. `evidence`:
   * the datagram also proved the peer accepted this very start (an echo of a token of this epoch),
   * so [SW-12.4-5] may count it ([SW-12.4-11]).
   */
  applyIndex(frame: Extract<Frame, { type: 'INDEX' }>, now?: number, evidence = true): boolean {
    if (frame.gen !== this.gen || frame.epoch !== this.epoch) return false;
    if (now !== undefined) this.heard(now);
    this.index = frame.index;
    if (evidence) this.indexedOnce = true;
    return true;
  }

  /** True once the peer named this sender's epoch in an INDEX: it accepted this start ([SW-12.4-5]). */
  get indexed(): boolean {
    return this.indexedOnce;
  }

  /** Records that a datagram from the peer passed every check of spec 6 at `now`. */
  heard(now: number): void {
    if (now > this.lastHeard) this.lastHeard = now;
    this.askedAt = -1;
  }

  /**
   * The datagram about to be sealed asks for an answer (PING, CHALLENGE, a reliable MSG) [SW-4.8-8].
   * `rtoMs`: the peer's retransmission timeout where the node estimates one (spec 14.4); the silence
   * that sends this sender back to FULL is the smaller of it and INDEX_SILENCE.
   */
  noteAsk(now: number, rtoMs?: number): void {
    if (this.askedAt < 0) {
      this.askedAt = now;
      // [SW-4.8-9] the peer said nothing for INDEX_SILENCE: it may have crashed and lost our index
      // since, and a SHORT datagram would wait out a timeout in silence. This one names us.
      if (this.index !== 0 && this.lastHeard >= 0 && now - this.lastHeard >= INDEX_SILENCE_MS) this.fullNext = true;
    }
    this.silenceMs = rtoMs !== undefined && rtoMs < INDEX_SILENCE_MS ? rtoMs : INDEX_SILENCE_MS;
  }

  /** The peer restarted: an INDEX of its earlier life no longer shows it accepted us ([SW-12.4-5]). */
  forgetIndexed(): void {
    this.indexedOnce = false;
  }

  /** Returns to the FULL form, for example on evidence that the peer lost the index [SW-4.8-3]. */
  dropIndex(): void {
    this.index = 0;
  }

  /**
   * Sets this sender aside: returns the state to rebuild it with (options.resume, same gen and epoch).
   * With `keepKey`, the snapshot holds the traffic key (32 bytes) so the rebuild derives nothing;
   * without, the key is erased. The sender must not be used afterwards either way.
   */
  park(keepKey = false): SenderSnapshot {
    const trafficKey = keepKey ? packKey(this.trafficKey) : undefined;
    wipe(this.trafficKey);
    // One literal with every field, kept or not: spreading a new field into a snapshot made V8 give it
    // a dictionary (about 400 bytes more a peer, bench:memory).
    const snapshot: SenderSnapshot = { gen: this.gen, epoch: this.epoch, counter: this.nextCounter, index: this.index, lastHeard: this.lastHeard, indexed: this.indexedOnce, trafficKey };
    this.nextCounter = COUNTER_LIMIT; // any further seal() fails: the snapshot now owns the counter
    return snapshot;
  }

  /** Test hook: continue from counter `c` (for boundary tests; never moves backwards). */
  skipTo(c: number): void {
    if (c < this.nextCounter) throw new InvalidArgumentError('counter never moves backwards');
    this.nextCounter = c;
  }
}
