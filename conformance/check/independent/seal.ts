// Sealing (4.6), used to recompute SealTest vectors.
// Contract: seal() refuses (RefusedError) exactly what the spec forbids a sender to produce:
// - an invalid sender or receiver id [SW-3.2-2], or sender = receiver [SW-4.6-4] [SW-3.5-3];
// - a generation outside 0..255 (3.6, GEN is one byte);
// - epoch 0 [SW-4.6-4] or above EPOCH_MAX;
// - a counter >= COUNTER_LIMIT [SW-4.6-4] [SW-5.1-2];
// - a SHORT index of 0 [SW-4.6-4] or above 2^32-1;
// - a BOOT value that is not 8 bytes (3.5, 4.3; both forms: BOOT is part of the traffic key);
// - an unknown form.
// Otherwise it returns the traffic key, header, nonce and datagram = header || secretbox(TK, nonce, P).
// The size limit [SW-4.6-5] needs the receiver's MAX_DATAGRAM as the sender knows it [SW-4.6-7],
// which a SealTest does not carry (README: a valid test assumes a limit at least its length).
import { concat, isUint } from './bytes.js';
import { COUNTER_LIMIT, EPOCH_MAX, MAX_GENERATION } from './constants.js';
import { buildFullHeader, buildShortHeader, nonceOf } from './header.js';
import { RefusedError, isValidNodeId, trafficKey } from './keys.js';
import { secretbox } from './primitives.js';

export interface SealInput {
  pairKey: Uint8Array;
  sender: unknown;
  receiver: unknown;
  gen: unknown;
  epoch: unknown;
  counter: unknown;
  /** the sender's BOOT value of its current start [SW-5.2-6] */
  boot: Uint8Array;
  form: unknown;
  index?: unknown;
  plaintext: Uint8Array;
}

export interface Sealed { trafficKey: Uint8Array; header: Uint8Array; nonce: Uint8Array; datagram: Uint8Array }

export function seal(x: SealInput): Sealed {
  if (!isValidNodeId(x.sender)) throw new RefusedError('sender id violates [SW-3.2-1]');
  if (!isValidNodeId(x.receiver)) throw new RefusedError('receiver id violates [SW-3.2-1]');
  if (x.sender === x.receiver) throw new RefusedError('sender = receiver [SW-3.5-3]');
  if (!isUint(x.gen, MAX_GENERATION)) throw new RefusedError(`generation ${x.gen} outside 0..255`);
  if (!isUint(x.epoch, EPOCH_MAX) || x.epoch === 0) throw new RefusedError(`epoch ${x.epoch} not in 1..2^32-1 [SW-4.3-2]`);
  if (!isUint(x.counter, COUNTER_LIMIT - 1)) throw new RefusedError(`counter ${x.counter} not below COUNTER_LIMIT [SW-5.1-2]`);
  if (x.boot.length !== 8) throw new RefusedError(`BOOT of ${x.boot.length} bytes, not 8 (4.3)`);
  let header: Uint8Array;
  if (x.form === 'FULL') {
    header = buildFullHeader(x.gen, x.epoch, x.counter, x.boot, x.sender); // [SW-4.3-3]
  } else if (x.form === 'SHORT') {
    if (!isUint(x.index, 0xffffffff) || x.index === 0) throw new RefusedError(`receiver index ${x.index} not in 1..2^32-1 [SW-4.8-1]`);
    header = buildShortHeader(x.index, x.counter);
  } else {
    throw new RefusedError(`unknown form ${String(x.form)}`);
  }
  const tk = trafficKey(x.pairKey, x.sender, x.receiver, x.epoch, x.boot); // [SW-3.5-1]
  const nonce = nonceOf(header, x.form); // [SW-4.5-1]
  return { trafficKey: tk, header, nonce, datagram: concat(header, secretbox(tk, nonce, x.plaintext)) };
}
