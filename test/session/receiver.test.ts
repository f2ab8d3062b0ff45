// Scenarios of the receive and send halves: index exchange, reboot, freshness, generations,
// counter limit and epoch persistence. Each test cites the requirement it checks.
import { describe, expect, it } from 'vitest';
import {
  beginEpoch,
  CorruptEpochError,
  CounterExhaustedError,
  deriveDeviceKey,
  encodeFrames,
  EpochPersistError,
  InvalidArgumentError,
  MemoryEpochStore,
  MemoryMaxEpochStore,
  PeerSender,
  Receiver,
  SiteKeyring,
  startEpoch,
  type Accepted,
} from '../../src/core.js';
import { INDEX_TIMEOUT_MS } from '../../src/constants.js';
import { suites } from '../suites.js';

const site = new Uint8Array(32).fill(9);
const data = (s: string) => encodeFrames([{ type: 'DATAGRAM', data: new TextEncoder().encode(s) }]);

/** One BOOT value per epoch: each epoch here stands for one start of the sender (spec 5.2). */
const bootFor = (epoch: number): Uint8Array => Uint8Array.of(0xb0, 0, 0, 0, (epoch >>> 24) & 255, (epoch >>> 16) & 255, (epoch >>> 8) & 255, epoch & 255);

for (const suite of suites) {
  describe(`receiver and sender (${suite.name})`, () => {
    const setup = (opts: { maxEpochs?: MemoryMaxEpochStore; durable?: boolean } = {}) => {
      const keyring = new SiteKeyring(suite, site);
      const hub = new Receiver({ suite, selfId: 'hub', keyring, maxEpochs: opts.maxEpochs, durableMaxEpochs: opts.durable });
      const sender = (epoch: number) =>
        new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0), gen: 0, epoch, boot: bootFor(epoch) });
      return { keyring, hub, sender };
    };

    it('switches from FULL to the 9-byte SHORT header after an INDEX frame [SW-4.8-2]', () => {
      const { hub, sender } = setup();
      const tx = sender(1);
      const first = hub.open(tx.seal(data('a'), 0), 0) as Accepted;
      expect(first.ok && first.form).toBe('FULL');
      expect(first.announceIndex).toBeDefined();
      expect(tx.applyIndex(first.announceIndex!, 0)).toBe(true);
      const d = tx.seal(data('b'), 1);
      expect(d[0]).toBe(0x40);
      expect(d.length).toBe(9 + 16 + 2); // header + tag + frame type + 1 byte
      const second = hub.open(d, 1) as Accepted;
      expect(second.form).toBe('SHORT');
      expect(second.counter).toBe(1);
    });

    it('ignores an INDEX frame for another epoch or generation [SW-4.8-2]', () => {
      const tx = setup().sender(2);
      expect(tx.applyIndex({ type: 'INDEX', index: 5, gen: 0, epoch: 1 })).toBe(false);
      expect(tx.applyIndex({ type: 'INDEX', index: 5, gen: 1, epoch: 2 })).toBe(false);
      expect(tx.receiverIndex).toBeUndefined();
    });

    it('returns to FULL after INDEX_TIMEOUT of silence from the peer [SW-4.8-5]', () => {
      const { hub, sender } = setup();
      const tx = sender(1);
      const a = hub.open(tx.seal(data('a'), 0), 0) as Accepted;
      tx.applyIndex(a.announceIndex!, 0);
      expect(tx.seal(data('b'), INDEX_TIMEOUT_MS - 1_000)[0]).toBe(0x40);
      expect(tx.seal(data('c'), INDEX_TIMEOUT_MS + 1_000)[0]).toBe(0x50);
    });

    it('recovers from a sender reboot in one datagram, and refuses the old epoch [SW-5.5-1] [SW-5.5-2]', () => {
      const { hub, sender } = setup();
      const old = sender(1);
      const before = old.seal(data('before'));
      expect(hub.open(before, 0).ok).toBe(true);
      const late = old.seal(data('late'));
      const rebooted = sender(2);
      const r = hub.open(rebooted.seal(data('after')), 1) as Accepted;
      expect(r.ok && r.epoch).toBe(2);
      expect(hub.open(late, 2)).toEqual({ ok: false, reason: 'STALE_EPOCH' });
      expect(hub.open(before, 3)).toEqual({ ok: false, reason: 'STALE_EPOCH' });
    });

    it('a replay after the receiver lost its state is marked unknown, and stays so across replayed epochs [SW-5.6-3]', () => {
      const a = setup();
      const e1 = a.sender(1).seal(data('e1'));
      const e2 = a.sender(2).seal(data('e2'));
      expect(a.hub.open(e1, 0).ok).toBe(true);
      expect(a.hub.open(e2, 0).ok).toBe(true);
      const restarted = setup(); // RAM-only receiver: no floor
      expect((restarted.hub.open(e1, 0) as Accepted).freshness).toBe('unknown');
      expect((restarted.hub.open(e2, 0) as Accepted).freshness).toBe('unknown');
    });

    it('with a persisted maxEpoch a restart needs no challenge [SW-5.6-6]', () => {
      const store = new MemoryMaxEpochStore(true); // stands for a durable store shared across the restart
      const a = setup({ maxEpochs: store, durable: true });
      expect((a.hub.open(a.sender(1).seal(data('x')), 0) as Accepted).freshness).toBe('fresh');
      const replay = a.sender(3).seal(data('y'));
      expect(a.hub.open(replay, 0).ok).toBe(true);
      const restarted = setup({ maxEpochs: store, durable: true });
      expect((restarted.hub.open(replay, 0) as Accepted).freshness).toBe('unknown'); // same epoch: could be a replay
      expect(restarted.hub.open(a.sender(2).seal(data('z')), 0)).toEqual({ ok: false, reason: 'STALE_EPOCH' });
      expect((restarted.hub.open(a.sender(4).seal(data('w')), 0) as Accepted).freshness).toBe('fresh');
    });

    it('accepts the previous generation during its grace period only [SW-3.6-1]', () => {
      const { keyring, hub } = setup();
      keyring.generations.rotate('sensor-1', 1, 0, 1000);
      const g0 = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0), gen: 0, epoch: 1, boot: bootFor(1) });
      expect(hub.open(g0.seal(data('a')), 500).ok).toBe(true);
      expect(hub.open(g0.seal(data('b')), 1000)).toEqual({ ok: false, reason: 'RETIRED_KEY' });
    });

    it('refuses SHORT datagrams once the peer is revoked [SW-6.1-4]', () => {
      const { keyring, hub, sender } = setup();
      const tx = sender(1);
      tx.applyIndex((hub.open(tx.seal(data('a')), 0) as Accepted).announceIndex!);
      keyring.revoke('sensor-1');
      expect(hub.open(tx.seal(data('b')), 1)).toEqual({ ok: false, reason: 'UNKNOWN_KEY' });
    });

    it('never seals counter 2^32-1 and consumes no counter twice [SW-5.1-2] [SW-4.6-1]', () => {
      const tx = setup().sender(1);
      tx.skipTo(0xfffffffe);
      expect(tx.seal(data('last')).length).toBeGreaterThan(0);
      expect(() => tx.seal(data('over'))).toThrow(CounterExhaustedError);
      expect(() => tx.skipTo(5)).toThrow(InvalidArgumentError);
    });

    it('bounds contexts and evicts the least recently authenticated [SW-6.4-1]', () => {
      const keyring = new SiteKeyring(suite, site);
      const hub = new Receiver({ suite, selfId: 'hub', keyring, maxContexts: 3 });
      for (let i = 0; i < 5; i++) {
        const s = new PeerSender({ suite, selfId: `d${i}`, peerId: 'hub', pairKey: deriveDeviceKey(suite, site, `d${i}`, 0), gen: 0, epoch: 1, boot: bootFor(1) });
        expect(hub.open(s.seal(data('x')), i).ok).toBe(true);
      }
      expect(hub.contextCount).toBe(3);
      expect(hub.context('d0', 0)).toBeUndefined();
      expect(hub.context('d4', 0)).toBeDefined();
    });
  });
}

describe('beginEpoch [SW-5.2-2] [SW-5.2-5]', () => {
  it('persists epoch+1 before returning it', async () => {
    const store = new MemoryEpochStore(41);
    expect(await beginEpoch(store)).toBe(42);
    expect(await store.load()).toBe(42);
  });

  it('starts over from 0 on a missing or corrupt record and reports it lost, unless provisioning [SW-5.2-5]', async () => {
    expect(await startEpoch(new MemoryEpochStore())).toEqual({ epoch: 1, lost: true });
    expect(await startEpoch(new MemoryEpochStore(), { provisioning: true })).toEqual({ epoch: 1, lost: false });
    const corrupt = new MemoryEpochStore();
    let reads = 0;
    const store = { load: async () => (reads++ === 0 ? Promise.reject(new CorruptEpochError('bad')) : corrupt.load()), save: (e: number) => corrupt.save(e) };
    expect(await startEpoch(store)).toEqual({ epoch: 1, lost: true });
    expect(await startEpoch(new MemoryEpochStore(5))).toEqual({ epoch: 6, lost: false });
  });

  it('refuses when the store cannot be read at all [SW-5.2-2]', async () => {
    await expect(startEpoch({ load: async () => Promise.reject(new Error('EIO')), save: async () => undefined })).rejects.toThrow(EpochPersistError);
  });

  it('jumps above a floor a peer reported [SW-12.4-3]', async () => {
    const store = new MemoryEpochStore(2);
    expect(await beginEpoch(store, { above: 7 })).toBe(8);
    expect(await store.load()).toBe(8);
    expect(await beginEpoch(store, { above: 3 })).toBe(9); // a floor below the stored epoch changes nothing
  });

  it('refuses when the write fails, does not read back, or epochs are exhausted: no epoch to send under that is not persisted [SW-5.2-4]', async () => {
    const failing = { load: async () => 3, save: async () => Promise.reject(new Error('flash full')) };
    await expect(beginEpoch(failing)).rejects.toThrow(EpochPersistError);
    const lying = { load: async () => 3, save: async () => undefined };
    await expect(beginEpoch(lying)).rejects.toThrow(/cannot persist/);
    await expect(beginEpoch(new MemoryEpochStore(0xffffffff))).rejects.toThrow(/exhausted/);
  });
});
