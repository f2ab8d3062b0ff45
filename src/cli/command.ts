/**
 * What every CLI command shares: its shape, its I/O, the exit codes.
 * @module
 */
import { SaltwireError } from '../errors.js';
import { rpcExitCode } from '../rpc/errors.js';
import type { CommandSpec, Flags } from './args.js';

/** Exit codes of the CLI. `call` adds 3-7 from RPC_EXIT_CODES (rpc/errors.ts). */
export const EXIT = Object.freeze({
  OK: 0,
  /** Usage error, or any other failure. */
  ERROR: 1,
  /** `sub`: --timeout passed before --count messages arrived. */
  TIMEOUT: 2,
  /**
   * The hub did not answer within --connect-timeout (HubUnreachableError), or `call`'s target is
   * unreachable (same as RPC_EXIT_CODES.ERR_RPC_UNREACHABLE).
   */
  UNREACHABLE: 3,
  /** An RPC or a subscription was refused by access control (same as RPC_EXIT_CODES.ERR_RPC_REJECTED). */
  REJECTED: 6,
});

/** Error code of a subscription the hub refused (SubscriptionRefusedError). */
export const SUBSCRIPTION_REFUSED = 'ERR_SUBSCRIPTION_REFUSED';
/** Error code of a hub that did not answer (HubUnreachableError). */
export const HUB_UNREACHABLE = 'ERR_HUB_UNREACHABLE';

/**
 * The exit code for an error a command failed with: 3 for a hub that did not answer, 3-7 for RPC
 * outcomes, 6 for a refused subscription, else 1.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof SaltwireError && err.code === HUB_UNREACHABLE) return EXIT.UNREACHABLE;
  if (err instanceof SaltwireError && err.code === SUBSCRIPTION_REFUSED) return EXIT.REJECTED;
  return rpcExitCode(err);
}

export interface Io {
  /** One line to stdout. */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves (with the signal's name) on the first SIGINT or SIGTERM; never rejects. */
  readonly stopped: Promise<string>;
}

export interface Command {
  readonly spec: CommandSpec;
  /** Runs with validated flags; resolves with the exit code or throws (see exitCodeFor). */
  run(flags: Flags, io: Io): Promise<number>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise resolving with `value` after `ms`, and a cancel() that clears its timer. */
export function after<T>(ms: number, value: T): { promise: Promise<T>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((r) => {
    timer = setTimeout(() => r(value), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
