// A peer's declared MAX_DATAGRAM below the sender's budget ([SW-4.6-7]): new fragments are cut to it
// at once, but datagrams shrink only when no fragment cut to the larger budget is left to send, so
// none is ever stuck behind a room it cannot fit.
import { describe, expect, it } from 'vitest';
import { SendState } from '../../src/reliability/send-state.js';
import { DeviceSendState } from '../../src/reliability/device-sender.js';

describe('a declared datagram cap [SW-4.6-7] [SW-14.6-8]', () => {
  for (const [name, make] of [
    ['full', () => new SendState({ peer: 'p', datagramBudget: 1400 }, () => 0.5)],
    ['device', () => new DeviceSendState({ peer: 'p', datagramBudget: 1400 }, () => 0.5)],
  ] as const) {
    it(`${name} sender: cuts new messages to the cap, keeps room for older fragments until they settle`, () => {
      const s = make();
      s.send(new Uint8Array(3000), { reliable: true }, 0);
      const first = s.takeMessages(0, 1400);
      expect(first.length).toBeGreaterThan(0);
      const cutBefore = first[0]!.data.length;
      s.capDatagramBudget(600);
      expect(s.datagramBudget).toBe(1400); // fragments cut to 1,400 are still unsettled
      for (let t = 1; t < 10 && s.takeMessages(t, 1400).length > 0; t++); // the rest of them, at 1,400
      s.onAck({ type: 'ACK', cum: 100, window: 64, delay: 0, ranges: [] }, 10);
      expect(s.datagramBudget).toBe(600);
      s.send(new Uint8Array(3000), { reliable: true }, 20);
      const next = s.takeMessages(20, 600);
      expect(next.length).toBeGreaterThan(0);
      expect(next[0]!.data.length).toBeLessThan(cutBefore);
      expect(next[0]!.data.length + 26).toBeLessThanOrEqual(600);
    });
  }
});
