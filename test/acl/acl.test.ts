// Access control: spec 17. Filter coverage and overlap are checked against brute force over a
// finite universe of topics; AccessControl against the reference configuration of spec 17.9.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidNodeIdError } from '../../src/errors.js';
import { AccessControl, filterCovers, filtersOverlap, reachesEveryTopic, reachesSystemTopics } from '../../src/acl/index.js';
import { isValidTopicFilter, isValidTopicName, matchLevels, topicMatches } from '../../src/pubsub/topic.js';

const filterArb = fc
  .array(fc.constantFrom('', 'a', 'b', '$sys', '+', '#'), { minLength: 1, maxLength: 4 })
  .map((l) => l.join('/'))
  .filter(isValidTopicFilter);

/** Every topic of 1 to 5 levels over a small alphabet; 'z' is a literal no filter uses. */
const UNIVERSE: string[] = (() => {
  const alphabet = ['', 'a', 'b', '$sys', 'z'];
  const out: string[] = [];
  let layer: string[][] = [[]];
  for (let depth = 1; depth <= 5; depth++) {
    layer = layer.flatMap((p) => alphabet.map((l) => [...p, l]));
    for (const l of layer) out.push(l.join('/'));
  }
  return out.filter(isValidTopicName);
})();

const matchesNoDollar = (f: string, t: string): boolean => matchLevels(f.split('/'), t.split('/'), false);

describe('filterCovers [SW-17.5-2]', () => {
  const table: Array<[string, string, boolean]> = [
    ['#', 'a/b', true],
    ['#', '#', true],
    ['#', '+/#', true],
    ['+/#', '#', true], // both match every topic not starting with '$'
    ['a/#', 'a', true],
    ['a/#', 'a/#', true],
    ['a/#', 'a/+/c', true],
    ['a/#', '#', false],
    ['a/+/#', 'a/#', false], // 'a/#' matches 'a', which 'a/+/#' does not
    ['a/+', 'a/b', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/b', 'a/+', false], // a literal does not cover '+'
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['+', 'x', true],
    ['+', '$sys', false], // [SW-17.5-3]: '+' does not match '$' topics
    ['#', '$sys/#', false],
    ['+/#', '$sys', false],
    ['$sys/#', '$sys/x', true],
    ['$sys/#', '#', false],
    ['a/+', 'a/', true], // '+' covers an empty level
    ['a/', 'a/+', false],
    ['+/+', '/', true],
  ];
  for (const [g, r, want] of table) {
    it(`${JSON.stringify(g)} ${want ? 'covers' : 'does not cover'} ${JSON.stringify(r)}`, () => {
      expect(filterCovers(g, r)).toBe(want);
    });
  }

  it('is sound: filterCovers(g, r) and topicMatches(r, t) imply topicMatches(g, t), for random topics', () => {
    const topicArb = fc
      .array(fc.constantFrom('', 'a', 'b', '$sys', 'c', 'd'), { minLength: 1, maxLength: 6 })
      .map((l) => l.join('/'))
      .filter(isValidTopicName);
    fc.assert(
      fc.property(filterArb, filterArb, fc.array(topicArb, { maxLength: 30 }), (g, r, ts) => {
        if (!filterCovers(g, r)) return;
        for (const t of ts) if (topicMatches(r, t)) expect(topicMatches(g, t)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is exact over a finite universe: false only when a topic matched by r and not by g exists', () => {
    fc.assert(
      fc.property(filterArb, filterArb, (g, r) => {
        const witness = UNIVERSE.find((t) => topicMatches(r, t) && !topicMatches(g, t));
        expect(filterCovers(g, r)).toBe(witness === undefined);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('filtersOverlap [SW-17.5-4]', () => {
  it('is exact over a finite universe: true iff some topic matches r (with the $ rule) and d (without)', () => {
    fc.assert(
      fc.property(filterArb, filterArb, (r, d) => {
        const witness = UNIVERSE.find((t) => topicMatches(r, t) && matchesNoDollar(d, t));
        expect(filtersOverlap(r, d)).toBe(witness !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('examples', () => {
    expect(filtersOverlap('devices/+/secret', 'devices/x/secret')).toBe(true);
    expect(filtersOverlap('devices/#', 'devices/x/secret')).toBe(true);
    expect(filtersOverlap('devices/y/#', 'devices/x/secret')).toBe(false);
    expect(filtersOverlap('a', 'a/#')).toBe(true);
    expect(filtersOverlap('a', 'a/+')).toBe(false);
    expect(filtersOverlap('#', '$sys/x')).toBe(false);
    expect(filtersOverlap('$sys/x', '#')).toBe(true);
    expect(filtersOverlap('+', '/#')).toBe(false); // only the empty topic would match both
    expect(filterCovers('/+/#', '/#')).toBe(true); // '/#' also matches '', which is no topic
    expect(filterCovers('a/+/#', 'a/#')).toBe(false); // 'a/#' matches 'a'
    expect(filtersOverlap('+', '+/#')).toBe(true);
  });

  it('reachesEveryTopic and reachesSystemTopics', () => {
    expect(['#', '+/#', 'a/#', '+'].map(reachesEveryTopic)).toEqual([true, true, false, false]);
    expect(['$sys/#', '#', '+/$sys', 'a'].map(reachesSystemTopics)).toEqual([true, false, false, false]);
  });
});

/** The example configuration of spec 17.9. */
const REFERENCE = {
  revoked: ['dev-9'],
  rules: [
    {
      devices: ['*'],
      publish: ['devices/{id}/#'],
      subscribe: ['devices/{id}/cmd/#', 'broadcast/#'],
      call: ['time'],
      serve: ['{id}.*'],
    },
    { devices: ['admin'], subscribe: ['#'], publish: ['$hub/#'], call: ['*'] },
    { devices: ['*'], deny: { publish: ['devices/{id}/secret'] } },
    { devices: ['ops'], subscribe: ['devices/+/status'], deny: { subscribe: ['devices/hub/#'] } },
  ],
};

describe('AccessControl', () => {
  const acl = AccessControl.fromConfig(REFERENCE);

  it('[SW-17.2-1] with no rules everything is allowed, except for revoked devices', () => {
    for (const open of [AccessControl.open(), AccessControl.fromConfig({}), AccessControl.fromConfig({ rules: [] })]) {
      expect(open.isOpen).toBe(true);
      expect(open.canPublish('d1', '$SYS/x')).toBe(true);
      expect(open.canSubscribe('d1', '#')).toBe(true);
      expect(open.canCall('d1', 'anything')).toBe(true);
      expect(open.canServe('d1', 'anything')).toBe(true);
      expect(open.decide('publish', 'd1', 'a').reason).toBe('open');
    }
    const revokedOnly = AccessControl.fromConfig({ revoked: ['d2'] });
    expect(revokedOnly.canPublish('d1', 'a')).toBe(true);
    expect(revokedOnly.canPublish('d2', 'a')).toBe(false);
  });

  it('[SW-17.2-3] once any rule exists, the default is deny, even if the only rule is a deny rule', () => {
    const denyOnly = AccessControl.fromConfig({ rules: [{ devices: ['x'], deny: { publish: ['a'] } }] });
    expect(denyOnly.isOpen).toBe(false);
    expect(denyOnly.canPublish('d1', 'b')).toBe(false);
    expect(denyOnly.decide('publish', 'd1', 'b').reason).toBe('no-rule');
    expect(acl.canCall('d1', 'reboot')).toBe(false);
  });

  it('[SW-17.3-1] {id} is replaced by the device id: per-device namespaces', () => {
    expect(acl.canPublish('d1', 'devices/d1/temp')).toBe(true);
    expect(acl.canPublish('d1', 'devices/d1')).toBe(true); // '#' matches the parent level
    expect(acl.canPublish('d1', 'devices/d2/temp')).toBe(false);
    expect(acl.canSubscribe('d1', 'devices/d1/cmd/#')).toBe(true);
    expect(acl.canSubscribe('d1', 'devices/d1/cmd/reboot')).toBe(true);
    expect(acl.canSubscribe('d1', 'devices/d2/cmd/#')).toBe(false);
    expect(acl.canSubscribe('d1', 'devices/+/cmd/#')).toBe(false); // [SW-17.5-1] '+' not covered by 'd1'
    expect(acl.canServe('d1', 'd1.read')).toBe(true);
    expect(acl.canServe('d1', 'd2.read')).toBe(false);
    expect(acl.decide('publish', 'd1', 'devices/d1/x')).toEqual({ allowed: true, reason: 'allowed', rule: 0 });
  });

  it('[SW-17.3-2] device ids are validated, so no id can inject / + # (CVE-2017-7650)', () => {
    for (const bad of ['+', '#', 'a/b', 'x/#', '', 'a'.repeat(33), '$SYS', 'é']) {
      expect(() => acl.canPublish(bad, 'devices/x/y')).toThrow(InvalidNodeIdError);
      expect(() => acl.canSubscribe(bad, '#')).toThrow(InvalidNodeIdError);
      expect(() => acl.revoked(bad)).toThrow(InvalidNodeIdError);
    }
  });

  it('[SW-17.2-4] a deny wins over an allow; a deny topic pattern denies every topic it matches', () => {
    expect(acl.canPublish('d1', 'devices/d1/secret')).toBe(false);
    expect(acl.decide('publish', 'd1', 'devices/d1/secret')).toEqual({ allowed: false, reason: 'denied', rule: 2 });
    expect(acl.canPublish('d1', 'devices/d1/secret/x')).toBe(true);
  });

  it('[SW-17.5-4] a subscription that overlaps a deny pattern is denied as a whole', () => {
    expect(acl.canSubscribe('ops', 'devices/d1/status')).toBe(true);
    expect(acl.canSubscribe('ops', 'devices/+/status')).toBe(false); // overlaps the denied 'devices/hub/#'
    expect(acl.decide('subscribe', 'ops', 'devices/+/status')).toEqual({ allowed: false, reason: 'denied', rule: 3 });
    const strict = AccessControl.fromConfig({
      rules: [{ devices: ['*'], subscribe: ['devices/#'], deny: { subscribe: ['devices/hub/#'] } }],
    });
    expect(strict.canSubscribe('d1', 'devices/d1/status')).toBe(true);
    expect(strict.canSubscribe('d1', 'devices/+/status')).toBe(false);
    expect(strict.canSubscribe('d1', 'devices/#')).toBe(false);
    expect(strict.canSubscribe('d1', 'devices/hub')).toBe(false);
  });

  it('[SW-17.5-1] a filter is allowed only if a single granted filter covers it', () => {
    expect(acl.canSubscribe('d1', 'broadcast/#')).toBe(true);
    expect(acl.canSubscribe('d1', 'broadcast/+/x')).toBe(true);
    expect(acl.canSubscribe('d1', 'broadcast')).toBe(true);
    expect(acl.canSubscribe('d1', '+/x')).toBe(false);
    expect(acl.canSubscribe('d1', 'other')).toBe(false);
  });

  it('[SW-17.5-3] "#", "+/#" and "$" filters need a grant that reaches them explicitly', () => {
    expect(acl.canSubscribe('d1', '#')).toBe(false);
    expect(acl.canSubscribe('d1', '+/#')).toBe(false);
    expect(acl.canSubscribe('admin', '#')).toBe(true);
    expect(acl.canSubscribe('admin', '+/#')).toBe(true);
    expect(acl.canSubscribe('admin', '$SYS/#')).toBe(false); // '#' does not reach '$' topics
    expect(acl.canSubscribe('admin', '$hub/x')).toBe(false); // publish grant, not subscribe
    const sys = AccessControl.fromConfig({ rules: [{ devices: ['mon'], subscribe: ['$SYS/#', '+/status'] }] });
    expect(sys.canSubscribe('mon', '$SYS/broker/load')).toBe(true);
    expect(sys.canSubscribe('mon', '$SYS/#')).toBe(true);
    expect(sys.canSubscribe('mon', 'x/status')).toBe(true);
    expect(sys.canSubscribe('mon', '$x/status')).toBe(false);
  });

  it('[SW-17.4-2] publishing to a "$" topic needs a pattern starting with "$"', () => {
    const wide = AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: ['#', '+/#', '+'] }] });
    expect(wide.canPublish('d1', 'a/b')).toBe(true);
    expect(wide.canPublish('d1', '$SYS/x')).toBe(false);
    expect(wide.canPublish('d1', '$x')).toBe(false);
    expect(acl.canPublish('admin', '$hub/reload')).toBe(true);
    expect(acl.canPublish('admin', '$SYS/reload')).toBe(false);
  });

  it('[SW-17.2-4] a deny "#" also denies "$" topics', () => {
    const a = AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: ['$SYS/#'], subscribe: ['$SYS/#'], deny: { publish: ['#'], subscribe: ['#'] } }] });
    expect(a.canPublish('d1', '$SYS/x')).toBe(false);
    expect(a.canSubscribe('d1', '$SYS/x')).toBe(false);
  });

  it('[SW-17.6-1] method patterns: exact names and a trailing "*" prefix wildcard', () => {
    expect(acl.canCall('d1', 'time')).toBe(true);
    expect(acl.canCall('d1', 'time.now')).toBe(false);
    expect(acl.canCall('d1', 'tim')).toBe(false);
    expect(acl.canCall('admin', 'anything.at.all')).toBe(true);
    const m = AccessControl.fromConfig({ rules: [{ devices: ['*'], call: ['sensor.*'], deny: { call: ['sensor.calibrate*'] } }] });
    expect(m.canCall('d1', 'sensor.read')).toBe(true);
    expect(m.canCall('d1', 'sensor.')).toBe(true);
    expect(m.canCall('d1', 'sensor')).toBe(false);
    expect(m.canCall('d1', 'sensorX')).toBe(false);
    expect(m.canCall('d1', 'sensor.calibrate')).toBe(false);
    expect(m.canCall('d1', 'sensor.calibrate.zero')).toBe(false);
    expect(m.canServe('d1', 'sensor.read')).toBe(false); // call grants do not grant serve
  });

  it('invalid subjects are denied, not thrown: they come from the network', () => {
    expect(acl.canPublish('d1', 'devices/d1/+')).toBe(false);
    expect(acl.decide('publish', 'd1', 'devices/d1/+').reason).toBe('invalid');
    expect(acl.canSubscribe('d1', 'devices/d1/cmd/#/x')).toBe(false);
    expect(acl.canCall('d1', '')).toBe(false);
    expect(acl.canCall('admin', 'a\ud800')).toBe(false);
    expect(AccessControl.open().canPublish('d1', '')).toBe(false);
  });

  it('[SW-17.7-1] a revoked device is denied everything, whatever the rules say', () => {
    expect(acl.revoked('dev-9')).toBe(true);
    expect(acl.revoked('d1')).toBe(false);
    expect(acl.canPublish('dev-9', 'devices/dev-9/x')).toBe(false);
    expect(acl.canSubscribe('dev-9', 'broadcast/#')).toBe(false);
    expect(acl.canCall('dev-9', 'time')).toBe(false);
    expect(acl.canServe('dev-9', 'dev-9.x')).toBe(false);
    expect(acl.decide('call', 'dev-9', 'time').reason).toBe('revoked');
  });

  it('[SW-17.9-1] accepts the configuration as JSON text too', () => {
    const a = AccessControl.fromConfig(JSON.stringify(REFERENCE));
    expect(a.canPublish('d1', 'devices/d1/x')).toBe(true);
    expect(a.canPublish('d1', 'devices/d1/secret')).toBe(false);
  });

  it('{id} expansions may reach the length limit only within MAX_TOPIC_BYTES for every id [SW-17.3-3]', () => {
    const p = `${'x'.repeat(220)}/{id}`; // 221 + 32 = 253 bytes with the longest id
    const a = AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: [p] }] });
    const id = 'i'.repeat(32);
    expect(a.canPublish(id, `${'x'.repeat(220)}/${id}`)).toBe(true);
  });
});

describe('configuration errors [SW-17.9-2]', () => {
  const rule = (extra: object): object => ({ rules: [{ devices: ['*'] }, { devices: ['*'] }, { devices: ['*'], ...extra }] });
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 42, 'config: expected an object'],
    ['an array', [], 'config: expected an object'],
    ['bad JSON text', '{', 'config: not valid JSON'],
    ['unknown top-level key', { rule: [] }, 'config: unknown key "rule"'],
    ['revoked not an array', { revoked: 'd1' }, 'revoked: expected an array of strings'],
    ['revoked bad id', { revoked: ['ok', 'no/t'] }, 'revoked[1]: invalid device id "no/t"'],
    ['revoked *', { revoked: ['*'] }, 'revoked[0]: invalid device id "*"'],
    ['rules not an array', { rules: {} }, 'rules: expected an array of rules'],
    ['rule not an object', { rules: ['x'] }, 'rules[0]: expected an object'],
    ['missing devices', { rules: [{ publish: ['a'] }] }, 'rules[0].devices: missing'],
    ['empty devices', { rules: [{ devices: [] }] }, 'rules[0].devices: must list at least one'],
    ['bad device id', { rules: [{ devices: ['ok', 'a+b'] }] }, 'rules[0].devices[1]: invalid device id "a+b"'],
    ['device not a string', { rules: [{ devices: [7] }] }, 'rules[0].devices[0]: expected a string, got number'],
    ['unknown rule key', rule({ publsh: ['a'] }), 'rules[2]: unknown key "publsh"'],
    ['publish not an array', rule({ publish: 'a' }), 'rules[2].publish: expected an array of strings'],
    ['misplaced +', rule({ publish: ['a', 'a+'] }), "rules[2].publish[1]: '+' must occupy a whole level"],
    ['misplaced +, exact brief example', rule({ publish: ['x+/y'] }), "rules[2].publish[0]: '+' must occupy a whole level"],
    ['misplaced #', rule({ subscribe: ['#/a'] }), "rules[2].subscribe[0]: '#' must be the whole last level"],
    ['+ glued to {id}', rule({ publish: ['devices/+{id}'] }), "rules[2].publish[0]: '+' must occupy a whole level"], // a valid filter as written, {id} four characters [SW-17.3-3]
    ['empty pattern', rule({ subscribe: [''] }), 'rules[2].subscribe[0]: must not be empty'],
    ['NUL', rule({ subscribe: ['a\u0000'] }), 'rules[2].subscribe[0]: contains U+0000'],
    ['misspelt placeholder', rule({ publish: ['devices/{ID}/#'] }), "rules[2].publish[0]: '{' and '}' may appear only in the placeholder {id}"],
    ['stray brace', rule({ serve: ['{id}}.x'] }), "rules[2].serve[0]: '{' and '}'"],
    // valid as written (235 bytes), not with {id} replaced by a 32-character id [SW-17.3-3]
    ['too long with the longest id', rule({ publish: [`${'x'.repeat(230)}/{id}`] }), 'rules[2].publish[0]: with a 32-character id, is longer than 256 bytes'],
    ['too many levels', rule({ subscribe: [Array(33).fill('a').join('/')] }), 'rules[2].subscribe[0]: has 33 levels'],
    ['* inside a method', rule({ call: ['a*b'] }), "rules[2].call[0]: '*' may appear only as the last character"],
    ['** method', rule({ call: ['**'] }), "rules[2].call[0]: '*' may appear only as the last character"],
    ['empty method', rule({ serve: [''] }), 'rules[2].serve[0]: a method pattern must not be empty'],
    ['lone surrogate in a method', rule({ call: ['a\ud83d*'] }), 'rules[2].call[0]: is not valid UTF-8'],
    ['deny not an object', rule({ deny: ['a'] }), 'rules[2].deny: expected an object'],
    ['unknown deny key', rule({ deny: { devices: ['x'] } }), 'rules[2].deny: unknown key "devices"'],
    ['bad deny pattern', rule({ deny: { publish: ['a/#/b'] } }), "rules[2].deny.publish[0]: '#' must be the whole last level"],
    ['comment not a string', rule({ comment: 1 }), 'rules[2].comment: expected a string'],
  ];
  for (const [name, config, message] of cases) {
    it(`${name}: ${message}`, () => {
      let err: unknown;
      try {
        AccessControl.fromConfig(config);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
      expect((err as Error).message.startsWith(message)).toBe(true);
    });
  }

  it('accepts comments, both "*" and ids in devices, and every key', () => {
    const a = AccessControl.fromConfig({
      revoked: [],
      rules: [{ devices: ['*', 'd1'], comment: 'all', publish: [], subscribe: [], call: [], serve: [], deny: {} }],
    });
    expect(a.isOpen).toBe(false);
    expect(a.canPublish('d2', 'a')).toBe(false);
  });
});
