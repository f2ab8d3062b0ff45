/** hmac_hkdf_sha512.json: HMAC-SHA-512 on the RFC 4231 inputs, HKDF-SHA-512 in RFC 5869 shapes. */
import { hkdfExpand, hkdfExtract, hmacSha512 } from '../../src/core.js';
import { hex, Seeded, suite, text, VectorFile } from './common.js';

const rep = (b: number, n: number): Uint8Array => new Uint8Array(n).fill(b);
const range = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => from + i);

/** Tags printed in RFC 4231 section 4.2 and 4.3 (test cases 1 and 2), to anchor provenance. */
const RFC4231_TC1 =
  '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854';
const RFC4231_TC2 =
  '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737';

export function hmacHkdfVectors(): VectorFile {
  const f = new VectorFile(
    'hmac_hkdf_sha512.json',
    'HMAC-SHA-512, HKDF-SHA-512',
    'saltwire_hmac_hkdf_schema_v1',
    ['HMAC-SHA-512 (RFC 2104) and HKDF-SHA-512 (RFC 5869) as used by spec section 3.1.'],
    {
      Rfc4231: { bugType: 'BASIC', description: 'Inputs of an RFC 4231 test case; the full 64-byte tag is given.' },
      LongKey: { bugType: 'EDGE_CASE', description: 'Key longer than the 128-byte block: it is hashed first [SW-7.3-1].' },
      ModifiedTag: { bugType: 'AUTH_BYPASS', description: 'A tag with one bit changed must not verify.' },
      Rfc5869Shape: { bugType: 'BASIC', description: 'An RFC 5869 test-case shape computed with SHA-512.' },
      EmptySaltInfo: { bugType: 'EDGE_CASE', description: 'Zero-length salt and info.' },
      SaltwireLabel: { bugType: 'FUNCTIONALITY', description: 'A salt label used by the spec.' },
    },
  );
  const hmac = f.group('HmacSha512Test', { source: 'RFC 4231 section 4 inputs; tags computed' });
  const cases: Array<[Uint8Array, Uint8Array, string]> = [
    [rep(0x0b, 20), text('Hi There'), 'RFC 4231 test case 1'],
    [text('Jefe'), text('what do ya want for nothing?'), 'RFC 4231 test case 2'],
    [rep(0xaa, 20), rep(0xdd, 50), 'RFC 4231 test case 3'],
    [range(1, 25), rep(0xcd, 50), 'RFC 4231 test case 4'],
    [rep(0x0c, 20), text('Test With Truncation'), 'RFC 4231 test case 5 (full tag)'],
    [rep(0xaa, 131), text('Test Using Larger Than Block-Size Key - Hash Key First'), 'RFC 4231 test case 6'],
    [
      rep(0xaa, 131),
      text(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ),
      'RFC 4231 test case 7',
    ],
  ];
  const tags = cases.map(([k, m]) => hmacSha512(suite, k, m));
  if (hex(tags[0]!) !== RFC4231_TC1 || hex(tags[1]!) !== RFC4231_TC2) throw new Error('HMAC disagrees with RFC 4231');
  cases.forEach(([key, msg, comment], i) => {
    const flags = key.length > 128 ? ['Rfc4231', 'LongKey'] : ['Rfc4231'];
    hmac({ comment, flags, specRefs: ['SW-3.1-1', 'SW-7.3-1'], key: hex(key), msg: hex(msg), tag: hex(tags[i]!), result: 'valid' });
  });
  for (const [i, bit] of [[0, 0], [1, 511], [5, 256]] as const) {
    const bad = tags[i]!.slice();
    bad[bit >> 3]! ^= 1 << (bit & 7);
    hmac({
      comment: `${cases[i]![2]} with tag bit ${bit} flipped`,
      flags: ['ModifiedTag'],
      specRefs: ['SW-3.1-1'],
      key: hex(cases[i]![0]),
      msg: hex(cases[i]![1]),
      tag: hex(bad),
      result: 'invalid',
    });
  }

  const hk = f.group('HkdfSha512Test', { source: 'RFC 5869 appendix A shapes, SHA-512; computed' });
  const seeded = new Seeded('hkdf');
  const hkdfCases: Array<[Uint8Array, Uint8Array, Uint8Array, number, string, string[]]> = [
    [rep(0x0b, 22), range(0, 13), range(0xf0, 10), 42, 'RFC 5869 A.1 shape', ['Rfc5869Shape']],
    [range(0, 80), range(0x60, 80), range(0xb0, 80), 82, 'RFC 5869 A.2 shape (long inputs)', ['Rfc5869Shape']],
    [rep(0x0b, 22), new Uint8Array(0), new Uint8Array(0), 42, 'RFC 5869 A.3 shape', ['Rfc5869Shape', 'EmptySaltInfo']],
    [seeded.bytes(32), text('saltwire/v1 device key'), seeded.bytes(10), 32, 'device key salt', ['SaltwireLabel']],
    [seeded.bytes(32), text('saltwire/v1 traffic key'), seeded.bytes(25), 32, 'traffic key salt', ['SaltwireLabel']],
    [seeded.bytes(32), seeded.bytes(200), seeded.bytes(300), 200, 'salt longer than the block', ['LongKey']],
    [seeded.bytes(32), seeded.bytes(16), seeded.bytes(16), 64 * 5 + 1, 'five and a bit blocks of output', ['Rfc5869Shape']],
  ];
  for (const [ikm, salt, info, size, comment, flags] of hkdfCases) {
    const prk = hkdfExtract(suite, salt, ikm);
    hk({
      comment,
      flags,
      specRefs: ['SW-3.1-1'], // not [SW-3.1-4]: these test HKDF at other lengths and labels too
      ikm: hex(ikm),
      salt: hex(salt),
      info: hex(info),
      size,
      prk: hex(prk),
      okm: hex(hkdfExpand(suite, prk, info, size)),
      result: 'valid',
    });
  }
  return f;
}
