// The ACK clock under random schedules [SW-14.8-7] [SW-14.8-6]: whatever the mix of QoS 0 bursts,
// reliable messages (some given up unsent), lost ACKs and blackouts, (1) the clock never lets more
// than CLOCK_MARKERS * CLOCK_BATCH unreliable messages go uncovered, and (2) it never stays closed:
// once the path heals, a new stream of QoS 0 messages arrives in full, each once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SaltwireNode } from '../../src/peer/node.js';
import { Harness, HUB, text } from './harness.js';

const WINDOW = 8 * 64;

type Step =
  | { kind: 'qos0'; n: number }
  | { kind: 'reliable'; n: number; deadlineMs: number | undefined }
  | { kind: 'acksLost' }
  | { kind: 'blackout' }
  | { kind: 'heal' }
  | { kind: 'run'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('qos0' as const), n: fc.integer({ min: 1, max: 700 }) }),
  fc.record({ kind: fc.constant('reliable' as const), n: fc.integer({ min: 1, max: 130 }), deadlineMs: fc.option(fc.integer({ min: 200, max: 3_000 }), { nil: undefined }) }),
  fc.constant({ kind: 'acksLost' as const }),
  fc.constant({ kind: 'blackout' as const }),
  fc.constant({ kind: 'heal' as const }),
  fc.record({ kind: fc.constant('run' as const), ms: fc.integer({ min: 5, max: 1_500 }) }),
);

/** The device's link to the hub, for its clock (internal state, read only). */
const clockOf = (dev: SaltwireNode): { uncovered: number } | undefined => (dev as unknown as { table: Map<string, { link?: { clock: { uncovered: number } } }> }).table.get('hub')?.link?.clock;

describe('ACK clock, property (spec 14.8)', () => {
  it('stays within its window and never closes for good [SW-14.8-7]', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 1_000 }), async (steps, seed) => {
        const h = new Harness(undefined, seed);
        const hub = await h.hub();
        const dev = await h.device('dev-a');
        const hello = dev.send('hub', text('hello'), { reliable: true });
        await h.run(300);
        await hello;
        const devAddr = hub.peer('dev-a')!.address!;
        let worst = 0;
        const run = async (ms: number): Promise<void> => {
          for (let t = 0; t < ms; t += 5) {
            await h.run(5);
            worst = Math.max(worst, clockOf(dev)?.uncovered ?? 0);
          }
        };
        let k = 0;
        for (const s of steps) {
          if (s.kind === 'qos0') for (let i = 0; i < s.n; i++) dev.sendWhenRoom('hub', text(`u${k++}`))?.catch(() => undefined);
          else if (s.kind === 'reliable') {
            // a stream, 16 every 10 ms: with ACKs lost it fills the window, then the outbox
            for (let i = 0; i < s.n; i++) {
              dev.send('hub', text(`r${i}`), { reliable: true, ...(s.deadlineMs !== undefined && { deadlineMs: s.deadlineMs }) }).catch(() => undefined);
              if (i % 16 === 15) await run(10);
            }
          } else if (s.kind === 'acksLost') h.net.partition(HUB, devAddr, { oneWay: true });
          else if (s.kind === 'blackout') h.net.partition(HUB, devAddr);
          else if (s.kind === 'heal') h.net.heal();
          else await run(s.ms);
        }
        h.net.heal();
        await run(12_000); // everything before settles: delivered, expired or given up
        const before = h.texts('hub').length;
        let failed = 0;
        for (let i = 0; i < 600; i++) dev.sendWhenRoom('hub', text(`v${i}`))?.catch(() => void failed++);
        await run(3_000);
        const v = h.texts('hub').slice(before).filter((t) => t.startsWith('v'));

        expect(worst).toBeLessThanOrEqual(WINDOW);
        expect(failed).toBe(0);
        expect(v.length).toBe(600);
        expect(new Set(v).size).toBe(600);
        await dev.close();
        await hub.close();
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
