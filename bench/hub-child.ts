/**
 * The hub a bench runs in a child process: a SaltwireNode over UDP on 127.0.0.1 (any port), in
 * memory, with a Hub serving `echo`, closed on SIGTERM or when the parent goes away. Each bench's
 * own report of the hub (CPU, memory, drops) stays in that bench.
 */
import type { NodeOptions } from '../src/peer/node-options.js';

export async function startEchoHub(site: Uint8Array, options: Partial<NodeOptions> = {}) {
  const { SiteKeyring } = await import('../src/core.js');
  const { Hub } = await import('../src/messaging/hub.js');
  const { defaultCryptoSuite } = await import('../src/node/crypto.js');
  const { SaltwireNode } = await import('../src/peer/node.js');
  const { MemoryStateStore } = await import('../src/peer/state-store.js');
  const { UdpTransport } = await import('../src/transport/udp.js');
  const suite = defaultCryptoSuite();
  const transport = await UdpTransport.bind({ host: '127.0.0.1' });
  const node = await SaltwireNode.start({
    id: 'hub',
    keyring: new SiteKeyring(suite, site),
    suite,
    transport,
    state: new MemoryStateStore(),
    provisioning: true,
    peerMaxDatagram: 1200,
    ...options,
  });
  const hub = await Hub.start(node, {});
  hub.serve('echo', (params) => params);
  const quit = (): void => void hub.close().then(() => node.close()).finally(() => process.exit(0));
  process.once('SIGTERM', quit);
  process.once('disconnect', quit);
  return { node, hub, transport };
}
