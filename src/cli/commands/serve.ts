/**
 * `saltwire serve --echo`: serves the methods `echo` and `time` until SIGINT or SIGTERM.
 * @module
 */
import type { Messaging } from '../../messaging/api.js';
import { UsageError } from '../args.js';
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

export const serve: Command = {
  spec: {
    name: 'serve',
    summary: 'Serves RPC methods to other devices through the hub until SIGINT or SIGTERM (then exits 0).',
    flags: {
      ...CLIENT_FLAGS,
      '--echo': { help: 'serve `echo` (returns its params) and `time` (returns {"iso":ISO-8601,"epochMs":N})', required: true },
    },
    notes: [
      'Prints "ready" on stdout once the methods are registered and the hub answered: calls can reach',
      'this device from then on.',
      'Exit codes: 0 after SIGINT/SIGTERM, 1 usage or other error, 3 the hub did not answer within',
      '  --connect-timeout (not running there, or a wrong key).',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    if (!flags.bool('--echo')) throw new UsageError('missing --echo (the only service of this version)');
    const ep = await openEndpoint(settings, io.err);
    try {
      const stop = serveEcho(ep.client);
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
