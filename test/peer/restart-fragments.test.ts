/**
 * A receiver that restarts while a fragmented message is half acknowledged lost the fragments it
 * acknowledged with its RAM. The sender sends the whole message again, not only the fragments in
 * flight, so the receiver's new life can complete it, and an ordered message after it is not held
 * behind it forever [SW-14.7-11].
 */
import { describe, expect, it } from 'vitest';
import { Harness, HUB } from './harness.js';

const DEV = { host: 'dev', port: 7000 };
const dec = (b: Uint8Array): string => (b.length > 100 ? `big:${b.length}` : new TextDecoder().decode(b));

describe('the receiver restarts with a fragmented message half acknowledged [SW-14.7-11]', () => {
  it.each(['full', 'device'] as const)('the new life gets the whole message, and the ordered message after it (%s sender)', async (profile) => {
    const h = new Harness(undefined, 3);
    let hub = await h.hub();
    const dev = await h.device('dev', { address: DEV, reliability: { profile } });
    await h.run(50);
    const got: string[] = [];
    const listen = (n: typeof hub): void => void n.on('message', (m) => m.reliable && got.push(dec(m.data)));
    listen(hub);
    // let the first two datagrams of the big message through, then hold the path
    let passed = 0;
    h.net.onCapture((c) => {
      if (c.from.host === 'dev' && c.to.host === 'hub' && !c.injected && ++passed === 3) h.net.partition(DEV, HUB, { oneWay: true });
    });
    const size = profile === 'full' ? 5000 : 1000; // the device profile's outbox holds 1,024 bytes
    const big = new Uint8Array(size).fill(7);
    const results: string[] = [];
    void dev.send('hub', big, { reliable: true, ordered: true, deadlineMs: 60_000 }).then(
      () => results.push('big'),
      (e: Error) => results.push(`big failed: ${e.message}`),
    );
    await h.run(30);
    h.net.onCapture(undefined);
    expect(got).toEqual([]); // incomplete at the hub: some fragments acknowledged, others held
    await hub.close();
    h.net.heal();
    hub = await h.hub(); // a new life: its reassembly is empty
    listen(hub);
    void dev.send('hub', new TextEncoder().encode('after'), { reliable: true, ordered: true, deadlineMs: 60_000 }).then(
      () => results.push('after'),
      (e: Error) => results.push(`after failed: ${e.message}`),
    );
    for (let t = 0; t < 5_000 && got.length < 2; t += 50) await h.run(50);
    expect(got).toEqual([`big:${size}`, 'after']); // before the fix: [] (the big message never completes)
    expect(results.sort()).toEqual(['after', 'big']);
    await dev.close();
    await hub.close();
  });
});
