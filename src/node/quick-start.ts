/**
 * The short path on Node.js: one call starts a device's Client from a hub address, an id and a key
 * (startClient), one starts a hub from an address and the site key (startHub), and `close()` on
 * what they return closes the node too. Both are startNode + Client.start / Hub.start with the
 * defaults the `saltwire` command uses: a per-user state directory (node/state-dir.ts), the fastest
 * crypto backend, and `provisioning: false` (never inferred from an empty directory [SW-5.6-5]; a
 * new device then costs one challenge round trip, nothing else).
 * @module
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AccessControl } from '../acl/acl.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import { Client, type ClientOptions } from '../messaging/client.js';
import { Hub, type HubOptions } from '../messaging/hub.js';
import { PairKeyring, SiteKeyring } from '../session/keyring.js';
import type { Address } from '../transport/transport.js';
import { UdpTransport, type UdpBindOptions } from '../transport/udp.js';
import { fromHex } from '../util/bytes.js';
import { defaultCryptoSuite } from './crypto.js';
import { startNode } from './start.js';
import { clientStateDir, hubStateDir } from './state-dir.js';

/**
 * The hub's node id unless told otherwise (the CLI's default too).
 * @group Client and hub options
 */
export const DEFAULT_HUB_ID = 'hub';

/** @group Start here */
export interface StartClientOptions {
  /** The hub's address: `'HOST:PORT'` (`'[::1]:4000'` for IPv6; a host name is resolved once) or an Address. */
  readonly hub: string | Address;
  /** This device's node id. */
  readonly id: string;
  /** This device's key (`saltwire derive`): 64 hex characters or 32 bytes. */
  readonly key: string | Uint8Array;
  /** The hub's node id, default `'hub'`. */
  readonly hubId?: string;
  /** State directory (the node's epoch, spec 5.2); default `<id>` in `$XDG_STATE_HOME/saltwire` (or `~/.local/state/saltwire`). */
  readonly stateDir?: string;
  /**
   * Wait for the hub's first answer before resolving (Client.ready): ms, default 5000; rejects with
   * HubUnreachableError (and closes everything) if none comes. `false`: resolve at once.
   */
  readonly readyTimeoutMs?: number | false;
  /** Where to listen; default every address, a port the OS picks. */
  readonly listen?: UdpBindOptions;
  readonly suite?: CryptoSuite;
  /** Log dropped datagrams to stderr (or to a function): how to find a wrong key. */
  readonly debug?: boolean | ((line: string) => void);
  /** Further options of the Client. */
  readonly client?: Omit<ClientOptions, 'hub' | 'closeNode'>;
}

/**
 * Starts a device: its node (UDP, state directory, its key for the hub) and its Client, then waits
 * for the hub's first answer. `await client.close()` closes both.
 *
 * @example
 * ```ts
 * import { startClient } from 'saltwire';
 *
 * const client = await startClient({ hub: '127.0.0.1:4000', id: 'sensor-1', key: process.env.SALTWIRE_KEY! });
 * await client.publish('sensors/sensor-1/temp', '21.5', { qos: 1 });
 * await client.close();
 * ```
 * @group Start here
 */
export async function startClient(o: StartClientOptions): Promise<Client> {
  const hubId = o.hubId ?? DEFAULT_HUB_ID;
  const key = keyBytes(o.key, 'key');
  const address = typeof o.hub === 'string' ? await resolveAddress(parseAddress(o.hub, 'hub')) : o.hub;
  const suite = o.suite ?? defaultCryptoSuite();
  const node = await startNode({
    id: o.id,
    keyring: new PairKeyring().add(hubId, 0, key),
    listen: o.listen ?? { host: isIP(address.host) === 6 ? '::' : '0.0.0.0', port: 0 },
    stateDir: o.stateDir ?? clientStateDir(o.id, process.env),
    provisioning: false,
    suite,
    peers: [{ id: hubId, address }],
    ...(o.debug !== undefined && { debug: o.debug }),
  });
  let client: Client;
  try {
    client = await Client.start(node, { ...o.client, hub: hubId, closeNode: true });
  } catch (e) {
    await node.close();
    throw e;
  }
  if (o.readyTimeoutMs !== false) {
    try {
      await client.ready({ timeoutMs: o.readyTimeoutMs ?? 5000 });
    } catch (e) {
      await client.close();
      throw e;
    }
  }
  return client;
}

/** @group Start here */
export interface StartHubOptions {
  /** Where to listen: `'HOST:PORT'` (an IP address; port 0: the OS picks), a port, or UdpBindOptions. */
  readonly listen: string | number | UdpBindOptions;
  /** The site key (`saltwire keygen`): 64 hex characters or 32 bytes. Every device key derives from it. */
  readonly siteKey: string | Uint8Array;
  /** The hub's node id, default `'hub'`. */
  readonly id?: string;
  /** State directory; default `hub-<PORT>` in `$XDG_STATE_HOME/saltwire` (or `~/.local/state/saltwire`). */
  readonly stateDir?: string;
  /** Access control (spec 17): an AccessControl or its JSON configuration; default open. */
  readonly acl?: AccessControl | { readonly rules: readonly unknown[] };
  readonly suite?: CryptoSuite;
  readonly debug?: boolean | ((line: string) => void);
  /** Further options of the Hub. */
  readonly hub?: Omit<HubOptions, 'acl' | 'closeNode'>;
}

/**
 * Starts a hub: its node (UDP, state directory, the site key) and its Hub. `await hub.close()`
 * drains and closes both. The bound address is `hub.port.node.local`.
 *
 * @example
 * ```ts
 * import { startHub } from 'saltwire';
 *
 * const hub = await startHub({ listen: '127.0.0.1:0', siteKey: process.env.SALTWIRE_SITE_KEY! });
 * console.log('listening on port', hub.port.node.local.port);
 * await hub.close();
 * ```
 * @group Start here
 */
export async function startHub(o: StartHubOptions): Promise<Hub> {
  const siteKey = keyBytes(o.siteKey, 'siteKey');
  const acl = o.acl === undefined || o.acl instanceof AccessControl ? o.acl : AccessControl.fromConfig(o.acl);
  const bind = typeof o.listen === 'number' ? { port: o.listen } : typeof o.listen === 'string' ? parseAddress(o.listen, 'listen', true) : o.listen;
  const suite = o.suite ?? defaultCryptoSuite();
  const transport = await UdpTransport.bind(bind);
  let node;
  try {
    node = await startNode({
      id: o.id ?? DEFAULT_HUB_ID,
      keyring: new SiteKeyring(suite, siteKey),
      transport,
      stateDir: o.stateDir ?? hubStateDir(transport.local.port, process.env),
      provisioning: false,
      suite,
      ...(o.debug !== undefined && { debug: o.debug }),
    });
  } catch (e) {
    await transport.close();
    throw e;
  }
  try {
    return await Hub.start(node, { ...o.hub, ...(acl !== undefined && { acl }), closeNode: true });
  } catch (e) {
    await node.close();
    throw e;
  }
}

/** A key given as 64 hex characters or 32 bytes; InvalidArgumentError otherwise. */
export function keyBytes(key: string | Uint8Array, what: string): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new InvalidArgumentError(`${what} must be 32 bytes, got ${key.length}`);
    return key;
  }
  const t = typeof key === 'string' ? key.trim() : '';
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new InvalidArgumentError(`${what} must be 64 hex characters (32 bytes) or a Uint8Array of 32 bytes`);
  return fromHex(t);
}

/** `HOST:PORT` or `[IPV6]:PORT` as an Address; InvalidArgumentError otherwise. */
export function parseAddress(text: string, what: string, allowZero = false): Address {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= (allowZero ? 0 : 1) && port <= 65535)) {
    throw new InvalidArgumentError(`${what} must be "HOST:PORT" (e.g. "127.0.0.1:4000" or "[::1]:4000"), got ${JSON.stringify(text)}`);
  }
  return { host: m[1]!, port };
}

async function resolveAddress(a: Address): Promise<Address> {
  if (isIP(a.host) !== 0) return a;
  return { host: (await lookup(a.host)).address, port: a.port };
}
