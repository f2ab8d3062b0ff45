// The group receiver against a model of 19.5 written from the spec, and its safety across its own
// restarts: random datagrams of a few senders (epochs, BOOTs, counters, replays, forgeries, signed
// commands by the controller and by impostors) get the model's verdict; with restarts in between
// (a store kept), no datagram is ever delivered twice and nothing forged is delivered at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tweetnaclEd25519 } from '../../src/crypto/ed25519.js';
import { tweetnaclSuite } from '../../src/crypto/tweetnacl.js';
import { GTYPE_DATA, GTYPE_SIGNED } from '../../src/multicast/constants.js';
import { encodeGroupMessage } from '../../src/multicast/frames.js';
import type { GroupGrant } from '../../src/multicast/grant.js';
import { encodeGroupHeader, groupNonce } from '../../src/multicast/header.js';
import { deriveSenderKey } from '../../src/multicast/keys.js';
import { GroupReceiver } from '../../src/multicast/receiver.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import { concat } from '../../src/util/bytes.js';

const suite = tweetnaclSuite;
const GK = new Uint8Array(32).fill(5);
const CTL = tweetnaclEd25519.keyPair(new Uint8Array(32).fill(6));
const OTHER = tweetnaclEd25519.keyPair(new Uint8Array(32).fill(8));
const grant: GroupGrant = { gid: 9, gen: 0, member: 7, key: GK, activateMs: 0, graceMs: 0, lifetimeS: 3600, epochFloor: 0, regrant: false, controller: { member: 1, publicKey: CTL.publicKey } };
const W = 1024;

interface Step {
  readonly member: number; // 1 is the controller
  readonly epoch: number;
  readonly boot: number;
  readonly counter: number;
  readonly kind: 'data' | 'signed' | 'impostor' | 'forged';
}

const boots = [0, 1, 2].map((b) => new Uint8Array(8).fill(0x40 + b));
function build(s: Step): Uint8Array {
  const signed = s.kind === 'signed' || s.kind === 'impostor';
  const header = encodeGroupHeader({ type: signed ? GTYPE_SIGNED : GTYPE_DATA, gid: 9, gen: 0, member: s.member, epoch: s.epoch, counter: s.counter, boot: boots[s.boot]! });
  const body = encodeGroupMessage(signed ? { kind: 'command', name: 'c', params: Uint8Array.of(s.counter & 255) } : { kind: 'datagram', payload: Uint8Array.of(s.counter & 255) });
  const inner = signed ? concat(body, tweetnaclEd25519.sign(concat(header, body), (s.kind === 'signed' ? CTL : OTHER).secretKey)) : body;
  const key = s.kind === 'forged' ? new Uint8Array(32).fill(1) : deriveSenderKey(suite, GK, 9, 0, s.member, s.epoch, boots[s.boot]!);
  return suite.seal(key, groupNonce(header), inner, header);
}

/** 19.5 literally: per member the newest (epoch, boot), the accepted counters of that epoch, its top. */
class Model {
  private readonly ctx = new Map<number, { epoch: number; boot: number; top: number; seen: Set<number> }>();
  verdict(s: Step): string {
    const signed = s.kind === 'signed' || s.kind === 'impostor';
    if (signed && s.member !== 1) return 'WRONG_TIER';
    const c = this.ctx.get(s.member);
    if (c && s.epoch < c.epoch) return 'STALE_EPOCH';
    if (c && s.epoch === c.epoch && s.boot !== c.boot) return 'STALE_EPOCH';
    if (c && s.epoch === c.epoch) {
      if (s.counter <= c.top && c.top - s.counter >= W) return 'TOO_OLD';
      if (c.seen.has(s.counter)) return 'REPLAY';
    }
    if (s.kind === 'forged') return 'AUTH';
    if (s.kind === 'impostor') return 'BAD_SIGNATURE';
    const cur = c && s.epoch === c.epoch ? c : { epoch: s.epoch, boot: s.boot, top: -1, seen: new Set<number>() };
    cur.seen.add(s.counter);
    cur.top = Math.max(cur.top, s.counter);
    this.ctx.set(s.member, cur);
    return 'accept';
  }
}

const step = fc.record({
  member: fc.constantFrom(1, 2, 3),
  epoch: fc.integer({ min: 1, max: 4 }),
  boot: fc.integer({ min: 0, max: 2 }),
  counter: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })),
  kind: fc.constantFrom<Step['kind']>('data', 'data', 'data', 'signed', 'impostor', 'forged'),
});

/** Fewer contexts and near counters, so that runs straddle restarts within one sender's epoch. */
const near = fc.record({
  member: fc.constantFrom(1, 2),
  epoch: fc.integer({ min: 1, max: 2 }),
  boot: fc.integer({ min: 0, max: 1 }),
  counter: fc.integer({ min: 0, max: 200 }),
  kind: fc.constantFrom<Step['kind']>('data', 'data', 'data', 'signed', 'forged'),
});

describe('group receiver (spec 19.5)', () => {
  it('agrees with the model of 19.5 on any run of datagrams [SW-19.5-1] [SW-19.5-2] [SW-19.5-4]', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.array(fc.nat(119), { maxLength: 30 }), (steps, replays) => {
        // some steps repeated later verbatim (replays of real datagrams)
        const run = [...steps];
        for (const r of replays) if (r < steps.length) run.push(steps[r]!);
        const rx = new GroupReceiver({ suite, ed25519: tweetnaclEd25519, verifyRate: 1e9, deriveRate: 1e9 });
        rx.installSync(grant, 0);
        const m = new Model();
        for (const s of run) {
          const got = rx.receiveSync(build(s), 0);
          expect(got.ok ? 'accept' : got.reason, JSON.stringify(s)).toBe(m.verdict(s));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('across its own restarts (store kept) it delivers no datagram twice and nothing forged [SW-19.5-9] [SW-19.5-10]', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(near, near, near, step, fc.constant('restart' as const)), { maxLength: 80 }), fc.integer({ min: 1, max: 50 }), async (run, reserve) => {
        const store = new MemoryStateStore();
        let rx = new GroupReceiver({ suite, ed25519: tweetnaclEd25519, store, reserve, verifyRate: 1e9, deriveRate: 1e9 });
        await rx.install(grant, 0);
        const delivered = new Set<string>();
        const sent: Array<[Step, Uint8Array]> = [];
        for (const [i, r] of run.entries()) {
          if (r === 'restart') {
            rx = new GroupReceiver({ suite, ed25519: tweetnaclEd25519, store, reserve, verifyRate: 1e9, deriveRate: 1e9 });
            await rx.restore(9);
            continue;
          }
          // counters drift upwards as senders' do, so runs pass the floors persisted before a restart
          const s = { ...r, counter: r.counter + 4 * i };
          sent.push([s, build(s)]);
          // the new datagram, then every datagram sent so far again (an attacker replaying all it saw)
          for (const [d, bytes] of [sent[sent.length - 1]!, ...sent]) {
            const got = await rx.receive(bytes, 0);
            if (!got.ok) continue;
            expect(d.kind === 'data' || d.kind === 'signed').toBe(true);
            const id = `${d.member}/${d.epoch}/${d.boot}/${d.counter}/${d.kind}`;
            expect(delivered.has(id), id).toBe(false);
            delivered.add(id);
          }
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
