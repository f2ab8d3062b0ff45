// Topic aliases: sender assignment up to the limit, confirmation, receiver rule, drops, reset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { ALIAS_LIMIT, IncomingAliases, MAX_TOPIC_ALIASES, OutgoingAliases } from '../../src/pubsub/alias-table.js';

describe('OutgoingAliases', () => {
  it('assigns 1, 2, ... on first use and returns the same alias afterwards', () => {
    const o = new OutgoingAliases();
    expect(o.maxAliases).toBe(64);
    expect(MAX_TOPIC_ALIASES).toBe(64);
    expect(o.aliasFor('a')).toEqual({ alias: 1, isNew: true, sendTopic: true });
    expect(o.aliasFor('b')).toEqual({ alias: 2, isNew: true, sendTopic: true });
    expect(o.aliasFor('a')).toEqual({ alias: 1, isNew: false, sendTopic: true });
    expect(o.size).toBe(2);
  });

  it('keeps asking to carry the topic until the definition is confirmed', () => {
    const o = new OutgoingAliases();
    o.aliasFor('a');
    expect(o.confirm(1)).toBe(true);
    expect(o.aliasFor('a')).toEqual({ alias: 1, isNew: false, sendTopic: false });
    expect(o.confirm(2)).toBe(false);
    expect(o.confirm(0)).toBe(false);
  });

  it('once maxAliases are taken, new topics get no alias while existing ones keep theirs (no LRU)', () => {
    const o = new OutgoingAliases({ maxAliases: 2 });
    o.aliasFor('a');
    o.aliasFor('b');
    expect(o.aliasFor('c')).toBeUndefined();
    expect(o.aliasFor('c')).toBeUndefined();
    expect(o.aliasFor('a')?.alias).toBe(1);
    expect(o.aliasFor('b')?.alias).toBe(2);
    expect(o.size).toBe(2);
  });

  it('the default limit is 64 aliases', () => {
    const o = new OutgoingAliases();
    for (let i = 1; i <= 64; i++) expect(o.aliasFor(`t${i}`)?.alias).toBe(i);
    expect(o.aliasFor('t65')).toBeUndefined();
  });

  it('maxAliases 0 disables aliases; the u16 limit is accepted, more is not', () => {
    expect(new OutgoingAliases({ maxAliases: 0 }).aliasFor('a')).toBeUndefined();
    expect(new OutgoingAliases({ maxAliases: ALIAS_LIMIT }).maxAliases).toBe(65_535);
    expect(() => new OutgoingAliases({ maxAliases: 65_536 })).toThrow(InvalidArgumentError);
    expect(() => new IncomingAliases({ maxAliases: -1 })).toThrow(InvalidArgumentError);
    expect(() => new OutgoingAliases().aliasFor('')).toThrow(InvalidArgumentError);
  });

  it('reset forgets everything and starts again at 1, unconfirmed', () => {
    const o = new OutgoingAliases({ maxAliases: 1 });
    o.aliasFor('a');
    o.confirm(1);
    o.reset();
    expect(o.size).toBe(0);
    expect(o.aliasFor('b')).toEqual({ alias: 1, isNew: true, sendTopic: true });
  });
});

describe('IncomingAliases', () => {
  it('alias and topic define; alias alone uses; topic alone neither defines nor needs an alias', () => {
    const i = new IncomingAliases();
    expect(i.accept(3, 'x/y')).toBe('x/y');
    expect(i.accept(3, undefined)).toBe('x/y');
    expect(i.accept(0, 'z')).toBe('z');
    expect(i.accept(undefined, 'z')).toBe('z');
    expect(i.size).toBe(1);
    expect(i.accept(3, 'x/z')).toBe('x/z'); // a later definition replaces
    expect(i.resolve(3)).toBe('x/z');
  });

  it('an unknown alias is a counted drop, never an exception', () => {
    const i = new IncomingAliases();
    expect(i.accept(5, undefined)).toBeUndefined();
    expect(i.resolve(5)).toBeUndefined();
    expect(i.drops).toEqual({ outOfRange: 0, unknown: 2 });
  });

  it('an alias above maxAliases (or not an integer) is a counted drop, also when it carries a topic', () => {
    const i = new IncomingAliases({ maxAliases: 4 });
    expect(i.accept(4, 'ok')).toBe('ok');
    expect(i.accept(5, 'x')).toBeUndefined();
    expect(i.define(5, 'x')).toBe(false);
    expect(i.resolve(65_535)).toBeUndefined();
    expect(i.resolve(1.5)).toBeUndefined();
    expect(i.drops).toEqual({ outOfRange: 4, unknown: 0 });
    expect(i.size).toBe(1);
  });

  it('a publication with neither alias nor topic gives undefined without counting', () => {
    const i = new IncomingAliases();
    expect(i.accept(undefined, undefined)).toBeUndefined();
    expect(i.accept(0, '')).toBeUndefined();
    expect(i.drops).toEqual({ outOfRange: 0, unknown: 0 });
  });

  it('reset forgets the definitions (a peer restarted)', () => {
    const i = new IncomingAliases();
    i.define(1, 'a');
    i.reset();
    expect(i.resolve(1)).toBeUndefined();
    expect(i.drops.unknown).toBe(1);
  });

  it('property: a receiver fed by a sender (definitions carried until confirmed) always resolves the right topic', () => {
    const pub = fc.record({ topic: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), lost: fc.boolean(), reliable: fc.boolean() });
    fc.assert(
      fc.property(fc.array(pub, { maxLength: 100 }), fc.integer({ min: 0, max: 8 }), (pubs, max) => {
        const out = new OutgoingAliases({ maxAliases: max });
        const inc = new IncomingAliases({ maxAliases: max });
        for (const p of pubs) {
          const a = out.aliasFor(p.topic);
          if (a !== undefined) expect(a.alias).toBeLessThanOrEqual(max);
          const wireAlias = a?.alias;
          const wireTopic = a === undefined || a.sendTopic ? p.topic : undefined;
          if (p.lost) continue; // lost in transit: not delivered, not acknowledged
          expect(inc.accept(wireAlias, wireTopic)).toBe(p.topic);
          if (p.reliable && a !== undefined) out.confirm(a.alias); // its acknowledgement
        }
        expect(inc.drops).toEqual({ outOfRange: 0, unknown: 0 });
      }),
    );
  });
});
