/**
 * The device profile of reliable delivery (spec 14.12) against the full profile, in virtual time:
 *  1. delivery at 30% loss both ways, 5% duplication, 20-50 ms one way (reordering), pure links:
 *     messages/s at saturation (300 ordered messages at once) and at 10 messages/s (600), and the
 *     longest stall of the ordered channel (the longest time the receiver waited with a message
 *     outstanding), 10 seeds, for every pairing of profiles;
 *  2. datagrams a sender sends towards a dead peer per minute while its application hands over a
 *     reliable message every second, for 10 minutes: the reliability layer alone (pure link, the
 *     peer never reported unreachable), and a device through SaltwireNode (liveness reports the hub
 *     unreachable after its probes, reliability then holds [SW-14.8-3], and the probes go on).
 * Run: npm run bench:device
 */
import { deriveDeviceKey, PairKeyring } from '../src/core.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { SaltwireNode } from '../src/peer/node.js';
import { MemoryStateStore } from '../src/peer/state-store.js';
import { ReassemblyBudget, ReliableLink, type LinkConfig } from '../src/reliability/index.js';
import { MemoryNetwork } from '../src/transport/memory.js';
import { simulate } from '../test/reliability/sim.js';

const LOSSY = { loss: 0.3, dup: 0.05, delay: 20, jitter: 30 };
// the last two: a hub that acknowledges a QoS 1 publication only once it is durable [SW-14.3-9]
// (released 2 ms after delivery), the reading of held fragments of [SW-14.12-20] and [SW-14.4-12]
const PAIRS: Array<[string, Partial<LinkConfig>, Partial<LinkConfig>, boolean?]> = [
  ['device -> device', { profile: 'device' }, { profile: 'device' }],
  ['full (device rules) -> device', { peerProfile: 'device' }, { profile: 'device' }],
  ['full (window 8 only) -> device', { send: { initialPeerWindow: 8 } }, { profile: 'device' }],
  ['full (full rules) -> device', {}, { profile: 'device' }],
  ['device -> full', { profile: 'device' }, {}],
  ['full -> full', {}, {}],
  ['device -> hub (deferring)', { profile: 'device' }, {}, true],
  ['full -> hub (deferring)', {}, {}, true],
];

function delivery(n: number, gapMs: number): void {
  console.log(`\n${n} ordered messages of 40-160 bytes, ${gapMs === 0 ? 'all at once' : `one every ${gapMs} ms`}, 30% loss both ways, 5% duplication, 20-50 ms one way`);
  console.log(`${'sender -> receiver'.padEnd(32)} ${'msgs/s'.padStart(7)} ${'longest stall'.padStart(14)} ${'datagrams/msg'.padStart(14)}`);
  for (const [name, a, b, defer] of PAIRS) {
    let time = 0;
    let stall = 0;
    let datagrams = 0;
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    for (const seed of seeds) {
      const msgs = Array.from({ length: n }, (_, i) => ({ at: i * gapMs, size: 40 + (i % 7) * 20, opts: { ordered: true, channel: 2, deadline: 10_000_000 } }));
      const r = simulate(seed, LOSSY, msgs, { budget: 512, a: { ...a, send: { outboxMessages: 1000, outboxBytes: 1 << 20, ...a.send } }, b, horizon: 3_600_000, ...(defer === true && { deferB: { channels: [2], releaseMs: 2 } }) });
      if (r.deliveries.size !== n || [...r.deliveries.values()].some((k) => k !== 1)) throw new Error(`${name}: not exactly once`);
      let last = 0;
      for (const t of r.orderedDelivery.get(2)!) {
        const at = r.deliveredAt.get(t)!;
        stall = Math.max(stall, at - Math.max(last, r.sentAt.get(t)!));
        last = at;
      }
      time += Math.max(...r.deliveredAt.values());
      datagrams += r.datagramsAtoB;
    }
    const rate = (seeds.length * n) / (time / 1000);
    console.log(`${name.padEnd(32)} ${rate.toFixed(1).padStart(7)} ${`${(stall / 1000).toFixed(1)} s`.padStart(14)} ${(datagrams / seeds.length / n).toFixed(2).padStart(14)}`);
  }
}

/** Datagrams per minute of a pure link towards a peer that never answers. */
function deadPeerLink(profile: 'full' | 'device'): number[] {
  const perMinute = Array.from({ length: 10 }, () => 0);
  let seed = 1;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const a = new ReliableLink({ peer: 'hub', profile, send: { datagramBudget: 512, outboxMessages: 64, outboxBytes: 1 << 16 } }, random, new ReassemblyBudget(1 << 20));
  for (let t = 0; t < 600_000; t++) {
    if (t % 1_000 === 0) {
      try {
        a.send(new Uint8Array(20), { deadline: t + 30_000 }, t);
      } catch {
        // the outbox is full: the application's message is refused
      }
    }
    a.tick(t);
    while (a.poll(t, 416) !== undefined) perMinute[Math.floor(t / 60_000)]!++;
  }
  return perMinute;
}

async function deadHub(profile: 'full' | 'device'): Promise<number[]> {
  const suite = defaultCryptoSuite();
  const perMinute = Array.from({ length: 10 }, () => 0);
  const net = new MemoryNetwork({ seed: 1, capture: (d) => { if (d.from.host === 'dev') perMinute[Math.min(9, Math.floor(d.at / 60_000))]!++; } });
  const dev = await SaltwireNode.start({
    id: 'dev',
    keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, new Uint8Array(32).fill(9), 'dev', 0)),
    suite,
    transport: net.bind({ host: 'dev' }),
    state: new MemoryStateStore(),
    provisioning: true,
    scheduler: net.scheduler,
    peers: [{ id: 'hub', address: { host: 'hub', port: 4000 } }], // nothing is bound there: the hub is dead
    reliability: { profile },
  });
  dev.on('message', () => undefined);
  for (let t = 0; t < 600_000; t += 1_000) {
    dev.send('hub', new Uint8Array(20), { reliable: true, deadlineMs: 30_000 }).catch(() => undefined); // refused or failed: the hub is dead
    for (let s = 0; s < 1_000; s += 10) {
      net.advance(10);
      await Promise.resolve();
    }
  }
  await dev.close();
  return perMinute;
}

delivery(300, 0);
delivery(600, 100);
const row = (name: string, m: number[]): void => console.log(`${name.padEnd(22)} ${m.map((x) => String(x).padStart(4)).join('')}   (steady state, minutes 6-10: ${m.slice(5).reduce((a, b) => a + b, 0) / 5}/min)`);
console.log('\ndatagrams towards a dead peer per minute, minutes 1 to 10 (a reliable message handed over every second)');
for (const profile of ['device', 'full'] as const) row(`${profile}, link only`, deadPeerLink(profile));
for (const profile of ['device', 'full'] as const) {
  row(`${profile}, node`, await deadHub(profile));
}
