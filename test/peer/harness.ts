/** Hub and device nodes on a MemoryNetwork with virtual time, for the peer-layer tests. */
import { deriveDeviceKey, PairKeyring, SiteKeyring, tweetnaclSuite, type CryptoSuite } from '../../src/core.js';
import { SaltwireNode, type NodeOptions } from '../../src/peer/node.js';
import type { Message } from '../../src/peer/node-events.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import type { Address } from '../../src/transport/transport.js';

export const SITE = new Uint8Array(32).fill(7);
export const HUB: Address = { host: 'hub', port: 4000 };

/** Fast timers so that a test covers minutes of protocol time in a few virtual seconds. */
export const FAST = { keepaliveMs: 1_000, probeAfterMs: 1_500, probeIntervalMs: 200, probeMaxIntervalMs: 800, unreachableAfterMs: 2_000, recoveryIntervalMs: 1_000 };

export class Harness {
  readonly net: MemoryNetwork;
  readonly inbox = new Map<string, Message[]>();
  readonly states = new Map<string, MemoryStateStore>();
  constructor(readonly suite: CryptoSuite = tweetnaclSuite, seed = 1) {
    this.net = new MemoryNetwork({ seed, mtu: 1472 });
  }

  private state(id: string): { store: MemoryStateStore; provisioning: boolean } {
    const s = this.states.get(id);
    if (s !== undefined) return { store: s, provisioning: false };
    const store = new MemoryStateStore();
    this.states.set(id, store);
    return { store, provisioning: true };
  }

  private collect(node: SaltwireNode): SaltwireNode {
    if (!this.inbox.has(node.id)) this.inbox.set(node.id, []);
    node.on('message', (m) => this.inbox.get(node.id)!.push(m));
    return node;
  }

  /** `collect` false: no 'message' listener of the harness's own, so the node listens only when its application does. */
  async hub(extra: Partial<NodeOptions> = {}, collect = true): Promise<SaltwireNode> {
    const { store, provisioning } = this.state('hub');
    const keyring = new SiteKeyring(this.suite, SITE);
    const node = SaltwireNode.start({ id: 'hub', keyring, suite: this.suite, transport: extra.transport ?? this.net.bind(HUB), state: store, provisioning, liveness: FAST, scheduler: this.net.scheduler, ...extra });
    return collect ? this.collect(await node) : node;
  }

  async device(id: string, extra: Partial<NodeOptions> & { address?: Partial<Address> } = {}, collect = true): Promise<SaltwireNode> {
    const { store, provisioning } = this.state(id);
    const keyring = new PairKeyring().add('hub', 0, deriveDeviceKey(this.suite, SITE, id, 0));
    const transport = this.net.bind({ host: id, ...extra.address });
    const node = SaltwireNode.start({ id, keyring, suite: this.suite, transport, state: store, provisioning, liveness: FAST, scheduler: this.net.scheduler, peers: [{ id: 'hub', address: HUB }], ...extra });
    return collect ? this.collect(await node) : node;
  }

  /** Advances virtual time in small steps so that promise continuations run between deliveries. */
  async run(ms: number, step = 5): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.net.advance(Math.min(step, ms - t));
      await Promise.resolve();
    }
  }

  texts(id: string): string[] {
    return (this.inbox.get(id) ?? []).map((m) => new TextDecoder().decode(m.data));
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
