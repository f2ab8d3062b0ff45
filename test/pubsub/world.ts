/** Hub and devices running the message layer (Client, Hub) on a MemoryNetwork with virtual time. */
import { Client, type ClientOptions } from '../../src/messaging/client.js';
import { Hub, type HubOptions } from '../../src/messaging/hub.js';
import type { Publication, Subscription } from '../../src/messaging/api.js';
import type { SaltwireNode, NodeOptions } from '../../src/peer/node.js';
import { Harness } from '../peer/harness.js';

export interface Tracked<T> {
  state: 'pending' | 'ok' | 'failed';
  value?: T;
  error?: unknown;
}

/** Settles a promise into a result the test can inspect synchronously. */
export function track<T>(p: Promise<T>): Tracked<T> {
  const r: Tracked<T> = { state: 'pending' };
  p.then(
    (v) => Object.assign(r, { state: 'ok', value: v }),
    (e: unknown) => Object.assign(r, { state: 'failed', error: e }),
  );
  return r;
}

/** Collects what a subscription's callback receives. */
export function collector(): { got: Publication[]; fn: (p: Publication) => void; texts: () => string[] } {
  const got: Publication[] = [];
  return { got, fn: (p) => void got.push(p), texts: () => got.map((p) => p.text()) };
}

export class World {
  readonly h: Harness;
  hubNode!: SaltwireNode;
  hub!: Hub;
  readonly nodes = new Map<string, SaltwireNode>();
  readonly clients = new Map<string, Client>();

  constructor(seed = 1) {
    this.h = new Harness(undefined, seed);
  }

  static async create(seed = 1, hub: HubOptions = {}, hubNode: Partial<NodeOptions> = {}): Promise<World> {
    const w = new World(seed);
    await w.startHub(hub, hubNode);
    return w;
  }

  /** `collect` false: the hub node has no test listener, only the Hub's (see Harness.hub). */
  async startHub(options: HubOptions = {}, extra: Partial<NodeOptions> = {}, collect = true): Promise<Hub> {
    this.hubNode = await this.h.hub(extra, collect);
    this.hub = await Hub.start(this.hubNode, options);
    return this.hub;
  }

  /** Graceful hub restart: close() drains (virtual time runs meanwhile), node closed, started again. */
  async restartHub(options: HubOptions = {}, extra: Partial<NodeOptions> = {}): Promise<Hub> {
    await this.settle(this.hub.close());
    await this.hubNode.close();
    return this.startHub(options, extra);
  }

  async device(id: string, options: Partial<ClientOptions> = {}, extra: Partial<NodeOptions> = {}): Promise<Client> {
    const node = await this.h.device(id, extra);
    const client = await Client.start(node, { hub: 'hub', ...options });
    this.nodes.set(id, node);
    this.clients.set(id, client);
    return client;
  }

  /** Stops a device (client and node); `device()` again restarts it with its state store. */
  async stopDevice(id: string): Promise<void> {
    await this.clients.get(id)?.close();
    await this.nodes.get(id)?.close();
    this.clients.delete(id);
    this.nodes.delete(id);
  }

  now(): number {
    return this.h.net.scheduler.now();
  }

  async run(ms: number): Promise<void> {
    await this.h.run(ms);
  }

  /** Runs virtual time in 100 ms slices until `done()` or `limitMs` passed; returns the time taken. */
  async until(done: () => boolean, limitMs: number): Promise<number> {
    const start = this.now();
    while (!done() && this.now() - start < limitMs) await this.h.run(100);
    return this.now() - start;
  }

  /** Awaits `p` while virtual time runs (at most `limitMs`). */
  async settle<T>(p: Promise<T>, limitMs = 60_000): Promise<T> {
    const t = track(p);
    await this.until(() => t.state !== 'pending', limitMs);
    if (t.state === 'pending') throw new Error('did not settle in virtual time');
    return p;
  }

  async granted(sub: Subscription, limitMs = 10_000): Promise<unknown> {
    return this.settle(sub.granted, limitMs);
  }

  async close(): Promise<void> {
    for (const id of [...this.clients.keys()]) await this.stopDevice(id);
    await this.settle(this.hub.close());
    await this.hubNode.close();
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
