// Timers a busy request/response exchange arms (spec 9.5, 14.10): a reliable message sent from a
// message handler leaves with the pump that follows, so the node must not also arm a runtime timer
// for it. One such timer per round trip woke a Node process about a thousand times a second in
// bench:pubsub's RPC loop, each wake-up doing nothing.
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/time/scheduler.js';
import { Harness, text } from './harness.js';

/** The network's scheduler, counting the timers a node arms through at() (its soon() is the pump's deferral). */
function counting(s: Scheduler): Scheduler & { armed: number } {
  const c = {
    armed: 0,
    now: () => s.now(),
    at: (t: number, fn: () => void) => {
      c.armed++;
      return s.at(t, fn);
    },
    soon: (fn: () => void) => s.soon!(fn),
  };
  return c;
}

describe('timers of a request/response exchange', () => {
  it('300 reliable round trips arm far fewer runtime timers than round trips [SW-14.10-1]', async () => {
    const h = new Harness(undefined, 3);
    const hubTimers = counting(h.net.scheduler);
    const devTimers = counting(h.net.scheduler);
    const hub = await h.hub({ scheduler: hubTimers });
    const dev = await h.device('dev-t', { scheduler: devTimers });
    // first contact (challenge, echo) outside the count
    const hello = dev.send('hub', text('hello'), { reliable: true });
    await h.run(500);
    await hello;
    hub.on('message', (m) => {
      if (m.reliable) hub.send(m.from, m.data, { reliable: true }).catch(() => undefined);
    });
    const N = 300;
    let answered = 0;
    dev.on('message', (m) => {
      if (!m.reliable || ++answered >= N) return;
      dev.send('hub', text(`q${answered}`), { reliable: true }).catch(() => undefined);
    });
    const before = hubTimers.armed + devTimers.armed;
    dev.send('hub', text('q0'), { reliable: true }).catch(() => undefined);
    for (let t = 0; t < 60_000 && answered < N; t += 50) await h.run(50, 1);
    expect(answered).toBe(N);
    // Each round trip still gets its retransmission timer moved, which arms nothing while the
    // earlier one is pending; what remains is a few timers per retransmission timeout of time.
    expect(hubTimers.armed + devTimers.armed - before).toBeLessThan(N / 10);
    await dev.close();
    await hub.close();
  });
});
