#!/usr/bin/env node
/**
 * The `saltwire` command: dispatches to the commands of ./commands, prints errors as one line
 * (never a stack trace) and maps them to exit codes (command.ts).
 * @module
 */
import { realpathSync } from 'node:fs';
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
});

export const USAGE = `usage: saltwire <command> [flags]

commands:
  keygen   print a new random site key (64 hex characters)
  derive   print a device's key: derive --site HEX --device ID
  hub      run a hub: hub --listen HOST:PORT --site HEX [--config FILE]
  pub      publish: pub --hub HOST:PORT --id ID --key HEX --topic TOPIC --message TEXT
  sub      subscribe and print: sub --hub HOST:PORT --id ID --key HEX --topic FILTER
  serve    serve echo and time: serve --hub HOST:PORT --id ID --key HEX --echo
  call     call a method: call --hub HOST:PORT --id ID --key HEX --to ID --method NAME

Devices take their key from --key or the environment variable SALTWIRE_KEY. The hub's node id is
"hub" unless the hub is given --id ID and the devices --hub-id ID. pub, sub, serve and call exit 3
when the hub has not answered within --connect-timeout (default 5s): not running there, or a
wrong key. State goes to $XDG_STATE_HOME/saltwire (default ~/.local/state/saltwire) unless --state.
saltwire <command> --help shows a command's flags, output and exit codes.`;

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
