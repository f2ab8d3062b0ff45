import { describe, expect, it } from 'vitest';
import { deriveDeviceKey, PairKeyring, tweetnaclSuite as suite } from '../../src/core.js';
import { SaltwireNode } from '../../src/peer/node.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { DropLog } from '../../src/util/drop-log.js';
import { FAST, Harness, HUB, SITE } from './harness.js';

describe('a misconfigured device is silent on the wire but visible to the operator', () => {
  it('wrong key and retired generation: no answer, counted by reason, one rate-limited log line with sender and address [SW-6.2-1] [SW-6.3-1]', async () => {
    const h = new Harness();
    const hub = await h.hub();
    hub.on('drop', (info) => log.add(info, h.net.scheduler.now()));
    const lines: string[] = [];
    const log = new DropLog((l) => lines.push(l), 10_000);
    const answers: number[] = [];
    h.net.onCapture((d) => d.from.host === 'hub' && answers.push(d.bytes.length));
    // provisioned with a key the site never derived (a copy-paste error)
    const wrongKey = new PairKeyring().add('hub', 0, new Uint8Array(32).fill(9));
    const bad = await SaltwireNode.start({ id: 'sensor-9', keyring: wrongKey, suite, transport: h.net.bind({ host: 'sensor-9' }), state: new MemoryStateStore(), provisioning: true, scheduler: h.net.scheduler, liveness: FAST, peers: [{ id: 'hub', address: HUB }] });
    // and one still on generation 0 after the hub rotated it to 1 with no grace left
    const keyring = new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, 'sensor-8', 0));
    (hub as unknown as { o: { keyring: { generations: { set(p: string, g: object): void } } } }).o.keyring.generations.set('sensor-8', { current: 1 });
    const old = await SaltwireNode.start({ id: 'sensor-8', keyring, suite, transport: h.net.bind({ host: 'sensor-8' }), state: new MemoryStateStore(), provisioning: true, scheduler: h.net.scheduler, liveness: FAST, peers: [{ id: 'hub', address: HUB }] });
    await h.run(5_000, 50); // both keep probing the hub
    expect(answers).toEqual([]);
    expect(hub.stats.drops['AUTH']).toBeGreaterThan(3);
    expect(hub.stats.drops['RETIRED_KEY']).toBeGreaterThan(3);
    expect(hub.stats.peers).toBe(0);
    // one line per (reason, sender) per 10 s, each naming the sender and its address
    expect(lines.filter((l) => l.includes('AUTH') && l.includes('sensor-9') && l.includes('from sensor-9:'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('RETIRED_KEY') && l.includes('sensor-8') && l.includes('gen 0'))).toHaveLength(1);
    await h.run(6_000, 50);
    expect(lines.filter((l) => l.includes('AUTH') && l.includes('sensor-9'))).toHaveLength(2);
    expect(lines.some((l) => /\+\d+ more since the last line/.test(l))).toBe(true);
    expect(bad.reachability('hub')).toBe('unreachable');
    expect(old.reachability('hub')).toBe('unreachable');
  });
});
