/**
 * The device side of the client commands (pub, sub, serve, call): from --hub, --id and --key to a
 * started node and Client. The node holds one pair key, for the hub (id `hub`, or --hub-id), listens
 * on a port the OS picks and keeps its state in a per-user directory named after its id
 * (state-dir.ts; or --state), provisioned on first use. A command goes on only once the hub has
 * answered (Endpoint.ready, Client.ready): with no answer within --connect-timeout it fails with
 * HubUnreachableError (exit 3) instead of publishing into the void or waiting out a call's timeout.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PairKeyring } from '../session/keyring.js';
import { startNode } from '../node/start.js';
import { defaultCryptoSuite } from '../node/crypto.js';
import type { SaltwireNode } from '../peer/node.js';
import { addressKey } from '../transport/transport.js';
import { Client } from '../messaging/index.js';
import { UsageError, type FlagSpec, type Flags, type HostPort } from './args.js';
import type { Io } from './command.js';
import { DEVICE_KEY, keyFlags, readKey } from './key-source.js';
import { clientStateDir, STATE_HELP_DEFAULT } from './state-dir.js';

/** The environment variable that may hold the device key instead of --key. */
export const KEY_ENV = 'SALTWIRE_KEY';
export const DEFAULT_HUB_ID = 'hub';
/** Default of --connect-timeout, in seconds (as Client.ready's default). */
export const DEFAULT_CONNECT_TIMEOUT_S = 5;

/** Help of --busy-poll-us, which the hub takes too. */
export const BUSY_POLL_HELP = 'keep polling the socket N microseconds after each datagram (0 to 1000000, default 0): lower latency for CPU, see UdpBindOptions.busyPollUs';

/** The flags every client command takes. */
export const CLIENT_FLAGS: Readonly<Record<string, FlagSpec>> = Object.freeze({
  '--hub': { value: 'HOST:PORT', help: "the hub's address", required: true },
  '--id': { value: 'ID', help: "this device's node id (1-32 of A-Z a-z 0-9 _ -)", required: true },
  ...keyFlags(DEVICE_KEY),
  '--hub-id': { value: 'ID', help: `the hub's node id (default ${DEFAULT_HUB_ID}; the hub sets it with --id)` },
  '--state': { value: 'DIR', help: `this device's state directory (default: <ID> in ${STATE_HELP_DEFAULT})` },
  '--connect-timeout': { value: 'DURATION', help: `fail (exit 3) if the hub has not answered within DURATION (500ms, 5s; a bare number is seconds; default ${DEFAULT_CONNECT_TIMEOUT_S}s)` },
  '--debug': { help: 'log dropped datagrams to stderr (wrong key, unknown id, ...)' },
  '--busy-poll-us': { value: 'N', help: BUSY_POLL_HELP },
});

/**
 * A state directory is missing or empty. Not a proof of a first start (a wiped or mistyped directory
 * is empty too, [SW-5.6-5]): the commands never pass it as `provisioning`.
 */
export function isNewStateDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

export interface ClientSettings {
  readonly hub: HostPort;
  readonly hubId: string;
  readonly id: string;
  readonly key: Uint8Array;
  readonly stateDir: string;
  readonly debug: boolean;
  readonly busyPollUs: number;
  /** How long to wait for the hub's first answer (Client.ready), ms. */
  readonly connectTimeoutMs: number;
  /** Lines for stderr before starting (a key on the command line, a key file others can read). */
  readonly warnings: readonly string[];
}

/**
 * Reads and validates the client flags (throws UsageError), before anything touches the network.
 * Warnings (a key on the command line, a key file others can read) are in `warnings`: openEndpoint
 * prints them, once the command's own flags are valid too.
 */
export function clientSettings(flags: Flags, io: Pick<Io, 'env'>): ClientSettings {
  const hub = flags.hostPort('--hub');
  const id = flags.nodeId('--id');
  const hubId = flags.nodeId('--hub-id', DEFAULT_HUB_ID);
  if (hubId === id) throw new UsageError(`--id ${id} is the hub's id: a device needs an id of its own`);
  const warnings: string[] = [];
  const key = readKey(flags, io.env, DEVICE_KEY, warnings);
  const busyPollUs = flags.int('--busy-poll-us', 0, 1_000_000, 0);
  const connectTimeoutMs = Math.max(1, Math.round(flags.duration('--connect-timeout', 's', 86_400_000, DEFAULT_CONNECT_TIMEOUT_S * 1000)));
  const stateDir = flags.string('--state') ?? clientStateDir(id, io.env);
  return { hub, hubId, id, key, stateDir, debug: flags.bool('--debug'), busyPollUs, connectTimeoutMs, warnings };
}

export interface Endpoint {
  readonly node: SaltwireNode;
  readonly client: Client;
  /** Client.ready with --connect-timeout: resolves once the hub answered, else HubUnreachableError. */
  ready(): Promise<void>;
  /** Client.close, then node.close; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Endpoint.ready, or 'stopped' if a signal comes first (a command stopped while waiting for the hub
 * stops at once). Rejects with HubUnreachableError as ready() does.
 */
export async function readyOrStopped(ep: Pick<Endpoint, 'ready'>, stopped: Promise<unknown>): Promise<'ready' | 'stopped'> {
  return Promise.race([ep.ready().then(() => 'ready' as const), stopped.then(() => 'stopped' as const)]);
}

/** Resolves a host name to an address (IP literals as they are). */
async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw new UsageError(`--hub: cannot resolve host ${JSON.stringify(host)}`);
  }
}

/**
 * One line on stderr for each conflict the node reports (spec 12.4): two processes under one id
 * are a configuration error an operator must see, never a silent split.
 */
export function reportConflicts(node: SaltwireNode, err: (line: string) => void): void {
  node.on('conflict', (e) =>
    err(
      e.kind === 'self'
        ? `conflict: another process is running as ${node.id} with this key (${e.peer} holds epoch ${e.floor} from it, this process is at ${e.epoch}): stop one of them`
        : `conflict: two processes are sending as ${e.peer}${e.from === undefined ? '' : ` (one from ${addressKey(e.from)})`}: stop one of them`,
    ),
  );
}

/**
 * Starts the node and the Client; it does not wait for the hub (Endpoint.ready does), so that what a
 * command does at once (subscribe) goes in the Client's first SYNC.
 */
export async function openEndpoint(s: ClientSettings, err?: (line: string) => void): Promise<Endpoint> {
  if (err !== undefined) for (const w of s.warnings) err(w);
  const address = { host: await resolveHost(s.hub.host), port: s.hub.port };
  const suite = defaultCryptoSuite();
  const node = await startNode({
    id: s.id,
    keyring: new PairKeyring().add(s.hubId, 0, s.key),
    listen: { host: isIP(address.host) === 6 ? '::' : '0.0.0.0', port: 0, busyPollUs: s.busyPollUs },
    stateDir: s.stateDir,
    // never inferred from an empty directory [SW-5.6-5]: safe either way (BOOT, [SW-5.2-7]); a lost
    // state heals through the hub's STALE answer (spec 12.4)
    provisioning: false,
    suite,
    peers: [{ id: s.hubId, address }],
    debug: s.debug,
  });
  if (err !== undefined) reportConflicts(node, err);
  let client: Client;
  try {
    client = await Client.start(node, { hub: s.hubId });
  } catch (e) {
    await node.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    node,
    client,
    ready: () => client.ready({ timeoutMs: s.connectTimeoutMs }),
    close: () =>
      (closing ??= (async () => {
        try {
          await client.close();
        } finally {
          await node.close();
        }
      })()),
  };
}
