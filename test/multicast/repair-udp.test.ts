// Repair of group losses (spec 19.12) over real UDP multicast on loopback: member b loses 30% of
// a's publications on its path (a seeded set, and the first repair of a seeded part of them);
// with repair on it receives every one exactly once, with repair off it misses them.
// setMulticastInterface('127.0.0.1') keeps it on lo.
import { afterEach, describe, expect, it } from 'vitest';
import { groupPort } from './group-port.js';
import { tweetnaclSuite as suite } from '../../src/crypto/tweetnacl.js';
import { encodeGrant } from '../../src/multicast/grant.js';
import { GroupManager } from '../../src/multicast/manager.js';
import { GroupEndpoint } from '../../src/node/group-endpoint.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { readU32 } from '../../src/util/bytes.js';

const N = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (f: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await sleep(10);
  return f();
};
/** mulberry32, seeded: every run loses the same datagrams. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** 30% of a's counters, never the last (a loss at the tail is revealed by no later datagram); of those, 30% lose their first repair too. */
function lossPlan() {
  const r = seeded(19);
  const order = Array.from({ length: N - 1 }, (_, i) => i).sort(() => r() - 0.5);
  const lost = new Set(order.slice(0, Math.round(N * 0.3)));
  const twice = new Set([...lost].filter(() => r() < 0.3));
  return { lost, twice };
}

let open: GroupEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.map((e) => e.close()));
  open = [];
});

async function run(repair: boolean) {
  const net = { group: `239.255.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`, port: groupPort(), interface: '127.0.0.1' };
  const mgr = new GroupManager({ suite, gid: 1 });
  const { lost, twice } = lossPlan();
  const copies = new Map<number, number>(); // a's counter -> copies that reached b's path
  let aMember = 0;
  const lossy = (d: Uint8Array): boolean => {
    if (((d[5]! << 8) | d[6]!) !== aMember) return true;
    const c = readU32(d, 11);
    const n = (copies.get(c) ?? 0) + 1;
    copies.set(c, n);
    return !((n === 1 && lost.has(c)) || (n === 2 && twice.has(c)));
  };
  const got = new Map<string, Map<string, number>>();
  const eps = new Map<string, GroupEndpoint>();
  for (const id of ['a', 'b', 'c']) {
    mgr.add(id);
    const e = await GroupEndpoint.open({ ...net, store: new MemoryStateStore(), suite, ...(id === 'b' && { inboundFilter: lossy }) });
    open.push(e);
    await e.grant(encodeGrant(mgr.grantFor(id)));
    if (repair) e.enableRepair(1, { historyCount: 256, random: seeded(id.charCodeAt(0)) });
    const m = new Map<string, number>();
    got.set(id, m);
    e.subscribe(1, 't/#', (_t, p) => m.set(new TextDecoder().decode(p), (m.get(new TextDecoder().decode(p)) ?? 0) + 1));
    eps.set(id, e);
  }
  aMember = mgr.grantFor('a').member;
  for (let i = 0; i < N; i++) {
    await eps.get('a')!.publish(1, 't/x', String(i));
    await sleep(2);
  }
  // without repair b's losses never arrive: wait for c only
  await until(() => (!repair || got.get('b')!.size === N) && got.get('c')!.size === N, 8_000);
  await sleep(300); // late copies would show as duplicates
  return { got, eps, lost, twice };
}

describe('group repair over UDP multicast', () => {
  it('with repair on, a member losing 30% of the group’s datagrams receives every one exactly once; repairs are the same bytes, dropped as replays where already held [SW-19.12-2] [SW-19.12-4] [SW-19.12-6]', async () => {
    const { got, eps, lost, twice } = await run(true);
    expect(lost.size).toBe(45);
    expect(twice.size).toBeGreaterThan(0);
    for (const id of ['b', 'c']) {
      expect(got.get(id)!.size).toBe(N);
      expect([...got.get(id)!.values()].every((n) => n === 1)).toBe(true);
    }
    const a = eps.get('a')!.repairStats(1)!;
    const b = eps.get('b')!.repairStats(1)!;
    // (at least: a loaded host may lose a datagram of its own on loopback, which repair recovers too)
    expect(b.requester.missing).toBeGreaterThanOrEqual(lost.size);
    expect(b.requester.recovered).toBe(b.requester.missing);
    expect(a.responder.repairs).toBeGreaterThanOrEqual(lost.size + twice.size);
    expect(eps.get('b')!.socket.stats.sent).toBeGreaterThan(0); // b publishes nothing: what it sent are its NACKs
    // c had (nearly) everything: what it saw again were a's repairs, refused by its window
    const cReplays = eps.get('c')!.receiver.drops.get('REPLAY');
    expect(cReplays).toBeGreaterThanOrEqual(a.responder.repairs - eps.get('c')!.repairStats(1)!.requester.missing);
    expect(cReplays).toBeLessThanOrEqual(a.responder.repairs);
  }, 15_000);

  it('with repair off, the same losses stay lost: no member sends a NACK [SW-19.12-7]', async () => {
    const { got, eps, lost } = await run(false);
    expect(got.get('b')!.size).toBe(N - lost.size);
    expect(got.get('c')!.size).toBe(N);
    expect(eps.get('a')!.repairStats(1)).toBeUndefined();
    // b and c publish nothing: with repair on, b's NACKs are all it sends (above); off, nothing
    expect(eps.get('b')!.socket.stats.sent).toBe(0);
    expect(eps.get('c')!.socket.stats.sent).toBe(0);
  }, 15_000);
});
