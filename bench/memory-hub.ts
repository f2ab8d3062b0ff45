/**
 * What bench:memory (peer-memory.ts) and bench:hub-memory (hub-memory.ts) share: the heap measure
 * (V8 heap + ArrayBuffers after two forced GCs) and a hub node on a MemoryNetwork with virtual time,
 * room for `peers` devices plus warm-up, remembering no peers (no state writes to measure).
 */
import { deriveDeviceKey, PairKeyring, SiteKeyring } from '../src/core.js';
import type { Scheduler } from '../src/time/scheduler.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode, type NodeOptions } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { MemoryNetwork } from '../src/transport/memory.js';

/** V8 heap plus ArrayBuffer bytes after two full GCs; the process must run with --expose-gc. */
export function heapAfterGc(script: string): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error(`run with node --expose-gc (npm run ${script})`);
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The hub node of a memory bench and what its devices need to reach it. */
export async function memoryHub(peers: number, extra: Partial<NodeOptions> = {}) {
  const suite = defaultCryptoSuite();
  const site = new Uint8Array(32).fill(9);
  const net = new MemoryNetwork({ seed: 1 });
  const hubAddr = { host: 'hub', port: 4000 };
  const node = await SaltwireNode.start({
    id: 'hub',
    keyring: new SiteKeyring(suite, site),
    suite,
    transport: net.bind(hubAddr),
    state: new MemoryStateStore(),
    provisioning: true,
    scheduler: net.scheduler,
    maxPeers: peers + 300, // the warm-up devices stay in the table too (N + 10 refused the last 190: PEER_LIMIT)
    rememberPeers: false,
    ...extra,
  });
  return { suite, site, net, hubAddr, node };
}

/** A device node of a memory bench: its key derived from the site key, the hub configured. */
export function memoryDevice(h: Awaited<ReturnType<typeof memoryHub>>, id: string, scheduler: Scheduler = h.net.scheduler): Promise<SaltwireNode> {
  return SaltwireNode.start({
    id,
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(h.suite, h.site, id, 0)),
    suite: h.suite,
    transport: h.net.bind({ host: id }),
    state: new MemoryStateStore(),
    provisioning: true,
    scheduler,
    peers: [{ id: 'hub', address: h.hubAddr }],
  });
}
