// A device declares its limits in SYNC (spec 15.5, [SW-15.5-8]) and the hub honours them: no alias
// above what the device keeps [SW-15.7-3], no message longer than it reassembles. Before, the hub
// defined aliases up to its own MAX_TOPIC_ALIASES (64) for everyone, so a device keeping 8 silently
// dropped every alias-only QoS 0 publication above alias 8.
import { describe, expect, it } from 'vitest';
import { decodeOp } from '../../src/messaging/op-codec.js';
import type { Op } from '../../src/messaging/ops.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { collector, World } from './world.js';

/** Every operation `node` sends to `peer` (decoded from what it hands its node). */
function opsTo(node: SaltwireNode, peer: string): Op[] {
  const out: Op[] = [];
  type Send = (to: string, data: Uint8Array, o?: unknown) => unknown;
  const target = node as unknown as { send: Send };
  const orig = target.send.bind(node);
  target.send = (to, data, o) => {
    const op = to === peer ? decodeOp(data) : undefined;
    if (op !== undefined) out.push(op);
    return orig(to, data, o);
  };
  return out;
}

describe('limits declared in SYNC (spec 15.5)', () => {
  it('a device that keeps 8 aliases gets none above 8, and every QoS 0 publication of 20 topics [SW-15.5-8] [SW-15.7-3]', async () => {
    const w = await World.create(31);
    const pub = await w.device('dev-a');
    const sub = await w.device('dev-b', { aliases: 8 });
    const c = collector();
    await w.granted(sub.subscribe('t/#', {}, c.fn));
    const sent = opsTo(w.hubNode, 'dev-b');
    const topics = Array.from({ length: 20 }, (_, i) => `t/${i}`);
    for (let round = 0; round < 4; round++) {
      for (const t of topics) void pub.publish(t, `r${round}`, { qos: 0 });
      await w.run(1_000); // ALIASes acknowledged between rounds: later rounds go by alias
    }
    const aliases = sent.flatMap((o) => (o.op === 'PUBLISH' || o.op === 'ALIAS' ? (o.alias !== undefined ? [o.alias] : []) : []));
    expect(aliases.length).toBeGreaterThan(0);
    expect(Math.max(...aliases)).toBeLessThanOrEqual(8);
    expect(c.got.length).toBe(80); // none dropped for an alias the device does not keep
    expect(w.clients.get('dev-b')!.drops.alias).toBe(0);
    await w.close();
  });

  it('the hub never sends a device a message longer than the MAX_MESSAGE it declared; others still get it [SW-15.5-8]', async () => {
    const w = await World.create(32);
    const pub = await w.device('dev-a');
    const small = await w.device('dev-b', { limits: { maxMessage: 1_024 } });
    const big = await w.device('dev-c');
    const cs = collector();
    const cb = collector();
    await w.granted(small.subscribe('big/#', { qos: 1 }, cs.fn));
    await w.granted(big.subscribe('big/#', { qos: 1 }, cb.fn));
    const sent = opsTo(w.hubNode, 'dev-b');
    await w.settle(pub.publish('big/x', new Uint8Array(4_000).fill(7), { qos: 1 }));
    await w.settle(pub.publish('big/y', new Uint8Array(100).fill(8), { qos: 1 }));
    await w.until(() => cb.got.length === 2 && cs.got.length === 1, 10_000);
    expect(cb.got.map((p) => p.payload.length)).toEqual([4_000, 100]);
    expect(cs.got.map((p) => p.payload.length)).toEqual([100]);
    expect(sent.filter((o) => o.op === 'PUBLISH').every((o) => o.op === 'PUBLISH' && o.payload.length <= 1_024)).toBe(true);
    expect(w.hub.stats().forwarded.overLimit).toBe(1);
    await w.close();
  });
});
