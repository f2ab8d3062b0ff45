/**
 * SDK checker hook for message_ops.json (spec 15.3): each OpCodecTest is checked three ways, as
 * mqtt-packet checks its fixtures. A valid test must decode to `operation` (decode), `operation` must
 * encode to `encoded` (encode), and the decoded operation must encode to `encoded` again (round trip).
 * An invalid test must be dropped: decodeOp returns undefined [SW-15.3-6].
 */
import { decodeOp, encodeOp } from '../../src/messaging/op-codec.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { opFromJson, opJson } from '../generate/message-ops.js';

export const MESSAGE_OPS_GROUP_TYPES = ['OpCodecTest'];

type Test = Record<string, any> & { tcId: number; result: 'valid' | 'invalid' };

/** Returns a failure message, or undefined if the SDK agrees with the vector. */
export function checkMessageOpVector(_g: { type: string }, t: Test): string | undefined {
  const decoded = decodeOp(fromHex(t.encoded));
  if (t.result === 'invalid') return decoded === undefined ? undefined : `dropped bytes decoded as ${JSON.stringify(opJson(decoded)).slice(0, 160)}`;
  if (decoded === undefined) return 'valid operation dropped';
  const got = JSON.stringify(opJson(decoded));
  if (got !== JSON.stringify(t.operation)) return `decode: got ${got.slice(0, 200)}`;
  let encoded: string;
  try {
    encoded = toHex(encodeOp(opFromJson(t.operation)));
  } catch (e) {
    return `encode: refused: ${(e as Error).message}`;
  }
  if (encoded !== t.encoded) return `encode: got ${encoded.slice(0, 200)}`;
  const again = toHex(encodeOp(decoded));
  return again === t.encoded ? undefined : `round trip: got ${again.slice(0, 200)}`;
}
