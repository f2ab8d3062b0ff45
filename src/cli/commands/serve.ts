/**
 * `saltwire serve`: serves methods until SIGINT or SIGTERM: `echo` and `time` (--echo), the
 * functions a module exports (--module FILE), or a command run per call (--method NAME --command
 * CMD); see serve-handlers.ts.
 * @module
 */
import type { Handler, Messaging } from '../../messaging/api.js';
import { UsageError } from '../args.js';
import { commandHandler, handlersOfModule } from '../serve-handlers.js';
import { EXIT, type Command } from '../command.js';
import { CLIENT_FLAGS, clientSettings, openEndpoint, readyOrStopped } from '../endpoint.js';

/** The result of `time`. */
export interface TimeResult {
  /** The current time, ISO 8601 in UTC (`2026-01-02T03:04:05.678Z`). */
  readonly iso: string;
  /** The same instant in ms since 1970-01-01T00:00:00Z. */
  readonly epochMs: number;
}

export function timeResult(now: number = Date.now()): TimeResult {
  return { iso: new Date(now).toISOString(), epochMs: now };
}

/** Registers `echo` (returns its params) and `time` (returns TimeResult); returns a function that stops serving them. */
export function serveEcho(m: Messaging): () => void {
  const stops = [m.serve('echo', (params) => params), m.serve('time', () => timeResult())];
  return () => stops.forEach((s) => s());
}

/** 'echo', or the handlers of --module or --command; UsageError unless exactly one is given. */
async function handlersOf(flags: import('../args.js').Flags): Promise<'echo' | Map<string, Handler>> {
  const given = ['--echo', '--module', '--command'].filter((f) => flags.has(f));
  if (given.length !== 1) throw new UsageError(given.length === 0 ? 'nothing to serve: give --echo, --module FILE, or --method NAME --command CMD' : `${given.join(' and ')}: give one`);
  if (flags.has('--method') !== flags.has('--command')) throw new UsageError('--method and --command go together');
  if (flags.has('--command-timeout') && !flags.has('--command')) throw new UsageError('--command-timeout needs --command');
  if (flags.bool('--echo')) return 'echo';
  const file = flags.string('--module');
  if (file !== undefined) return handlersOfModule(file);
  const method = flags.require('--method');
  if (method.length === 0) throw new UsageError('--method must not be empty');
  return new Map([[method, commandHandler(flags.require('--command'), flags.duration('--command-timeout', 'ms', 86_400_000, 30_000))]]);
}

export const serve: Command = {
  spec: {
    name: 'serve',
    summary: 'Serves RPC methods to other devices through the hub until SIGINT or SIGTERM (then exits 0).',
    flags: {
      ...CLIENT_FLAGS,
      '--echo': { help: 'serve `echo` (returns its params) and `time` (returns {"iso":ISO-8601,"epochMs":N})' },
      '--module': { value: 'FILE', help: 'serve every function FILE exports (an ES module), each a method named after its export' },
      '--method': { value: 'NAME', help: 'with --command: the method to serve' },
      '--command': { value: 'CMD', help: 'run CMD (sh -c) per call: params as JSON on stdin, the result on stdout (JSON, else text); exit N != 0 is remote error exit-N' },
      '--command-timeout': { value: 'DURATION', help: 'kill a --command still running after DURATION (default 30s; the caller gets remote error `timeout`)' },
    },
    notes: [
      'Serves one of: --echo, --module FILE, or --method NAME --command CMD (SALTWIRE_CALLER and SALTWIRE_METHOD',
      '  are in the command\'s environment; its stderr is the message of a remote error).',
      'Prints "ready" on stdout once the methods are registered and the hub answered: calls can reach',
      'this device from then on.',
      'Exit codes: 0 after SIGINT/SIGTERM, 1 usage or other error, 3 the hub did not answer within',
      '  --connect-timeout (not running there, or a wrong key).',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    const handlers = await handlersOf(flags);
    const ep = await openEndpoint(settings, io.err);
    try {
      const stops = handlers === 'echo' ? [serveEcho(ep.client)] : [...handlers].map(([name, h]) => ep.client.serve(name, h));
      const stop = (): void => stops.forEach((s) => s());
      if ((await readyOrStopped(ep, io.stopped)) === 'ready') {
        io.out('ready');
        await io.stopped;
      }
      stop();
      return EXIT.OK;
    } finally {
      await ep.close();
    }
  },
};
