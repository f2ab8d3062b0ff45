// What a node in session mode puts in its initiations and when it confirms (spec 13.3, 13.4, 13.7):
// the timestamp is (its persisted epoch, its handshake counter), the counter moves on by one per
// ephemeral key, and a completed handshake is confirmed by a datagram sent at once. The initiations on
// the wire are opened with the handshake's own responder code and the device's pair key.
import { describe, expect, it } from 'vitest';
import { deriveDeviceKey, tweetnaclSuite } from '../../src/core.js';
import { consumeInitiation, type Timestamp } from '../../src/session/handshake/index.js';
import type { CapturedDatagram } from '../../src/transport/memory.js';
import { Harness, HUB, SITE } from './harness.js';

const SESSION = { session: { peers: 'all' as const } };
const isInitiation = (d: CapturedDatagram): boolean => d.bytes[0] === 0x60 && d.bytes[1] === 0x01;

/** The timestamp an initiation of `id` carries, read as the hub would (lastTimestamp: none). */
function timestampOf(d: CapturedDatagram, id: string): Timestamp {
  const psk = deriveDeviceKey(tweetnaclSuite, SITE, id, 0);
  const r = consumeInitiation(d.bytes, {
    suite: tweetnaclSuite,
    selfId: 'hub',
    lookup: () => ({ ok: true, psk }),
    lastTimestamp: () => undefined,
    localIndex: 7,
    now: 0,
    hedge: { epoch: 1, counter: 0 },
  });
  if (!r.ok) throw new Error(`initiation not opened: ${r.reason}`);
  return r.timestamp;
}

describe('session mode: initiations and confirmation', () => {
  it('each initiation carries (persisted epoch, handshake counter), the counter one more per ephemeral; a restart moves to its new epoch [SW-13.4-3] [SW-13.3-2]', async () => {
    const h = new Harness();
    const wire: CapturedDatagram[] = [];
    h.net.onCapture((d) => isInitiation(d) && !d.injected && wire.push(d));
    h.net.partition(HUB); // the hub answers nothing: the device initiates again and again
    await h.hub(SESSION);
    const dev = await h.device('sensor-1', SESSION);
    await h.run(20_000, 50);
    const first = wire.map((d) => timestampOf(d, 'sensor-1'));
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(first).toEqual(first.map((_, i) => ({ epoch: dev.epoch, counter: i })));
    await dev.close();
    wire.length = 0;
    const again = await h.device('sensor-1', SESSION); // a restart: a new persisted epoch
    await h.run(50);
    expect(again.epoch).toBeGreaterThan(first[0]!.epoch);
    expect(timestampOf(wire[0]!, 'sensor-1')).toEqual({ epoch: again.epoch, counter: 0 });
  });

  it('the initiator confirms a session by a datagram under it at once, empty when it has nothing to send [SW-13.7-3]', async () => {
    const h = new Harness();
    h.net.setFaults({ delayMs: 10 });
    const wire: CapturedDatagram[] = [];
    h.net.onCapture((d) => !d.injected && wire.push(d));
    await h.hub(SESSION);
    await h.device('sensor-1', SESSION);
    await h.run(100);
    const response = wire.find((d) => d.bytes[0] === 0x60 && d.bytes[1] === 0x02)!;
    const confirmation = wire.find((d) => d.from.host === 'sensor-1' && d.bytes[0] === 0x40)!;
    expect(confirmation.at - response.at).toBe(10); // sent the moment the response arrived
    expect(confirmation.bytes.length).toBe(9 + 16); // SHORT header and tag: an empty plaintext
  });
});
