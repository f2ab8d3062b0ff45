/**
 * `saltwire keygen` and `saltwire derive`: the keys of a site, printed as 64 hex characters.
 * @module
 */
import { deriveDeviceKey, generateKey } from '../../crypto/keys.js';
import { defaultCryptoSuite } from '../../node/crypto.js';
import { toHex } from '../../util/bytes.js';
import { EXIT, type Command } from '../command.js';

export const keygen: Command = {
  spec: {
    name: 'keygen',
    summary: 'Prints a new random 32-byte key (a site key) as 64 lowercase hex characters.',
    flags: {},
  },
  async run(_flags, io) {
    io.out(toHex(generateKey(defaultCryptoSuite())));
    return EXIT.OK;
  },
};

export const derive: Command = {
  spec: {
    name: 'derive',
    summary: "Prints the key of device ID, DK(ID, gen), derived from the site key, as 64 lowercase hex characters:\nthe device's --key for pub, sub, serve and call.",
    flags: {
      '--site': { value: 'HEX', help: 'the site key, 64 hex characters', required: true },
      '--device': { value: 'ID', help: "the device's node id", required: true },
      '--gen': { value: 'N', help: 'key generation, 0-255 (default 0)' },
    },
  },
  async run(flags, io) {
    const site = flags.key('--site');
    const device = flags.nodeId('--device');
    const gen = flags.int('--gen', 0, 255, 0);
    io.out(toHex(deriveDeviceKey(defaultCryptoSuite(), site, device, gen)));
    return EXIT.OK;
  },
};
