/**
 * Reliable, ordered delivery over a link that loses 20% of the datagrams each way and duplicates and
 * reorders some: two nodes on an in-memory network with virtual time (no sockets; runs in a second).
 *
 *   npx tsx examples/reliable-lossy.ts
 */
import { deriveDeviceKey, generateKey, MemoryNetwork, MemoryStateStore, PairKeyring, SaltwireNode, SiteKeyring, tweetnaclSuite } from 'saltwire';

const suite = tweetnaclSuite;
const siteKey = generateKey(suite);
const net = new MemoryNetwork({ seed: 7, faults: { loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: 10 } });
const common = { suite, scheduler: net.scheduler, provisioning: true } as const;

const hub = await SaltwireNode.start({
  ...common, id: 'hub', keyring: new SiteKeyring(suite, siteKey), transport: net.bind({ port: 4000 }), state: new MemoryStateStore(),
});
const device = await SaltwireNode.start({
  ...common, id: 'sensor-1', keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, siteKey, 'sensor-1', 0)),
  transport: net.bind({}), state: new MemoryStateStore(), peers: [{ id: 'hub', address: hub.local }],
});

const received: string[] = [];
hub.on('message', (m) => received.push(new TextDecoder().decode(m.data)));

// virtual time: a loop advances the network's clock in small steps, letting promises run between them
let running = true;
const clock = (async () => {
  while (running) {
    net.advance(5);
    await new Promise((r) => setImmediate(r));
  }
})();

// each send resolves once the hub acknowledged it (the outbox holds 64: send in batches of 32)
for (let i = 0; i < 200; i += 32) {
  const batch = Array.from({ length: Math.min(32, 200 - i) }, (_, k) => `reading ${i + k}`);
  await Promise.all(batch.map((text) => device.send('hub', new TextEncoder().encode(text), { reliable: true, ordered: true })));
}
running = false;
await clock;

const inOrder = received.every((m, i) => m === `reading ${i}`);
console.log(`${received.length} of 200 delivered, in order: ${inOrder}`);
console.log(`lost by the network: ${net.faults.counters.lost} datagrams; ${(net.scheduler.now() / 1000).toFixed(1)} s of virtual time`);
await device.close();
await hub.close();
