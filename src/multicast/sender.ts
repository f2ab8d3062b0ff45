/**
 * Sealing group datagrams (spec 19.4, 19.5): one sender's counter per (generation, epoch, BOOT),
 * under its own sender key. The epoch is persisted per start by the caller (spec 5.2) and BOOT drawn
 * per start, so no (key, nonce) pair repeats across restarts, lost storage or two processes
 * [SW-19.4-6].
 * @module
 */
import { BOOT_LEN, COUNTER_LIMIT } from '../constants.js';
import type { Ed25519 } from '../crypto/ed25519.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { CounterExhaustedError, InvalidArgumentError, SaltwireError } from '../errors.js';
import { concat } from '../util/bytes.js';
import { GTYPE_DATA, GTYPE_SIGNED } from './constants.js';
import { encodeGroupMessage, type GroupMessage } from './frames.js';
import { encodeGroupHeader, groupNonce } from './header.js';
import { deriveSenderKey } from './keys.js';
import type { GroupMembership } from './membership.js';

/** No generation of the group can be sent under now (none granted, not yet active, or expired). */
export class NoGroupKeyError extends SaltwireError {
  constructor(message: string) {
    super('ERR_NO_GROUP_KEY', message);
  }
}

export interface GroupSenderOptions {
  readonly suite: CryptoSuite;
  readonly membership: GroupMembership;
  /** This start's epoch, persisted before the first datagram ([SW-5.2-9]). */
  readonly epoch: number;
  /** This start's BOOT, 8 random bytes never persisted ([SW-5.2-6]). */
  readonly boot: Uint8Array;
  /** The controller's Ed25519 secret key: only the controller sends in the signed tier [SW-19.5-5]. */
  readonly signing?: { readonly ed25519: Ed25519; readonly secretKey: Uint8Array };
}

export class GroupSender {
  /** Counter per generation for this epoch; a generation's key once left is never used again. */
  private readonly counters = new Map<number, number>();
  private readonly keys = new Map<number, Uint8Array>();
  /** Generations this sender has moved past; it never sends under them again [SW-19.8-2]. */
  private newestSent: number | undefined;

  constructor(private readonly o: GroupSenderOptions) {
    if (!Number.isInteger(o.epoch) || o.epoch < 1 || o.epoch > 0xffffffff) throw new InvalidArgumentError('epoch must be in [1, 2^32-1]');
    if (o.boot.length !== BOOT_LEN) throw new InvalidArgumentError(`boot must be ${BOOT_LEN} bytes`);
  }

  /** Seals `m` in the group-authenticated tier. Commands are refused here [SW-19.5-6]. */
  seal(m: GroupMessage, now: number, padding = 0): Uint8Array {
    if (m.kind === 'command') throw new InvalidArgumentError('commands travel in the signed tier only [SW-19.5-6]');
    return this.build(GTYPE_DATA, encodeGroupMessage(m, padding), now);
  }

  /** Seals `m` in the signed tier: plaintext || Ed25519(header || plaintext) [SW-19.5-4]. */
  sealSigned(m: GroupMessage, now: number, padding = 0): Uint8Array {
    if (this.o.signing === undefined) throw new InvalidArgumentError('no signing key: only the controller sends signed datagrams');
    return this.build(GTYPE_SIGNED, encodeGroupMessage(m, padding), now);
  }

  private build(type: typeof GTYPE_DATA | typeof GTYPE_SIGNED, plaintext: Uint8Array, now: number): Uint8Array {
    const state = this.o.membership.sending(now);
    if (state === undefined) throw new NoGroupKeyError(`no active key for group ${this.o.membership.gid}`);
    const { gid, gen, member, key } = state.grant;
    if (type === GTYPE_SIGNED && state.grant.controller?.member !== member) {
      throw new InvalidArgumentError('this member is not the group controller [SW-19.5-5]');
    }
    if (this.newestSent !== undefined && this.newestSent !== gen) {
      // moving to a newer generation: forget the old one's key and counter for good
      this.keys.delete(this.newestSent);
    }
    this.newestSent = gen;
    const counter = this.counters.get(gen) ?? 0;
    if (counter >= COUNTER_LIMIT) throw new CounterExhaustedError();
    this.counters.set(gen, counter + 1);
    let sk = this.keys.get(gen);
    if (sk === undefined) this.keys.set(gen, (sk = deriveSenderKey(this.o.suite, key, gid, gen, member, this.o.epoch, this.o.boot)));
    const header = encodeGroupHeader({ type, gid, gen, member, epoch: this.o.epoch, counter, boot: this.o.boot });
    let inner = plaintext;
    if (type === GTYPE_SIGNED) inner = concat(plaintext, this.o.signing!.ed25519.sign(concat(header, plaintext), this.o.signing!.secretKey));
    return this.o.suite.seal(sk, groupNonce(header), inner, header);
  }

  /** The next counter of generation `gen` in this epoch (for tests and diagnostics). */
  nextCounter(gen: number): number {
    return this.counters.get(gen) ?? 0;
  }
}
