/** Hub and devices with RPC engines on a MemoryNetwork with virtual time, for the RPC engine tests. */
import { AccessControl } from '../../src/acl/acl.js';
import { NodePort } from '../../src/messaging/port.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { RpcEngine } from '../../src/rpc/engine.js';
import { Harness } from '../peer/harness.js';

export interface Rig {
  readonly h: Harness;
  hubNode: SaltwireNode;
  hub: RpcEngine;
  readonly nodes: Map<string, SaltwireNode>;
  readonly devs: Map<string, RpcEngine>;
  /** Starts (or restarts, with the same state store: a new epoch) the hub and its engine. */
  startHub(): Promise<void>;
}

export async function rig(devices: string[], o: { seed?: number; acl?: AccessControl; maxPending?: number } = {}): Promise<Rig> {
  const h = new Harness(undefined, o.seed ?? 1);
  const acl = o.acl ?? AccessControl.open();
  const r = { h, nodes: new Map(), devs: new Map() } as unknown as Rig;
  r.startHub = async () => {
    r.hubNode = await h.hub();
    r.hub = new RpcEngine(new NodePort(r.hubNode), { role: 'hub', acl });
  };
  await r.startHub();
  for (const id of devices) {
    const node = await h.device(id);
    r.nodes.set(id, node);
    r.devs.set(id, new RpcEngine(new NodePort(node), { role: 'client', hub: 'hub', ...(o.maxPending !== undefined && { maxPending: o.maxPending }) }));
  }
  await h.run(300); // the devices' first datagrams make them known to the hub
  return r;
}

export function dev(r: Rig, id: string): RpcEngine {
  return r.devs.get(id)!;
}

export function node(r: Rig, id: string): SaltwireNode {
  return r.nodes.get(id)!;
}

export async function shutdown(r: Rig): Promise<void> {
  r.hub.close();
  for (const e of r.devs.values()) e.close();
  for (const n of r.nodes.values()) await n.close();
  await r.hubNode.close();
}

/** Runs virtual time in 50 ms slices until `done()` or `limitMs` of virtual time passed; returns the time taken. */
export async function until(h: Harness, done: () => boolean, limitMs: number): Promise<number> {
  const start = h.net.scheduler.now();
  while (!done() && h.net.scheduler.now() - start < limitMs) await h.run(50);
  return h.net.scheduler.now() - start;
}

export interface Tracked {
  state: 'pending' | 'ok' | 'failed';
  value?: unknown;
  error?: unknown;
  /** Virtual time at which it settled. */
  at?: number;
}

/** Settles a promise into a result the test can inspect synchronously. */
export function track(h: Harness, p: Promise<unknown>): Tracked {
  const r: Tracked = { state: 'pending' };
  p.then(
    (v) => Object.assign(r, { state: 'ok', value: v, at: h.net.scheduler.now() }),
    (e: unknown) => Object.assign(r, { state: 'failed', error: e, at: h.net.scheduler.now() }),
  );
  return r;
}

/** Lets promise continuations run without advancing virtual time. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
