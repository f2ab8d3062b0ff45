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
  /**
   * An RPC, a subscription or a QoS 1/2 publication was refused by access control (same as
   * RPC_EXIT_CODES.ERR_RPC_REJECTED; `pub`: PUBNACK 0x80, [SW-15.4-4]).
   */
  REJECTED: 6,
  /**
   * `pub`: the hub did not take a QoS 1/2 publication for another reason it told (PUBNACK
   * [SW-15.4-4]): over a limit (the retained quota or store, [SW-15.8-2]), or not made durable
   * ([SW-18.3-8]). 7 is `call`'s remote error, so the next free code.
   */
  REFUSED: 8,
});

/** Error code of a subscription the hub refused (SubscriptionRefusedError). */
export const SUBSCRIPTION_REFUSED = 'ERR_SUBSCRIPTION_REFUSED';
/** Error codes of a publication the hub refused (AccessDeniedError, PublicationRefusedError). */
export const ACCESS_DENIED = 'ERR_ACCESS_DENIED';
export const PUBLICATION_REFUSED = 'ERR_PUBLICATION_REFUSED';
/** Error code of a hub that did not answer (HubUnreachableError). */
export const HUB_UNREACHABLE = 'ERR_HUB_UNREACHABLE';

/**
 * The exit code for an error a command failed with: 3 for a hub that did not answer, 3-7 for RPC
 * outcomes, 6 for a subscription or publication refused by access control, 8 for a publication
 * the hub refused otherwise, else 1.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof SaltwireError && err.code === HUB_UNREACHABLE) return EXIT.UNREACHABLE;
  if (err instanceof SaltwireError && (err.code === SUBSCRIPTION_REFUSED || err.code === ACCESS_DENIED)) return EXIT.REJECTED;
  if (err instanceof SaltwireError && err.code === PUBLICATION_REFUSED) return EXIT.REFUSED;
  return rpcExitCode(err);
}

export interface Io {
  /** One line to stdout. */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal: colours only then (colour.ts). */
  readonly isTTY?: boolean;
  /** Standard input (`pub --stdin`, `--stdin-lines`); absent: empty. */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
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
