// The guide of conformance/README.md ("Writing an adapter") followed as a new implementer would
// (issue 19): copy conformance/c/adapter_skeleton.c, answer one group (crypto, over libsodium, no
// Saltwire code), build it with cc, and run `saltwire conformance vectors` against it. First with
// HMAC and HKDF alone: the group is half answered, so its secretbox tests fail (all-or-nothing);
// then with secretbox too: the group passes, every other group is unsupported, never failed, exit 0.
// Skips, saying why, without cc or libsodium.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runVectors } from '../../conformance/kit/vectors.js';
import { cToolchainMissing } from './c-toolchain.js';

const CDIR = join(import.meta.dirname, '..', '..', 'conformance', 'c');


/** What the implementer writes in answer(): HMAC-SHA-512 and HKDF-SHA-512, then (full) secretbox. */
const HMAC_HKDF = `
  static uint8_t a[65536], b[65536], c[65536];
  if (json_streq(j, op, "hmac") || json_streq(j, op, "hkdf")) {
    int is_hmac = json_streq(j, op, "hmac");
    size_t kn = json_hex(j, json_get(j, r, is_hmac ? "key" : "salt"), a, sizeof a);
    size_t mn = json_hex(j, json_get(j, r, is_hmac ? "msg" : "ikm"), b, sizeof b);
    uint8_t mac[64]; crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, a, kn); crypto_auth_hmacsha512_update(&st, b, mn); crypto_auth_hmacsha512_final(&st, mac);
    if (is_hmac) { put_hex("tag", mac, 64); return 1; }
    size_t fn = json_hex(j, json_get(j, r, "info"), c, sizeof c), L = (size_t)json_int(j, json_get(j, r, "size"));
    static uint8_t okm[16320]; uint8_t t[64]; size_t tn = 0;
    for (uint8_t i = 1; (size_t)(i - 1) * 64 < L; i++) {
      crypto_auth_hmacsha512_init(&st, mac, 64); crypto_auth_hmacsha512_update(&st, t, tn);
      crypto_auth_hmacsha512_update(&st, c, fn); crypto_auth_hmacsha512_update(&st, &i, 1);
      crypto_auth_hmacsha512_final(&st, t); tn = 64; memcpy(okm + (size_t)(i - 1) * 64, t, 64);
    }
    put_hex("prk", mac, 64); printf(","); put_hex("okm", okm, L); return 1;
  }`;
const SECRETBOX = `
  if (json_streq(j, op, "secretbox.seal") || json_streq(j, op, "secretbox.open")) {
    uint8_t k[32], n[24]; json_hex(j, json_get(j, r, "key"), k, 32); json_hex(j, json_get(j, r, "nonce"), n, 24);
    if (json_streq(j, op, "secretbox.seal")) {
      size_t mn = json_hex(j, json_get(j, r, "msg"), a, sizeof a);
      crypto_secretbox_easy(b, a, mn, n, k); put_hex("box", b, mn + 16); return 1;
    }
    size_t bn = json_hex(j, json_get(j, r, "box"), a, sizeof a);
    if (bn < 16 || crypto_secretbox_open_easy(b, a, bn, n, k) != 0) printf("\\"msg\\":null"); else put_hex("msg", b, bn - 16);
    return 1;
  }`;

const why = cToolchainMissing(['cc']);
const tmp = mkdtempSync(join(tmpdir(), 'saltwire-implementer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The skeleton with `code` at the top of answer(), built against libsodium. */
function build(name: string, code: string): string {
  const skeleton = readFileSync(join(CDIR, 'adapter_skeleton.c'), 'utf8');
  const marker = '  int op = json_get(j, r, "op");\n';
  expect(skeleton).toContain(marker);
  const src = skeleton.replace('#include "test/json.h"', `#include "${join(CDIR, 'test', 'json.h')}"\n#include <sodium.h>`).replace(marker, `${marker}${code}\n`);
  writeFileSync(join(tmp, `${name}.c`), src);
  const bin = join(tmp, name);
  execFileSync('cc', ['-std=c11', '-O2', '-o', bin, join(tmp, `${name}.c`), join(CDIR, 'test', 'json.c'), '-lsodium'], { stdio: 'pipe', timeout: 60_000 });
  return bin;
}

describe.skipIf(why !== undefined)(`a new implementer's first group, from the C skeleton${why ? ` (skipped: ${why})` : ''}`, () => {
  it('HMAC and HKDF alone: the crypto group is half answered, so secretbox fails by the all-or-nothing rule', async () => {
    const r = await runVectors(build('half', HMAC_HKDF), { files: ['hmac_hkdf_sha512.json', 'secretbox.json', 'key_derivation.json'] });
    expect(r.exitCode).toBe(1);
    expect(r.results.filter((x) => x.file === 'hmac_hkdf_sha512.json').every((x) => x.status === 'pass')).toBe(true);
    expect(r.results.filter((x) => x.file === 'secretbox.json').every((x) => x.status === 'fail' && /all-or-nothing/.test(x.detail!))).toBe(true);
    expect(r.groups['keys']).toMatchObject({ pass: 0, fail: 0 });
    expect(r.groups['keys']!.unsupported).toBeGreaterThan(0);
  }, 60_000);

  it('with secretbox: the crypto group passes, the other groups are unsupported, exit 0', async () => {
    const r = await runVectors(build('crypto', HMAC_HKDF + SECRETBOX));
    expect(r.results.filter((x) => x.status === 'fail').map((x) => `${x.file}#${x.tcId}: ${x.detail}`)).toEqual([]);
    expect(r.groups['crypto']).toMatchObject({ fail: 0, unsupported: 0 });
    expect(r.groups['crypto']!.pass).toBe(r.results.filter((x) => x.file === 'hmac_hkdf_sha512.json' || x.file === 'secretbox.json').length);
    expect(r.groups['envelope']!.pass).toBe(0);
    expect(r.exitCode).toBe(0);
  }, 60_000);
});
