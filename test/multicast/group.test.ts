// The group-authenticated and signed tiers of spec 19 in memory: per-sender keys and windows,
// the tier rules, floors that survive a receiver restart, and nonces that survive a sender's.
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { tweetnaclEd25519 } from '../../src/crypto/ed25519.js';
import { GTYPE_DATA } from '../../src/multicast/constants.js';
import { encodeGroupMessage, type GroupMessage } from '../../src/multicast/frames.js';
import { encodeGroupHeader, groupNonce } from '../../src/multicast/header.js';
import { deriveSenderKey } from '../../src/multicast/keys.js';
import { GroupManager } from '../../src/multicast/manager.js';
import { GroupReceiver } from '../../src/multicast/receiver.js';
import { GroupSender } from '../../src/multicast/sender.js';
import { suites } from '../suites.js';

const pub = (topic: string, text: string): GroupMessage => ({ kind: 'publish', topic, payload: new TextEncoder().encode(text) });
const boot = (n: number) => new Uint8Array(8).fill(n);

for (const suite of suites) {
  describe(`group tiers (${suite.name})`, () => {
    const controllerKeys = tweetnaclEd25519.keyPair(new Uint8Array(32).fill(7));
    const setup = async (store?: MemoryStateStore) => {
      const mgr = new GroupManager({ suite, gid: 7, controller: { id: 'hub', publicKey: controllerKeys.publicKey } });
      for (const id of ['a', 'b', 'c']) mgr.add(id);
      const rx = new Map<string, GroupReceiver>();
      for (const id of ['hub', 'a', 'b', 'c']) {
        const r = new GroupReceiver({ suite, ed25519: tweetnaclEd25519, ...(id === 'b' && store !== undefined && { store }) });
        await r.install(mgr.grantFor(id), 0);
        rx.set(id, r);
      }
      const sender = (id: string, epoch = 1, b = boot(epoch)) =>
        new GroupSender({
          suite,
          membership: rx.get(id)!.membership(7),
          epoch,
          boot: b,
          ...(id === 'hub' && { signing: { ed25519: tweetnaclEd25519, secretKey: controllerKeys.secretKey } }),
        });
      return { mgr, rx, sender };
    };

    it('one datagram reaches every member, each under the sender key of [SW-19.2-4]; a replay is dropped [SW-19.5-2]', async () => {
      const { rx, sender } = await setup();
      const d = sender('a').seal(pub('state/a', 'on'), 0);
      for (const id of ['hub', 'b', 'c']) {
        const r = await rx.get(id)!.receive(d, 1);
        expect(r.ok && r.delivery.message.kind === 'publish' && r.delivery.message.topic).toBe('state/a');
        expect(await rx.get(id)!.receive(d, 2)).toEqual({ ok: false, reason: 'REPLAY' });
      }
    });

    it('a non-member (another key) fails AUTH and an unknown group has no key [SW-19.5-1]', async () => {
      const { rx } = await setup();
      const other = await setup(); // same gid, another random key
      const d = other.sender('a').seal(pub('x', 'y'), 0);
      expect(await rx.get('b')!.receive(d, 1)).toEqual({ ok: false, reason: 'AUTH' });
      const alien = new GroupManager({ suite, gid: 9 });
      alien.add('z');
      const r9 = new GroupReceiver({ suite });
      await r9.install(alien.grantFor('z'), 0);
      const d9 = new GroupSender({ suite, membership: r9.membership(9), epoch: 1, boot: boot(1) }).seal(pub('x', 'y'), 0);
      expect(await rx.get('b')!.receive(d9, 1)).toEqual({ ok: false, reason: 'UNKNOWN_KEY' });
      expect(rx.get('b')!.drops.snapshot()).toEqual({ AUTH: 1, UNKNOWN_KEY: 1 });
    });

    it('commands never travel in the group tier: refused at the sender, dropped WRONG_TIER at receivers [SW-19.5-6]', async () => {
      const { rx, sender } = await setup();
      expect(() => sender('a').seal({ kind: 'command', name: 'door/open', params: new Uint8Array(0) }, 0)).toThrow(/signed tier/);
      // an insider builds one by hand under its own sender key
      const grant = rx.get('a')!.membership(7).sending(0)!.grant;
      const header = encodeGroupHeader({ type: GTYPE_DATA, gid: 7, gen: 0, member: grant.member, epoch: 1, counter: 0, boot: boot(1) });
      const key = deriveSenderKey(suite, grant.key, 7, 0, grant.member, 1, boot(1));
      const forged = suite.seal(key, groupNonce(header), encodeGroupMessage({ kind: 'command', name: 'door/open', params: new Uint8Array(0) }), header);
      expect(await rx.get('b')!.receive(forged, 1)).toEqual({ ok: false, reason: 'WRONG_TIER' });
    });

    it('the signed tier: the controller’s commands verify; a member forging as the controller is refused and moves no window [SW-19.5-4] [SW-19.5-5]', async () => {
      const { rx, sender } = await setup();
      const cmd = { kind: 'command', name: 'door/open', params: Uint8Array.of(1) } as const;
      const hub = sender('hub');
      const good = hub.sealSigned(cmd, 0);
      const r = await rx.get('a')!.receive(good, 1);
      expect(r.ok && r.delivery.tier).toBe('signed');
      // member c holds the group key: it can seal as the controller's member number, but not sign
      const hubGrant = rx.get('c')!.membership(7).sending(0)!.grant;
      const cm = hubGrant.controller!.member;
      const header = encodeGroupHeader({ type: 0x04, gid: 7, gen: 0, member: cm, epoch: 1, counter: 5_000, boot: boot(1) });
      const key = deriveSenderKey(suite, hubGrant.key, 7, 0, cm, 1, boot(1));
      const body = encodeGroupMessage(cmd);
      const forged = suite.seal(key, groupNonce(header), new Uint8Array([...body, ...new Uint8Array(64).fill(1)]), header);
      expect(await rx.get('a')!.receive(forged, 2)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
      // the controller's next datagram (counter 1) is still accepted: the forged counter 5000 (more than a window ahead) moved nothing
      expect((await rx.get('b')!.receive(good, 3)).ok).toBe(true);
      expect((await rx.get('a')!.receive(hub.sealSigned(cmd, 0), 3)).ok).toBe(true);
      // a SIGNED datagram from a member that is not the controller: dropped before any crypto
      const notCtl = encodeGroupHeader({ type: 0x04, gid: 7, gen: 0, member: 2, epoch: 1, counter: 0, boot: boot(1) });
      expect(await rx.get('a')!.receive(new Uint8Array([...notCtl, ...new Uint8Array(100)]), 4)).toEqual({ ok: false, reason: 'WRONG_TIER' });
    });

    it('a receiver restart keeps each sender’s floor: replays from before the restart are refused, new datagrams accepted [SW-19.5-9] [SW-19.5-10]', async () => {
      const store = new MemoryStateStore();
      const { mgr, rx, sender } = await setup(store);
      const s = sender('a');
      const sent = Array.from({ length: 5 }, (_, i) => s.seal(pub('t', String(i)), i));
      for (const d of sent) expect((await rx.get('b')!.receive(d, 10)).ok).toBe(true);
      // restart: a new receiver on the same store
      const b2 = new GroupReceiver({ suite, store, reserve: 3 });
      expect(await b2.restore(7)).toBe(1);
      for (const d of sent) expect((await b2.receive(d, 20)).ok).toBe(false);
      expect(b2.drops.get('TOO_OLD')).toBe(5);
      // the sender carries on: its counters pass the persisted floor (reserve 1000 by the first receiver)
      let accepted = 0;
      for (let i = 5; i < 1_010; i++) if ((await b2.receive(s.seal(pub('t', String(i)), 30), 30)).ok) accepted++;
      expect(accepted).toBe(1_010 - 1_001); // counters 1001..1009: everything at or below the floor 1000 is refused
      void mgr;
    });

    it('a sender restart with its state wiped reuses no nonce: a new BOOT gives a new key [SW-19.4-6]; receivers refuse the clash as STALE_EPOCH until its epoch passes [SW-19.3-4]', async () => {
      const { mgr, rx, sender } = await setup();
      const first = sender('a', 1, boot(1)).seal(pub('t', 'x'), 0);
      expect((await rx.get('b')!.receive(first, 1)).ok).toBe(true);
      mgr.observe(rx.get('a')!.membership(7).sending(0)!.grant.member, 1);
      // wiped: the same epoch 1 and counter 0 again, another BOOT
      const again = sender('a', 1, boot(2)).seal(pub('t', 'x'), 0);
      expect(first.subarray(0, 15)).toEqual(again.subarray(0, 15)); // same nonce bytes ...
      expect(first.subarray(23)).not.toEqual(again.subarray(23)); // ... under another key
      expect(await rx.get('b')!.receive(again, 2)).toEqual({ ok: false, reason: 'STALE_EPOCH' });
      // the member re-fetches its grant: the floor names epoch 1, so it starts above it
      expect(mgr.grantFor('a').epochFloor).toBe(1);
      const later = sender('a', 2, boot(3)).seal(pub('t', 'y'), 0);
      expect((await rx.get('b')!.receive(later, 3)).ok).toBe(true);
    });

    it('forged headers cost at most the derive budget; insiders’ signed floods at most the verify budget [SW-19.5-7] [SW-19.5-8]', async () => {
      const { rx, sender } = await setup();
      const b = rx.get('b')!;
      const a = sender('a');
      expect((await b.receive(a.seal(pub('t', '0'), 0), 0)).ok).toBe(true);
      // 1,000 outsiders' datagrams, each with a new BOOT for member a: one HKDF each, within the budget
      const grantA = rx.get('a')!.membership(7).sending(0)!.grant;
      for (let i = 0; i < 1_000; i++) {
        const header = encodeGroupHeader({ type: GTYPE_DATA, gid: 7, gen: 0, member: grantA.member, epoch: 1 + (i % 3), counter: i, boot: suite.randomBytes(8) });
        await b.receive(new Uint8Array([...header, ...suite.randomBytes(30)]), 10);
      }
      expect(b.drops.get('AUTH') + b.drops.get('DERIVE_LIMIT') + b.drops.get('STALE_EPOCH')).toBe(1_000);
      expect(b.drops.get('AUTH')).toBeLessThanOrEqual(200); // GROUP_DERIVE_RATE, all at one instant
      // a's next datagram uses the key b holds: no derivation needed, accepted during the flood
      expect((await b.receive(a.seal(pub('t', '1'), 0), 10)).ok).toBe(true);
      // a member floods SIGNED datagrams in the controller's name: verifications stay within VERIFY_RATE
      const cm = grantA.controller!.member;
      for (let i = 0; i < 60; i++) {
        const header = encodeGroupHeader({ type: 0x04, gid: 7, gen: 0, member: cm, epoch: 1, counter: 10 + i, boot: boot(1) });
        const key = deriveSenderKey(suite, grantA.key, 7, 0, cm, 1, boot(1));
        await b.receive(suite.seal(key, groupNonce(header), new Uint8Array(80), header), 5_000); // the derive budget refilled
      }
      expect(b.verifications).toBe(20);
      expect(b.drops.get('VERIFY_LIMIT')).toBe(40);
      expect(b.drops.get('BAD_SIGNATURE')).toBe(20);
    });
  });
}