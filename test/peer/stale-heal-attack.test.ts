/**
 * Healing under attack (spec 12.4): a device that lost its state heals through the hub's STALE
 * answer, and forged or replayed stale datagrams naming its id must not spend the budget its own
 * stale datagram needs. The per-peer answer interval is spent only by a datagram that authenticated
 * and is keyed by the start (BOOT) it came from [SW-12.4-10]; what a forgery costs before it fails is
 * bounded by admission (spec 6.5), per source and for the node.
 */
import { describe, expect, it } from 'vitest';
import { encodeFullHeader } from '../../src/wire/header.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { STALE_ATTEMPTS, StaleAnswers } from '../../src/peer/stale.js';
import { Harness, HUB, text } from './harness.js';

const EVIL = { host: 'evil', port: 6666 };

/** A FULL datagram naming `id` at a stale epoch, with a random BOOT and a body that fails authentication. */
function forged(id: string, epoch: number, counter: number, rnd: () => number): Uint8Array {
  const boot = new Uint8Array(8).map(() => rnd() & 0xff);
  const header = encodeFullHeader(0, epoch, counter, boot, id);
  const d = new Uint8Array(header.length + 40);
  d.set(header);
  for (let i = header.length; i < d.length; i++) d[i] = rnd() & 0xff;
  return d;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Starts hub and device, takes the device through two starts, then wipes its state and starts it again. */
async function wipedDevice(h: Harness) {
  const hub = await h.hub();
  let dev = await h.device('d');
  let p = dev.send('hub', text('life-1'), { reliable: true, deadlineMs: 2000 });
  await h.run(300);
  await p;
  await dev.close();
  dev = await h.device('d'); // epoch 2: the hub now holds maxEpoch 2 for 'd'
  p = dev.send('hub', text('life-2'), { reliable: true, deadlineMs: 2000 });
  await h.run(300);
  await p;
  await dev.close();
  h.states.set('d', new MemoryStateStore()); // wiped: the next start is at epoch 1, stale to the hub
  return hub;
}

describe('healing a wiped device while stale datagrams are forged in its name [SW-12.4-10]', () => {
  it('delivers within 2 s under 100 forged stale datagrams a second from another address', async () => {
    const h = new Harness();
    const hub = await wipedDevice(h);
    const rnd = prng(5);
    let n = 0;
    const forge = (): void => {
      h.net.inject(forged('d', 1, n++, rnd), EVIL, HUB);
    };
    // the attacker has been at it for a while before the device comes back
    for (let i = 0; i < 300; i++) {
      forge();
      await h.run(10, 10);
    }
    const starting = h.device('d');
    await h.run(20);
    const dev = await starting;
    let delivered = false;
    const sent = dev.send('hub', text('after-wipe'), { reliable: true, deadlineMs: 10_000 }).then(() => (delivered = true));
    let t = 0;
    while (!delivered && t < 5_000) {
      forge();
      await h.run(10, 10);
      t += 10;
    }
    void sent.catch(() => undefined);
    expect(h.texts('hub')).toContain('after-wipe');
    expect(t).toBeLessThan(2_000); // before [SW-12.4-10]: not delivered in 5 s
    expect(hub.stats.stale.answered).toBeGreaterThanOrEqual(1);
    await dev.close();
    await hub.close();
  });
});

describe('StaleAnswers spends an answer only on an authenticated datagram, per start and token [SW-12.4-10]', () => {
  it('decryption attempts are per start; the answer interval is per (peer, BOOT, token)', () => {
    const s = new StaleAnswers(1000, 64);
    const b1 = new Uint8Array(8).fill(1);
    const b2 = new Uint8Array(8).fill(2);
    const t1 = new Uint8Array(8).fill(7);
    const t2 = new Uint8Array(8).fill(8);
    for (let i = 0; i < STALE_ATTEMPTS; i++) expect(s.may('a', b1, i)).toBe(true); // decryption attempts: STALE_ATTEMPTS per interval
    expect(s.may('a', b1, 9)).toBe(false);
    expect(s.may('a', b2, 9)).toBe(true); // another start (a forger's random BOOT, say) has its own
    expect(s.take('a', b1, t1, 100)).toBe(true); // authenticated: spends (a, b1, t1)'s interval
    expect(s.take('a', b1, t1, 200)).toBe(false);
    expect(s.take('a', b1, undefined, 200)).toBe(true); // no token: its own slot
    expect(s.take('a', b1, t2, 300)).toBe(true); // the peer asks again with a new token: answered at once
    expect(s.take('a', b2, t1, 300)).toBe(true); // another start of 'a' (a replayed old life is one) has its own
    expect(s.take('a', b1, t1, 1100)).toBe(true);
  });

  it('answers at most the node-wide rate per second', () => {
    const s = new StaleAnswers(1000, 3);
    const b = (i: number) => new Uint8Array(8).fill(i);
    expect([1, 2, 3, 4].map((i) => s.take(`p${i}`, b(i), undefined, 10))).toEqual([true, true, true, false]);
    expect(s.may('p5', b(5), 20)).toBe(false);
    expect(s.may('p5', b(5), 1010)).toBe(true);
  });
});
