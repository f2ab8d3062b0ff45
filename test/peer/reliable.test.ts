// Reliable delivery through SaltwireNode (spec 14 wired into the peer layer, spec 9.3, 12.3):
// MemoryNetwork and virtual time. Every loop is bounded by virtual time.
import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, MessageTooLargeError } from '../../src/errors.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import type { Message } from '../../src/peer/node-events.js';
import type { Peer } from '../../src/peer/peer.js';
import { FAST, Harness, HUB, text } from './harness.js';

const dec = (d: Uint8Array): string => new TextDecoder().decode(d);

/** Runs virtual time in 200 ms slices until `done()` or `limitMs` of virtual time passed. */
async function until(h: Harness, done: () => boolean, limitMs: number): Promise<number> {
  const start = h.net.scheduler.now();
  while (!done() && h.net.scheduler.now() - start < limitMs) await h.run(200);
  return h.net.scheduler.now() - start;
}

/** Settles a promise into a result the test can inspect synchronously. */
function track(p: Promise<void>): { state: 'pending' | 'ok' | 'failed'; error?: unknown } {
  const r: { state: 'pending' | 'ok' | 'failed'; error?: unknown } = { state: 'pending' };
  p.then(
    () => void (r.state = 'ok'),
    (e: unknown) => {
      r.state = 'failed';
      r.error = e;
    },
  );
  return r;
}

function reliableTexts(msgs: readonly Message[], channel?: number): string[] {
  return msgs.filter((m) => m.reliable && (channel === undefined || m.channel === channel)).map((m) => dec(m.data));
}

/** The node's peer entry (test-only access to private state). */
function peerOf(node: SaltwireNode, id: string): Peer | undefined {
  return (node as unknown as { table: { get(id: string): Peer | undefined } }).table.get(id);
}

describe('reliable delivery through SaltwireNode (spec 14)', () => {
  it('2,000 ordered messages through 20% loss, 10% duplication, reordering and 1% corruption: each delivered exactly once, in order [SW-14.3-1] [SW-14.7-3]', async () => {
    const h = new Harness(undefined, 42);
    const hub = await h.hub();
    const dev = await h.device('dev-a', { reliability: { send: { outboxMessages: 4096, outboxBytes: 1 << 22 } } });
    h.net.setFaults({ loss: 0.2, duplicate: 0.1, reorder: 0.2, reorderDelayMs: 40, delayMs: 5, jitterMs: 5, corrupt: 0.01 });
    const N = 2000;
    const results = Array.from({ length: N }, (_, i) => track(dev.send('hub', text(`m${i}`), { reliable: true, ordered: true, channel: 3, deadlineMs: 900_000 })));
    const took = await until(h, () => results.every((r) => r.state !== 'pending'), 900_000);
    const got = reliableTexts(h.inbox.get('hub')!, 3);
    expect(got.length).toBe(N);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => `m${i}`));
    expect(results.filter((r) => r.state === 'ok').length).toBe(N);
    expect(h.inbox.get('hub')!.every((m) => m.fresh)).toBe(true);
    // the faults did happen
    const c = h.net.faults.counters;
    expect(c.lost / c.datagrams).toBeGreaterThan(0.1);
    expect(c.duplicated).toBeGreaterThan(0);
    expect(c.reordered).toBeGreaterThan(0);
    expect(took).toBeLessThan(900_000);
    await dev.close();
    await hub.close();
  }, 120_000);

  it('a peer away for 30 s: queued messages flow when it is back; one whose deadline passed rejects with DeadlineExceededError [SW-14.8-2] [SW-14.8-3]', async () => {
    const h = new Harness(undefined, 7);
    const hub = await h.hub();
    const dev = await h.device('dev-b');
    const first = track(dev.send('hub', text('before'), { reliable: true, ordered: true }));
    await until(h, () => first.state !== 'pending', 5_000);
    expect(first.state).toBe('ok');

    h.net.partition(dev.local, HUB);
    const unreachable: string[] = [];
    dev.on('unreachable', (e) => unreachable.push(e.peer));
    await h.run(6_000); // the device notices (FAST: probe after 1.5 s, unreachable 2 s later)
    expect(dev.reachability('hub')).toBe('unreachable');
    // baseline: what liveness alone sends to an unreachable peer in 10 s
    let sent = dev.stats.sent.datagrams;
    await h.run(10_000);
    const baseline = dev.stats.sent.datagrams - sent;
    sent = dev.stats.sent.datagrams;
    const early = [0, 1, 2, 3, 4].map((i) => track(dev.send('hub', text(`q${i}`), { reliable: true, ordered: true, deadlineMs: 120_000 })));
    const short = track(dev.send('hub', text('short'), { reliable: true, ordered: true, deadlineMs: 5_000 }));
    const late = [5, 6, 7, 8, 9].map((i) => track(dev.send('hub', text(`q${i}`), { reliable: true, ordered: true, deadlineMs: 120_000 })));
    await h.run(2_000);
    // while unreachable nothing reliable is transmitted: the messages wait in the outbox [SW-14.8-3]
    const snap = peerOf(dev, 'hub')!.link!.sender.snapshot();
    expect([snap.outbox, snap.inflightIds]).toEqual([11, 0]);
    await h.run(8_000);
    // only liveness probes went out, not a datagram per message or retransmission
    expect(dev.stats.sent.datagrams - sent).toBeLessThanOrEqual(baseline + 5);
    await h.run(4_000); // 30 s away in all
    expect(short.state).toBe('failed');
    expect(short.error).toBeInstanceOf(DeadlineExceededError);
    expect((short.error as DeadlineExceededError).stage).toBe('queued'); // never transmitted while unreachable
    expect([...early, ...late].every((r) => r.state === 'pending')).toBe(true);
    expect(unreachable).toEqual(['hub']);

    h.net.heal();
    await until(h, () => [...early, ...late].every((r) => r.state !== 'pending'), 30_000);
    expect([...early, ...late].every((r) => r.state === 'ok')).toBe(true);
    expect(reliableTexts(h.inbox.get('hub')!)).toEqual(['before', ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `q${i}`)]);
    await dev.close();
    await hub.close();
  }, 60_000);

  it('a 50 KiB message is fragmented and reassembled through 10% loss; one over MAX_MESSAGE is refused before anything is sent [SW-14.6-1] [SW-14.6-5]', async () => {
    const h = new Harness(undefined, 3);
    const hub = await h.hub({ peerMaxDatagram: 1200 });
    const dev = await h.device('dev-c', { peerMaxDatagram: 1200 });
    await h.run(500);
    h.net.setFaults({ loss: 0.1, reorder: 0.1 });
    const big = new Uint8Array(50 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
    const r = track(dev.send('hub', big, { reliable: true }));
    await until(h, () => r.state !== 'pending', 60_000);
    expect(r.state).toBe('ok');
    const got = h.inbox.get('hub')!.filter((m) => m.reliable);
    expect(got.length).toBe(1);
    expect(got[0]!.data).toEqual(big);
    expect(h.net.faults.counters.lost).toBeGreaterThan(0);

    const before = dev.stats.sent.datagrams;
    const tooBig = track(dev.send('hub', new Uint8Array(65_537), { reliable: true }));
    await Promise.resolve();
    await Promise.resolve();
    expect(tooBig.state).toBe('failed');
    expect(tooBig.error).toBeInstanceOf(MessageTooLargeError);
    expect(dev.stats.sent.datagrams).toBe(before);
    // the limit is the peer's MAX_MESSAGE (64 KiB by default): exactly at it is accepted
    const atLimit = track(dev.send('hub', new Uint8Array(65_536).fill(5), { reliable: true }));
    h.net.setFaults({});
    await until(h, () => atLimit.state !== 'pending', 30_000);
    expect(atLimit.state).toBe('ok');
    await dev.close();
    await hub.close();
  }, 60_000);

  it('the receiver restarts mid-stream: no message lost, none delivered twice by one receiver state, receipts for all [SW-14.7-4]', async () => {
    const h = new Harness(undefined, 11);
    let hub = await h.hub();
    const dev = await h.device('dev-d', { reliability: { send: { outboxMessages: 1024 } } });
    const perInstance: string[][] = [[]];
    hub.on('message', (m) => m.reliable && perInstance[0]!.push(dec(m.data)));
    const restarts: number[] = [];
    dev.on('restart', (e) => restarts.push(e.epoch));
    const N = 400;
    const results: Array<ReturnType<typeof track>> = [];
    let next = 0;
    const feed = (k: number): void => {
      for (let j = 0; j < k && next < N; j++) results.push(track(dev.send('hub', text(`r${next++}`), { reliable: true, ordered: true, deadlineMs: 600_000 })));
    };
    for (let t = 0; t < 40; t++) {
      feed(5);
      await h.run(100);
    }
    expect(perInstance[0]!.length).toBeGreaterThan(50); // mid-stream
    await hub.close();
    feed(40); // sent while the hub is down
    await h.run(500);
    hub = await h.hub(); // same state store: a new epoch
    const second: string[] = [];
    perInstance.push(second);
    hub.on('message', (m) => m.reliable && second.push(dec(m.data)));
    while (next < N) {
      feed(20);
      await h.run(50);
    }
    await until(h, () => results.every((r) => r.state !== 'pending'), 120_000);
    expect(results.every((r) => r.state === 'ok')).toBe(true);
    expect(restarts.length).toBe(1);
    const all = new Set([...perInstance[0]!, ...second]);
    expect(all.size).toBe(N); // nothing lost
    for (const inst of perInstance) expect(new Set(inst).size).toBe(inst.length); // exactly once per receiver state
    // each receiver state delivers in order
    const idx = (s: string): number => Number(s.slice(1));
    for (const inst of perInstance) expect(inst.map(idx)).toEqual([...inst.map(idx)].sort((a, b) => a - b));
    // a second delivery is only possible for a message whose ACK died with the old receiver [SW-14.7-4]
    const twice = perInstance[0]!.filter((s) => second.includes(s));
    expect(twice.length).toBeLessThanOrEqual(64);
    await dev.close();
    await hub.close();
  }, 60_000);

  it('data of unknown freshness after a hub restart is neither acknowledged nor delivered; it is delivered once the challenge completes [SW-12.3-5] [SW-14.10-5]', async () => {
    const h = new Harness(undefined, 5);
    let hub = await h.hub();
    // the device probes a silent hub in the FULL form but stays reachable (so it keeps retransmitting)
    const dev = await h.device('dev-e', { liveness: { ...FAST, unreachableAfterMs: 60_000 } });
    const first = track(dev.send('hub', text('one'), { reliable: true }));
    await until(h, () => first.state !== 'pending', 5_000);
    expect(first.state).toBe('ok');
    await hub.close();
    h.net.partition(HUB, dev.local, { oneWay: true }); // the new hub's challenges do not get through
    hub = await h.hub();
    const fresh: Message[] = [];
    hub.on('message', (m) => fresh.push(m));
    const m = track(dev.send('hub', text('two'), { reliable: true }));
    // the device's SHORT datagrams name an index the new hub never gave; its probes fall back to FULL
    await until(h, () => hub.stats.unverified > 0, 20_000);
    await h.run(2_000);
    expect(hub.stats.unverified).toBeGreaterThan(0); // it arrived, of unknown freshness
    expect(fresh.length).toBe(0); // not delivered
    const link = peerOf(hub, 'dev-e')?.link;
    expect(link === undefined || link.receiver.ids.base === 1).toBe(true); // not recorded, so never acknowledged
    expect(link?.receiver.ackPending ?? false).toBe(false);
    expect(m.state).toBe('pending');

    h.net.heal();
    await until(h, () => m.state !== 'pending', 20_000);
    expect(m.state).toBe('ok');
    expect(fresh.filter((x) => x.reliable).map((x) => [dec(x.data), x.fresh])).toEqual([['two', true]]);
    await dev.close();
    await hub.close();
  }, 60_000);

  it('session mode (spec 13): 300 ordered messages both ways through 10% loss, each delivered once, in order', async () => {
    const h = new Harness(undefined, 13);
    const SESSION = { session: { peers: 'all' as const }, reliability: { send: { outboxMessages: 1024 } } };
    const hub = await h.hub(SESSION);
    const dev = await h.device('dev-s', SESSION);
    h.net.setFaults({ loss: 0.1, reorder: 0.1 });
    const N = 300;
    const up = Array.from({ length: N }, (_, i) => track(dev.send('hub', text(`u${i}`), { reliable: true, ordered: true, deadlineMs: 300_000 })));
    await until(h, () => peerOf(hub, 'dev-s') !== undefined, 30_000);
    const down = Array.from({ length: N }, (_, i) => track(hub.send('dev-s', text(`d${i}`), { reliable: true, ordered: true, deadlineMs: 300_000 })));
    await until(h, () => [...up, ...down].every((r) => r.state !== 'pending'), 300_000);
    expect([...up, ...down].every((r) => r.state === 'ok')).toBe(true);
    expect(reliableTexts(h.inbox.get('hub')!)).toEqual(Array.from({ length: N }, (_, i) => `u${i}`));
    expect(reliableTexts(h.inbox.get('dev-s')!)).toEqual(Array.from({ length: N }, (_, i) => `d${i}`));
    expect(hub.stats.sessions.established + dev.stats.sessions.established).toBeGreaterThan(0); // it did run over sessions
    await dev.close();
    await hub.close();
  }, 60_000);

  it('first contact: the messages the hub could not tell fresh go again with the ECHO, not after INITIAL_RTO, and cwnd is not cut [SW-14.10-4]', async () => {
    const h = new Harness(undefined, 21);
    const hub = await h.hub();
    const dev = await h.device('dev-g');
    h.net.setFaults({ delayMs: 10 }); // 20 ms round trip
    const t0 = h.net.scheduler.now();
    const sent = Array.from({ length: 5 }, (_, i) => track(dev.send('hub', text(`c${i}`), { reliable: true, ordered: true })));
    const took = await until(h, () => sent.every((r) => r.state !== 'pending'), 5_000);
    expect(sent.every((r) => r.state === 'ok')).toBe(true);
    expect(reliableTexts(h.inbox.get('hub')!)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    // challenge, echo with the data, ACK: a few round trips; INITIAL_RTO is 1000 ms
    expect(h.net.scheduler.now() - t0).toBeLessThanOrEqual(took);
    expect(took).toBeLessThan(400);
    const sender = peerOf(dev, 'hub')!.link!.sender;
    expect(sender.counters.timeouts).toBe(0);
    expect(sender.counters.retransmissions).toBeGreaterThan(0); // they did go twice: the hub ignored the first copy
    expect(sender.snapshot().ssthresh).toBe(Infinity); // no congestion response
    await dev.close();
    await hub.close();
  }, 30_000);

  it('message ids used up: the node starts a new epoch once the old ids are settled, queued messages go on in it, none lost or doubled [SW-14.1-1] [SW-14.1-3]', async () => {
    const h = new Harness(undefined, 33);
    const hub = await h.hub();
    const dev = await h.device('dev-h', { reliability: { send: { lastMessageId: 20, outboxMessages: 256 } } });
    const restarts: number[] = [];
    hub.on('restart', (e) => restarts.push(e.epoch));
    const epoch0 = dev.epoch;
    h.net.setFaults({ loss: 0.05, delayMs: 2 });
    const N = 70;
    const sent = Array.from({ length: N }, (_, i) => track(dev.send('hub', text(`e${i}`), { reliable: true, ordered: true, deadlineMs: 120_000 })));
    await until(h, () => sent.every((r) => r.state !== 'pending'), 120_000);
    expect(sent.map((r) => r.state)).toEqual(Array.from({ length: N }, () => 'ok'));
    expect(reliableTexts(h.inbox.get('hub')!)).toEqual(Array.from({ length: N }, (_, i) => `e${i}`));
    expect(dev.epoch).toBeGreaterThanOrEqual(epoch0 + 3); // 70 messages, 19 ids per epoch
    expect(restarts.length).toBeGreaterThanOrEqual(3); // the hub saw each new epoch
    await dev.close();
    await hub.close();
  }, 60_000);

  it('an idle peer has no link; the reliable and the plain send coexist', async () => {
    const h = new Harness(undefined, 9);
    const hub = await h.hub();
    const dev = await h.device('dev-f');
    await h.run(500);
    expect(peerOf(hub, 'dev-f')?.link).toBeUndefined();
    expect(Object.keys(peerOf(hub, 'dev-f')!)).not.toContain('link');
    expect(dev.send('hub', text('plain'))).toBe(true);
    const receipts: number[] = [];
    dev.on('receipt', (e) => receipts.push(e.ticket));
    const r = track(dev.send('hub', text('sure'), { reliable: true, receipt: true, channel: 9 }));
    await until(h, () => r.state !== 'pending', 5_000);
    expect(r.state).toBe('ok');
    expect(receipts).toEqual([1]);
    const msgs = h.inbox.get('hub')!;
    expect(msgs.map((x) => [dec(x.data), x.reliable, x.channel])).toEqual([
      ['plain', false, 0],
      ['sure', true, 9],
    ]);
  }, 30_000);
});
