#!/usr/bin/env node
/**
 * The `saltwire` command: dispatches to the commands of ./commands, prints errors as one line
 * (never a stack trace) and maps them to exit codes (command.ts).
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SaltwireError } from '../errors.js';
import { commandUsage, parseArgs, UsageError } from './args.js';
import { EXIT, exitCodeFor, type Command, type Io } from './command.js';

/** The commands, each loaded when run: keygen and derive do not load the message layer. */
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = Object.freeze({
  keygen: async () => (await import('./commands/keys.js')).keygen,
  derive: async () => (await import('./commands/keys.js')).derive,
  hub: async () => (await import('./commands/hub.js')).hub,
  pub: async () => (await import('./commands/pub.js')).pub,
  sub: async () => (await import('./commands/sub.js')).sub,
  serve: async () => (await import('./commands/serve.js')).serve,
  call: async () => (await import('./commands/call.js')).call,
  completion: async () => (await import('./commands/completion.js')).completion,
  inspect: async () => (await import('./commands/inspect.js')).inspect,
  provision: async () => (await import('./commands/provision.js')).provision,
  status: async () => (await import('./commands/status.js')).status,
  conformance: async () => (await import('./commands/conformance.js')).conformance,
});

export const USAGE = `usage: saltwire <command> [flags]

commands:
  keygen   a new random site key: keygen --out site.key (mode 0600), or printed as 64 hex characters
  derive   a device's key: derive --site-file site.key --device ID [--out FILE]
  hub      run a hub: hub --listen HOST:PORT --site-file site.key [--config FILE]
  pub      publish: pub --hub HOST:PORT --id ID --key-file FILE --topic TOPIC --message TEXT
  sub      subscribe and print: sub --hub HOST:PORT --id ID --key-file FILE --topic FILTER
  serve    serve echo and time: serve --hub HOST:PORT --id ID --key-file FILE --echo
  call     call a method: call --hub HOST:PORT --id ID --key-file FILE --to ID --method NAME
  status   the devices a hub knows and their state: status --hub HOST:PORT --id ID --key-file FILE
  provision  a device's credentials for firmware: provision --site-file F --device ID --format c|json|env
  inspect  decode a datagram: inspect --key-file FILE HEX (header fields, authenticates?, frames)
  conformance  check an implementation: conformance vectors --adapter "<command>" (source checkout)
  completion  a shell completion script: source <(saltwire completion --shell bash)

Keys come from a file (--key-file, --site-file), the environment (SALTWIRE_KEY, SALTWIRE_SITE_KEY)
or, with a warning (ps shows them to every user), the command line (--key HEX, --site HEX). The
hub's node id is "hub" unless the hub is given --id ID and the devices --hub-id ID. pub, sub, serve
and call exit 3 when the hub has not answered within --connect-timeout (default 5s): not running
there, or a wrong key. State goes to $XDG_STATE_HOME/saltwire (default ~/.local/state/saltwire)
unless --state. saltwire <command> --help shows a command's flags, output and exit codes;
saltwire --version prints the version.`;

/** The package's version, from its package.json (two levels up in src/, three in dist/src/). */
export function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'saltwire' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: the other layout
    }
  }
  return 'unknown';
}

/** Runs one command line; resolves with the exit code. Never throws. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(USAGE);
    return EXIT.ERROR;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`saltwire ${version()}`);
    return EXIT.OK;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    io.err(`saltwire: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return EXIT.ERROR;
  }
  let cmd: Command;
  try {
    cmd = await load();
  } catch (e) {
    io.err(`saltwire ${name}: cannot load the command: ${describe(e)}`);
    return EXIT.ERROR;
  }
  try {
    const flags = parseArgs(cmd.spec, rest);
    if (flags === 'help') {
      io.out(commandUsage(cmd.spec));
      return EXIT.OK;
    }
    return await cmd.run(flags, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`saltwire ${name}: ${e.message}\n\n${commandUsage(cmd.spec)}`);
      return EXIT.ERROR;
    }
    io.err(`saltwire ${name}: ${describe(e)}`);
    return exitCodeFor(e);
  }
}

/** One line for an error: its message (with the cause's), never a stack. */
export function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error && !e.message.includes(e.cause.message) ? `: ${e.cause.message}` : '';
  return `${e instanceof SaltwireError ? '' : `${e.name}: `}${e.message}${cause}`;
}

/** The process's Io: stdout/stderr lines, and a promise of the first SIGINT/SIGTERM (a second one exits 130). */
function processIo(): Io {
  let signalled = false;
  const stopped = new Promise<string>((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      if (signalled) process.exit(130);
      signalled = true;
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    stdin: process.stdin,
    isTTY: process.stdout.isTTY,
    stopped,
  };
}

function isMain(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const fatal = (e: unknown): void => {
    process.stderr.write(`saltwire: ${describe(e)}\n`);
    process.exit(EXIT.ERROR);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  void run(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
    // Everything is closed by now; should a handle linger, do not hang the caller's script.
    setTimeout(() => process.exit(code), 2000).unref();
  });
}
