/** secretbox.json: XSalsa20-Poly1305 box encoding (tag || ciphertext) and tampering. */
import { hex, Seeded, suite, VectorFile } from './common.js';

export function secretboxVectors(): VectorFile {
  const f = new VectorFile(
    'secretbox.json',
    'XSalsa20-Poly1305 (NaCl crypto_secretbox)',
    'saltwire_secretbox_schema_v1',
    ['Box = 16-byte Poly1305 tag || ciphertext, as crypto_secretbox_easy (spec 3.1, 7.1).'],
    {
      Normal: { bugType: 'BASIC', description: 'Random key, nonce and message.' },
      Length: { bugType: 'EDGE_CASE', description: 'Message length at a block or tag boundary (0, 1, 15-17, 31-33, 63-65, 1024).' },
      ExtremeKey: { bugType: 'EDGE_CASE', description: 'All-zero or all-0xff key or nonce.' },
      ModifiedTag: { bugType: 'AUTH_BYPASS', description: 'The tag was changed; open must fail.' },
      ModifiedCiphertext: { bugType: 'AUTH_BYPASS', description: 'The ciphertext was changed; open must fail.' },
      Truncated: { bugType: 'MODIFIED_PARAMETER', description: 'The box is shorter than the tag, or was cut; open must fail.' },
      ZeroTag: { bugType: 'AUTH_BYPASS', description: 'The tag was replaced with zeros; open must fail.' },
    },
  );
  const rnd = new Seeded('secretbox');
  const g = f.group('SecretboxTest', {});
  const key = rnd.bytes(32);
  const nonce = rnd.bytes(24);
  for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1024]) {
    const msg = rnd.bytes(n);
    g({ comment: `message of ${n} bytes`, flags: ['Length'], specRefs: ['SW-7.1-1'], key: hex(key), nonce: hex(nonce), msg: hex(msg), box: hex(suite.seal(key, nonce, msg)), result: 'valid' });
  }
  const ext: Array<[Uint8Array, Uint8Array, string]> = [
    [new Uint8Array(32), new Uint8Array(24), 'all-zero key and nonce'],
    [new Uint8Array(32).fill(0xff), new Uint8Array(24).fill(0xff), 'all-0xff key and nonce'],
    [rnd.bytes(32), new Uint8Array(24), 'random key, zero nonce'],
  ];
  for (const [k, nn, comment] of ext) {
    const msg = rnd.bytes(40);
    g({ comment, flags: ['ExtremeKey'], specRefs: ['SW-7.1-1'], key: hex(k), nonce: hex(nn), msg: hex(msg), box: hex(suite.seal(k, nn, msg)), result: 'valid' });
  }
  for (let i = 0; i < 3; i++) {
    const k = rnd.bytes(32);
    const nn = rnd.bytes(24);
    const msg = rnd.bytes(1 + rnd.int(200));
    g({ comment: 'random', flags: ['Normal'], specRefs: ['SW-7.1-1'], key: hex(k), nonce: hex(nn), msg: hex(msg), box: hex(suite.seal(k, nn, msg)), result: 'valid' });
  }
  const msg = rnd.bytes(48);
  const box = suite.seal(key, nonce, msg);
  const bad = (mut: (b: Uint8Array) => Uint8Array, comment: string, flag: string): void =>
    g({ comment, flags: [flag], specRefs: ['SW-4.5-2', 'SW-7.2-1'], key: hex(key), nonce: hex(nonce), msg: hex(msg), box: hex(mut(box.slice())), result: 'invalid' });
  for (const bit of [0, 7, 64, 127]) bad((b) => ((b[bit >> 3]! ^= 1 << (bit & 7)), b), `tag bit ${bit} flipped`, 'ModifiedTag');
  for (const i of [16, 40, 63]) bad((b) => ((b[i]! ^= 0x80), b), `ciphertext byte ${i - 16} changed`, 'ModifiedCiphertext');
  bad((b) => (b.fill(0, 0, 16), b), 'tag replaced by zeros', 'ZeroTag');
  bad((b) => b.subarray(0, 15), 'box of 15 bytes (shorter than a tag)', 'Truncated');
  bad((b) => b.subarray(0, b.length - 1), 'last byte removed', 'Truncated');
  bad(() => new Uint8Array(0), 'empty box', 'Truncated');
  return f;
}
