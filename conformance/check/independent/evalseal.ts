// Evaluator for SealTest (datagram_seal.json): spec 4.3-4.6, 5.1, 5.2.
// valid: recompute intermediate.trafficKey, .header, .nonce and the datagram, and check that the
// datagram's box opens to the plaintext. invalid: seal() MUST refuse (counter at the limit, epoch 0,
// bad index, …, see seal.ts).
import { fromHex } from './bytes.js';
import { expectRefusal, expectSuccess, hex, Report, type Evaluator } from './evalcommon.js';
import { secretboxOpen } from './primitives.js';
import { seal, type SealInput } from './seal.js';

export const evalSeal: Evaluator = (g, t) => {
  const r = new Report();
  const input: SealInput = {
    pairKey: fromHex(g.pairKey, 'group.pairKey'),
    sender: g.sender,
    receiver: g.receiver,
    gen: t.gen,
    epoch: t.epoch,
    counter: t.counter,
    boot: hex(t, 'boot'),
    form: t.form,
    index: t.index,
    plaintext: hex(t, 'plaintext'),
  };
  if (t.form === 'FULL' && t.index !== undefined && t.index !== null) r.fail('FULL test carries an index (README: SHORT only)');
  if (t.result !== 'valid') {
    expectRefusal(r, 'seal', () => seal(input));
    return r.failures;
  }
  const s = expectSuccess(r, 'seal', () => seal(input));
  if (!s) return r.failures;
  const im = t.intermediate ?? {};
  if (!t.intermediate) r.fail('valid SealTest without intermediate');
  r.hex('intermediate.trafficKey', s.trafficKey, im.trafficKey);
  r.hex('intermediate.header', s.header, im.header);
  r.hex('intermediate.nonce', s.nonce, im.nonce);
  r.hex('datagram', s.datagram, t.datagram);
  // The vector's own datagram must open with the vector's own key and nonce (consistency).
  if (typeof t.datagram === 'string' && typeof im.trafficKey === 'string' && typeof im.nonce === 'string' && typeof im.header === 'string') {
    const d = fromHex(t.datagram), h = fromHex(im.header);
    const p = d.length >= h.length ? secretboxOpen(fromHex(im.trafficKey), fromHex(im.nonce), d.subarray(h.length)) : null;
    if (!p) r.fail('vector datagram does not open with the vector trafficKey and nonce');
    else r.hex('vector datagram opened', p, t.plaintext);
  }
  return r.failures;
};
