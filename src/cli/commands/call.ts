/**
 * `saltwire call`: calls a method of a device (through the hub) and prints the result as JSON.
 * @module
 */
import type { Messaging } from '../../messaging/api.js';
import { RpcError, RpcRemoteError } from '../../rpc/errors.js';
import { UsageError } from '../args.js';
import { EXIT, exitCodeFor, type Command, type Io } from '../command.js';
import { CLIENT_FLAGS, clientSettings, openEndpoint, readyOrStopped } from '../endpoint.js';

/**
 * JSON for a MessagePack value: binaries as base64 strings, 64-bit integers as numbers when exact,
 * else as decimal strings, maps as objects, undefined as null.
 */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), x as unknown]));
      return v;
    }) ?? 'null'
  );
}

export interface CallOptionsCli {
  readonly to: string;
  readonly method: string;
  readonly params: unknown;
  readonly timeoutMs: number;
}

/** Calls and prints; resolves with the exit code (0, or 3-7 per RPC_EXIT_CODES, 1 for other errors). */
export async function callAndPrint(m: Messaging, o: CallOptionsCli, io: Pick<Io, 'out' | 'err' | 'stopped'>): Promise<number> {
  const ac = new AbortController();
  void io.stopped.then(() => ac.abort());
  try {
    const result = await m.call(o.to, o.method, o.params, { timeoutMs: o.timeoutMs, signal: ac.signal });
    io.out(toJson(result));
    return EXIT.OK;
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    io.err(`saltwire call: ${e.message}`);
    if (e instanceof RpcRemoteError) {
      io.err(`remote error code: ${e.remoteCode}`);
      io.err(`remote error message: ${e.remoteMessage}`);
      if (e.data !== undefined) io.err(`remote error data: ${toJson(e.data)}`);
    }
    return exitCodeFor(e);
  }
}

export const call: Command = {
  spec: {
    name: 'call',
    summary: 'Calls METHOD on device ID (through the hub) and prints the result as one line of JSON.',
    flags: {
      ...CLIENT_FLAGS,
      '--to': { value: 'ID', help: 'the device to call (the hub id: the hub itself)', required: true },
      '--method': { value: 'NAME', help: 'the method', required: true },
      '--params': { value: 'JSON', help: 'the parameters, one JSON value (default: none, i.e. nil)' },
      '--timeout': { value: 'DURATION', help: 'how long to wait for the result (2s, 500ms; a bare number is ms; default 5s)' },
    },
    notes: [
      'Output: the result as JSON (binaries as base64 strings, integers beyond 2^53 as decimal strings).',
      'Calls only once the hub answered: --timeout counts from then.',
      'Exit codes: 0 ok, 1 usage or other error, 3 unreachable (the device, or the hub: no answer within',
      '  --connect-timeout), 4 no responder, 5 timeout, 6 rejected, 7 remote error (its code and message',
      '  are printed to stderr).',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    const method = flags.require('--method');
    if (method.length === 0) throw new UsageError('--method must not be empty');
    const o: CallOptionsCli = {
      to: flags.nodeId('--to'),
      method,
      params: flags.json('--params'),
      timeoutMs: Math.max(1, Math.round(flags.duration('--timeout', 'ms', 86_400_000, 5000))),
    };
    const ep = await openEndpoint(settings, io.err);
    try {
      if ((await readyOrStopped(ep, io.stopped)) === 'stopped') return EXIT.ERROR;
      return await callAndPrint(ep.client, o, io);
    } finally {
      await ep.close();
    }
  },
};
