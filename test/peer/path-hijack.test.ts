/**
 * Issue 14, item 2: a path that an inject-only attacker cannot steal (spec 10). The attacker copies
 * the device's datagrams and sends the copies from its own address so that they arrive first (its
 * route is ONE_WAY_MS shorter); the originals then arrive as duplicates. Meanwhile the hub streams
 * reliable (QoS 1-style, 2 s deadline) messages to the device, and in some runs the device to the hub.
 * A copy must never stop delivery on the validated path [SW-10.1-8]; a real move (the device rebinds)
 * must still be followed within a round trip plus validation [SW-10.2-6]. MemoryNetwork, virtual time,
 * the SDK's default liveness timers.
 */
import { describe, expect, it } from 'vitest';
import type { SaltwireNode } from '../../src/peer/node.js';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import type { Address } from '../../src/transport/transport.js';
import { Harness, HUB, text } from './harness.js';

const ONE_WAY_MS = 20;
const EVERY_MS = 64; // ~15.6 messages/s: about 467 in 30 s, as in the issue
const DURATION_MS = 30_000;
const DEADLINE_MS = 2_000;
const ATTACKER: Address = { host: 'attacker', port: 6666 };
const DEFAULTS = { keepaliveMs: 25_000, probeAfterMs: 30_000, probeIntervalMs: 1_000, probeMaxIntervalMs: 4_000, unreachableAfterMs: 10_000, recoveryIntervalMs: 5_000 };

interface Stream {
  sent: number;
  ok: number;
  failed: number;
  /** Send-to-delivery latency of each delivered message, ms. */
  latency: number[];
}

const newStream = (): Stream => ({ sent: 0, ok: 0, failed: 0, latency: [] });
const late = (s: Stream, ms: number): number => s.latency.filter((l) => l > ms).length;
const summary = (s: Stream) => ({ sent: s.sent, ok: s.ok, failed: s.failed, late500: late(s, 500), maxMs: Math.max(0, ...s.latency) });

/** Hub and device with ONE_WAY_MS of delay each way on every path, validated, reachable. */
async function pair(h: Harness): Promise<{ hub: SaltwireNode; dev: SaltwireNode; devAddr: Address }> {
  const hub = await h.hub({ liveness: DEFAULTS });
  const dev = await h.device('sensor-1', { liveness: DEFAULTS, address: { port: 5000 } });
  h.net.setFaults({ delayMs: ONE_WAY_MS }); // the attacker's injections bypass it: they arrive first
  await h.run(200);
  expect(hub.peer('sensor-1')?.validated).toBe(true);
  return { hub, dev, devAddr: dev.local };
}

/** Streams reliable messages from `from` to `to` every EVERY_MS for `forMs`; records latency at the receiver. */
function stream(h: Harness, from: SaltwireNode, to: SaltwireNode, s: Stream, forMs = DURATION_MS): void {
  const sentAt = new Map<string, number>();
  to.on('message', (m) => {
    const t = sentAt.get(new TextDecoder().decode(m.data));
    if (m.reliable && t !== undefined) s.latency.push(h.net.scheduler.now() - t);
  });
  const start = h.net.scheduler.now();
  const tick = (): void => {
    const now = h.net.scheduler.now();
    if (now - start >= forMs) return;
    const body = `${from.id}-${s.sent++}`;
    sentAt.set(body, now);
    from.send(to.id, text(body), { reliable: true, deadlineMs: DEADLINE_MS }).then(
      () => void s.ok++,
      () => void s.failed++,
    );
    h.net.scheduler.at(now + EVERY_MS, tick);
  };
  tick();
}

/** The device's transport, to rebind it (a real move: the old address then goes nowhere). */
const transportOf = (dev: SaltwireNode) => (dev as unknown as { o: { transport: { rebind(a: object): Address } } }).o.transport;

type Attack = 'six copies in 30 s' | 'every datagram for 3 s';

describe('paths that an injector cannot steal (issue 14, item 2)', () => {
  const cases: Array<[Attack, string, boolean]> = [
    ['six copies in 30 s', 'to a subscriber that only acknowledges', false],
    ['six copies in 30 s', 'both ways', true],
    ['every datagram for 3 s', 'to a subscriber that only acknowledges', false],
    ['every datagram for 3 s', 'both ways', true],
  ];
  it.each(cases)('%s arrive first from another address, reliable messages %s: none lost or held up, the path never moves [SW-10.1-8] [SW-10.2-6] [SW-10.3-1]', async (attack, _traffic, both) => {
    const h = new Harness(undefined, 14);
    const { hub, dev, devAddr } = await pair(h);
    const up = newStream();
    const down = newStream();
    const moves: unknown[] = [];
    hub.on('address', (e) => moves.push(e));
    let copies = 0;
    let copyBytes = 0;
    let toAttacker = 0;
    const t0 = h.net.scheduler.now();
    let armed: (d: CapturedDatagram) => boolean;
    if (attack === 'six copies in 30 s') {
      // the first datagram the device sends after each arming, one every 5 s
      let armedAt = Infinity;
      for (let i = 0; i < 6; i++) h.net.scheduler.at(t0 + 2_500 + i * 5_000, () => void (armedAt = h.net.scheduler.now()));
      armed = (d) => d.at >= armedAt && ((armedAt = Infinity), true);
    } else {
      armed = (d) => d.at >= t0 + 10_000 && d.at < t0 + 13_000; // echoes, acknowledgements, data: everything
    }
    h.net.onCapture((d) => {
      if (d.to.host === ATTACKER.host) toAttacker += d.bytes.length;
      if (d.injected || d.to.host !== HUB.host || d.from.host !== devAddr.host || !armed(d)) return;
      copies++;
      copyBytes += d.bytes.length;
      h.net.inject(d.bytes, ATTACKER, HUB, 0); // the original takes ONE_WAY_MS
    });
    if (both) stream(h, dev, hub, up);
    stream(h, hub, dev, down);
    await h.run(DURATION_MS + DEADLINE_MS + 1_000, 10);

    console.log(`${attack}, ${_traffic}:`, JSON.stringify({ copies, copyBytes, toAttacker, up: summary(up), down: summary(down) }));
    expect(copies).toBeGreaterThanOrEqual(6);
    expect(up.failed + down.failed).toBe(0);
    expect(up.ok).toBe(up.sent);
    expect(down.ok).toBe(down.sent);
    expect(down.sent).toBeGreaterThan(450);
    // not even delayed: the validated path never stopped carrying anything
    expect(late(up, 500) + late(down, 500)).toBe(0);
    // the attacker's address got at most AMPLIFICATION_FACTOR times what it sent [SW-10.3-1]
    expect(toAttacker).toBeGreaterThan(0); // challenged [SW-10.2-6]
    expect(toAttacker).toBeLessThanOrEqual(3 * copyBytes);
    expect(moves).toEqual([]);
    expect(hub.peer('sensor-1')?.address).toEqual(devAddr);
    expect(hub.peer('sensor-1')?.validated).toBe(true);
  }, 30_000);

  /**
   * A real move at 5 s: the device rebinds to a new port. `subscriber`: it only acknowledges, so it
   * pings at once, as [SW-10.1-5] asks of a node whose address changed. `copied`: the attacker copies
   * the device's first datagram from the new address and gets it there first.
   */
  async function realMove(subscriber: boolean, copied: boolean) {
    const h = new Harness(undefined, 15);
    const { hub, dev, devAddr } = await pair(h);
    const up = newStream();
    const down = newStream();
    if (!subscriber) stream(h, dev, hub, up);
    stream(h, hub, dev, down);
    await h.run(5_003, 10);
    const movedAt = h.net.scheduler.now();
    const next = transportOf(dev).rebind({ port: 0 });
    let followedAt = Infinity;
    const moves: Array<{ port: number; validated: boolean; change: string }> = [];
    hub.on('address', (e) => {
      moves.push({ port: e.address.port, validated: e.validated, change: e.change });
      if (e.validated && e.address.port === next.port && followedAt === Infinity) followedAt = h.net.scheduler.now();
    });
    let toOldAfter = 0;
    let copyOne = copied;
    h.net.onCapture((d) => {
      if (d.to.port === devAddr.port && d.to.host === devAddr.host && h.net.scheduler.now() > followedAt) toOldAfter++;
      if (copyOne && !d.injected && d.to.host === HUB.host && d.from.port === next.port) {
        copyOne = false;
        h.net.inject(d.bytes, ATTACKER, HUB, 0);
      }
    });
    if (subscriber) dev.probe('hub');
    await h.run(DURATION_MS - 5_000 + DEADLINE_MS + 1_000, 5);
    const recoveryMs = followedAt - movedAt;
    console.log(`real move (${subscriber ? 'subscriber, pings' : 'both ways'}${copied ? ', first datagram copied' : ''}):`, JSON.stringify({ recoveryMs, up: summary(up), down: summary(down) }));
    expect(hub.peer('sensor-1')?.address).toEqual(next);
    expect(hub.peer('sensor-1')?.validated).toBe(true);
    expect(moves).toEqual([{ port: next.port, validated: true, change: 'moved' }]); // one move, validated
    expect(toOldAfter).toBe(0); // once validated, the old address gets nothing
    expect(up.failed + down.failed).toBe(0);
    expect(up.ok).toBe(up.sent);
    expect(down.ok).toBe(down.sent);
    return { recoveryMs, up, down };
  }

  it('a real move: the device rebinds mid-stream; the hub follows one round trip after its next datagram, nothing lost [SW-10.2-6] [SW-10.2-2]', async () => {
    const { recoveryMs, down } = await realMove(false, false);
    // the device's next datagram (within EVERY_MS) makes the candidate; its echo comes back a round trip later
    expect(recoveryMs).toBeLessThanOrEqual(EVERY_MS + 4 * ONE_WAY_MS + 10);
    expect(late(down, 500)).toBe(0);
  });

  it('a real move of a device that only acknowledges: its ping at once [SW-10.1-5] is followed within two round trips [SW-10.2-6]', async () => {
    const { recoveryMs, down } = await realMove(true, false);
    expect(recoveryMs).toBeLessThanOrEqual(4 * ONE_WAY_MS + 10);
    expect(late(down, 500)).toBe(0);
  });

  it('a real move whose first datagram an attacker copies: the copy makes a candidate that never echoes; the real address follows within CANDIDATE_GAP [SW-10.2-6]', async () => {
    const { recoveryMs } = await realMove(false, true);
    expect(recoveryMs).toBeLessThanOrEqual(EVERY_MS + 100 + 4 * ONE_WAY_MS + 10);
  });
});
