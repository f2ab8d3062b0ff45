// A send that the transport refuses locally (socket closed, network unreachable) is counted, and the
// node goes on as if the datagram had been lost on the path: a reliable message sent meanwhile is
// retransmitted and delivered once the transport works again ([SW-8.1-4]).
import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/errors.js';
import { Harness, text } from './harness.js';

describe('local send failures', () => {
  it('are counted, and the sender goes on as if the datagram were lost [SW-8.1-4]', async () => {
    const h = new Harness();
    await h.hub();
    const transport = h.net.bind({ host: 'd1' });
    const send = transport.send.bind(transport);
    let failing = false;
    transport.send = (d, to) => (failing ? Promise.reject(new TransportError('network unreachable')) : send(d, to));
    const dev = await h.device('d1', { transport });
    await h.run(50);
    expect(dev.reachability('hub')).toBe('reachable');
    failing = true;
    const done = dev.send('hub', text('through a failing socket'), { reliable: true });
    await h.run(300);
    expect(dev.stats.sent.transportErrors).toBeGreaterThan(0);
    expect(h.texts('hub')).toEqual([]);
    failing = false;
    await h.run(3_000, 20);
    await done;
    expect(h.texts('hub')).toEqual(['through a failing socket']);
  });
});
