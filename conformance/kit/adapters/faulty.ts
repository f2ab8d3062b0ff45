/**
 * The SDK's adapter with one fault injected, for the kit's own tests (test/conformance/kit-vectors.test.ts):
 * the vector mode must catch each with the right spec id.
 *
 *   node --import tsx conformance/kit/adapters/faulty.ts <fault>
 *
 * - `accept-replay`: the replay window accepts a counter it has seen (breaks [SW-5.4-1]).
 * - `reuse-nonce`: sealing derives the nonce from counter 0 whatever the counter, so every datagram of
 *   an epoch reuses one (key, nonce) pair (breaks [SW-4.6-1], [SW-4.3-1]); the header still carries the
 *   real counter.
 * - `unsupported-open`: answers `open` as unsupported while sealing works (breaks the all-or-nothing rule
 *   of the envelope group).
 * - `only-crypto`: not a fault: an implementation that has only the crypto group so far (every other
 *   operation unsupported), which must pass with the rest reported unsupported.
 */
import { deriveTrafficKey, encodeFullHeader, encodeShortHeader, fromHex, sealDatagram, toHex, tweetnaclSuite } from '../../../src/core.js';
import { handle, serve, windowVerdicts, type Req, type Reply } from './sdk.js';

const fault = process.argv[2];
const suite = tweetnaclSuite;

function faulty(r: Req): Reply {
  if (fault === 'accept-replay' && (r.op === 'window.run' || r.op === 'epoch.run')) {
    return { verdicts: windowVerdicts(r.windowSize, r.steps).map((v) => (v === 'REPLAY' ? 'accept' : v)) };
  }
  if (fault === 'reuse-nonce' && r.op === 'seal') {
    const real = handle(suite, r);
    if (real.refused === true) return real;
    const h0 = r.form === 'FULL' ? encodeFullHeader(r.gen, r.epoch, 0, fromHex(r.boot), r.sender) : encodeShortHeader(r.index, 0);
    const hd = r.form === 'FULL' ? encodeFullHeader(r.gen, r.epoch, r.counter, fromHex(r.boot), r.sender) : encodeShortHeader(r.index, r.counter);
    const tk = deriveTrafficKey(suite, fromHex(r.pairKey), r.sender, r.receiver, r.epoch, fromHex(r.boot));
    const d = sealDatagram(suite, tk, h0, r.form, fromHex(r.plaintext));
    const out = new Uint8Array(d.length);
    out.set(d);
    out.set(hd, 0);
    return { datagram: toHex(out) };
  }
  if (fault === 'unsupported-open' && r.op === 'open') return { unsupported: true };
  if (fault === 'only-crypto' && !['hmac', 'hkdf', 'secretbox.seal', 'secretbox.open'].includes(r.op)) return { unsupported: true };
  return handle(suite, r);
}

if (!['accept-replay', 'reuse-nonce', 'unsupported-open', 'only-crypto'].includes(fault ?? '')) {
  process.stderr.write(`faulty.ts: unknown fault ${JSON.stringify(fault)}\n`);
  process.exit(2);
}
await serve(faulty);
