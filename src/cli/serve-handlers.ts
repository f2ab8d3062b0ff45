/**
 * What `saltwire serve` serves besides --echo: the handlers a module exports (--module FILE), or a
 * command run once per call (--method NAME --command CMD, as `nats reply --command`).
 *
 * A module's handlers: every exported function is a method named after its export, and a default
 * export that is an object contributes its functions likewise (`export default { reading() {...} }`).
 * Each is an ordinary Handler: `(params, { from, method }) => result`.
 *
 * A command: `/bin/sh -c CMD` per call, the params as JSON on its standard input, SALTWIRE_CALLER and
 * SALTWIRE_METHOD in its environment. Its standard output is the result: parsed as JSON when it is
 * JSON, else the text without its trailing newline. A non-zero exit is a remote error with code
 * `exit-N` and its standard error as the message; a command that outlives its timeout is killed and
 * answered with code `timeout`.
 * @module
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Handler } from '../messaging/api.js';
import { UsageError } from './values.js';

/** The methods a module exports, by name. Throws UsageError when it cannot be loaded or has none. */
export async function handlersOfModule(file: string): Promise<Map<string, Handler>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--module: cannot load ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  const handlers = new Map<string, Handler>();
  const def = mod['default'];
  if (typeof def === 'object' && def !== null) {
    for (const [name, fn] of Object.entries(def)) if (typeof fn === 'function') handlers.set(name, fn as Handler);
  }
  for (const [name, fn] of Object.entries(mod)) if (name !== 'default' && typeof fn === 'function') handlers.set(name, fn as Handler);
  if (handlers.size === 0) throw new UsageError(`--module: ${file} exports no functions (each exported function is a method)`);
  return handlers;
}

/** A remote error for the caller (RpcRemoteError there): `code` and `message` are sent. */
class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A Handler that runs `command` per call (see the module comment). */
export function commandHandler(command: string, timeoutMs: number): Handler {
  return (params, ctx) =>
    new Promise((res, rej) => {
      const child = spawn('/bin/sh', ['-c', command], {
        env: { ...process.env, SALTWIRE_CALLER: ctx.from, SALTWIRE_METHOD: ctx.method },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        rej(new CommandError('timeout', `the command ran longer than ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('error', (e) => (clearTimeout(timer), rej(new CommandError('spawn', e.message))));
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) return rej(new CommandError(`exit-${code ?? 'signal'}`, err.trim() || `the command exited ${code}`));
        const text = out.replace(/\r?\n$/, '');
        try {
          res(JSON.parse(text) as unknown);
        } catch {
          res(text);
        }
      });
      child.stdin.on('error', () => undefined); // a command that does not read its input
      child.stdin.end(`${JSON.stringify(params ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))}\n`);
    });
}
