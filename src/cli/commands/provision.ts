/**
 * `saltwire provision`: a device's credentials for its firmware, from the site key: its id, its key
 * DK(id, gen), the hub's id and address, as a C header (ESP-IDF and the like), JSON or environment
 * variables. They are the device's secret: every format says never to commit them, and --out
 * writes a new file with mode 0600.
 * @module
 */
import { deriveDeviceKey } from '../../crypto/keys.js';
import { defaultCryptoSuite } from '../../node/crypto.js';
import { toHex } from '../../util/bytes.js';
import { UsageError } from '../args.js';
import { EXIT, type Command } from '../command.js';
import { DEFAULT_HUB_ID } from '../endpoint.js';
import { keyFlags, readKey, SITE_KEY, writeKeyFile } from '../key-source.js';

export const NEVER_COMMIT = "this is a device's secret key: never commit it to version control (add the file to .gitignore) and keep it readable by its owner only";

export interface Credentials {
  readonly id: string;
  readonly key: Uint8Array;
  readonly gen: number;
  readonly hubId: string;
  /** HOST:PORT, when given. */
  readonly hub?: { readonly host: string; readonly port: number };
}

/** The credentials in `format`; every format carries the never-commit warning where it can. */
export function formatCredentials(c: Credentials, format: 'c' | 'json' | 'env'): string {
  const hex = toHex(c.key);
  if (format === 'json') {
    return JSON.stringify({ id: c.id, key: hex, gen: c.gen, hubId: c.hubId, ...(c.hub !== undefined && { hub: `${c.hub.host.includes(':') ? `[${c.hub.host}]` : c.hub.host}:${c.hub.port}` }), warning: NEVER_COMMIT });
  }
  if (format === 'env') {
    return [
      `# ${NEVER_COMMIT}`,
      `SALTWIRE_ID=${c.id}`,
      `SALTWIRE_KEY=${hex}`,
      `SALTWIRE_KEY_GEN=${c.gen}`,
      `SALTWIRE_HUB_ID=${c.hubId}`,
      ...(c.hub !== undefined ? [`SALTWIRE_HUB=${c.hub.host.includes(':') ? `[${c.hub.host}]` : c.hub.host}:${c.hub.port}`] : []),
    ].join('\n');
  }
  const bytes = [...c.key].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
  const rows = [0, 8, 16, 24].map((i) => `    ${bytes.slice(i, i + 8).join(', ')}${i < 24 ? ',' : ''}`);
  return [
    `/* Saltwire credentials of device "${c.id}" (saltwire provision).`,
    ` * SECRET: ${NEVER_COMMIT}. */`,
    '#pragma once',
    '#include <stdint.h>',
    '',
    `#define SALTWIRE_DEVICE_ID "${c.id}"`,
    `#define SALTWIRE_HUB_ID "${c.hubId}"`,
    ...(c.hub !== undefined ? [`#define SALTWIRE_HUB_HOST "${c.hub.host}"`, `#define SALTWIRE_HUB_PORT ${c.hub.port}`] : []),
    `#define SALTWIRE_KEY_GENERATION ${c.gen}`,
    '',
    '/* DK(device id, generation), derived from the site key (spec 3.4) */',
    'static const uint8_t SALTWIRE_DEVICE_KEY[32] = {',
    ...rows,
    '};',
  ].join('\n');
}

export const provision: Command = {
  spec: {
    name: 'provision',
    summary: "Prints a device's credentials for its firmware (id, key, hub): a C header, JSON or environment variables.",
    flags: {
      ...keyFlags(SITE_KEY),
      '--device': { value: 'ID', help: "the device's node id", required: true },
      '--format': { value: 'c|json|env', help: 'c: a header for ESP-IDF and the like (default), json, or env (KEY=VALUE lines)' },
      '--hub': { value: 'HOST:PORT', help: "the hub's address, put in the credentials" },
      '--hub-id': { value: 'ID', help: `the hub's node id (default ${DEFAULT_HUB_ID})` },
      '--gen': { value: 'N', help: 'key generation, 0-255 (default 0)' },
      '--out': { value: 'FILE', help: 'write to FILE (a new file, mode 0600) instead of stdout' },
    },
    notes: 'A warning goes to stderr: the credentials hold the device key, a secret never to commit.',
  },
  async run(flags, io) {
    const warnings: string[] = [];
    const site = readKey(flags, io.env, SITE_KEY, warnings);
    const id = flags.nodeId('--device');
    const format = flags.string('--format') ?? 'c';
    if (format !== 'c' && format !== 'json' && format !== 'env') throw new UsageError(`--format must be c, json or env, not ${format}`);
    const gen = flags.int('--gen', 0, 255, 0);
    const hubId = flags.nodeId('--hub-id', DEFAULT_HUB_ID);
    const hub = flags.has('--hub') ? flags.hostPort('--hub') : undefined;
    warnings.forEach((w) => io.err(w));
    const text = formatCredentials({ id, key: deriveDeviceKey(defaultCryptoSuite(), site, id, gen), gen, hubId, ...(hub !== undefined && { hub }) }, format);
    const out = flags.string('--out');
    if (out === undefined) io.out(text);
    else writeKeyFile(out, text, '--out');
    io.err(`warning: ${NEVER_COMMIT}`);
    return EXIT.OK;
  },
};
