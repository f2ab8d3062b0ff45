/**
 * Starting a node on Node.js: UDP, the fastest crypto backend, and a state directory, with the
 * defaults a server or device process wants. The core's SaltwireNode.start takes all of these
 * explicitly; this is the one-call form.
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import { SaltwireNode, type NodeOptions } from '../peer/node.js';
import type { StateStore } from '../peer/state-store.js';
import { UdpTransport, type UdpBindOptions } from '../transport/udp.js';
import type { Transport } from '../transport/transport.js';
import { defaultCryptoSuite } from './crypto.js';
import { FileStateStore } from './file-state-store.js';
import { FileMaxEpochStore } from './file-max-epoch-store.js';
import { DropLog } from '../util/drop-log.js';
import { join } from 'node:path';

/** @group Nodes */
export interface StartNodeOptions extends Omit<NodeOptions, 'transport' | 'suite' | 'state'> {
  /** Where to listen; default 0.0.0.0 on a port the OS picks. Ignored when `transport` is given. */
  readonly listen?: UdpBindOptions;
  readonly transport?: Transport;
  /** Directory of the node's persistent state (its epoch, spec 5.2). Required unless `state` is given. */
  readonly stateDir?: string;
  readonly state?: StateStore;
  readonly suite?: CryptoSuite;
  /**
   * Log dropped datagrams, rate-limited, to stderr (true) or to a function: how an operator finds a
   * device with the wrong key, an unknown id or a retired generation, which the wire never reveals.
   */
  readonly debug?: boolean | ((line: string) => void);
}

/**
 * Starts a node on UDP with a state directory and the fastest crypto backend. Either `stateDir` or `state` is required [SW-5.2-1]: the
 * epoch orders this node's starts at its peers (nonces never repeat either way: BOOT, [SW-5.2-7]).
 * `provisioning: true` only at a genuine first start with these keys (NodeOptions.provisioning).
 *
 * @example
 * ```ts
 * import { deriveDeviceKey, defaultCryptoSuite, PairKeyring, startNode } from 'saltwire';
 *
 * const key = deriveDeviceKey(defaultCryptoSuite(), siteKey, 'sensor-1', 0); // on the device: `saltwire derive`
 * const node = await startNode({ id: 'sensor-1', keyring: new PairKeyring().add('hub', 0, key), stateDir: '/var/lib/sensor',
 *   peers: [{ id: 'hub', address: { host: '192.0.2.10', port: 4000 } }] });
 * await node.send('hub', new TextEncoder().encode('21.5'), { reliable: true });
 * await node.close();
 * ```
 * @group Nodes
 */
export async function startNode(o: StartNodeOptions): Promise<SaltwireNode> {
  const state = o.state ?? (o.stateDir !== undefined ? new FileStateStore(o.stateDir) : undefined);
  if (state === undefined) {
    throw new InvalidArgumentError('startNode needs stateDir (or state): the epoch must survive a restart [SW-5.2-1]');
  }
  // With a state directory, peers' epochs are recorded durably too (spec 12.1-2): a new peer's first
  // datagram and a restarted peer's datagrams are then fresh at once, with no challenge round trip.
  let maxEpochs = o.maxEpochs;
  let durableMaxEpochs = o.durableMaxEpochs;
  if (maxEpochs === undefined && o.stateDir !== undefined) {
    const store = new FileMaxEpochStore(join(o.stateDir, 'max-epochs.log'), { provisioning: o.provisioning });
    maxEpochs = store;
    // complete only if made at provisioning and kept since: a wiped directory looks new, and would
    // take peers' datagrams recorded before the wipe as fresh [SW-5.6-6], [SW-12.1-3]
    durableMaxEpochs ??= store.complete;
  }
  const transport = o.transport ?? (await UdpTransport.bind(o.listen ?? {}));
  try {
    const node = await SaltwireNode.start({ ...o, transport, state, maxEpochs, durableMaxEpochs, suite: o.suite ?? defaultCryptoSuite() });
    if (o.debug !== undefined && o.debug !== false) {
      const log = new DropLog(o.debug === true ? (line) => process.stderr.write(`${line}\n`) : o.debug);
      node.on('drop', (info) => log.add(info, performance.now()));
    }
    return node;
  } catch (e) {
    if (o.transport === undefined) await transport.close();
    throw e;
  }
}
