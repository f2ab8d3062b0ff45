/**
 * Where the CLI takes a key from, and where it writes one. A key on the command line (`--key HEX`,
 * `--site HEX`) is visible to every local user (`ps`, /proc/PID/cmdline) and stays in shell history:
 * it still works (scripts rely on it) but warns. The quiet ways are a file (`--key-file FILE`,
 * `--site-file FILE`: 64 hex characters, surrounding whitespace ignored) and the environment
 * (`SALTWIRE_KEY`, `SALTWIRE_SITE_KEY`). Keys are written with mode 0600, never over an existing file.
 * @module
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { Flags, FlagSpec } from './args.js';
import { parseKey, UsageError } from './values.js';
import type { Io } from './command.js';

/** The flags and the variable one key can come from. */
export interface KeySource {
  /** `--key` or `--site`. */
  readonly flag: string;
  /** `--key-file` or `--site-file`. */
  readonly fileFlag: string;
  /** `SALTWIRE_KEY` or `SALTWIRE_SITE_KEY`. */
  readonly env: string;
  /** What the key is, for messages: "this device's key", "the site key". */
  readonly what: string;
}

export const DEVICE_KEY: KeySource = { flag: '--key', fileFlag: '--key-file', env: 'SALTWIRE_KEY', what: "this device's key" };
export const SITE_KEY: KeySource = { flag: '--site', fileFlag: '--site-file', env: 'SALTWIRE_SITE_KEY', what: 'the site key' };

/** The two flags of a key source, for a command's spec. */
export function keyFlags(s: KeySource): Record<string, FlagSpec> {
  return {
    [s.flag]: { value: 'HEX', help: `${s.what}, 64 hex characters (visible in ps: prefer ${s.fileFlag} or ${s.env})` },
    [s.fileFlag]: { value: 'FILE', help: `read ${s.what} from FILE (as written by ${s.flag === '--site' ? 'keygen' : 'derive'} --out)` },
  };
}

/**
 * The key from the flag, the file or the environment, in that order; exactly one of the two flags.
 * A key given on the command line is taken, with a warning added to `warnings`: the command prints
 * them once every flag is valid, so that a usage error stays the first line on stderr. Throws
 * UsageError.
 */
export function readKey(flags: Flags, env: Io['env'], s: KeySource, warnings: string[]): Uint8Array {
  if (flags.has(s.flag) && flags.has(s.fileFlag)) throw new UsageError(`${s.flag} and ${s.fileFlag} are two sources of one key: give one`);
  const inline = flags.string(s.flag);
  if (inline !== undefined) {
    const key = parseKey(inline, s.flag);
    warnings.push(`warning: ${s.flag} puts ${s.what} in the process list and shell history: use ${s.fileFlag} FILE or ${s.env}`);
    return key;
  }
  const file = flags.string(s.fileFlag);
  if (file !== undefined) return readKeyFile(file, s.fileFlag, (w) => warnings.push(w));
  const value = env[s.env];
  if (value !== undefined && value !== '') return parseKey(value, `${s.env} (environment)`);
  throw new UsageError(`missing ${s.what}: ${s.fileFlag} FILE, environment variable ${s.env}, or ${s.flag} HEX`);
}

/** Reads a key file; warns when other users may read it. */
export function readKeyFile(path: string, what: string, warn: (line: string) => void): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const key = parseKey(text, `${what} ${path}`);
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    warn(`warning: ${path} is readable by other users (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${path}`);
  }
  return key;
}

/**
 * Writes `hex` and a newline to `path` with mode 0600, created new: an existing file (a key
 * already in use) is never overwritten. Throws UsageError.
 */
export function writeKeyFile(path: string, hex: string, what: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' ? `${what}: ${path} exists: a key is never overwritten (remove it first)` : `${what}: cannot create ${JSON.stringify(path)}: ${code ?? String(e)}`);
  }
  try {
    writeSync(fd, `${hex}\n`);
    if ((fstatSync(fd).mode & 0o077) !== 0) throw new UsageError(`${what}: ${path} was created readable by others`);
  } finally {
    closeSync(fd);
  }
}
