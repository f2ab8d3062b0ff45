// The README's first command: the demo over real UDP on loopback behaves as it claims.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../examples/demo.js';

describe('demo over real UDP', () => {
  it('delivers every reading once, answers no attack, recovers from a reboot and an outage by itself, then publishes, subscribes and calls through the hub', async () => {
    const lines: string[] = [];
    const r = await runDemo((s) => lines.push(s));
    expect(r.delivered).toEqual(['21.5 C', '40% RH', '21.6 C', '41% RH']);
    expect(r.junkAnswers).toBe(0); // silence towards unauthenticated datagrams [SW-6.3-1]
    expect(r.drops['REPLAY']).toBe(1);
    expect(Object.values(r.drops).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(101);
    expect(r.steadyOverhead).toBe(26); // 9-byte SHORT header + 16-byte tag + frame type
    expect(r.restartSeen).toBe(true); // [SW-12.2-5]
    expect(r.recoveryMs).toBeLessThan(1_000); // first reading after the reboot delivered at once (durable floors)
    expect(r.fastFailure).toBe(true); // [SW-11.3-2]
    expect(r.unreachableMs).toBeLessThan(4_000); // demo timers: probe after 0.8 s, unreachable 1 s later
    expect(r.backMs).toBeLessThan(1_000);
    expect(lines.some((l) => l.includes('wire') && l.includes('FULL'))).toBe(true);
    expect(r.published).toEqual(['21.7 C']); // QoS 1 through the hub [SW-18.2-1]
    expect(r.called).toEqual({ rh: 41 }); // a call routed by id through the hub [SW-18.4-1]
  });
});
