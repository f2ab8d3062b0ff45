/**
 * Stale starts (spec 12.4) at the unit level, and two processes under one id over real UDP: the
 * receive path's BOOT rule and stale proof, the STALE frame, the answer limits, and the conflict
 * reported on both sides instead of a silent split.
 */
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeFrames,
  deriveDeviceKey,
  encodeFrames,
  PairKeyring,
  PeerSender,
  Receiver,
  SiteKeyring,
  tweetnaclSuite,
} from '../../src/core.js';
import { startNode } from '../../src/node/start.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import { StaleAnswers } from '../../src/peer/stale.js';
import { removeTempDirs, tempDir } from './process-helpers.js';

const suite = tweetnaclSuite;
const site = new Uint8Array(32).fill(3);
const pk = deriveDeviceKey(suite, site, 'dev', 0);
const boot = (b: number): Uint8Array => new Uint8Array(8).fill(b);
const sender = (epoch: number, b: number) => new PeerSender({ suite, selfId: 'dev', peerId: 'hub', pairKey: pk, gen: 0, epoch, boot: boot(b) });
const hub = (staleAnswer?: () => boolean) => new Receiver({ suite, selfId: 'hub', keyring: new SiteKeyring(suite, site), staleAnswer });
const ping = encodeFrames([{ type: 'PING' }, { type: 'CHALLENGE', token: new Uint8Array(8).fill(9) }]);

afterAll(async () => {
  await removeTempDirs();
});

describe('BOOT and stale datagrams in the receive path', () => {
  it('drops the same epoch under another BOOT as STALE_EPOCH, and accepts the same BOOT [SW-5.5-4]', () => {
    const r = hub();
    expect(r.open(sender(5, 1).seal(ping), 0).ok).toBe(true);
    const other = r.open(sender(5, 2).seal(ping), 1);
    expect(other).toMatchObject({ ok: false, reason: 'STALE_EPOCH' });
    const again = sender(5, 1);
    again.skipTo(1);
    expect(r.open(again.seal(ping), 2).ok).toBe(true);
    expect(r.context('dev', 0)!.boot).toEqual(boot(1));
    expect(r.open(sender(6, 2).seal(ping), 3).ok).toBe(true); // a higher epoch takes its BOOT
    expect(r.context('dev', 0)!.boot).toEqual(boot(2));
  });

  it('authenticates a stale datagram only when the hook grants it, and reports the floor and token [SW-12.4-9]', () => {
    let grants = 0;
    const r = hub(() => grants++ < 1);
    expect(r.open(sender(7, 1).seal(encodeFrames([{ type: 'PING' }])), 0).ok).toBe(true);
    const stale = r.open(sender(2, 2).seal(ping), 1);
    expect(stale).toMatchObject({ ok: false, reason: 'STALE_EPOCH', stale: { peer: 'dev', gen: 0, epoch: 2, floor: 7 } });
    if (!stale.ok) expect(stale.stale!.token).toEqual(new Uint8Array(8).fill(9));
    const limited = r.open(sender(2, 3).seal(ping), 2); // the hook said no: dropped before any decryption
    expect(limited).toEqual({ ok: false, reason: 'STALE_EPOCH' });
    expect(r.context('dev', 0)!.maxEpoch).toBe(7); // nothing changed
  });

  it('gives no stale proof for a forged stale datagram', () => {
    const r = hub(() => true);
    expect(r.open(sender(7, 1).seal(ping), 0).ok).toBe(true);
    const d = sender(2, 2).seal(ping);
    d[d.length - 1]! ^= 1;
    expect(r.open(d, 1)).toEqual({ ok: false, reason: 'STALE_EPOCH' });
  });

  it('STALE frames round-trip; epoch 0 or two of them are malformed [SW-12.4-4]', () => {
    const f = encodeFrames([{ type: 'STALE', gen: 3, epoch: 0x01020304 }, { type: 'ECHO', token: new Uint8Array(8) }]);
    expect([...f.subarray(0, 6)]).toEqual([0x0c, 3, 1, 2, 3, 4]);
    expect(decodeFrames(f)).toEqual([{ type: 'STALE', gen: 3, epoch: 0x01020304 }, { type: 'ECHO', token: new Uint8Array(8) }]);
    expect(decodeFrames(Uint8Array.of(0x0c, 0, 0, 0, 0, 0))).toBeUndefined();
    expect(decodeFrames(Uint8Array.of(0x0c, 0, 0, 0, 0, 1, 0x0c, 0, 0, 0, 0, 1))).toBeUndefined();
    expect(() => encodeFrames([{ type: 'STALE', gen: 0, epoch: 0 }])).toThrow();
  });
});

describe('StaleAnswers: the limits of [SW-12.4-10] and the conflict rule of [SW-12.4-12]', () => {
  it('answers one stale datagram per start of a peer per interval, and at most the rate in all', () => {
    const s = new StaleAnswers(1000, 3);
    const b = new Uint8Array(8);
    expect(s.take('a', b, undefined, 0)).toBe(true);
    expect(s.take('a', b, undefined, 500)).toBe(false);
    expect(s.take('b', b, undefined, 500)).toBe(true);
    expect(s.take('c', b, undefined, 600)).toBe(true);
    expect(s.take('d', b, undefined, 700)).toBe(false); // the fourth in one second
    expect(s.take('a', b, undefined, 1000)).toBe(true);
    expect(s.limited).toBe(2);
  });

  it('reports a conflict after 3 answers over 2 s, never for a burst, once per track', () => {
    const s = new StaleAnswers(0, 1000);
    const B = new Uint8Array(8);
    for (let t = 0; t < 50; t += 5) {
      expect(s.answeredTo('burst', B, 1, t)).toBe(false); // 10 answers within 50 ms: stragglers, not a process
    }
    const seen: boolean[] = [];
    for (const t of [0, 1000, 2000, 3000]) {
      seen.push(s.answeredTo('twin', B, 1, t));
    }
    expect(seen).toEqual([false, false, true, false]);
  });

  it('counts per (start, epoch): a node that heals moves to a new epoch, and its old one stops [SW-12.4-12]', () => {
    const s = new StaleAnswers(0, 1000);
    const B = new Uint8Array(8).fill(4);
    // a slow heal: answers to epoch 1 at 0 and 1 s, the new epoch 2 refused once at 2.5 s (an old copy), then fine
    expect([s.answeredTo('slow', B, 1, 0), s.answeredTo('slow', B, 1, 1000), s.answeredTo('slow', B, 2, 2500)]).toEqual([false, false, false]);
    // a second process stays on its epoch: the third answer, 2 s after the first, is the report
    const T = new Uint8Array(8).fill(5);
    expect([s.answeredTo('twin', T, 3, 0), s.answeredTo('twin', T, 3, 1000), s.answeredTo('twin', T, 3, 2000)]).toEqual([false, false, true]);
  });
});

describe('two processes under one id, over real UDP [SW-12.4-5] [SW-12.4-12]', () => {
  it('is reported on both sides, and the process that was superseded does not fight back', async () => {
    const root = await tempDir('saltwire-twins-');
    const h = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, site), suite, stateDir: join(root, 'hub'), listen: { host: '127.0.0.1', port: 0 } });
    const devOpts = (dir: string) => ({
      id: 'dev',
      keyring: new PairKeyring().add('hub', 0, pk),
      suite,
      stateDir: dir,
      listen: { host: '127.0.0.1', port: 0 },
      peers: [{ id: 'hub', address: h.local }],
      liveness: { keepaliveMs: 300 },
    });
    const got: string[] = [];
    h.on('message', (m) => got.push(new TextDecoder().decode(m.data)));
    const conflicts: Array<{ who: string; kind: string }> = [];
    const watch = (n: SaltwireNode, who: string) => n.on('conflict', (e) => conflicts.push({ who, kind: e.kind }));
    watch(h, 'hub');
    const a = await startNode(devOpts(join(root, 'a')));
    watch(a, 'a');
    await a.send('hub', new TextEncoder().encode('a1'), { reliable: true, deadlineMs: 3000 });
    // a copy of the device's state started as a second process: the same id, key and epoch record
    await cp(join(root, 'a'), join(root, 'b'), { recursive: true });
    const b = await startNode(devOpts(join(root, 'b')));
    watch(b, 'b');
    await b.send('hub', new TextEncoder().encode('b1'), { reliable: true, deadlineMs: 3000 });
    const t0 = Date.now();
    // both reports within a few seconds: the superseded process sends FULL after the hub's STALE
    // ([SW-4.8-10]; its SHORT datagrams named B's context and failed there in silence), so the hub
    // answers the one carrying its CHALLENGE, and that answer's echo makes it count ([SW-12.4-11])
    while (!(conflicts.some((c) => c.who === 'hub') && conflicts.some((c) => c.who !== 'hub')) && Date.now() - t0 < 10_000) {
      a.send('hub', new TextEncoder().encode('a-more'), { reliable: true, deadlineMs: 500 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(conflicts.filter((c) => c.who === 'hub').map((c) => c.kind)).toContain('peer');
    expect(conflicts.filter((c) => c.who !== 'hub')).toEqual([{ who: 'a', kind: 'self' }]);
    expect(got).toContain('a1');
    expect(got).toContain('b1');
    const epochA = a.epoch;
    for (let i = 0; i < 15; i++) {
      // 3 s more of the superseded process sending: more STALE answers echoing its tokens
      a.send('hub', new TextEncoder().encode('a-more'), { reliable: true, deadlineMs: 500 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(a.epoch).toBe(epochA); // [SW-12.4-5] no renewals in turn: the split is loud, not a ping-pong
    // reported once per peer and epoch, however many STALE answers keep coming [SW-12.4-5]
    expect(conflicts.filter((c) => c.who !== 'hub')).toEqual([{ who: 'a', kind: 'self' }]);
    expect(b.epoch).toBeGreaterThan(epochA - 1);
    await a.close();
    await b.close();
    await h.close();
    await rm(root, { recursive: true, force: true });
  }, 45_000);
});
