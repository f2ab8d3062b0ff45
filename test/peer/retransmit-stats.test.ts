// NodeStats.retransmits: reliable fragments sent and sent again, and losses found, for operators
// (the hub's --metrics serves them as saltwire_reliable_transmissions_total and _losses_total).
import { describe, expect, it } from 'vitest';
import { Harness, text } from './harness.js';

describe('NodeStats.retransmits', () => {
  it('counts first sends and retransmissions through a lossy path', async () => {
    const h = new Harness(undefined, 5);
    const hub = await h.hub();
    const dev = await h.device('d');
    await h.run(50);
    h.net.setFaults({ loss: 0.3 });
    const sent = Array.from({ length: 60 }, (_, i) => dev.send('hub', text(`m${i}`.padEnd(300, ".")), { reliable: true, deadlineMs: 60_000 }));
    for (let t = 0; t < 30_000 && h.texts('hub').length < 60; t += 100) await h.run(100);
    await Promise.all(sent);
    const r = dev.stats.retransmits;
    expect(r.transmissions - r.retransmissions).toBe(60); // each fragment sent first once
    expect(r.retransmissions).toBeGreaterThan(0);
    expect(r.fastLosses + r.timeouts).toBeGreaterThan(0);
    await dev.close();
    await hub.close();
  });
});
