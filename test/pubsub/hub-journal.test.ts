// The hub's journal [SW-18.3-3] [SW-18.3-4]: framing with a torn tail (a crash in the middle of an
// append) that is cut, never misread; group commit; compaction to a snapshot that replays to the
// same state; and the file journal on disk.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileJournal } from '../../src/node/file-journal.js';
import { frameRecords, journalBytes, JournalFormatError, MemoryJournal, parseJournal, type JournalStore } from '../../src/peer/journal-store.js';
import { GroupCommit } from '../../src/pubsub/group-commit.js';
import { HubLedger, loadLedger, type LedgerState } from '../../src/pubsub/hub-ledger.js';
import type { QoS } from '../../src/messaging/ops.js';
import { decodeHubRecord, encodeHubRecord, type HubRecord } from '../../src/pubsub/hub-records.js';
import { HubSessions } from '../../src/pubsub/hub-sessions.js';
import { RetainedStore } from '../../src/pubsub/retained-store.js';
import { DedupeWindow } from '../../src/pubsub/dedupe-window.js';

const rec = (i: number, len = 1 + (i % 40)): Uint8Array => new Uint8Array(len).fill(i & 0xff);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'saltwire-journal-'));
  dirs.push(d);
  return d;
};

describe('journal framing: a torn tail is cut, never misread [SW-18.3-4]', () => {
  it('property: every prefix of a journal parses to a prefix of its records, and garbage after the cut is never a record', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { maxLength: 12 }), fc.nat(), fc.uint8Array({ maxLength: 40 }), (records, cutAt, junk) => {
        const bytes = journalBytes(records);
        const cut = 4 + (cutAt % (bytes.length - 3));
        const torn = new Uint8Array(cut + junk.length);
        torn.set(bytes.subarray(0, cut));
        torn.set(junk, cut); // what a crash may leave where the append was going on
        const { records: got, valid } = parseJournal(torn);
        const whole = parseJournal(bytes.subarray(0, cut)).records.length;
        // the intact records before the cut are all read; a record is never invented from junk
        // (a junk record would need a length and CRC-32 that match by chance: 2^-32)
        expect(got.slice(0, whole)).toEqual(records.slice(0, whole));
        expect(got.length).toBeLessThanOrEqual(whole + 1);
        if (got.length > whole) expect(valid).toBeGreaterThan(cut);
        expect(valid).toBeLessThanOrEqual(torn.length);
      }),
      { numRuns: 500 },
    );
  });

  it('zeros (a tail the file system extended but never wrote) and a flipped bit end the journal there', () => {
    const bytes = journalBytes([rec(1), rec(2), rec(3)]);
    const zeros = new Uint8Array(bytes.length + 64);
    zeros.set(bytes);
    expect(parseJournal(zeros).records).toHaveLength(3);
    const flipped = bytes.slice();
    const at = 4 + 8 + rec(1).length + 8; // a bit of the second record's payload
    flipped[at] = flipped[at]! ^ 1;
    expect(parseJournal(flipped).records).toEqual([rec(1)]);
  });

  it('bytes that are not a journal are refused, not guessed at', () => {
    expect(() => parseJournal(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(JournalFormatError);
    expect(parseJournal(new Uint8Array(0)).records).toEqual([]);
  });
});

describe('the file journal', () => {
  it('appends survive a reopen; a torn tail is truncated at open and appends go after the last intact record', async () => {
    const path = join(tmp(), 'hub.journal');
    const j = await FileJournal.open(path);
    await j.append([rec(1), rec(2)]);
    await j.append([rec(3)]);
    await j.close();
    const intact = statSync(path).size;
    // a crash in the middle of the next append: half a record
    appendFileSync(path, frameRecords([rec(4, 30)]).subarray(0, 17));
    const k = await FileJournal.open(path);
    expect(k.records()).toEqual([rec(1), rec(2), rec(3)]);
    expect(k.cut).toBe(17);
    expect(statSync(path).size).toBe(intact);
    await k.append([rec(5)]);
    await k.close();
    expect(parseJournal(new Uint8Array(readFileSync(path))).records).toEqual([rec(1), rec(2), rec(3), rec(5)]);
  });

  it('replace is atomic: the journal holds the new records only, and appends follow them', async () => {
    const path = join(tmp(), 'hub.journal');
    const j = await FileJournal.open(path);
    await j.append([rec(1), rec(2), rec(3)]);
    await j.replace([rec(9)]);
    await j.append([rec(10)]);
    await j.close();
    expect((await FileJournal.open(path)).records()).toEqual([rec(9), rec(10)]);
  });

  it('a file that is not a journal stops the open', async () => {
    const path = join(tmp(), 'hub.journal');
    writeFileSync(path, 'not a journal');
    await expect(FileJournal.open(path)).rejects.toThrow(JournalFormatError);
  });
});

describe('group commit [SW-18.3-4]', () => {
  it('records of one burst share one append; each promise resolves once its record is durable', async () => {
    const store = new MemoryJournal();
    const g = new GroupCommit(store, () => []);
    const done = Array.from({ length: 50 }, (_, i) => g.commit(rec(i)));
    await Promise.all(done);
    expect(store.appends).toBe(1);
    expect(store.records()).toHaveLength(50);
  });

  it('appends made while a commit is in flight go together in the next one', async () => {
    let release: () => void = () => undefined;
    const slow = new MemoryJournal();
    const base = slow.append.bind(slow);
    slow.append = async (r) => {
      await new Promise<void>((res) => (release = res));
      return base(r);
    };
    const g = new GroupCommit(slow, () => []);
    const first = g.commit(rec(1));
    await new Promise((r) => setTimeout(r, 1));
    const later = Array.from({ length: 20 }, (_, i) => g.commit(rec(i + 2)));
    release();
    await first;
    await new Promise((r) => setTimeout(r, 1));
    release();
    await Promise.all(later);
    expect(slow.appends).toBe(2);
  });

  it('a failed append rejects its waiters and the next commit rewrites the journal from the snapshot', async () => {
    const store = new MemoryJournal();
    let fail = true;
    const base = store.append.bind(store);
    store.append = async (r) => {
      if (fail) throw new Error('EIO');
      return base(r);
    };
    const g = new GroupCommit(store, () => [rec(7)]);
    await expect(g.commit(rec(1))).rejects.toThrow('EIO');
    fail = false;
    await g.commit(rec(2));
    expect(store.records()).toEqual([rec(7)]);
    expect(g.stats.compactions).toBe(1);
  });
});

const clock = (): { now: () => number; wall: () => number; t: number } => {
  const c = { t: 1_000_000, now: () => c.t, wall: () => c.t };
  return c;
};

describe('the hub ledger: replay and compaction [SW-18.3-3] [SW-18.3-5]', () => {
  const fresh = (): LedgerState => ({ sessions: new HubSessions(), retained: new RetainedStore(), dedupe: new DedupeWindow(), wills: new Map() });

  it('replays subscriptions, wills, retained, the QoS 2 window and what is still owed; a compacted journal replays the same', async () => {
    const store = new MemoryJournal();
    const c = clock();
    const st = fresh();
    const l = new HubLedger(store, st, c, 1, [], 64); // compacts as soon as it passes 64 bytes
    st.sessions.set('dev-b', 'a/#', 1);
    const s1 = l.subscriptions('dev-b');
    st.wills.set('dev-a', { topic: 'w', payload: new Uint8Array([1]), qos: 1, retain: false });
    const w1 = l.will('dev-a', st.wills.get('dev-a'));
    st.retained.set('a/r', new Uint8Array([5]), 1, 'dev-a', c.now());
    st.dedupe.seen('dev-a', 77n, c.now());
    const p1 = l.publication({ from: 'dev-a', topic: 'a/r', payload: new Uint8Array([5]), qos: 2, retain: true, copy: false, pubId: 77n, targets: new Map([['dev-b', 2], ['dev-c', 1]]) });
    const p2 = l.publication({ from: 'dev-a', topic: 'a/x', payload: new Uint8Array([6]), qos: 1, retain: false, copy: false, targets: new Map([['dev-b', 1]]) });
    l.delivered(p1.seq, 'dev-c');
    l.delivered(p2.seq, 'dev-b');
    await Promise.all([s1, w1, p1.durable, p2.durable, l.barrier()]);
    const appended = store.raw();
    await l.subscriptions('dev-b'); // the journal is over 64 bytes: this commit compacts it
    expect(l.commits.stats.compactions).toBe(1);
    const compacted = store.raw();
    expect(parseJournal(compacted).records.map((r) => decodeHubRecord(r).type)).toEqual(['RETAINED', 'DEDUPE', 'NEXT', 'SUBS', 'WILL', 'PUB']);
    for (const bytes of [appended, compacted]) {
      const got = await loadLedger(MemoryJournal.fromBytes(bytes), c);
      expect([...got.state.sessions.filtersOf('dev-b')]).toEqual([['a/#', 1]]);
      expect(got.state.wills.get('dev-a')?.topic).toBe('w');
      expect(got.state.retained.get('a/r')?.payload).toEqual(new Uint8Array([5]));
      expect(got.state.dedupe.seen('dev-a', 77n, c.now())).toBe(true);
      const owed = got.ledger.owed();
      expect(owed.map((o) => [o.pub.topic, o.devices, o.pub.pubId])).toEqual([['a/r', ['dev-b'], 77n]]);
      expect(got.corrupt).toBe(0);
    }
  });

  it('a record torn by a crash is as if never written: its operation was not acknowledged', async () => {
    const store = new MemoryJournal();
    const c = clock();
    const st = fresh();
    const l = new HubLedger(store, st, c);
    st.sessions.set('dev-b', 'x', 1);
    await l.subscriptions('dev-b');
    const before = store.raw();
    st.sessions.set('dev-b', 'y', 1);
    await l.subscriptions('dev-b');
    const after = store.raw();
    const torn = after.slice(0, before.length + Math.floor((after.length - before.length) / 2));
    const got = await loadLedger(MemoryJournal.fromBytes(torn), c);
    expect([...got.state.sessions.filtersOf('dev-b')]).toEqual([['x', 1]]);
  });

  it('a message expiry (MQTT 5, through the bridge) is journaled on the wall clock and comes back on the next process\'s scheduler clock', async () => {
    const store = new MemoryJournal();
    const first = { now: () => 500, wall: () => 1_000_000 }; // scheduler 500 ms after start
    const l = new HubLedger(store, fresh(), first, 1, [], 64);
    const p = l.publication({ from: 'hub', topic: 'cmd/x', payload: new Uint8Array([1]), qos: 1, retain: false, copy: false, targets: new Map([['dev-b', 1]]), expiresAt: 2_500 });
    l.publication({ from: 'hub', topic: 'cmd/y', payload: new Uint8Array([2]), qos: 1, retain: false, copy: false, targets: new Map([['dev-b', 1]]) });
    await p.durable;
    const appended = store.raw();
    await l.subscriptions('dev-b'); // compacts: the owed PUB keeps its expiry
    expect(l.commits.stats.compactions).toBe(1);
    // the next process: its scheduler starts at 0, one second of wall clock later
    const next = { now: () => 0, wall: () => 1_001_000 };
    for (const bytes of [appended, store.raw()]) {
      const got = await loadLedger(MemoryJournal.fromBytes(bytes), next);
      expect(got.ledger.owed().map((o) => [o.pub.topic, o.expiresAt])).toEqual([['cmd/x', 1_000], ['cmd/y', undefined]]);
    }
  });

  it('records round-trip through their codec', () => {
    const r: HubRecord = { type: 'PUB', pub: { seq: 3, at: 12.5, from: 'd', topic: 't/é', payload: new Uint8Array([1, 2]), qos: 2, retain: true, copy: false, pubId: 2n ** 40n, targets: new Map<string, QoS>([['a', 1], ['b', 2]]) } };
    expect(decodeHubRecord(encodeHubRecord(r))).toEqual(r);
    const e: HubRecord = { type: 'PUB', pub: { seq: 4, at: 12.5, from: 'hub', topic: 'c', payload: new Uint8Array([3]), qos: 1, retain: false, copy: false, expiresAt: 99_000.5, targets: new Map<string, QoS>([['a', 1]]) } };
    expect(decodeHubRecord(encodeHubRecord(e))).toEqual(e);
    expect(() => decodeHubRecord(new Uint8Array([99]))).toThrow();
  });
});

// keep the interface honest: both journals are JournalStores
const _stores: JournalStore[] = [new MemoryJournal()];
void _stores;
