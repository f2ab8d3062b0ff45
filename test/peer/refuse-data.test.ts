// A node that stops gracefully (refuseData, [SW-14.7-6]): it takes and acknowledges no data, its own
// sends still complete, and what a peer sent meanwhile reaches the node's next epoch [SW-14.7-4].
import { describe, expect, it } from 'vitest';
import { Harness, text } from './harness.js';

const dec = (d: Uint8Array): string => new TextDecoder().decode(d);

describe('refuseData (spec 14.7)', () => {
  it('refuses MSG frames without acknowledging them, still takes ACKs, and the refused message reaches the next epoch once [SW-14.7-6] [SW-14.7-4]', async () => {
    const h = new Harness(undefined, 5);
    let hub = await h.hub();
    const dev = await h.device('dev-r');
    const first = dev.send('hub', text('before'), { reliable: true });
    await h.run(500);
    await first;

    hub.refuseData();
    let sent = 'pending';
    dev.send('hub', text('while stopping'), { reliable: true, deadlineMs: 60_000 }).then(() => (sent = 'ok'), () => (sent = 'failed'));
    let back = 'pending';
    hub.send('dev-r', text('from the stopping hub'), { reliable: true }).then(() => (back = 'ok'), () => (back = 'failed'));
    await h.run(3_000);
    expect(sent).toBe('pending'); // not acknowledged: the device keeps retransmitting it
    expect(hub.stats.refused).toBeGreaterThan(1); // the first copy and retransmissions
    expect(h.texts('hub')).toEqual(['before']);
    expect(back).toBe('ok'); // the device's ACK was taken
    expect(h.texts('dev-r')).toEqual(['from the stopping hub']);

    await hub.close();
    hub = await h.hub(); // the next process: a new epoch, with the same state store
    await h.run(5_000);
    expect(sent).toBe('ok');
    expect(h.texts('hub').filter((t) => t === 'while stopping')).toHaveLength(1);
    await dev.close();
    await hub.close();
  });

  it('a node with no message listener takes no data; once one listens, the retransmission is delivered once [SW-14.7-9]', async () => {
    const h = new Harness(undefined, 6);
    const hub = await h.hub();
    const dev = await h.device('dev-l', {}, false); // nothing listens on the device yet
    await h.run(500);
    let sent = 'pending';
    hub.send('dev-l', text('to nobody yet'), { reliable: true, deadlineMs: 60_000 }).then(() => (sent = 'ok'), () => (sent = 'failed'));
    await h.run(2_000);
    expect(sent).toBe('pending'); // not acknowledged: the hub keeps retransmitting it
    expect(dev.stats.refused).toBeGreaterThan(0);
    const got: string[] = [];
    const off = dev.on('message', (m) => void got.push(dec(m.data)));
    await h.run(5_000);
    expect(sent).toBe('ok');
    expect(got).toEqual(['to nobody yet']);
    off(); // and once nobody listens again, data is refused again
    const refused = dev.stats.refused;
    let again = 'pending';
    hub.send('dev-l', text('after'), { reliable: true, deadlineMs: 60_000 }).then(() => (again = 'ok'), () => (again = 'failed'));
    await h.run(2_000);
    expect(again).toBe('pending');
    expect(dev.stats.refused).toBeGreaterThan(refused);
    await dev.close();
    await hub.close();
  });
});
