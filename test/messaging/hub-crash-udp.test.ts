/**
 * Durable before acknowledged [SW-18.3-3] [SW-18.3-5] [SW-18.3-6], tested by crashing: the hub (the
 * `saltwire hub` command) runs in its own process and is killed with SIGKILL at seeded random
 * instants in the middle of a QoS 1 stream and of a QoS 2 stream between two devices over real UDP,
 * one kill within 1 s of a publisher's first contact, and restarted on the same port and state
 * directory each time (20 kills in this file). Every publication whose publish resolved (the hub
 * acknowledged it) must reach the subscriber, a QoS 2 one exactly once, and the subscriptions must be
 * in the hub's journal after the last kill.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '../../src/internals.js';
import { hubDevice, hubProcess as startHubProcess, procs } from './hub-process.js';
import { FileJournal } from '../../src/node/file-journal.js';
import { loadLedger } from '../../src/pubsub/hub-ledger.js';
import { Prng } from '../../src/util/prng.js';

const SITE = new Uint8Array(32).fill(0x6b);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Kills per test (two tests: 20 in the file). */
const KILLS = Number(process.env['SALTWIRE_CRASH_KILLS'] ?? 10);
const SEED = Number(process.env['SALTWIRE_CRASH_SEED'] ?? 20261206);

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const p of procs) p.kill('SIGKILL');
  procs.clear();
  for (const f of cleanup.splice(0).reverse()) await f();
});

// Durability is under test here, not the delivery bound [SW-18.2-3]: a hub killed within 1 s of
// meeting the subscriber has not saved its address (SAVE_DELAY), so the next hub processes owe it
// copies until it sends again (up to KEEPALIVE, 25 s), more than the default 1,000 while the
// publishers stream; past the bound the copies would be refused as documented, not lost by a crash.
const hubProcess = (stateDir: string, port: number) => startHubProcess(SITE, stateDir, port, ['--max-queued', '100000']);

const device = (id: string, dir: string, hubPort: number) => hubDevice(SITE, id, dir, hubPort, { outboxMessages: 4096, outboxBytes: 1 << 22 }, cleanup);

/**
 * One run: a subscriber, a publisher streaming at `qos`, the hub killed KILLS times (the first
 * within 1 s of the publisher's first contact, another within 1 s of a second publisher's), and the
 * checks of [SW-18.3-3].
 */
async function crashRun(qos: 1 | 2, seed: number): Promise<void> {
  const rnd = new Prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-hubcrash-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'hub');
  let hub = await hubProcess(state, 0);
  const port = hub.port;
  const sub = await device('sub-1', dir, port);
  const got: string[] = [];
  const s = sub.client.subscribe('r/#', { qos }, (p) => void got.push(p.text()));
  await s.granted;

  const resolved = new Set<string>();
  const failed: string[] = [];
  const pending: Array<Promise<void>> = [];
  let streaming = true;
  const stream = async (pub: Client, prefix: string): Promise<void> => {
    for (let i = 0; streaming; i++) {
      // at most 400 unacknowledged: the hub is away for long after some kills, and a full outbox
      // would only make publish fail at once (nothing acknowledged, nothing to check)
      while (streaming && pending.length - resolved.size - failed.length > 400) await sleep(10);
      const text = `${prefix}${i}`;
      pending.push(
        pub.publish(`r/${i % 5}`, text, { qos, deadlineMs: 120_000 }).then(
          () => void resolved.add(text),
          (e: Error) => void failed.push(`${text}: ${e.name}`),
        ),
      );
      await sleep(4);
    }
  };

  const kill = async (): Promise<void> => {
    hub.child.kill('SIGKILL');
    await hub.exited;
    hub = await hubProcess(state, port); // same port, same state directory
  };
  // the first kill within 1 s of the publisher's first contact (Client.start sends its SYNC)
  const pub1 = await device('pub-1', dir, port);
  const streams = [stream(pub1.client, 'a')];
  for (let k = 0; k < KILLS; k++) {
    if (k === Math.floor(KILLS / 2)) {
      const pub2 = await device('pub-2', dir, port); // a second device's first contact, then a kill within 1 s
      streams.push(stream(pub2.client, 'b'));
      await sleep(50 + rnd.int(900));
    } else await sleep(k === 0 ? 50 + rnd.int(900) : 100 + rnd.int(1000));
    await kill();
  }
  await sleep(1000);
  streaming = false;
  await Promise.all(streams);
  // every publication settles (the devices find the restarted hub by themselves) and arrives
  const t0 = Date.now();
  while (resolved.size + failed.length < pending.length && Date.now() - t0 < 30_000) await sleep(50);
  const delivered = (): Set<string> => new Set(got);
  while ([...resolved].some((t) => !delivered().has(t)) && Date.now() - t0 < 40_000) await sleep(50);
  await sleep(500); // late duplicates, if any, would arrive now

  const lost = [...resolved].filter((t) => !delivered().has(t));
  expect({ lost, acknowledged: resolved.size > 100 }).toEqual({ lost: [], acknowledged: true });
  expect(failed).toEqual([]);
  if (qos === 2) expect(got.filter((t, i) => got.indexOf(t) !== i)).toEqual([]); // exactly once
  // the subscription is in the journal the last process left behind [SW-18.3-3]
  hub.child.kill('SIGKILL');
  await hub.exited;
  const journal = await FileJournal.open(join(state, 'hub.journal'));
  const l = await loadLedger(journal, { now: () => 0, wall: Date.now });
  expect([...l.state.sessions.filtersOf('sub-1')]).toEqual([['r/#', qos]]);
  await l.ledger.close();
}

describe('a hub killed with SIGKILL at random instants loses nothing it acknowledged [SW-18.3-3] [SW-18.3-6]', () => {
  it(`QoS 1: ${KILLS} kills during a stream, every acknowledged publication arrives`, () => crashRun(1, SEED), 90_000);
  it(`QoS 2: ${KILLS} kills during a stream, every acknowledged publication arrives exactly once`, () => crashRun(2, SEED + 1), 90_000);
});
