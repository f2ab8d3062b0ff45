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
import { formatView, plain, viewDatagram, type DatagramView, type OpenContext } from '../datagram-view.js';
import { isPcap, udpDatagrams } from '../pcap.js';
import { parseHeader } from '../../wire/header.js';
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
      '--file': { value: 'FILE', help: 'read the datagram from FILE instead: raw bytes, hex text, or a pcap capture (every UDP datagram in it)' },
      '--index': { value: 'N', help: 'with a capture: only packet N (numbered as Wireshark does)' },
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
      'A capture: each UDP datagram in turn; a SHORT header is opened with the sender, epoch and BOOT of the',
      '  last FULL datagram from its address, the receiver named by the FULL datagrams from the other end.',
      'Exit codes: 0 decoded (and authenticated, if a key was given), 1 usage error, 2 the header is invalid',
      '  or the datagram does not authenticate under the key (a capture: a Saltwire datagram that does not).',
    ].join('\n'),
  },
  async run(flags, io) {
    const file = flags.string('--file');
    const arg = flags.positional();
    if ((file === undefined) === (arg === undefined)) throw new UsageError('give the datagram: as hex (saltwire inspect HEX) or --file FILE');
    let d: Uint8Array | undefined;
    let capture: ReturnType<typeof udpDatagrams> | undefined;
    if (file !== undefined) {
      const raw = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--file: cannot read ${JSON.stringify(file)}: ${e.code ?? String(e)}`);
      });
      const text = raw.toString('latin1');
      if (isPcap(raw)) capture = udpDatagrams(new Uint8Array(raw));
      else d = /^[\s0-9a-fA-Fx:]+$/.test(text) ? parseHexBytes(text, file) : new Uint8Array(raw);
    } else d = parseHexBytes(arg!, 'DATAGRAM');
    if (flags.has('--index') && capture === undefined) throw new UsageError('--index picks a packet of a capture (--file FILE.pcap)');
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
    const ctx: OpenContext = {
      suite,
      hubId: flags.nodeId('--hub-id', 'hub'),
      ...(key !== undefined && { key }),
      ...(flags.has('--to') && { to: flags.nodeId('--to') }),
      ...(flags.has('--from') && { from: flags.nodeId('--from') }),
      ...(epoch !== undefined && { epoch }),
      ...(boot !== undefined && { boot }),
    };
    const paint = painter(colourWanted(io.isTTY, io.env));
    if (capture !== undefined) return inspectCapture(capture, ctx, flags.has('--index') ? flags.int('--index', 1, Number.MAX_SAFE_INTEGER, 1) : undefined, flags.bool('--json'), io.out, paint);
    const view = viewDatagram(d!, ctx);
    if (flags.bool('--json')) io.out(JSON.stringify(plain(view)));
    else for (const l of formatView(view, paint)) io.out(l);
    return 'drop' in view.header || view.authenticates === 'no' ? EXIT.TIMEOUT : EXIT.OK;
  },
};

/**
 * Every UDP datagram of a capture (or packet `only`), each opened with what the capture says of its
 * ends: the last FULL header from its source address gives a SHORT header's sender, epoch and BOOT;
 * the FULL headers from its destination address name its receiver.
 */
function inspectCapture(
  packets: ReturnType<typeof udpDatagrams>,
  ctx: OpenContext,
  only: number | undefined,
  json: boolean,
  out: (line: string) => void,
  paint: ReturnType<typeof painter>,
): number {
  const senders = new Map<string, { id: string; epoch: number; boot: Uint8Array }>();
  const views: Array<{ index: number; src: string; dst: string; view: DatagramView }> = [];
  for (const p of packets) {
    const h = parseHeader(p.payload);
    if (typeof h !== 'string' && h.form === 'FULL') senders.set(p.src, { id: h.senderId, epoch: h.epoch, boot: h.boot });
    if (only !== undefined && p.index !== only) continue;
    const from = senders.get(p.src);
    const to = senders.get(p.dst)?.id ?? ctx.to;
    const here: OpenContext = { ...ctx, ...(from !== undefined && { from: from.id, epoch: from.epoch, boot: from.boot }), ...(to !== undefined && { to }) };
    views.push({ index: p.index, src: p.src, dst: p.dst, view: viewDatagram(p.payload, here) });
  }
  if (json) out(JSON.stringify(plain(views)));
  else {
    for (const v of views) {
      out(paint('bold', `packet ${v.index}: ${v.src} -> ${v.dst}`));
      for (const l of formatView(v.view, paint)) out(`  ${l}`);
    }
    out(`${views.length} UDP datagrams`);
  }
  return views.some((v) => !('drop' in v.view.header) && v.view.authenticates === 'no') ? EXIT.TIMEOUT : EXIT.OK;
}

function parseKeyLike(text: string): Uint8Array {
  const b = parseHexBytes(text, '--boot');
  if (b.length !== 8) throw new UsageError(`--boot must be 8 bytes (16 hex characters), got ${b.length}`);
  return b;
}

