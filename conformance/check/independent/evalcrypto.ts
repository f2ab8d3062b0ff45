// Evaluators for HmacSha512Test, HkdfSha512Test (hmac_hkdf_sha512.json) and SecretboxTest
// (secretbox.json), per conformance/README.md. Primitives: spec 3.1, [SW-7.1-1], [SW-7.3-1].
import { ctEqual } from './bytes.js';
import { hex, Report, type Evaluator } from './evalcommon.js';
import { hkdf, hkdfExpand, hkdfExtract, hmacSha512, secretbox, secretboxOpen } from './primitives.js';

/** valid: HMAC(key, msg) = tag. invalid: the tag is wrong, so a verifier rejects it. */
export const evalHmac: Evaluator = (_g, t) => {
  const r = new Report();
  const tag = hmacSha512(hex(t, 'key'), hex(t, 'msg'));
  const vtag = hex(t, 'tag');
  if (t.result === 'valid') {
    if (vtag.length !== 64) r.fail(`tag is ${vtag.length} bytes, HMAC-SHA-512 gives 64`);
    r.hex('tag', tag, t.tag);
  } else if (ctEqual(tag, vtag)) {
    r.fail('invalid test but its tag verifies');
  }
  return r.failures;
};

/** All valid: PRK = HKDF-Extract(salt, IKM); OKM = HKDF-Expand(PRK, info, size). */
export const evalHkdf: Evaluator = (_g, t) => {
  const r = new Report();
  const ikm = hex(t, 'ikm'), salt = hex(t, 'salt'), info = hex(t, 'info');
  const prk = hkdfExtract(salt, ikm);
  r.hex('prk', prk, t.prk);
  if (typeof t.size !== 'number') { r.fail('size missing'); return r.failures; }
  const okm = hkdf(salt, ikm, info, t.size);
  if (!ctEqual(okm, hkdfExpand(prk, info, t.size))) r.fail('internal: hkdf != expand(extract)');
  r.hex('okm', okm, t.okm);
  if (t.result !== 'valid') r.fail('README says every HkdfSha512Test is valid');
  return r.failures;
};

/** valid: secretbox(key, nonce, msg) = box and opening box gives msg. invalid: opening box fails. */
export const evalSecretbox: Evaluator = (_g, t) => {
  const r = new Report();
  const key = hex(t, 'key'), nonce = hex(t, 'nonce'), msg = hex(t, 'msg'), box = hex(t, 'box');
  if (t.result === 'valid') {
    const ours = secretbox(key, nonce, msg);
    r.hex('box', ours, t.box);
    if (box.length !== msg.length + 16) r.fail(`box length ${box.length} != msg length + 16 (4.1)`);
    const opened = secretboxOpen(key, nonce, box);
    if (!opened) r.fail('opening the vector box fails');
    else r.hex('opened msg', opened, t.msg);
  } else {
    const opened = secretboxOpen(key, nonce, box);
    if (opened) r.fail(`invalid box opens (to ${Buffer.from(opened).toString('hex').slice(0, 64)})`);
  }
  return r.failures;
};
