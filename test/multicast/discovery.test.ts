// Authenticated discovery in memory (spec 19.6, 19.7): a scout proves key possession, the
// announcement is verifiable, nothing answers an unauthenticated scout, and the reply budget holds.
import { describe, expect, it } from 'vitest';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { SiteKeyring } from '../../src/session/keyring.js';
import { DiscoveryResponder } from '../../src/multicast/responder.js';
import { Scouter } from '../../src/multicast/scout.js';
import { suites } from '../suites.js';

const site = new Uint8Array(32).fill(3);

for (const suite of suites) {
  describe(`discovery (${suite.name})`, () => {
    const hub = (id = 'hub', address?: string) =>
      new DiscoveryResponder({ suite, hubId: id, keyring: new SiteKeyring(suite, site), announce: { port: 4000, ...(address !== undefined && { address }) }, random: () => 0.5 });
    const device = (id = 'sensor-1', key = deriveDeviceKey(suite, site, id, 0), padTo?: number) =>
      new Scouter({ suite, id, pairKey: key, ...(padTo !== undefined && { padTo }) });

    it('a device with only its key finds its hub and the hub’s unicast address [SW-19.6-1] [SW-19.6-8]', () => {
      const h = hub('hub', '192.0.2.7');
      const dev = device();
      const scout = dev.next();
      const r = h.onScout(scout, '10.0.0.5:5000', 0);
      if (!r.ok) throw new Error(r.reason);
      expect(r.delayMs).toBeGreaterThanOrEqual(20);
      expect(r.delayMs).toBeLessThanOrEqual(120);
      expect(r.toGroup).toBe(true); // the first scout asks for a group answer
      expect(h.take(r.token, r.reply)).toBe(true);
      expect(dev.accept(r.reply)).toEqual({ hubId: 'hub', port: 4000, address: '192.0.2.7' });
      expect(r.reply.length).toBeLessThanOrEqual(scout.length);
    });

    it('nothing answers an unauthenticated scout: another site’s device, a wrong key, junk; all counted [SW-19.7-1]', () => {
      const h = hub();
      const wrongSite = device('sensor-1', deriveDeviceKey(suite, new Uint8Array(32).fill(4), 'sensor-1', 0));
      expect(h.onScout(wrongSite.next(), '10.0.0.5:5000', 0)).toEqual({ ok: false, reason: 'AUTH' });
      const own = device('hub', deriveDeviceKey(suite, site, 'hub', 0));
      expect(h.onScout(own.next(), '10.0.0.5:5000', 0)).toEqual({ ok: false, reason: 'UNKNOWN_KEY' });
      // a flood of junk: random bytes, and well-formed scouts with random ids and boxes
      let replies = 0;
      for (let i = 0; i < 5_000; i++) {
        const junk = suite.randomBytes(20 + (i % 100));
        if (i % 2 === 0) {
          junk[0] = 0x70;
          junk[1] = 0x01;
          junk[2] = 0;
          junk[3] = 0;
          junk[16] = 3;
          junk.set([0x61 + (i % 26), 0x62, 0x63 + (i % 7)], 17);
        }
        if (h.onScout(junk, `198.51.100.${i % 250}:9`, i).ok) replies++;
      }
      expect(replies).toBe(0);
      expect(h.drops.total).toBe(5_002);
      expect(h.stats.answered).toBe(0);
      expect(h.drops.get('AUTH') + h.drops.get('DERIVE_LIMIT')).toBeGreaterThan(2_000);
    });

    it('the reply budget: never larger than the scout, once per scout per source per second [SW-19.7-2] [SW-19.7-3]', () => {
      const long = 'h'.repeat(32);
      const h = hub(long, '2001:db8::1234:5678');
      const dev = device('d');
      const scout = dev.next();
      const answers: Uint8Array[] = [];
      for (let t = 0; t < 3_000; t += 100) {
        const r = h.onScout(scout, '10.0.0.5:5000', t);
        if (r.ok) answers.push(r.reply);
      }
      expect(answers.length).toBe(3); // t = 0, 1000, 2000
      for (const a of answers) expect(a.length).toBeLessThanOrEqual(scout.length);
      // a scout padded too little: the hub drops the address, then stays silent if still too big
      const small = device('d', undefined, 40).next();
      expect(h.onScout(small, '10.0.0.6:5000', 3_000)).toEqual({ ok: false, reason: 'REPLY_TOO_LARGE' });
      // per source: four per second whatever the scouts
      const h2 = hub();
      let ok = 0;
      for (let i = 0; i < 20; i++) if (h2.onScout(dev.next(), '10.0.0.7:5000', 10).ok) ok++;
      expect(ok).toBe(4);
    });

    it('a hub stays silent when another hub of the site answered the same scout; forged announcements suppress nothing [SW-19.7-4]', () => {
      const a = hub('hub-a');
      const b = hub('hub-b');
      const dev = device();
      const scout = dev.next();
      const ra = a.onScout(scout, '10.0.0.5:5000', 0);
      const rb = b.onScout(scout, '10.0.0.5:5000', 0);
      if (!ra.ok || !rb.ok) throw new Error('both should schedule');
      const forged = ra.reply.slice();
      forged[forged.length - 1]! ^= 1;
      expect(b.observe(forged)).toBe(false);
      expect(a.take(ra.token, ra.reply)).toBe(true); // a's delay ended first
      expect(b.observe(ra.reply)).toBe(true);
      expect(b.take(rb.token, rb.reply)).toBe(false);
      expect(b.stats.suppressed).toBe(1);
    });

    it('an ANNOUNCE that suppresses nothing is a counted drop: forged, unsolicited, malformed [SW-19.7-4] [SW-19.1-3]', () => {
      const a = hub('hub-a');
      const b = hub('hub-b');
      const scout = device().next();
      const ra = a.onScout(scout, '10.0.0.5:5000', 0);
      const rb = b.onScout(scout, '10.0.0.5:5000', 0);
      if (!ra.ok || !rb.ok) throw new Error('both should schedule');
      const forged = ra.reply.slice();
      forged[forged.length - 1]! ^= 1;
      const before = b.drops.total;
      expect(b.observe(forged)).toBe(false);
      expect(b.drops.get('AUTH')).toBe(1);
      const c = hub('hub-c'); // waits for no scout
      expect(c.observe(ra.reply)).toBe(false);
      expect(c.drops.get('UNSOLICITED')).toBe(1);
      expect(b.observe(Uint8Array.of(0x70, 0x02, 0x00))).toBe(false); // junk that begins like an ANNOUNCE
      expect(b.drops.total).toBe(before + 2);
    });

    it('a device accepts only authentic answers to its own outstanding scouts [SW-19.6-8]', () => {
      const h = hub();
      const dev = device();
      const other = device('sensor-2');
      const r = h.onScout(other.next(), '10.0.0.5:5000', 0);
      if (!r.ok) throw new Error(r.reason);
      expect(dev.accept(r.reply)).toBe('UNSOLICITED');
      const mine = h.onScout(dev.next(), '10.0.0.5:5000', 0);
      if (!mine.ok) throw new Error(mine.reason);
      const bad = mine.reply.slice();
      bad[30]! ^= 1;
      expect(dev.accept(bad)).toBe('AUTH');
      expect(dev.accept(mine.reply)).toEqual({ hubId: 'hub', port: 4000 });
    });
  });
}
