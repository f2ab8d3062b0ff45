/**
 * `saltwire keygen` and `saltwire derive`: the keys of a site, printed as 64 hex characters, or
 * written to a new file with mode 0600 (--out).
 * @module
 */
import { deriveDeviceKey, generateKey } from '../../crypto/keys.js';
import { defaultCryptoSuite } from '../../node/crypto.js';
import { toHex } from '../../util/bytes.js';
import { UsageError, type Flags } from '../args.js';
import { EXIT, type Command, type Io } from '../command.js';
import { keyFlags, readKey, SITE_KEY, writeKeyFile } from '../key-source.js';

const OUT_HELP = 'write the key to FILE (created with mode 0600; never overwrites) instead of stdout';

const JSON_HELP = 'print one JSON object instead of the bare hex (not with --out, whose file --key-file and --site-file read)';

/** The key to stdout (hex, or `json` as one object) or to a new 0600 file. */
function emit(hex: string, flags: Flags, io: Io, json: Record<string, unknown>): void {
  const out = flags.string('--out');
  if (out !== undefined && flags.bool('--json')) throw new UsageError('--json prints; --out writes the bare hex a key file holds: give one');
  if (out !== undefined) writeKeyFile(out, hex, '--out');
  else io.out(flags.bool('--json') ? JSON.stringify({ ...json, key: hex }) : hex);
}

export const keygen: Command = {
  spec: {
    name: 'keygen',
    summary: 'Prints a new random 32-byte key (a site key) as 64 lowercase hex characters.',
    flags: { '--out': { value: 'FILE', help: OUT_HELP }, '--json': { help: JSON_HELP } },
    notes: 'The site key is the secret of every device of the site: keep it in a file only the hub can read.',
  },
  async run(flags, io) {
    emit(toHex(generateKey(defaultCryptoSuite())), flags, io, {});
    return EXIT.OK;
  },
};

export const derive: Command = {
  spec: {
    name: 'derive',
    summary: "Prints the key of device ID, DK(ID, gen), derived from the site key, as 64 lowercase hex characters:\nthe device's key for pub, sub, serve and call (--key-file, SALTWIRE_KEY).",
    flags: {
      ...keyFlags(SITE_KEY),
      '--device': { value: 'ID', help: "the device's node id", required: true },
      '--gen': { value: 'N', help: 'key generation, 0-255 (default 0)' },
      '--out': { value: 'FILE', help: OUT_HELP },
      '--json': { help: JSON_HELP },
    },
    notes: 'The site key comes from --site-file FILE, the environment variable SALTWIRE_SITE_KEY, or --site HEX.',
  },
  async run(flags, io) {
    const warnings: string[] = [];
    const site = readKey(flags, io.env, SITE_KEY, warnings);
    const device = flags.nodeId('--device');
    const gen = flags.int('--gen', 0, 255, 0);
    warnings.forEach((w) => io.err(w));
    emit(toHex(deriveDeviceKey(defaultCryptoSuite(), site, device, gen)), flags, io, { device, gen });
    return EXIT.OK;
  },
};
