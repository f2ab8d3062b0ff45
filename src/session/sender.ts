/**
 * The sending half towards one peer for one (generation, epoch): counter assignment [SW-5.1-1],
 * header form choice [SW-4.8-2], and sealing. A node makes a new PeerSender when its epoch or the
 * generation changes, which also returns it to the FULL form [SW-4.8-3].
 * @module
 */
import { COUNTER_LIMIT, FIRST_BYTE_SHORT, INDEX_TIMEOUT_MS, NONCE_LEN, SHORT_HEADER_LEN } from '../constants.js';
import { assertGeneration, assertKey, deriveTrafficKey } from '../crypto/keys.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CounterExhaustedError, InvalidArgumentError } from '../errors.js';
import { writeU32 } from '../util/bytes.js';
import { keepBytes } from '../util/slab.js';
import type { Frame } from '../wire/frames.js';
import { encodeFullHeader } from '../wire/header.js';
import { assertNodeId } from '../wire/node-id.js';
import { sealDatagram } from './seal.js';

export interface PeerSenderOptions {
  readonly suite: CryptoSuite;
  readonly selfId: string;
  readonly peerId: string;
  /** The pair key shared with the peer at `gen`. */
  readonly pairKey: Uint8Array;
  readonly gen: number;
  /** The node's current, persisted epoch (session/epoch.ts). */
  readonly epoch: number;
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
  private readonly suite: CryptoSuite;
  private readonly trafficKey: Uint8Array;
  private nextCounter = 0;
  private index = 0;
  /** Time a datagram from the peer last passed every check; drives the SHORT fallback [SW-4.8-5]. */
  private lastHeard = -Infinity;

  constructor(o: PeerSenderOptions) {
    assertNodeId(o.selfId);
    assertNodeId(o.peerId);
    assertKey(o.pairKey, 'pair key');
    assertGeneration(o.gen);
    if (!Number.isInteger(o.epoch) || o.epoch < 1 || o.epoch > 0xffffffff) {
      throw new InvalidArgumentError(`epoch must be in [1, 2^32-1], got ${o.epoch}`);
    }
    this.suite = o.suite;
    this.selfId = o.selfId;
    this.peerId = o.peerId;
    this.gen = o.gen;
    this.epoch = o.epoch;
    this.trafficKey = keepBytes(deriveTrafficKey(o.suite, o.pairKey, o.selfId, o.peerId, o.epoch));
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
   * when the counter limit is reached [SW-5.1-2]: the node must start a new epoch.
   */
  seal(plaintext: Uint8Array, now?: number): Uint8Array {
    const c = this.nextCounter;
    if (c >= COUNTER_LIMIT) throw new CounterExhaustedError();
    this.nextCounter = c + 1; // consumed even if sealing threw below: a counter is never reused
    // [SW-4.8-5]: with no authenticated word from the peer for INDEX_TIMEOUT, it may have lost the index.
    if (this.index !== 0 && now !== undefined && now - this.lastHeard > INDEX_TIMEOUT_MS) this.index = 0;
    if (this.index !== 0) {
      SHORT_SCRATCH[0] = FIRST_BYTE_SHORT;
      writeU32(SHORT_SCRATCH, 1, this.index);
      writeU32(SHORT_SCRATCH, 5, c);
      return sealDatagram(this.suite, this.trafficKey, SHORT_SCRATCH, 'SHORT', plaintext, NONCE_SCRATCH);
    }
    const header = encodeFullHeader(this.gen, this.epoch, c, this.selfId);
    return sealDatagram(this.suite, this.trafficKey, header, 'FULL', plaintext, NONCE_SCRATCH);
  }

  /**
   * Applies an INDEX frame received from the peer in an accepted datagram. Returns true if it names
   * this sender's generation and epoch and was adopted [SW-4.8-2]; any other is ignored.
   */
  applyIndex(frame: Extract<Frame, { type: 'INDEX' }>, now?: number): boolean {
    if (frame.gen !== this.gen || frame.epoch !== this.epoch) return false;
    if (now !== undefined) this.heard(now);
    this.index = frame.index;
    return true;
  }

  /** Records that a datagram from the peer passed every check of spec 6 at `now`. */
  heard(now: number): void {
    if (now > this.lastHeard) this.lastHeard = now;
  }

  /** Returns to the FULL form, for example on evidence that the peer lost the index [SW-4.8-3]. */
  dropIndex(): void {
    this.index = 0;
  }

  /** Test hook: continue from counter `c` (for boundary tests; never moves backwards). */
  skipTo(c: number): void {
    if (c < this.nextCounter) throw new InvalidArgumentError('counter never moves backwards');
    this.nextCounter = c;
  }
}
