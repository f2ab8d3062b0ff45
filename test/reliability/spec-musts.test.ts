// MUST statements of spec 14 checked one by one on the sender and receiver state machines (both
// profiles' senders where the rule is theirs): ids given at first transmission, the peer's window,
// the fragment lifetime, and SLEEP applied and cancelled.
import { describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '../../src/errors.js';
import { DeviceSendState } from '../../src/reliability/device-sender.js';
import { ReassemblyBudget, ReceiveState, ReliableLink, SendState, type MsgFrame, type SendEvent } from '../../src/reliability/index.js';

const senders = [
  ['full', (c: { initialPeerWindow?: number } = {}) => {
    const s = new SendState({ peer: 'p', ...c }, () => 0);
    s.cong.cwnd = 1e9;
    return s;
  }],
  ['device', (c: { initialPeerWindow?: number } = {}) => new DeviceSendState({ peer: 'p', ...c }, () => 0)],
] as const;

const failed = (ev: SendEvent[]): number[] => ev.filter((e) => e.type === 'failed').map((e) => e.ticket);

describe('spec 14: sender and receiver MUSTs', () => {
  for (const [name, make] of senders) {
    it(`${name} sender: a message that expires in the outbox has no id and is no one's PREV; ids and PREV are given at first transmission [SW-14.2-3]`, () => {
      const s = make();
      s.setReachable(false); // nothing goes: both wait in the outbox
      const a = s.send(new Uint8Array([1]), { ordered: true, channel: 1, deadline: 50 }, 0);
      s.send(new Uint8Array([2]), { ordered: true, channel: 1, deadline: 10_000 }, 0);
      expect(failed(s.tick(100))).toEqual([a]);
      s.setReachable(true);
      const frames = s.takeMessages(100, 1000);
      expect(frames.map((f) => [f.id, f.prev, f.data[0]])).toEqual([[1, 0, 2]]); // not id 2 after a PREV of 1 that never went
    });

    it(`${name} sender: transmits no id at or above CUM + WINDOW of the newest ACK; before any ACK, 1 + INITIAL_PEER_WINDOW [SW-14.5-1]`, () => {
      const s = make({ initialPeerWindow: 4 });
      for (let i = 0; i < 10; i++) s.send(new Uint8Array([i]), {}, 0);
      const ids: number[] = [];
      for (let t = 0; t < 5; t++) ids.push(...s.takeMessages(t, 1000).map((f) => f.id!));
      expect(ids).toEqual([1, 2, 3, 4]);
      s.onAck({ type: 'ACK', cum: 3, window: 4, delay: 0, ranges: [] }, 10); // ids 1 and 2 acknowledged: up to 6 may go
      const next: number[] = [];
      for (let t = 10; t < 15; t++) next.push(...s.takeMessages(t, 1000).map((f) => f.id!));
      expect(next).toEqual([5, 6]);
    });
  }

  it('a receiver advertises a window that shrinks as its hold-back fills, and never below 1 [SW-14.5-1]', () => {
    const r = new ReceiveState({ window: 2 }, new ReassemblyBudget(1000));
    const m = (id: number, prev: number): MsgFrame => ({ type: 'MSG', channel: 1, id, prev, data: new Uint8Array([id]) });
    expect(r.onMsg(m(2, 1), 0)).toEqual([]); // held: waits for 1
    expect(r.takeAck(0, 100)!.window).toBe(1);
  });

  it('full sender: a fragmented message not fully acknowledged FRAGMENT_LIFETIME (60 s) after its first transmission fails, though its deadline is later [SW-14.6-4]', () => {
    const s = new SendState({ peer: 'p' }, () => 0);
    s.cong.cwnd = 1e9;
    const t = s.send(new Uint8Array(3000), { deadline: 600_000 }, 0);
    expect(s.takeMessages(0, 1400).length).toBeGreaterThan(0);
    const events: SendEvent[] = [];
    for (let now = 1000; now < 60_000; now += 1000) events.push(...s.tick(now));
    expect(failed(events)).toEqual([]);
    const at = s.tick(60_000).filter((e) => e.type === 'failed');
    expect(at.map((e) => e.ticket)).toEqual([t]);
    expect((at[0] as { error: unknown }).error).toBeInstanceOf(DeadlineExceededError);
  });

  it('a receiver keeps a partial message FRAGMENT_LIFETIME after its first fragment, then may discard it [SW-14.6-4]', () => {
    const budget = new ReassemblyBudget(10_000);
    const r = new ReceiveState({}, budget);
    r.onMsg({ type: 'MSG', channel: 0, id: 1, frag: { index: 0, count: 3, total: 1500 }, data: new Uint8Array(500) }, 0);
    r.tick(59_999);
    expect(budget.reserved).toBe(1500);
    r.tick(60_000);
    expect(budget.reserved).toBe(0);
  });

  it('a SLEEP received is applied to the peer, and a SLEEP of zeros cancels it [SW-14.9-2]', () => {
    // the peer speaks again at 600 (listening until 1,100), then nothing: at 1,500 it sleeps, unless it cancelled
    const asleepAt1500 = (second: { wakeIntervalMs: number; awakeMs: number }): boolean => {
      const a = new ReliableLink({ peer: 'device' }, () => 0, new ReassemblyBudget(1 << 20));
      a.receive([{ type: 'SLEEP', wakeIntervalMs: 10_000, awakeMs: 500 }], 0);
      a.receive([{ type: 'SLEEP', ...second }], 600);
      a.send(new Uint8Array(3), {}, 1500);
      a.tick(1500);
      return !(a.poll(1500, 1000)?.some((f) => f.type === 'MSG') ?? false);
    };
    expect(asleepAt1500({ wakeIntervalMs: 10_000, awakeMs: 500 })).toBe(true); // applied: nothing goes
    expect(asleepAt1500({ wakeIntervalMs: 0, awakeMs: 0 })).toBe(false); // cancelled: the peer listens again
  });
});
