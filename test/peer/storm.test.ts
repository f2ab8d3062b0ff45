// Issue 14, failure 1: a hub frozen for 30 s or more (SIGSTOP, a VM pause, a long GC), or 30 s of a
// device's traffic held on the path and released at once, must not start an endless exchange.
// Before the fix each held datagram became one ball of a ping-pong that never ended: the device
// answered every datagram of a peer it was probing with its challenge (the answer exemption of the
// old [SW-12.3-2]), rotating the token every 5 sends, so no echo ever matched. [SW-9.4-4] [SW-12.3-2]
// [SW-12.3-9]. Virtual time; the freeze is modelled in freeze.ts.
import { describe, expect, it } from 'vitest';
import { OutboxFullError } from '../../src/errors.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { HUB, Harness, text } from './harness.js';
import { Freezer } from './freeze.js';

/** Beyond this many datagrams in the 10 s after the burst the exchange is a storm: the test cuts it. */
const STORM = 5_000;

interface Outcome {
  /** Datagrams in each second after the release (both directions). */
  perSecond: number[];
  stormCut: boolean;
  sent: number;
  ok: number;
  delivered: number;
  /** Failures other than a full outbox at send time (a typed, immediate refusal). */
  lost: number;
  /** Publications after the first second after the release that failed. */
  failedAfter: number;
  /** Datagrams the device sent in each 10 s of the outage. */
  outageSent: number[];
}

class Publisher {
  n = 0;
  ok = 0;
  lost = 0;
  failedSince = 0;
  constructor(private readonly dev: SaltwireNode) {}
  publish(): void {
    const p = this.dev.send('hub', text(`m${this.n++}`), { reliable: true, deadlineMs: 600_000 }) as Promise<void>;
    p.then(
      () => void this.ok++,
      (e: unknown) => {
        if (!(e instanceof OutboxFullError)) this.lost++;
        this.failedSince++;
      },
    );
  }
}

/**
 * A device publishes a reliable message every 200 ms; the outage lasts `outageMs`: the hub frozen
 * ('freeze'), or the device's datagrams held on the path and released at once ('hold').
 */
async function outage(kind: 'freeze' | 'hold', outageMs: number, seed = 3): Promise<Outcome> {
  const h = new Harness(undefined, seed);
  const freezer = new Freezer(h.net.scheduler);
  const hub = await h.hub({ liveness: {}, scheduler: freezer.scheduler, transport: freezer.wrap(h.net.bind(HUB)) });
  const dev = await h.device('dev', { liveness: {} });
  const pub = new Publisher(dev);
  for (let i = 0; i < 25; i++) { pub.publish(); await h.run(200); }

  let count = 0;
  let held: Uint8Array[] = [];
  h.net.onCapture((d) => {
    count++;
    if (kind === 'hold' && !d.injected && d.to.host === HUB.host) held.push(d.bytes);
  });
  if (kind === 'freeze') freezer.freeze();
  else h.net.partition(dev.local, HUB, { oneWay: true });
  const outageSent: number[] = []; // the device's datagrams in each 10 s of the outage
  let mark = dev.stats.sent.datagrams;
  for (let t = 0; t < outageMs; t += 200) {
    pub.publish();
    await h.run(200);
    if ((t + 200) % 10_000 === 0) {
      outageSent.push(dev.stats.sent.datagrams - mark);
      mark = dev.stats.sent.datagrams;
    }
  }
  if (kind === 'freeze') freezer.thaw();
  else {
    h.net.heal(dev.local, HUB);
    for (const bytes of held) h.net.inject(bytes, dev.local, HUB);
    held = [];
  }

  let stormCut = false;
  count = 0;
  h.net.onCapture(() => {
    if (++count > STORM && !stormCut) {
      stormCut = true; // the storm of the bug would run forever at one virtual instant: cut it to report it
      h.net.partition(dev.local, HUB);
    }
  });
  const perSecond: number[] = [];
  for (let s = 0; s < 10; s++) {
    const before = count;
    for (let i = 0; i < 5; i++) { pub.publish(); await h.run(200); }
    perSecond.push(count - before);
    if (s === 0) pub.failedSince = 0; // the outbox full of the outage's messages may refuse in the first second
  }
  h.net.onCapture(undefined);
  await h.run(5_000);
  const out: Outcome = { perSecond, stormCut, sent: pub.n, ok: pub.ok, delivered: h.texts('hub').length, lost: pub.lost, failedAfter: pub.failedSince, outageSent };
  await dev.close();
  await hub.close();
  return out;
}

describe('no storm after an outage that ends in a burst (issue 14) [SW-9.4-4] [SW-12.3-2] [SW-12.3-9]', () => {
  const cases: ['freeze' | 'hold', number][] = [['freeze', 30_000], ['freeze', 45_000], ['freeze', 120_000], ['hold', 30_000], ['hold', 45_000]];
  for (const [kind, ms] of cases) {
    it(`${kind === 'freeze' ? 'hub frozen' : "device's traffic held and released"} ${ms / 1000} s: normal traffic within a second, every publication after it arrives, nothing acknowledged is missing`, async () => {
      const r = await outage(kind, ms);
      const info = JSON.stringify(r);
      expect(r.stormCut, info).toBe(false);
      // normal: 5 publications a second and their ACKs, a few control datagrams
      expect(Math.max(...r.perSecond.slice(1)), info).toBeLessThanOrEqual(20);
      expect(r.failedAfter, info).toBe(0);
      expect(r.lost, info).toBe(0);
      expect(r.delivered, info).toBe(r.ok); // every acknowledged publication arrived, none twice
      // towards a silent hub: backed off, not a datagram per publication or per RTO [SW-14.4-14] [SW-14.7-9]
      // (held traffic: the hub, hearing nothing, probes the device, whose answers are held too)
      expect(Math.max(...r.outageSent.slice(1)), info).toBeLessThanOrEqual(kind === 'freeze' ? 5 : 20);
    }, 60_000);
  }
});
