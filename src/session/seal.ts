/**
 * Sealing one datagram (spec 4.6 steps 3 to 5): header || secretbox(TK, nonce(header), plaintext).
 * The choice of form and counter is the caller's (PeerSender); this function only assembles bytes.
 * @module
 */
import { NONCE_LEN } from '../constants.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { writeNonce, type Header } from '../wire/header.js';

/**
 * Seals `plaintext` under `trafficKey` behind the encoded `header` of the given form. `nonceBuf`
 * (24 bytes) may be passed to avoid an allocation; it is overwritten.
 */
export function sealDatagram(
  suite: CryptoSuite,
  trafficKey: Uint8Array,
  header: Uint8Array,
  form: Header['form'],
  plaintext: Uint8Array,
  nonceBuf: Uint8Array = new Uint8Array(NONCE_LEN),
): Uint8Array {
  return suite.seal(trafficKey, writeNonce(nonceBuf, header, form), plaintext, header);
}
