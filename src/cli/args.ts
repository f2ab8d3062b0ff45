/**
 * The CLI's flag parser: each command declares its flags in one table (CommandSpec.flags), which
 * feeds the parser, --help (commandUsage) and shell completion (commands/completion.ts). The words
 * are split by Node's own `util.parseArgs` (node:util, no dependency), configured from that table
 * (parseArgsOptions); its tokens are then checked here, because the messages and exit codes are
 * contracts that scripts and tests rely on: a usage error names the flag and the problem, then the
 * usage, exit 1; unknown flags, repeated flags (never merged), a boolean given a value and stray
 * words are refused. util.parseArgs' strict mode would refuse all of these too, but with its own
 * messages and without the flag's placeholder, and it refuses `--flag -1` (a value starting with a
 * dash) where `--flag --x` alone is ambiguous. The typed getters of Flags validate values with an
 * error that names the flag. Every such error is a UsageError: the CLI prints it with the command's
 * usage and exits 1.
 * @module
 */
import { parseArgs as splitArgs, type ParseArgsConfig } from 'node:util';
import type { QoS } from '../messaging/ops.js';
import { parseDuration, parseHostPort, parseJson, parseKey, parseNodeId, parseInteger, parsePositive, parseQos, parseTopic, UsageError, type HostPort } from './values.js';

export * from './values.js';

export interface FlagSpec {
  /** Placeholder of the value (`HEX`, `N`); absent for a boolean flag. */
  readonly value?: string;
  readonly help: string;
  readonly required?: boolean;
  /** A one-letter alias (`-v`), as mosquitto_sub has. */
  readonly short?: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line: what the command does. */
  readonly summary: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Further paragraphs of --help (output formats, exit codes). */
  readonly notes?: string;
  /** One optional positional argument (`inspect DATAGRAM`); Flags.positional() returns it. */
  readonly positional?: { readonly name: string; readonly help: string };
}

/** The --help text of a command. */
export function commandUsage(spec: CommandSpec): string {
  const entries = Object.entries(spec.flags);
  const req = entries.filter(([, f]) => f.required === true).map(([n, f]) => (f.value === undefined ? n : `${n} ${f.value}`));
  const opt = entries.some(([, f]) => f.required !== true) ? ' [options]' : '';
  const pos = spec.positional === undefined ? '' : ` [${spec.positional.name}]`;
  const lines = [`usage: saltwire ${spec.name}${req.map((r) => ` ${r}`).join('')}${opt}${pos}`, '', spec.summary, '', 'flags:'];
  const rows: Array<[string, string]> = entries.map(([n, f]) => [
    `${f.short === undefined ? '' : `${f.short}, `}${n}${f.value === undefined ? '' : ` ${f.value}`}`,
    `${f.help}${f.required === true ? ' (required)' : ''}`,
  ]);
  if (spec.positional !== undefined) rows.unshift([spec.positional.name, spec.positional.help]);
  rows.push(['--help', 'show this help']);
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [l, r] of rows) lines.push(`  ${l.padEnd(w)}${r}`);
  if (spec.notes !== undefined) lines.push('', spec.notes);
  return lines.join('\n');
}

/** The key of the positional argument in Flags' map: not a flag name. */
const POSITIONAL = ' positional';

/** The options table of `util.parseArgs` for a command: each flag by its name without `--`. */
export function parseArgsOptions(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [flag, f] of Object.entries(spec.flags)) {
    options[flag.slice(2)] = { type: f.value === undefined ? 'boolean' : 'string', ...(f.short === undefined ? {} : { short: f.short.slice(1) }) };
  }
  return options;
}

/** Parses `argv` (the words after the command name); 'help' if --help or -h is among them. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): Flags | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  // not strict: unknown flags, missing values and so on come back as tokens, refused below in our words
  const { tokens } = splitArgs({ args: [...argv], options: parseArgsOptions(spec), strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string | true>();
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue; // `--`: every word after it is a positional
    if (t.kind === 'positional') {
      if (spec.positional === undefined || values.has(POSITIONAL)) throw new UsageError(`unexpected argument ${JSON.stringify(t.value)}: every value follows its --flag`);
      values.set(POSITIONAL, t.value);
      continue;
    }
    const name = `--${t.name}`;
    const declared = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    // `-x` names a flag only as its declared short form, never as a long flag `--x`
    const f = t.rawName === name || t.rawName === declared?.short ? declared : undefined;
    if (f === undefined) throw new UsageError(`unknown flag ${t.rawName} for "saltwire ${spec.name}" (see saltwire ${spec.name} --help)`);
    if (values.has(name)) throw new UsageError(`${name} is given twice`);
    if (f.value === undefined) {
      if (t.value !== undefined) throw new UsageError(`${name} takes no value`);
      values.set(name, true);
    } else if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) {
      // `--hub --json`: util.parseArgs takes `--json` as the value; a forgotten value is likelier
      throw new UsageError(`${name} needs a value ${f.value}${t.value === undefined ? '' : ` (for a value starting with --, write ${name}=VALUE)`}`);
    } else {
      values.set(name, t.value);
    }
  }
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.required === true && !values.has(name)) throw new UsageError(`missing ${name} ${f.value ?? ''}`.trimEnd());
  }
  return new Flags(values);
}

/** The parsed flags of one command line, with typed, validating getters. */
export class Flags {
  constructor(private readonly values: ReadonlyMap<string, string | true>) {}

  /** The positional argument (CommandSpec.positional), if given. */
  positional(): string | undefined {
    const v = this.values.get(POSITIONAL);
    return typeof v === 'string' ? v : undefined;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  require(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`missing ${name}`);
    return v;
  }

  /** The value of `name`, or of environment variable `env` when the flag is absent. */
  key(name: string, env?: { readonly name: string; readonly value: string | undefined }): Uint8Array {
    const v = this.string(name);
    if (v !== undefined) return parseKey(v, name);
    if (env?.value !== undefined && env.value !== '') return parseKey(env.value, `${env.name} (environment)`);
    throw new UsageError(`missing ${name} HEX${env === undefined ? '' : ` (or environment variable ${env.name})`}`);
  }

  nodeId(name: string, fallback?: string): string {
    const v = this.string(name) ?? fallback;
    if (v === undefined) throw new UsageError(`missing ${name} ID`);
    return parseNodeId(v, name);
  }

  hostPort(name: string, o?: { allowZero?: boolean; literalIp?: boolean }): HostPort {
    return parseHostPort(this.require(name), name, o);
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const v = this.string(name);
    return v === undefined ? fallback : parseInteger(v, name, min, max);
  }

  positive(name: string, max: number): number | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : parsePositive(v, name, max);
  }

  /** A duration flag in ms (parseDuration): `fallbackMs` when absent. */
  duration(name: string, bareUnit: 'ms' | 's', maxMs: number, fallbackMs: number): number;
  duration(name: string, bareUnit: 'ms' | 's', maxMs: number): number | undefined;
  duration(name: string, bareUnit: 'ms' | 's', maxMs: number, fallbackMs?: number): number | undefined {
    const v = this.string(name);
    return v === undefined ? fallbackMs : parseDuration(v, name, bareUnit, maxMs);
  }

  qos(name: string): QoS {
    const v = this.string(name);
    return v === undefined ? 0 : parseQos(v, name);
  }

  topic(name: string, kind: 'name' | 'filter'): string {
    return parseTopic(this.require(name), name, kind);
  }

  json(name: string): unknown {
    const v = this.string(name);
    return v === undefined ? undefined : parseJson(v, name);
  }
}
