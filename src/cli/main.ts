#!/usr/bin/env node
/**
 * The `saltwire` command. This version has the key commands; hub, pub, sub, serve and call come
 * with the messaging layer.
 * @module
 */
import { assertNodeId, deriveDeviceKey, fromHex, generateKey, InvalidArgumentError, SaltwireError, toHex } from '../core.js';
import { defaultCryptoSuite } from '../node/crypto.js';

const USAGE = `usage:
  saltwire keygen                          print a new random 32-byte key as 64 hex characters
  saltwire derive --site HEX --device ID   print the device key DK(ID, gen) as 64 hex characters
                 [--gen N]                 key generation, 0-255 (default 0)
  saltwire <command> --help`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new InvalidArgumentError(`${name} needs a value`);
  return v;
}

export function run(args: string[], out: (s: string) => void = console.log): number {
  const [cmd, ...rest] = args;
  if (cmd === undefined || cmd === '--help' || cmd === 'help' || rest.includes('--help')) {
    out(USAGE);
    return cmd === undefined ? 1 : 0;
  }
  const suite = defaultCryptoSuite();
  switch (cmd) {
    case 'keygen':
      out(toHex(generateKey(suite)));
      return 0;
    case 'derive': {
      const site = flag(rest, '--site');
      const device = flag(rest, '--device');
      if (site === undefined || device === undefined) throw new InvalidArgumentError('derive needs --site HEX and --device ID');
      if (!/^[0-9a-fA-F]{64}$/.test(site)) throw new InvalidArgumentError('--site must be 64 hex characters (a 32-byte key)');
      assertNodeId(device);
      const gen = Number(flag(rest, '--gen') ?? '0');
      out(toHex(deriveDeviceKey(suite, fromHex(site), device, gen)));
      return 0;
    }
    default:
      throw new InvalidArgumentError(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]main\.(t|j)s$/.test(process.argv[1]);
if (invokedDirectly) {
  try {
    process.exitCode = run(process.argv.slice(2));
  } catch (e) {
    console.error(`saltwire: ${e instanceof SaltwireError ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
