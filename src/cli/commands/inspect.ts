/**
 * `saltwire inspect [DATAGRAM]`: decodes one datagram for a firmware engineer, each header field
 * beside its bytes, whether it authenticates under the key given, and its frames and operations.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { defaultCryptoSuite } from '../../node/crypto.js';
import { deriveDeviceKey } from '../../crypto/keys.js';
import { UsageError } from '../args.js';
import { colourWanted, painter } from '../colour.js';
import { EXIT, type Command } from '../command.js';
import { formatView, plain, viewDatagram, type OpenContext } from '../datagram-view.js';
import { DEVICE_KEY, keyFlags, readKey, SITE_KEY } from '../key-source.js';
import { fromHex } from '../../util/bytes.js';

/** Hex with optional spaces, colons or a 0x prefix, as captures and logs print it. */
export function parseHexBytes(text: string, what: string): Uint8Array {
  const t = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (t.length === 0 || t.length % 2 !== 0 || /[^0-9a-fA-F]/.test(t)) throw new UsageError(`${what} is not hex bytes (two hex digits per byte; spaces and colons allowed)`);
  return fromHex(t);
}

export const inspect: Command = {
  spec: {
    name: 'inspect',
    summary: 'Decodes a datagram: each header field beside its bytes, whether it authenticates, its frames and operations.',
    positional: { name: 'DATAGRAM', help: 'the datagram in hex (spaces and colons allowed)' },
    flags: {
      '--file': { value: 'FILE', help: 'read the datagram from FILE instead: raw bytes, or hex text' },
      ...keyFlags(DEVICE_KEY),
      ...keyFlags(SITE_KEY),
      '--to': { value: 'ID', help: "the receiver's id (default: the hub, for a datagram a device sent)" },
      '--hub-id': { value: 'ID', help: "the hub's id (default hub)" },
      '--from': { value: 'ID', help: 'SHORT header: the sender (a SHORT header names none)' },
      '--epoch': { value: 'N', help: "SHORT header: the sender's epoch" },
      '--boot': { value: 'HEX', help: "SHORT header: the sender's BOOT (16 hex characters)" },
      '--json': { help: 'print one JSON object' },
    },
    notes: [
      'The key is the pair key (a device key: --key-file, SALTWIRE_KEY), or the site key (--site-file,',
      '  SALTWIRE_SITE_KEY), from which the device key is derived. Without a key the header is still decoded.',
      'Exit codes: 0 decoded (and authenticated, if a key was given), 1 usage error, 2 the header is invalid',
      '  or the datagram does not authenticate under the key.',
    ].join('\n'),
  },
  async run(flags, io) {
    const file = flags.string('--file');
    const arg = flags.positional();
    if ((file === undefined) === (arg === undefined)) throw new UsageError('give the datagram: as hex (saltwire inspect HEX) or --file FILE');
    let d: Uint8Array;
    if (file !== undefined) {
      const raw = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--file: cannot read ${JSON.stringify(file)}: ${e.code ?? String(e)}`);
      });
      const text = raw.toString('latin1');
      d = /^[\s0-9a-fA-Fx:]+$/.test(text) ? parseHexBytes(text, file) : new Uint8Array(raw);
    } else d = parseHexBytes(arg!, 'DATAGRAM');
    const suite = defaultCryptoSuite();
    const warnings: string[] = [];
    const device = flags.has('--key') || flags.has('--key-file') || (!flags.has('--site') && !flags.has('--site-file') && (io.env['SALTWIRE_KEY'] ?? '') !== '');
    const site = !device && (flags.has('--site') || flags.has('--site-file') || (io.env['SALTWIRE_SITE_KEY'] ?? '') !== '');
    let key: OpenContext['key'];
    if (device) key = readKey(flags, io.env, DEVICE_KEY, warnings);
    else if (site) {
      const siteKey = readKey(flags, io.env, SITE_KEY, warnings);
      key = (id) => deriveDeviceKey(suite, siteKey, id, 0);
    }
    const epoch = flags.has('--epoch') ? flags.int('--epoch', 1, 0xffffffff, 1) : undefined;
    const boot = flags.has('--boot') ? parseKeyLike(flags.require('--boot')) : undefined;
    warnings.forEach((w) => io.err(w));
    const view = viewDatagram(d, {
      suite,
      hubId: flags.nodeId('--hub-id', 'hub'),
      ...(key !== undefined && { key }),
      ...(flags.has('--to') && { to: flags.nodeId('--to') }),
      ...(flags.has('--from') && { from: flags.nodeId('--from') }),
      ...(epoch !== undefined && { epoch }),
      ...(boot !== undefined && { boot }),
    });
    if (flags.bool('--json')) io.out(JSON.stringify(plain(view)));
    else for (const l of formatView(view, painter(colourWanted(io.isTTY, io.env)))) io.out(l);
    return 'drop' in view.header || view.authenticates === 'no' ? EXIT.TIMEOUT : EXIT.OK;
  },
};

function parseKeyLike(text: string): Uint8Array {
  const b = parseHexBytes(text, '--boot');
  if (b.length !== 8) throw new UsageError(`--boot must be 8 bytes (16 hex characters), got ${b.length}`);
  return b;
}

