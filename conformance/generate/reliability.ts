/**
 * reliability.json: frame codec tests of spec 14.2 (RelFrameTest) and scenario vectors of spec 14
 * (RelScenario): a sender A and a receiver B, scripted steps at stated times (send, build a datagram,
 * deliver or lose it, run timers), and after each step the decisions an implementation must make.
 * The expectations come from the SDK's pure core (src/reliability/), run step by step by
 * playScenario, which the SDK checker (conformance/check/sdk.ts) runs again and compares.
 */
import {
  decodeRelFrames,
  encodeRelFrames,
  ReassemblyBudget,
  ReliableLink,
  type LinkConfig,
  type RelFrame,
  type SendOptions,
} from '../../src/reliability/index.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { VectorFile } from './common.js';

/** JSON form of a frame, keys in layout order: MSG data as hex. */
export function frameJson(f: RelFrame): Record<string, unknown> {
  if (f.type !== 'MSG') return { ...f };
  const frag = f.frag && { index: f.frag.index, count: f.frag.count, total: f.frag.total };
  return { type: 'MSG', channel: f.channel, ...(f.id !== undefined && { id: f.id }), ...(f.prev !== undefined && { prev: f.prev }), ...(frag && { frag }), data: toHex(f.data) };
}

export type Who = 'A' | 'B';
export type ScriptStep =
  | { t: number; do: 'send'; size: number; fill: number; opts: SendOptions }
  | { t: number; do: 'poll'; who: Who }
  | { t: number; do: 'deliver'; datagram: string }
  | { t: number; do: 'tick'; who: Who }
  | { t: number; do: 'heard'; who: Who }
  | { t: number; do: 'release'; who: 'B'; id: number };

export interface ScenarioConfig {
  /** Plaintext room the node leaves for reliability frames in each datagram. */
  room: number;
  random: number;
  A: Omit<LinkConfig, 'peer'>;
  /** `deferAcks`: channels whose messages B acknowledges only once a `release` step names their id [SW-14.3-9]. */
  B: Omit<LinkConfig, 'peer'> & { deferAcks?: number[] };
}

/** Runs a script against the SDK; returns each step with what happened (`expect`). */
export function playScenario(cfg: ScenarioConfig, script: ScriptStep[]): Array<ScriptStep & { expect: Record<string, unknown> }> {
  const { deferAcks, ...b } = cfg.B;
  const bConfig = deferAcks === undefined ? b : { ...b, receive: { ...b.receive, deferAcks: new Set(deferAcks) } };
  const links = {
    A: new ReliableLink({ ...cfg.A, peer: 'B' }, () => cfg.random, new ReassemblyBudget(1 << 24)),
    B: new ReliableLink({ ...bConfig, peer: 'A' }, () => cfg.random, new ReassemblyBudget(1 << 24)),
  };
  const sent = new Map<string, { to: Who; bytes: Uint8Array }>();
  const count = { A: 0, B: 0 };
  const evJson = (evs: ReturnType<ReliableLink['tick']>): unknown[] =>
    evs.map((e) => (e.type === 'failed' ? { type: 'failed', ticket: e.ticket, code: e.error.code } : { type: e.type, ticket: e.ticket }));
  return script.map((s) => {
    let expect: Record<string, unknown>;
    switch (s.do) {
      case 'send':
        try {
          // opts.deadline is relative, ms after the step (spec 14.11); the link takes an absolute time
          const opts = s.opts.deadline === undefined ? s.opts : { ...s.opts, deadline: s.t + s.opts.deadline };
          expect = { ticket: links.A.send(new Uint8Array(s.size).fill(s.fill), opts, s.t) };
        } catch (e) {
          expect = { error: (e as { code?: string }).code ?? 'unknown' };
        }
        break;
      case 'poll': {
        const frames = links[s.who].poll(s.t, cfg.room);
        if (frames === undefined) {
          expect = { datagram: null };
          break;
        }
        const name = `${s.who}${++count[s.who]}`;
        const bytes = encodeRelFrames(frames);
        sent.set(name, { to: s.who === 'A' ? 'B' : 'A', bytes });
        expect = { datagram: name, plaintext: toHex(bytes), frames: frames.map(frameJson) };
        break;
      }
      case 'deliver': {
        const d = sent.get(s.datagram);
        if (d === undefined) throw new Error(`step at ${s.t}: no datagram ${s.datagram}`);
        const got = links[d.to].receive(decodeRelFrames(d.bytes)!, s.t);
        expect = {
          delivered: got.delivered.map((m) => ({ channel: m.channel, id: m.id ?? null, ordered: m.ordered, length: m.data.length })),
          events: evJson(got.events),
        };
        break;
      }
      case 'tick':
        expect = { events: evJson(links[s.who].tick(s.t)) };
        break;
      case 'heard':
        links[s.who].heard(s.t);
        expect = {};
        break;
      case 'release':
        links.B.receiver.release(s.id, s.t); // an id B does not withhold, or not handed over yet, changes nothing [SW-14.3-9]
        expect = {};
        break;
    }
    const a = links.A.sender.snapshot();
    expect.sender = { rto: a.rto, srtt: a.srtt ?? null, cwnd: a.cwnd, inflightBytes: a.inflightBytes, nextDeadline: nullIfInf(links.A.nextDeadline(s.t)) };
    return { ...s, expect };
  });
}

const nullIfInf = (n: number): number | null => (Number.isFinite(n) ? n : null);

const send = (t: number, size: number, opts: SendOptions = {}, fill = 0x61): ScriptStep => ({ t, do: 'send', size, fill, opts });
const poll = (t: number, who: Who): ScriptStep => ({ t, do: 'poll', who });
const deliver = (t: number, datagram: string): ScriptStep => ({ t, do: 'deliver', datagram });
const tick = (t: number, who: Who): ScriptStep => ({ t, do: 'tick', who });
const release = (t: number, id: number): ScriptStep => ({ t, do: 'release', who: 'B', id });

/**
 * `script`, then `who` ticked and polled at each deadline it states (expect.sender.nextDeadline
 * after the step before, A only: the snapshot is A's) until `until`: the times come from the SDK
 * run itself, and the vector states them, so a checker replays them as any other step.
 */
function followDeadlines(cfg: ScenarioConfig, script: ScriptStep[], who: 'A', until: number): ScriptStep[] {
  const steps = [...script];
  for (;;) {
    const played = playScenario(cfg, steps);
    const next = (played[played.length - 1]!.expect['sender'] as { nextDeadline: number | null }).nextDeadline;
    if (next === null || next > until) return steps;
    if (steps.length > 400) throw new Error(`followDeadlines: no end by ${until} ms`);
    steps.push(tick(next, who), poll(next, who));
  }
}

export function reliabilityVectors(): VectorFile {
  const f = new VectorFile(
    'reliability.json',
    'Saltwire reliable delivery',
    'saltwire_reliability_schema_v1',
    [
      'RelFrameTest: a plaintext made only of spec 14.2 frames; valid ones give the decoded frames (MSG data in hex).',
      'RelScenario: steps in order; a datagram not delivered is lost. random is the value every random draw returns.',
      'expect.sender is the sender A after the step: RTO, SRTT (null before a sample), cwnd, bytes in flight, next deadline.',
      'ACK ranges: end is exclusive, one past the last id of the range (a range covers start to end - 1).',
      'Steps and expectations (config.room, send with size, fill and opts, where opts.deadline is in ms after the step, poll, deliver, tick, heard, ticket, nextDeadline): conformance/README.md, RelScenario; spec 14.11.',
    ],
    {
      Codec: { bugType: 'BASIC', description: 'Frame layout and exact lengths [SW-14.2-8], [SW-14.2-10].' },
      Malformed: { bugType: 'MALFORMED_INPUT', description: 'A bad frame rejects the whole plaintext [SW-14.2-6].' },
      Ack: { bugType: 'FUNCTIONALITY', description: 'Acknowledgements, delayed and piggybacked [SW-14.3-6].' },
      SilenceBackoff: { bugType: 'FUNCTIONALITY', description: 'Towards a silent peer one datagram per step, the steps RTO apart for SILENCE_FAST_STEPS and then doubling up to SILENCE_MAX_STEP [SW-14.4-14], [SW-14.4-15].' },
      Retransmit: { bugType: 'FUNCTIONALITY', description: 'Retransmission on timeout, RTO for the first RTO_FAST_RETRANSMISSIONS retransmissions, Karn rule [SW-14.4-13].' },
      FastRetransmit: { bugType: 'FUNCTIONALITY', description: 'Retransmission after 3 later acknowledgements and the window reduction [SW-14.4-4], [SW-14.5-9].' },
      Karn: { bugType: 'FUNCTIONALITY', description: 'No RTT sample from an ACK that also acknowledges a later retransmission [SW-14.4-7].' },
      Probe: { bugType: 'FUNCTIONALITY', description: 'The probe timeout resends the newest fragment when a lost tail leaves no later ACK, without reducing cwnd [SW-14.4-6].' },
      HeadOfLine: { bugType: 'FUNCTIONALITY', description: 'A probe with nothing declared lost resends the oldest fragment in flight first, before new ones [SW-14.4-6].' },
      TimeThreshold: { bugType: 'FUNCTIONALITY', description: 'Loss declared by the time threshold when fewer than DUP_THRESH later fragments were acknowledged; the random-loss reduction [SW-14.4-5], [SW-14.5-9].' },
      Duplicate: { bugType: 'FUNCTIONALITY', description: 'A duplicate is not delivered again and is acknowledged again [SW-14.3-1].' },
      Ordering: { bugType: 'FUNCTIONALITY', description: 'Ordered delivery with hold-back [SW-14.7-3].' },
      Fragmentation: { bugType: 'FUNCTIONALITY', description: 'Fragments and reassembly [SW-14.6-7].' },
      Deadline: { bugType: 'FUNCTIONALITY', description: 'A deadline passes; FORWARD moves the receiver [SW-14.8-4].' },
      Limits: { bugType: 'EDGE_CASE', description: 'Refusal at the sender [SW-14.6-5].' },
      Sleepy: { bugType: 'FUNCTIONALITY', description: 'No transmission while a sleepy peer sleeps [SW-14.9-3].' },
      HeldNotMissing: { bugType: 'FUNCTIONALITY', description: 'A receiver that defers its acknowledgements holds back fragments it does not acknowledge; its WINDOW counts them, and the sender neither declares them lost nor probes with them [SW-14.4-12].' },
    },
  );

  // ---- frame codec ----
  const codec = f.group('RelFrameTest', {});
  const valid = (frames: RelFrame[], comment: string): void =>
    codec({ comment, flags: ['Codec'], specRefs: ['SW-14.2-8', 'SW-14.2-10', 'SW-14.2-4'], plaintext: toHex(encodeRelFrames(frames)), frames: frames.map(frameJson), result: 'valid' });
  const invalid = (hex: string, comment: string, refs: string[] = []): void => {
    if (decodeRelFrames(fromHex(hex)) !== undefined) throw new Error(`invalid vector decodes: ${comment}`);
    codec({ comment, flags: ['Malformed'], specRefs: ['SW-14.2-6', ...refs], plaintext: hex, result: 'invalid' });
  };
  valid([{ type: 'MSG', channel: 0, data: fromHex('68656c6c6f') }], 'unreliable MSG, the last frame: no LEN, DATA to the end');
  valid([{ type: 'MSG', channel: 2, data: fromHex('880132312e35') }], 'unreliable MSG on channel 2 carrying an alias-only QoS 0 PUBLISH: one byte of MSG header (0x90)');
  valid([{ type: 'MSG', channel: 7, id: 1, data: fromHex('01') }], 'reliable unordered MSG on channel 7: the CHANNEL byte follows the type byte');
  valid([{ type: 'MSG', channel: 6, id: 127, data: fromHex('01') }], 'channel 6, the largest in the type byte; ID 127, the largest one-byte UVAR');
  valid([{ type: 'MSG', channel: 255, id: 128, data: fromHex('01') }], 'channel 255; ID 128, the smallest two-byte UVAR (80 01)');
  valid([{ type: 'MSG', channel: 2, id: 9, prev: 5, data: new Uint8Array(0) }], 'reliable ordered empty MSG: PREV written as the gap 9 - 5 = 4');
  valid([{ type: 'MSG', channel: 2, id: 0xffffffff, prev: 0, data: fromHex('aa') }], 'ID 2^32-1 (a 5-byte UVAR), PREV 0 (the gap is the whole id)');
  valid([{ type: 'MSG', channel: 1, id: 12, prev: 3, frag: { index: 1, count: 3, total: 5 }, data: fromHex('0203') }], 'ordered fragment: PREV below the first id 11, gap 8');
  valid(
    [
      { type: 'MSG', channel: 2, data: fromHex('8801aa') },
      { type: 'MSG', channel: 3, id: 300, data: fromHex('bbcc') },
    ],
    'two MSGs: the first has LEN (not last), the second runs to the end',
  );
  valid(
    [
      { type: 'ACK', cum: 5, window: 64, delay: 20, ranges: [{ start: 7, end: 9 }, { start: 12, end: 13 }] },
      { type: 'FORWARD', floor: 5 },
      { type: 'SLEEP', wakeIntervalMs: 60_000, awakeMs: 300 },
      { type: 'MSG', channel: 0, id: 20, data: fromHex('aa') },
      { type: 'MSG', channel: 0, id: 21, data: fromHex('bb') },
    ],
    'ACK, FORWARD, SLEEP and two MSGs coalesced',
  );
  valid([{ type: 'ACK', cum: 1, window: 0, delay: 0, ranges: [] }], 'ACK without ranges');
  valid([{ type: 'SLEEP', wakeIntervalMs: 0, awakeMs: 0 }], 'SLEEP cancellation');
  // MSG type byte: 1 L C C C F O R [SW-14.2-8]
  const t = (o: { L?: boolean; ch?: number; F?: boolean; O?: boolean; R?: boolean }): string =>
    (0x80 | (o.L ? 0x40 : 0) | ((o.ch ?? 0) << 3) | (o.F ? 4 : 0) | (o.O ? 2 : 0) | (o.R ? 1 : 0)).toString(16);
  invalid(t({ ch: 7 }) + '03' + '61', 'MSG whose CHANNEL byte holds 3: channels 0-6 go in the type byte');
  invalid(t({ ch: 7 }), 'MSG whose CHANNEL byte is missing');
  invalid(t({ O: true }) + '61', 'ordered without reliable');
  invalid(t({ F: true }) + '61', 'fragment without reliable');
  invalid(t({ R: true }) + '00' + '61', 'MSG id 0');
  invalid(t({ R: true }) + '8100' + '61', 'MSG id 1 written in two bytes (81 00): not the shortest UVAR');
  invalid(t({ R: true }) + '808080808001', 'MSG id a UVAR of 6 bytes');
  invalid(t({ R: true }) + '8080808010' + '61', 'MSG id 2^32: above a UVAR\'s range');
  invalid(t({ R: true }) + '8080', 'MSG id truncated inside its UVAR');
  invalid(t({ R: true, O: true }) + '05' + '00', 'PREV gap 0: PREV not below ID');
  invalid(t({ R: true, O: true }) + '05' + '06', 'PREV gap 6 above ID 5: PREV would be negative');
  invalid(t({ R: true, F: true }) + '02' + '01' + '01' + '02' + '0101', 'fragment with COUNT 1');
  invalid(t({ R: true, F: true }) + '02' + '02' + '03' + '05' + '0101', 'fragment INDEX 2 above ID 2 - 1 (its first id would be 0)');
  invalid(t({ R: true, F: true }) + '05' + '01' + '03' + '05', 'fragment with empty DATA');
  invalid(t({ L: true, R: true }) + '01' + '05' + '61', 'LEN past the end');
  invalid(t({ L: true, R: true }) + '01' + '01' + '61', 'LEN on the last frame of the plaintext: it is written without LEN');
  invalid(t({ L: true }) + '808004' + '61', 'LEN 65536: above 65535');
  invalid('06010000000100' + '0161', 'type 0x06, the MSG of draft 1: reserved');
  invalid('07000000000040000000', 'ACK with CUM 0');
  invalid('070000000500400000010001', 'ACK with its range truncated');
  invalid('0700000005004000000100000001', 'ACK range with GAP 0');
  invalid('0800000000', 'FORWARD with FLOOR 0');
  invalid('08000000020800000003', 'two FORWARD frames');
  invalid('090000ea6000000000', 'SLEEP with AWAKE 0 and an interval', ['SW-14.2-5']);
  invalid('0a', 'reserved type 0x0a');
  invalid('40', 'reserved type 0x40');

  // ---- scenarios ----
  const sc = f.group('RelScenario', {});
  const base: ScenarioConfig = { room: 1104, random: 0, A: { send: { datagramBudget: 1200 } }, B: {} };
  const scenario = (cfg: ScenarioConfig, script: ScriptStep[], flags: string[], specRefs: string[], comment: string): void =>
    sc({ comment, flags, specRefs, config: cfg, steps: playScenario(cfg, script), result: 'valid' });

  scenario(
    base,
    [send(0, 100), send(0, 200), poll(0, 'A'), deliver(40, 'A1'), poll(40, 'B'), tick(60, 'B'), poll(60, 'B'), deliver(100, 'B1'), poll(100, 'A')],
    ['Ack'],
    ['SW-14.3-6', 'SW-14.4-1', 'SW-14.4-7', 'SW-14.10-1'],
    'two messages coalesced; the second in-order id makes the ACK due at once; RTT sample 100 ms',
  );
  scenario(
    base,
    [send(0, 10), poll(0, 'A'), tick(1000, 'A'), poll(1000, 'A'), tick(2000, 'A'), poll(2000, 'A'), deliver(2050, 'A3'), tick(2070, 'B'), poll(2070, 'B'), deliver(2120, 'B1')],
    ['Retransmit'],
    ['SW-14.4-13', 'SW-14.4-7', 'SW-14.5-10', 'SW-14.4-14'],
    'lost twice: retransmitted after RTO, then after RTO again with the same id (the timer doubles only after RTO_FAST_RETRANSMISSIONS retransmissions; the silence backoff allows the second step, 1 RTO after the first); no RTT sample (Karn); the timeout collapses cwnd',
  );
  const big: ScenarioConfig = { ...base, A: { send: { datagramBudget: 1200, initialPeerWindow: 16 } } };
  scenario(
    big,
    [
      ...[0, 1, 2, 3, 4].map((k) => send(0, 1000, {}, 0x30 + k)),
      poll(0, 'A'), poll(0, 'A'), poll(0, 'A'), poll(0, 'A'), poll(0, 'A'),
      deliver(30, 'A2'), poll(30, 'B'), deliver(31, 'A3'), poll(31, 'B'), deliver(32, 'A4'), poll(32, 'B'),
      deliver(60, 'B1'), deliver(61, 'B2'), deliver(62, 'B3'), poll(62, 'A'),
    ],
    ['FastRetransmit', 'Ack'],
    ['SW-14.4-4', 'SW-14.5-2', 'SW-14.5-9', 'SW-14.5-10', 'SW-14.3-4'],
    'five 1000-byte messages, one per datagram (cwnd allows four); the first is lost; three later ACKs trigger its retransmission',
  );
  scenario(
    base,
    [send(0, 5), poll(0, 'A'), deliver(20, 'A1'), deliver(21, 'A1'), poll(21, 'B'), deliver(50, 'B1')],
    ['Duplicate'],
    ['SW-14.3-1', 'SW-14.3-6'],
    'a datagram duplicated by the network: delivered once, acknowledged at once',
  );
  scenario(
    { ...base, room: 200 },
    [send(0, 150, { ordered: true, channel: 3 }), poll(0, 'A'), send(1, 150, { ordered: true, channel: 3 }), poll(1, 'A'), deliver(30, 'A2'), deliver(35, 'A1'), poll(35, 'B')],
    ['Ordering'],
    ['SW-14.7-3', 'SW-14.2-2'],
    'two ordered messages arrive reversed: the second is held back, then both are delivered in order',
  );
  scenario(
    base,
    [send(0, 2500, { ordered: true }), poll(0, 'A'), poll(0, 'A'), poll(0, 'A'), deliver(20, 'A3'), deliver(21, 'A1'), deliver(22, 'A2'), poll(22, 'B'), deliver(50, 'B1')],
    ['Fragmentation'],
    ['SW-14.6-7', 'SW-14.6-2', 'SW-14.6-3'],
    'a 2500-byte message in 3 fragments (1059 + 1059 + 382) arriving out of order',
  );
  scenario(
    base,
    [send(0, 10, { deadline: 1500 }), poll(0, 'A'), tick(1000, 'A'), poll(1000, 'A'), tick(1500, 'A'), poll(1500, 'A'), deliver(1520, 'A3'), poll(1520, 'B'), deliver(1560, 'B1'), poll(1560, 'A')],
    ['Deadline'],
    ['SW-14.8-4', 'SW-14.7-1', 'SW-14.7-5', 'SW-14.3-7'],
    'a message lost until its deadline: DeadlineExceeded at 1500, then a FORWARD moves the receiver past its id',
  );
  scenario(
    { ...base, A: { send: { datagramBudget: 512, peerMaxMessage: 4096, outboxMessages: 1 } } },
    [send(0, 4097), send(0, 372, { reliable: false }), send(0, 10), send(0, 10), poll(0, 'A')],
    ['Limits'],
    ['SW-14.6-5', 'SW-14.8-1'],
    'refusals at the sender: over the peer MAX_MESSAGE, an unreliable message one byte over one fragment (371 at budget 512), a full outbox',
  );
  scenario(
    { ...base, B: { sleep: { wakeIntervalMs: 10_000, awakeMs: 500 } } },
    [poll(0, 'B'), deliver(10, 'B1'), send(100, 10), poll(100, 'A'), tick(1100, 'A'), poll(1100, 'A'), { t: 10_000, do: 'heard', who: 'A' }, tick(10_000, 'A'), poll(10_000, 'A'), deliver(10_020, 'A2'), poll(10_020, 'B'), poll(10_040, 'B'), deliver(10_060, 'B2')],
    ['Sleepy'],
    ['SW-14.9-1', 'SW-14.9-3', 'SW-14.9-4'],
    'B sleeps (wakes every 10 s, listens 500 ms): the retry due at 1100 waits for B to be heard at 10000, without a congestion response',
  );
  scenario(
    base,
    [send(0, 1000), send(0, 1000), poll(0, 'A'), poll(0, 'A'), deliver(40, 'A1'), tick(60, 'B'), poll(60, 'B'), deliver(100, 'B1'), tick(440, 'A'), poll(440, 'A'), deliver(480, 'A3'), tick(500, 'B'), poll(500, 'B'), deliver(540, 'B2'), poll(540, 'A')],
    ['Probe'],
    ['SW-14.4-6', 'SW-14.4-7', 'SW-14.3-6'],
    'the tail is lost: no later ACK can find it, so the probe timeout (SRTT + 4 RTTVAR + MAX_ACK_DELAY for a lone fragment = 440) resends the newest fragment, without a congestion response',
  );
  scenario(
    big,
    [
      send(0, 100), poll(0, 'A'), deliver(5, 'A1'), poll(5, 'B'), tick(25, 'B'), poll(25, 'B'), deliver(30, 'B1'), poll(30, 'A'),
      ...[0, 1, 2, 3, 4].map((k) => send(30, 1000, {}, 0x40 + k)),
      ...[30, 31, 33, 34, 40].flatMap((t) => [tick(t, 'A'), poll(t, 'A')]),
      tick(64, 'A'), poll(64, 'A'), deliver(70, 'A6'), poll(70, 'B'), tick(90, 'B'), poll(90, 'B'), deliver(95, 'B2'), poll(95, 'A'),
    ],
    ['Probe', 'HeadOfLine'],
    ['SW-14.4-6', 'SW-14.4-5'],
    'an RTT of 10 ms (PTO 30, RTO 200): four 1000-byte messages in flight (ids 2-5), a fifth waiting for cwnd, and no ACK comes back (as from a receiver that holds back what follows a lost one and acknowledges nothing until it can deliver): the probe at 34 + 30 carries the oldest fragment in flight (id 2), not the new fifth, without a congestion response; its ACK lets the time threshold declare ids 3-5 lost at 95',
  );
  scenario(
    base,
    [send(0, 1000), poll(0, 'A'), send(10, 1000), poll(10, 'A'), deliver(50, 'A2'), poll(50, 'B'), deliver(100, 'B1'), tick(102, 'A'), poll(102, 'A'), deliver(140, 'A3'), tick(160, 'B'), poll(160, 'B'), deliver(200, 'B2'), poll(200, 'A')],
    ['TimeThreshold'],
    ['SW-14.4-5', 'SW-14.5-9', 'SW-14.3-6'],
    'the first of two datagrams is lost: one later fragment is below DUP_THRESH, so the time threshold (9/8 of the 90 ms RTT) declares it lost at 102; no queue (SRTT = base RTT), so cwnd keeps 0.9',
  );
  scenario(
    base,
    [send(0, 10), poll(0, 'A'), send(5, 10), poll(5, 'A'), deliver(20, 'A1'), deliver(21, 'A2'), poll(21, 'B'), tick(1000, 'A'), poll(1000, 'A'), deliver(1020, 'A3'), poll(1020, 'B'), deliver(1040, 'B2')],
    ['Karn'],
    ['SW-14.4-7', 'SW-14.3-1'],
    'the only ACK of two messages is lost; the retransmission of id 1 draws an ACK that also covers id 2 (sent once): no RTT sample, since id 1 was sent after id 2',
  );
  // ---- the silence backoff [SW-14.4-14], [SW-14.4-15]: B never answers; A is ticked and polled at each
  // deadline it states, so the vector pins every transmission's time towards a silent peer ----
  const silentWarm = [send(0, 100), poll(0, 'A'), deliver(50, 'A1'), tick(250, 'B'), poll(250, 'B'), deliver(300, 'B1')];
  const silent = followDeadlines(base, [...silentWarm, send(300, 100), poll(300, 'A'), send(450, 100), poll(450, 'A')], 'A', 30_000);
  const lastA = playScenario(base, silent).filter((s) => s.do === 'poll' && s.who === 'A' && s.expect['datagram'] !== null).pop()!.expect['datagram'] as string;
  const tEnd = silent[silent.length - 1]!.t;
  scenario(
    base,
    [...silent, deliver(tEnd + 50, lastA), poll(tEnd + 50, 'B'), deliver(tEnd + 100, 'B2'), send(tEnd + 100, 100), poll(tEnd + 100, 'A')],
    ['SilenceBackoff', 'Retransmit'],
    ['SW-14.4-14', 'SW-14.4-15', 'SW-14.4-13', 'SW-14.5-10'],
    'an RTT sample of 100 ms (300 at A less the 200 ms DELAY of the ACK: RTO 300), then two messages at 300 and 450, and B silent: A is ticked and polled at each deadline it states, to 30 s. One datagram of reliable fragments per step of the silence backoff; its first SILENCE_FAST_STEPS (8) steps are RTO apart, then the distance doubles up to SILENCE_MAX_STEP (4 s); a timeout before the step distance has passed is counted when it has, if no timer is left running [SW-14.4-15]. Then B gets the last retransmission and acknowledges both: the backoff ends, and a new message goes at once',
  );
  // the backoff ends when CUM rises: a message given up during the silence leaves nothing in flight to
  // time out and count a step; the peer's ACK of the FORWARD shows it hears this node [SW-14.4-14]
  scenario(
    base,
    [
      ...silentWarm, send(300, 100, { deadline: 1200 }), poll(300, 'A'),
      ...[600, 900, 1200, 1500].flatMap((t) => [tick(t, 'A'), poll(t, 'A')]),
      send(1600, 100), poll(1600, 'A'), tick(1800, 'A'), poll(1800, 'A'),
      deliver(1850, 'A7'), tick(2050, 'B'), poll(2050, 'B'), deliver(2100, 'B2'), poll(2100, 'A'), deliver(2150, 'A8'), tick(2350, 'B'), poll(2350, 'B'), deliver(2400, 'B3'), poll(2400, 'A'),
    ],
    ['SilenceBackoff', 'Deadline'],
    ['SW-14.4-14', 'SW-14.7-1', 'SW-14.8-4'],
    'B silent from 300: the message sent then is retransmitted at each step (RTO 300) and given up at its deadline, 1500, leaving nothing in flight; a message handed over at 1600 waits, since the backoff allows one datagram per step and no timer is left to count one; the FORWARD at 1800 reaches B, whose ACK raises CUM past the given-up id: B hears A, the backoff ends, and the waiting message goes at once (before [SW-14.4-14] named a rising CUM, it waited for its deadline)',
  );
  // ---- held, not missing [SW-14.4-12]: B defers channel 0 (as a hub its QoS 1 publications) ----
  const deferring: ScenarioConfig = { ...base, B: { deferAcks: [0] } };
  const warm = [send(0, 100, { ordered: true }), poll(0, 'A'), deliver(10, 'A1'), release(10, 1), poll(10, 'B'), deliver(20, 'B1')];
  scenario(
    deferring,
    [
      ...warm,
      ...[0, 1, 2, 3, 4].flatMap((k) => [send(20 + k, 100, { ordered: true }, 0x40 + k), poll(20 + k, 'A')]),
      ...[3, 5, 6].flatMap((k) => [deliver(27 + k, `A${k}`), poll(27 + k, 'B')]),
      ...[2, 3, 4].map((k) => deliver(40 + k, `B${k}`)),
      tick(84, 'A'), poll(84, 'A'), poll(84, 'A'),
      deliver(94, 'A7'), release(94, 2), release(94, 3), poll(94, 'B'), deliver(104, 'B5'), poll(104, 'A'), poll(104, 'A'),
      deliver(114, 'A8'), ...[4, 5, 6].map((id) => release(114, id)), poll(114, 'B'), deliver(124, 'B6'), poll(124, 'A'),
    ],
    ['HeldNotMissing', 'HeadOfLine'],
    ['SW-14.4-12', 'SW-14.4-6', 'SW-14.4-5', 'SW-14.3-9', 'SW-14.5-1'],
    'an RTT of 20 ms; ids 2-6 go in five datagrams and 2 and 4 are lost; B holds 3, 5 and 6 and acknowledges none (CUM 2, WINDOW 63 down to 61, no ranges), so Wmax 64 gives H = 3: of the 5 in flight it can be missing 2, and the probe at 24 + 60 carries ids 2 and 3, not the newest it holds (without [SW-14.4-12]: 2, 6, 5, 4, 3). B delivers 2 and 3 and, released, acknowledges them (CUM 4, WINDOW 62, H = 2): of 4, 5 and 6, sent before the acknowledged retransmission of 3, the time threshold takes only 4 (without [SW-14.4-12]: 4, 5 and 6)',
  );
  scenario(
    { ...base, B: { deferAcks: [0] }, A: { send: { datagramBudget: 1200, initialPeerWindow: 16 } } },
    [
      send(0, 100, { ordered: true }), poll(0, 'A'), deliver(10, 'A1'), tick(210, 'B'), poll(210, 'B'), release(210, 1), poll(210, 'B'), deliver(220, 'B1'), deliver(220, 'B2'),
      ...[0, 1, 2, 3].map((k) => send(220, 1000, { ordered: true }, 0x30 + k)),
      ...[0, 3, 6, 9].map((d) => poll(220 + d, 'A')),
      deliver(233, 'A3'), poll(233, 'B'), deliver(239, 'A5'), poll(239, 'B'), deliver(243, 'B3'), deliver(249, 'B4'),
      tick(289, 'A'), poll(289, 'A'), deliver(299, 'A6'), release(299, 5), release(299, 2), release(299, 3), poll(299, 'B'), deliver(309, 'B5'),
      poll(309, 'A'), tick(315, 'A'), poll(315, 'A'), deliver(319, 'A7'), release(319, 4), release(319, 5), poll(319, 'B'), deliver(329, 'B6'), poll(330, 'A'),
    ],
    ['HeldNotMissing', 'TimeThreshold'],
    ['SW-14.4-12', 'SW-14.4-5', 'SW-14.3-9', 'SW-14.3-4'],
    'B acknowledges nothing of id 1 before it is released: its ACK at MAX_ACK_DELAY says CUM 1. Then ids 2-5 of 1000 bytes each in its own datagram; 2 and 4 are lost; B holds 3 and 5 without acknowledging them (a release of 5, still held back, changes nothing); the probe at 229 + 60 resends 2; B delivers 2 and 3 and, released, acknowledges them: CUM 4, WINDOW 63 (it holds 5), H = 1. Of ids 4 and 5, in flight and sent before the retransmission of 2, the thresholds take only the lowest, 4: A resends 4 and keeps 5 in flight (without [SW-14.4-12]: 4, then 5 at 315); 4 brings 5 with it',
  );
  return f;
}
