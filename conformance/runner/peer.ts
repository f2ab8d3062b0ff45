/**
 * The runner's reference peer: one "actor" per identity a scenario plays (a device talking to a hub
 * target, the hub of a device target, a stranger with a foreign key). It is built from the envelope
 * primitives of src/core.ts, not from SaltwireNode, so that it sends exactly the datagrams the script
 * asks for and never answers anything by itself: every datagram it sends is a scripted step.
 *
 * It remembers what the script refers to symbolically: its own latest CHALLENGE token (for "echo":
 * "mine"), the last CHALLENGE token the target sent it (for ECHO "last"), the index the target
 * announced for its current epoch (for the SHORT form), the indexes it gave the target (to open the
 * target's SHORT datagrams), and the target's latest epoch and BOOT (for the INDEX frames it sends).
 * Each start of an actor (the first, and every reboot) draws a BOOT value of its own ([SW-5.2-6]).
 * @module
 */
import {
  decodeFrames,
  deriveDeviceKey,
  deriveTrafficKey,
  encodeFrames,
  encodeFullHeader,
  fromHex,
  nonceOf,
  parseHeader,
  PeerSender,
  toHex,
  tweetnaclSuite,
  type Frame,
  type WireFrame,
} from '../../src/core.js';
import type { ActorSpec, FrameSpec, FrameType } from './scenario.js';

const suite = tweetnaclSuite;
const enc = new TextEncoder();

/** A datagram from the target, as this actor could open it. */
export interface Decoded {
  readonly actor: string;
  readonly form: 'FULL' | 'SHORT';
  readonly gen: number;
  readonly epoch: number;
  /** The target's BOOT value (hex) of that epoch: from the FULL header, or the one the index names. */
  readonly boot: string;
  readonly counter: number;
  /** The frames, or undefined if the plaintext did not parse (a target bug: it sent malformed frames). */
  readonly frames: readonly WireFrame[] | undefined;
}

/**
 * A scripted step that cannot be performed: the target never sent what it refers to (a failure), or
 * never offered something it MAY omit, such as a receiver index (`unsupported`: the scenario cannot run).
 */
export class ScriptError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

export class Actor {
  readonly name: string;
  readonly id: string;
  epoch: number;
  /** The actor's BOOT value of its current start ([SW-5.2-6]): random, new at every reboot. */
  boot: Uint8Array = suite.randomBytes(8);
  private sender!: PeerSender;
  /** The CHALLENGE token this actor sent last. */
  myToken: Uint8Array | undefined;
  /** The last CHALLENGE token the target sent this actor, and the last token this actor echoed. */
  lastChallenge: Uint8Array | undefined;
  private echoed: Uint8Array | undefined;
  /** The index the target assigned to this actor's current (generation, epoch). */
  targetIndex: number | undefined;
  /** The target's (generation, epoch, BOOT) in its latest datagram to this actor. */
  targetGen = 0;
  targetEpoch: number | undefined;
  targetBoot: Uint8Array | undefined;
  /** Indexes this actor gave the target: index -> the target's (gen, epoch, BOOT) it names. */
  private readonly assigned = new Map<number, { gen: number; epoch: number; boot: Uint8Array }>();
  /** Traffic keys of the target's starts: "epoch/boot hex" -> TK(target -> actor, epoch, boot). */
  private readonly keys = new Map<string, Uint8Array>();

  /**
   * `pairKey`: the key the actor seals with; for opening, the same key (a foreign actor never gets
   * an answer it could open). `targetId`: the receiver id of every datagram the actor sends.
   */
  constructor(
    spec: ActorSpec,
    private readonly pairKey: Uint8Array,
    readonly targetId: string,
  ) {
    this.name = spec.name;
    this.id = spec.id;
    this.epoch = spec.epoch ?? 1;
    this.newSender();
  }

  /**
   * The pair key of an actor: with a site-key target, DK(actor id, 0) (the actor is a device); with a
   * pair-key target, DK(target id, 0) (the actor is its hub). A foreign actor's comes from another site.
   */
  static keyFor(spec: ActorSpec, keys: 'site' | 'pair', targetId: string, siteKey: string, foreignSiteKey: string): Uint8Array {
    const site = fromHex(spec.key === 'foreign' ? foreignSiteKey : siteKey);
    return deriveDeviceKey(suite, site, keys === 'site' ? spec.id : targetId, 0);
  }

  private newSender(): void {
    // An actor whose id is the target's own (a reflection probe) cannot have a sender: sealFake() serves it.
    if (this.id !== this.targetId) this.sender = new PeerSender({ suite, selfId: this.id, peerId: this.targetId, pairKey: this.pairKey, gen: 0, epoch: this.epoch, boot: this.boot });
  }

  /**
   * The actor restarts: a new epoch and a new BOOT (counters from 0), and everything it knew of the
   * target is gone.
   */
  reboot(): void {
    this.epoch++;
    this.boot = suite.randomBytes(8);
    this.newSender();
    this.myToken = undefined;
    this.lastChallenge = undefined;
    this.echoed = undefined;
    this.targetIndex = undefined;
    this.assigned.clear();
  }

  /** Builds the plaintext of `frames` in the given order; resolves symbolic tokens and indexes. */
  plaintext(frames: readonly FrameSpec[]): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const f of frames) {
      switch (f.type) {
        case 'RAW':
          parts.push(fromHex(f.hex));
          break;
        case 'CHALLENGE':
          this.myToken = suite.randomBytes(8);
          parts.push(encodeFrames([{ type: 'CHALLENGE', token: this.myToken }]));
          break;
        case 'ECHO': {
          if (f.token === 'random') {
            parts.push(encodeFrames([{ type: 'ECHO', token: suite.randomBytes(8) }]));
            break;
          }
          const token = this.lastChallenge;
          if (token === undefined && f.token === 'last') throw new ScriptError(`${this.name}: the target sent no CHALLENGE to echo`);
          // 'last-if-any' echoes a token once: a token already echoed is spent at the target
          if (token === undefined || (f.token === 'last-if-any' && this.echoed !== undefined && toHex(token) === toHex(this.echoed))) break;
          this.echoed = token;
          parts.push(encodeFrames([{ type: 'ECHO', token }]));
          break;
        }
        case 'INDEX': {
          if (this.targetEpoch === undefined || this.targetBoot === undefined) throw new ScriptError(`${this.name}: no INDEX possible, the target sent nothing to this actor yet`);
          let index = 0;
          while (index === 0 || this.assigned.has(index)) index = new DataView(suite.randomBytes(4).buffer).getUint32(0);
          this.assigned.set(index, { gen: this.targetGen, epoch: this.targetEpoch, boot: this.targetBoot });
          parts.push(encodeFrames([{ type: 'INDEX', index, gen: this.targetGen, epoch: this.targetEpoch }]));
          break;
        }
        case 'DATAGRAM':
          parts.push(encodeFrames([{ type: 'DATAGRAM', data: enc.encode(f.text) }]));
          break;
        default:
          parts.push(encodeFrames([f]));
      }
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /**
   * Seals the next datagram. 'SHORT' needs the index the target announced (ScriptError if none);
   * 'auto' uses it when there is one.
   */
  seal(frames: readonly FrameSpec[], form: 'FULL' | 'SHORT' | 'auto' = 'FULL'): Uint8Array {
    const plaintext = this.plaintext(frames);
    if (this.id === this.targetId) return this.sealFake(plaintext);
    const short = form === 'SHORT' || (form === 'auto' && this.targetIndex !== undefined);
    if (short && this.targetIndex === undefined) throw new ScriptError(`${this.name}: the SHORT form needs an INDEX from the target, and it announced none [SW-4.8-1] (MAY)`, true);
    if (short) this.sender.applyIndex({ type: 'INDEX', index: this.targetIndex!, gen: 0, epoch: this.epoch });
    else this.sender.dropIndex();
    return this.sender.seal(plaintext);
  }

  /** A FULL datagram naming the target's own id as sender: no traffic key exists for it ([SW-3.5-3]). */
  private sealFake(plaintext: Uint8Array): Uint8Array {
    const header = encodeFullHeader(0, this.epoch, 0, this.boot, this.id);
    const d = new Uint8Array(header.length + 16 + plaintext.length);
    d.set(header);
    d.set(suite.randomBytes(16 + plaintext.length), header.length);
    return d;
  }

  /** Opens a datagram from the target, or undefined if it is not for this actor (or not openable by it). */
  open(d: Uint8Array): Decoded | undefined {
    const h = parseHeader(d);
    if (typeof h === 'string') return undefined;
    let gen: number;
    let epoch: number;
    let boot: Uint8Array;
    if (h.form === 'FULL') {
      if (h.senderId !== this.targetId) return undefined;
      ({ gen, epoch } = h);
      boot = h.boot.slice();
    } else {
      const ctx = this.assigned.get(h.index);
      if (ctx === undefined) return undefined;
      ({ gen, epoch, boot } = ctx);
    }
    if (gen !== 0 || this.id === this.targetId) return undefined;
    const keyId = `${epoch}/${toHex(boot)}`;
    let tk = this.keys.get(keyId);
    if (tk === undefined) this.keys.set(keyId, (tk = deriveTrafficKey(suite, this.pairKey, this.targetId, this.id, epoch, boot)));
    const plaintext = suite.open(tk, nonceOf(d, h.form), d.subarray(h.length));
    if (plaintext === null) return undefined;
    const frames = decodeFrames(plaintext);
    if (this.targetEpoch === undefined || epoch >= this.targetEpoch) {
      // a new epoch (or start) of the target: it restarted and lost the index it gave this actor ([SW-12.2-5])
      const newStart = this.targetEpoch !== undefined && (epoch > this.targetEpoch || toHex(boot) !== toHex(this.targetBoot!));
      if (newStart) this.targetIndex = undefined;
      this.targetEpoch = epoch;
      this.targetBoot = boot;
      this.targetGen = gen;
    }
    for (const f of frames ?? []) {
      if (f.type === 'CHALLENGE') this.lastChallenge = f.token;
      // [SW-4.8-2] an INDEX counts only if it names this actor's current generation and epoch
      if (f.type === 'INDEX' && f.gen === 0 && f.epoch === this.epoch) this.targetIndex = f.index;
    }
    return { actor: this.name, form: h.form, gen, epoch, boot: toHex(boot), counter: h.counter, frames };
  }
}

/** The frame types of a decoded datagram, and a short description for reports. */
export function frameTypes(d: Decoded): FrameType[] {
  return (d.frames ?? []).map((f) => f.type);
}

export function describeFrames(d: Decoded): string {
  if (d.frames === undefined) return 'MALFORMED FRAMES';
  const dec = new TextDecoder();
  return (
    d.frames
      .map((f) =>
        f.type === 'DATAGRAM'
          ? `DATAGRAM(${JSON.stringify(dec.decode(f.data).slice(0, 24))})`
          : f.type === 'CHALLENGE' || f.type === 'ECHO'
            ? `${f.type}(${toHex(f.token).slice(0, 6)})`
            : f.type === 'STALE'
              ? `STALE(g${f.gen} e${f.epoch})`
              : f.type,
      )
      .join(' ') || '(empty)'
  );
}
