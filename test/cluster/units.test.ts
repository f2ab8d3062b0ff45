// The cluster's pure parts: which hub holds a device (routes.ts), the relay messages (relay.ts) and the
// holder's side of a dead hub's copies handed over (owed.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournal } from '../../src/node/file-journal.js';
import { loadLedger } from '../../src/pubsub/hub-ledger.js';
import { filterCovers } from '../../src/bridge/covers.js';
import { decode, encode } from '@msgpack/msgpack';
import { decodeRelay, encodeRelay, OwedHandover, RouteTable, type RelayMessage } from '../../src/cluster/index.js';

describe('RouteTable', () => {
  it('the holder is the live hub with the newest claim; a dead hub keeps its claim but holds nothing', () => {
    const r = new RouteTable('hub-a');
    r.member('hub-b', true);
    r.member('hub-c', true);
    r.claim('hub-b', 'd1', 100);
    expect(r.holder('d1')).toBe('hub-b');
    r.claim('hub-c', 'd1', 200); // d1 roamed to hub-c; hub-b has not noticed yet
    expect(r.holder('d1')).toBe('hub-c');
    r.member('hub-c', false); // hub-c died: d1 is nowhere until a live hub claims it
    expect(r.holder('d1')).toBe('hub-b'); // hub-b's claim (it has not withdrawn it) is the newest live one
    r.claim('hub-b', 'd1', undefined);
    expect(r.holder('d1')).toBeUndefined();
    expect(r.known('d1')).toBe(true); // hub-c's claim is kept: a device of the cluster, Unreachable
    r.claim('hub-a', 'd1', 300);
    expect(r.holder('d1')).toBe('hub-a');
    expect(r.members()).toEqual(['hub-a', 'hub-b']);
    expect(r.known('d2')).toBe(false);
  });

  it('this hub is always online to itself', () => {
    const r = new RouteTable('hub-a');
    r.member('hub-a', false);
    r.claim('hub-a', 'd', 1);
    expect(r.holder('d')).toBe('hub-a');
  });
});

describe('relay messages', () => {
  it('round-trip, call ids as u64 included', () => {
    const ms: RelayMessage[] = [
      { kind: 'call', caller: 'dev-a', callId: 2n ** 64n - 1n, timeoutMs: 5000, target: 'dev-b', method: 'read', params: new Uint8Array([1, 2]), replyHub: 'hub-a' },
      { kind: 'ack', caller: 'dev-a', callId: 7n },
      { kind: 'result', caller: 'dev-a', callId: 7n, outcome: 4, body: new Uint8Array(0) },
    ];
    for (const m of ms) expect(decodeRelay(encodeRelay(m))).toEqual(m);
  });

  it('what is not one decodes to undefined (dropped and counted, never thrown)', () => {
    for (const b of [new Uint8Array([0xc1]), new Uint8Array(0), encodeRelay({ kind: 'ack', caller: 'x', callId: 1n }).slice(0, 3), new TextEncoder().encode('{"x":1}')]) {
      expect(decodeRelay(b)).toBeUndefined();
    }
  });
});

describe('filterCovers (the bridge subscribes to what its rules do not cover, once)', () => {
  it('compares MQTT filters level by level', () => {
    const yes: Array<[string, string]> = [['#', 'saltwire/call/+/+'], ['#', 'a'], ['a/#', 'a'], ['a/#', 'a/b/#'], ['+/+/status', 'saltwire/x/status'], ['a/+/c', 'a/+/c'], ['saltwire/bridge/+/status', 'saltwire/bridge/+/status']];
    const no: Array<[string, string]> = [['a/+', 'a/#'], ['a/b', 'a/+'], ['#', '$SYS/x'], ['+/x', '$a/x'], ['a/+', 'a/b/c'], ['a/b/c', 'a/b'], ['sensors/#', 'saltwire/cluster/held/+/+']];
    for (const [a, b] of yes) expect(filterCovers(a, b), `${a} covers ${b}`).toBe(true);
    for (const [a, b] of no) expect(filterCovers(a, b), `${a} does not cover ${b}`).toBe(false);
  });
});

describe('OwedHandover, the holder of a device a dead hub owed copies', () => {
  it('owes an offered copy once, answers every offer once it is durable, leaves a device it does not hold to its holder, counts junk', async () => {
    const sent: Array<[string, unknown]> = [];
    const took: string[] = [];
    let holder: string | undefined = 'hub-c';
    const h = new OwedHandover({
      self: 'hub-c',
      holder: () => holder,
      send: (hub, b) => (sent.push([hub, decode(b)]), true),
      take: async (d, c) => void took.push(`${d} ${c.topic} q${c.qos} ${c.pubId} ${c.expiresAt}`),
      retryMs: 1000,
    });
    const offer = (key: string): Uint8Array => encode([1, 'hub-b', key, 'dev-t', 'dev-a', 'alerts/x', new Uint8Array([1]), 2, false, '18446744073709551615', 1e15]);
    h.onMessage(offer('hub-a:7'));
    h.onMessage(offer('hub-a:7')); // offered again (the answer was lost): owed once, answered again
    await new Promise((r) => setTimeout(r, 0));
    expect(took).toEqual(['dev-t alerts/x q2 18446744073709551615 1000000000000000']);
    expect(sent).toEqual([['hub-b', [2, 'hub-a:7', 'dev-t']], ['hub-b', [2, 'hub-a:7', 'dev-t']]]);
    holder = 'hub-b'; // dev-t moved on: the adopter offers its copies to hub-b
    h.onMessage(offer('hub-a:8'));
    await new Promise((r) => setTimeout(r, 0));
    expect([took.length, sent.length]).toEqual([1, 2]);
    for (const junk of [new Uint8Array([0xc1]), encode([1, 'hub-b']), encode([1, 'hub-b', 'k', 'd', 'f', 't', new Uint8Array(0), 0, false, null, null]), encode([2, 'k'])]) h.onMessage(junk);
    expect(h.stats).toEqual({ handed: 0, taken: 1, malformed: 4 });
    await h.close();
  });
});

describe('OwedHandover, the adopter of a dead hub journal', () => {
  it('offers each copy to the holder once its device is claimed, again until answered, and marks it done in the dead journal only then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-owed-'));
    try {
      const clock = { now: Date.now, wall: Date.now };
      const { ledger } = await loadLedger(await FileJournal.open(join(dir, 'hub.journal')), clock);
      await ledger.publication({ from: 'dev-p', topic: 'a/1', payload: new Uint8Array([1]), qos: 1, retain: false, copy: false, targets: new Map([['dev-x', 1], ['dev-y', 1]]) }).durable;
      await ledger.close();
      const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
      writeFileSync(join(dir, 'cluster.pid'), `${hostname()} ${gone}\n`);
      const sent: Array<[string, unknown[]]> = [];
      const holders = new Map<string, string>();
      const h = new OwedHandover({ self: 'hub-b', holder: (d) => holders.get(d), send: (hub, b) => (sent.push([hub, decode(b) as unknown[]]), true), take: async () => undefined, retryMs: 30 });
      expect(await h.adopt('hub-a', dir)).toEqual({ owed: 2 });
      expect([sent.length, h.left]).toEqual([0, 2]); // nobody holds dev-x or dev-y yet
      holders.set('dev-x', 'hub-c');
      h.claimed('dev-x');
      await new Promise((r) => setTimeout(r, 100)); // unanswered: offered again
      expect(sent.length).toBeGreaterThan(1);
      expect(sent.every(([hub, m]) => hub === 'hub-c' && m[0] === 1 && m[3] === 'dev-x' && m[5] === 'a/1')).toBe(true);
      h.onMessage(encode([2, sent[0]![1][2], 'dev-x']));
      const n = sent.length;
      holders.set('dev-y', 'hub-b'); // roamed to the adopter itself: owed here, no message
      h.claimed('dev-y');
      await new Promise((r) => setTimeout(r, 100));
      expect([sent.length, h.left, h.stats.handed]).toEqual([n, 0, 2]);
      await new Promise((r) => setTimeout(r, 50)); // the dead journal closed after its DONEs
      const again = await loadLedger(await FileJournal.open(join(dir, 'hub.journal')), clock);
      expect(again.ledger.owed()).toEqual([]);
      await again.ledger.close();
      await h.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adopts nothing while the process of the fence file runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-owed-'));
    try {
      writeFileSync(join(dir, 'cluster.pid'), `${hostname()} ${process.pid}\n`);
      const h = new OwedHandover({ self: 'hub-b', holder: () => undefined, send: () => true, take: async () => undefined, retryMs: 30 });
      expect((await h.adopt('hub-a', dir)).refused).toContain('still runs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
