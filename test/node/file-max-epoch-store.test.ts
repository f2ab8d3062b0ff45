import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, PeerSender, Receiver, SiteKeyring, tweetnaclSuite as suite, type Accepted, type MaxEpochStore } from '../../src/core.js';
import { FileMaxEpochStore } from '../../src/node/file-max-epoch-store.js';

const site = new Uint8Array(32).fill(3);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sw-maxepoch-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** One BOOT value per epoch: each epoch here stands for one start of the sender (spec 5.2). */
const bootFor = (epoch: number): Uint8Array => Uint8Array.of(0xb0, 0, 0, 0, (epoch >>> 24) & 255, (epoch >>> 16) & 255, (epoch >>> 8) & 255, epoch & 255);

const hub = (maxEpochs: MaxEpochStore, durableMaxEpochs: boolean) =>
  new Receiver({ suite, selfId: 'hub', keyring: new SiteKeyring(suite, site), maxEpochs, durableMaxEpochs });
const dev = (epoch: number) =>
  new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deriveDeviceKey(suite, site, 'sensor-1', 0), gen: 0, epoch, boot: bootFor(epoch) });

describe('FileMaxEpochStore', () => {
  it('survives a restart: a complete log makes first datagrams and newer epochs fresh, same epoch unknown [SW-5.6-6] [SW-5.6-4]', () => {
    const path = join(tmp(), 'max-epochs.log');
    const s1 = new FileMaxEpochStore(path);
    expect(s1.existed).toBe(false);
    const r1 = hub(s1, true);
    expect((r1.open(dev(4).seal(new Uint8Array(0)), 0) as Accepted).freshness).toBe('fresh'); // 0-RTT: F = 0
    s1.close();
    expect(readFileSync(path, 'utf8')).toBe('0 sensor-1 4\n');
    const s2 = new FileMaxEpochStore(path); // the hub restarted
    expect(s2.existed).toBe(true);
    expect(s2.get('sensor-1', 0)).toBe(4);
    const r2 = hub(s2, true);
    expect((r2.open(dev(4).seal(new Uint8Array(0)), 0) as Accepted).freshness).toBe('unknown'); // could be a replay
    const r3 = hub(new FileMaxEpochStore(path), true);
    expect(r3.open(dev(3).seal(new Uint8Array(0)), 0)).toEqual({ ok: false, reason: 'STALE_EPOCH' });
    expect((r3.open(dev(5).seal(new Uint8Array(0)), 0) as Accepted).freshness).toBe('fresh'); // the device rebooted
  });

  it('is complete only when created at provisioning and kept since: a wiped directory is not [SW-5.6-6] [SW-12.1-3] [SW-5.6-5]', () => {
    const d = tmp();
    const made = new FileMaxEpochStore(join(d, 'provisioned.log'), { provisioning: true });
    expect(made.complete).toBe(true);
    made.set('sensor-1', 0, 4);
    made.close();
    const reopened = new FileMaxEpochStore(join(d, 'provisioned.log'));
    expect([reopened.complete, reopened.get('sensor-1', 0)]).toEqual([true, 4]);
    reopened.close();
    // the same directory wiped and started again: it looks new, but it cannot know what it accepted before
    const wiped = new FileMaxEpochStore(join(d, 'wiped.log'));
    expect(wiped.complete).toBe(false);
    wiped.close();
    expect(new FileMaxEpochStore(join(d, 'wiped.log'), { provisioning: true }).complete).toBe(false); // never gains it
  });

  it('ignores a torn last line and compacts a long log', () => {
    const path = join(tmp(), 'max-epochs.log');
    writeFileSync(path, '0 a 1\n0 a 2\n'.repeat(100) + '0 b 7\n0 c 9');
    const s = new FileMaxEpochStore(path);
    expect(s.get('a', 0)).toBe(2);
    expect(s.get('b', 0)).toBe(7);
    expect(s.get('c', 0)).toBe(9);
    s.close();
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).length).toBe(3);
  });

  it('a store that cannot write drops the datagram as STORE_FAILED and accepts nothing [SW-5.6-4]', () => {
    const failing: MaxEpochStore = { durable: true, get: () => undefined, set: () => { throw new Error('disk full'); } };
    const r = hub(failing, true);
    const d = dev(1).seal(new Uint8Array(0));
    expect(r.open(d, 0)).toEqual({ ok: false, reason: 'STORE_FAILED' });
    expect(r.contextCount).toBe(0);
    expect(r.drops.get('STORE_FAILED')).toBe(1);
  });
});
