// The bridge's pure parts: topic mapping (both ways, {id} namespaces, refusals), the outbox (bounds
// by count and bytes, overflow policies, journal replay after a crash), decorrelated jitter, the
// dedupe cache, the config file's "mqtt" object.
import { describe, expect, it } from 'vitest';
import { bridgeOptionsFromConfig, DecorrelatedJitter, DedupeCache, Outbox, TopicMap } from '../../src/bridge/index.js';
import type { NewEntry as NewEntryLike } from '../../src/bridge/outbox.js';
import { MemoryJournal } from '../../src/peer/journal-store.js';

const entry = (topic: string, qos: 0 | 1 | 2, n = 10): NewEntryLike => ({ topic, payload: new Uint8Array(n), qos, retain: false, from: 'd', queuedAt: 0 });

describe('TopicMap', () => {
  it('default rules: every topic both ways under its own name, never a $ topic', () => {
    const m = new TopicMap();
    expect(m.outbound('a/b/c', 'd1')).toMatchObject({ topic: 'a/b/c' });
    expect(m.inbound('a/b/c')).toMatchObject({ topic: 'a/b/c' });
    expect(m.outbound('$presence/d1', 'hub')).toEqual({ refused: 'dollar' });
    expect(m.inbound('$SYS/broker/load')).toEqual({ refused: 'dollar' });
    expect(m.remoteSubscriptions()).toEqual([{ filter: '#', qos: 2 }]);
  });

  it('per-device namespaces both ways; a device never publishes into another one\'s', () => {
    const m = new TopicMap([
      { local: 'sensors/#', remote: 'site1/devices/{id}/sensors/#', direction: 'out' },
      { local: 'own/{id}/+', remote: 'o/{id}/+', direction: 'out' },
      { local: 'cmd/{id}/#', remote: 'site1/commands/{id}/#', direction: 'in' },
    ]);
    expect(m.outbound('sensors/temp', 'D')).toMatchObject({ topic: 'site1/devices/D/sensors/temp', device: 'D' });
    expect(m.outbound('sensors', 'D')).toMatchObject({ topic: 'site1/devices/D/sensors' });
    expect(m.outbound('own/D/x', 'D')).toMatchObject({ topic: 'o/D/x' });
    expect(m.outbound('own/E/x', 'D')).toEqual({ refused: 'foreign-namespace' });
    expect(m.inbound('site1/commands/D/led/on')).toMatchObject({ topic: 'cmd/D/led/on', device: 'D' });
    expect(m.inbound('site1/commands/bad id/x')).toEqual({ refused: 'bad-id' });
    expect(m.inbound('site1/devices/D/sensors/temp')).toEqual({ refused: 'unmapped' }); // outbound only
    expect(m.remoteSubscriptions()).toEqual([{ filter: 'site1/commands/+/#', qos: 2 }]);
  });

  it('refuses results that are not topics on the other side, and rules that cannot map', () => {
    const m = new TopicMap([{ local: `${'x'.repeat(250)}/+`, remote: 'in/+', direction: 'in' }]);
    expect(m.inbound('in/abcdefgh')).toEqual({ refused: 'too-long' });
    expect(() => new TopicMap([{ local: 'a/+', remote: 'b/#' }])).toThrow(/wildcards must correspond/);
    expect(() => new TopicMap([{ local: 'a/{id}', remote: 'b/c', direction: 'in' }])).toThrow(/inbound, \{id\}/);
    expect(() => new TopicMap([{ local: 'a/#/b', remote: 'b/#/c' }])).toThrow(/local pattern/);
  });
});

describe('Outbox', () => {
  it('bounded by count: refuse-new refuses and counts; drop-oldest drops QoS 0 first, then the oldest', () => {
    const dropped: string[] = [];
    const r = Outbox.open({ maxCount: 3, policy: 'refuse-new' }, undefined, () => undefined);
    for (const t of ['a', 'b', 'c']) expect(r.add(entry(t, 1))).not.toBe('full');
    expect(r.add(entry('d', 1))).toBe('full');
    expect(r.stats).toMatchObject({ depth: 3, refusedFull: 1 });
    const d = Outbox.open({ maxCount: 3, policy: 'drop-oldest' }, undefined, (e) => dropped.push(e.topic));
    d.add(entry('q1', 1));
    d.add(entry('z0', 0));
    d.add(entry('q2', 1));
    d.add(entry('q3', 1)); // drops z0 (QoS 0 first)
    d.add(entry('q4', 1)); // then the oldest: q1
    expect(dropped).toEqual(['z0', 'q1']);
    expect([...d.values()].map((e) => e.topic)).toEqual(['q2', 'q3', 'q4']);
    expect(d.stats).toMatchObject({ droppedQos0: 1, droppedQos12: 1 });
  });

  it('bounded by bytes; an entry larger than the bound is refused under either policy', () => {
    const o = Outbox.open({ maxBytes: 100, policy: 'drop-oldest' }, undefined, () => undefined);
    o.add(entry('a', 1, 40));
    o.add(entry('b', 1, 40));
    o.add(entry('c', 1, 40)); // 123 > 100: a goes
    expect([...o.values()].map((e) => e.topic)).toEqual(['b', 'c']);
    expect(o.add(entry('huge', 1, 200))).toBe('full');
  });

  it('QoS 1/2 entries survive a crash through the journal (QoS 0 ones do not); settled ones are gone', async () => {
    const j = new MemoryJournal();
    const o = Outbox.open({}, j, () => undefined);
    const a = o.add(entry('a', 1));
    const b = o.add(entry('b', 0));
    const c = o.add(entry('c', 2));
    if (a === 'full' || b === 'full' || c === 'full') throw new Error('full');
    expect(b.durable).toBeUndefined();
    await Promise.all([a.durable, c.durable]);
    o.done(a.entry.id);
    await new Promise((r) => setTimeout(r, 10));
    const again = Outbox.open({}, MemoryJournal.fromBytes(j.raw()), () => undefined); // what the next process reads
    expect([...again.values()].map((e) => [e.topic, e.qos, e.msgId])).toEqual([['c', 2, c.entry.msgId]]);
    expect(again.add(entry('d', 1))).toMatchObject({ entry: { id: c.entry.id + 1 } });
  });
});

describe('DecorrelatedJitter', () => {
  it('grows within [base, 3 x previous], capped; starts over only after a stable period', () => {
    const b = new DecorrelatedJitter({ baseMs: 100, capMs: 1000, stableMs: 500 }, () => 1);
    expect([b.next(0), b.next(0), b.next(0), b.next(0)]).toEqual([300, 900, 1000, 1000]);
    b.up(0);
    expect(b.next(100)).toBe(1000); // up for 100 ms: flapping, no reset
    b.up(1000);
    expect(b.next(1600)).toBe(300); // stable for 600 ms: from base again
    const r = new DecorrelatedJitter({ baseMs: 100, capMs: 1000 }, () => 0);
    expect(r.next(0)).toBe(100);
  });
});

describe('DedupeCache and config', () => {
  it('remembers the last max keys', () => {
    const d = new DedupeCache(2);
    expect([d.seen('a'), d.seen('b'), d.seen('a'), d.seen('c'), d.seen('a')]).toEqual([false, false, true, false, false]);
    expect(d.hits).toBe(1);
  });

  it('the config file\'s "mqtt" object: known keys with their types, anything else an error naming it', () => {
    expect(bridgeOptionsFromConfig('mqtt://h:1', undefined)).toEqual({ url: 'mqtt://h:1' });
    expect(bridgeOptionsFromConfig('mqtt://h:1', { username: 'u', rules: [{ local: '#', remote: 'x/#' }], rpc: false })).toMatchObject({ username: 'u', rpc: false });
    expect(() => bridgeOptionsFromConfig('mqtt://h:1', { usernmae: 'u' })).toThrow(/mqtt.usernmae": unknown key/);
    expect(() => bridgeOptionsFromConfig('mqtt://h:1', { inflight: '5' })).toThrow(/mqtt.inflight" must be a number/);
  });
});
