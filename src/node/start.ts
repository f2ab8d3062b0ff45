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
 * Binds the transport and starts the node. Without persistent state a restarted node would reuse
 * nonces, so either `stateDir` or `state` is required [SW-5.2-1]; the first start in a new state
 * directory needs `provisioning: true` [SW-5.2-5].
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
    const store = new FileMaxEpochStore(join(o.stateDir, 'max-epochs.log'));
    maxEpochs = store;
    durableMaxEpochs ??= store.existed || o.provisioning === true; // a log lost after provisioning is not durable
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
