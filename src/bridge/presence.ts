/**
 * Device presence on the broker, from UDP reachability (spec 11.3, 12.2), not from any TCP session:
 * each device's retained status topic gets `{"state":"online"|"offline","reason":"reachable"|
 * "unreachable"|"restarted","seq":N,"at":ISO}` at QoS 1 (Sparkplug-style birth/death with a sequence,
 * so a reader can order them and see gaps). `seq` grows across the bridge's restarts (it starts from
 * the wall clock in ms). The device's will, kept by the hub, is routed like any publication.
 * @module
 */
import type { SaltwireNode } from '../peer/node.js';

export class Presence {
  private seq = Date.now();
  private readonly off: Array<() => void>;

  constructor(node: SaltwireNode, private readonly pattern: string, private readonly send: (topic: string, payload: Uint8Array) => unknown) {
    this.off = [
      node.on('reachable', (e) => this.status(e.peer, 'online', 'reachable')),
      node.on('unreachable', (e) => this.status(e.peer, 'offline', 'unreachable')),
      node.on('restart', (e) => this.status(e.peer, 'online', 'restarted')),
    ];
  }

  private status(peer: string, state: 'online' | 'offline', reason: string): void {
    const body = JSON.stringify({ state, reason, seq: ++this.seq, at: new Date().toISOString() });
    this.send(this.pattern.replace('{id}', peer), new TextEncoder().encode(body));
  }

  close(): void {
    for (const f of this.off.splice(0)) f();
  }
}
