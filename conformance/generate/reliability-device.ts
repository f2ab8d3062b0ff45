/**
 * reliability_device.json: scenario vectors of the device profile of reliable delivery (spec
 * 14.12), in whole numbers only. A device-profile sender A and a receiver B (device profile unless
 * a test says otherwise), scripted steps at stated times, and after each step the decisions an
 * implementation must make: the datagrams and their frames, what B delivers, A's receipts and
 * failures, and A's RTO, SRTT, RTTVAR, backoff K, timer and ids in flight (spec 14.11 lists the
 * vocabulary). The expectations come from the SDK's pure core, run by playDeviceScenario, which the
 * SDK checker (conformance/check/reliability-device.ts) runs again and compares.
 */
import { decodeRelFrames, DeviceSendState, encodeRelFrames, ReassemblyBudget, ReliableLink, type LinkConfig, type SendOptions } from '../../src/reliability/index.js';
import { toHex } from '../../src/util/bytes.js';
import { VectorFile } from './common.js';
import { frameJson } from './reliability.js';

type Who = 'A' | 'B';
export type DeviceStep =
  | { t: number; do: 'send'; size: number; fill: number; opts: SendOptions }
  | { t: number; do: 'poll'; who: Who }
  | { t: number; do: 'deliver'; datagram: string }
  | { t: number; do: 'tick'; who: Who }
  | { t: number; do: 'heard'; who: Who }
  | { t: number; do: 'reachable'; reachable: boolean }
  | { t: number; do: 'echoed' }
  | { t: number; do: 'release'; who: 'B'; id: number };

export interface DeviceScenarioConfig {
  /** Plaintext bytes a datagram leaves for reliability frames. */
  room: number;
  /** The byte b every random draw returns ([SW-14.12-6]). */
  randomByte: number;
  A: Omit<LinkConfig, 'peer'>;
  /** `deferAcks`: channels whose messages B (full profile) acknowledges only once a `release` step names their id [SW-14.3-9]. */
  B: Omit<LinkConfig, 'peer'> & { deferAcks?: number[] };
}

const nullIfInf = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** Runs a script against the SDK; returns each step with what happened (`expect`). */
export function playDeviceScenario(cfg: DeviceScenarioConfig, script: DeviceStep[]): Array<DeviceStep & { expect: Record<string, unknown> }> {
  const random = (): number => cfg.randomByte / 256; // randomByte() of the SDK gives back exactly b
  const { deferAcks, ...b } = cfg.B;
  const bConfig = deferAcks === undefined ? b : { ...b, receive: { ...b.receive, deferAcks: new Set(deferAcks) } };
  const links = {
    A: new ReliableLink({ ...cfg.A, peer: 'B' }, random, new ReassemblyBudget(1 << 24)),
    B: new ReliableLink({ ...bConfig, peer: 'A' }, random, new ReassemblyBudget(1 << 24)),
  };
  const sent = new Map<string, { to: Who; bytes: Uint8Array }>();
  const count = { A: 0, B: 0 };
  const evJson = (evs: ReturnType<ReliableLink['tick']>): unknown[] =>
    evs.map((e) => (e.type === 'failed' ? { type: 'failed', ticket: e.ticket, code: e.error.code } : { type: e.type, ticket: e.ticket }));
  return script.map((s) => {
    let expect: Record<string, unknown> = {};
    switch (s.do) {
      case 'send':
        try {
          expect = { ticket: links.A.send(new Uint8Array(s.size).fill(s.fill), s.opts, s.t) };
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
        break;
      case 'reachable':
        links.A.setReachable(s.reachable);
        break;
      case 'echoed':
        links.A.sender.heardUs();
        break;
      case 'release':
        links.B.receiver.release(s.id, s.t); // an id B does not withhold, or not handed over yet, changes nothing [SW-14.3-9]
        break;
    }
    const a = links.A.sender;
    if (!(a instanceof DeviceSendState)) throw new Error('A must run the device profile');
    expect.sender = { rto: a.rtt.rto, srtt: a.rtt.srtt ?? null, rttvar: a.rtt.rttvar ?? null, backoff: a.backoff, timer: nullIfInf(a.timerAt), inFlight: a.inFlightIds, nextDeadline: nullIfInf(links.A.nextDeadline(s.t)) };
    return { ...s, expect };
  });
}

/** Throws unless every number in `v` is an integer: the device profile's vectors hold no fraction [SW-14.12-15]. */
function assertIntegers(v: unknown, where: string): void {
  if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`${where}: ${v} is not a whole number`);
  if (Array.isArray(v)) v.forEach((x, i) => assertIntegers(x, `${where}[${i}]`));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) assertIntegers(x, `${where}.${k}`);
}

const send = (t: number, size: number, opts: SendOptions = {}, fill = 0x61): DeviceStep => ({ t, do: 'send', size, fill, opts });
const poll = (t: number, who: Who): DeviceStep => ({ t, do: 'poll', who });
const deliver = (t: number, datagram: string): DeviceStep => ({ t, do: 'deliver', datagram });
const tick = (t: number, who: Who): DeviceStep => ({ t, do: 'tick', who });
const release = (t: number, id: number): DeviceStep => ({ t, do: 'release', who: 'B', id });

export function reliabilityDeviceVectors(): VectorFile {
  const f = new VectorFile(
    'reliability_device.json',
    'Saltwire reliable delivery, device profile',
    'saltwire_reliability_device_schema_v1',
    [
      'RelDeviceScenario: steps in order; a datagram not delivered is lost. Every number is a whole number (spec 14.12).',
      'config.randomByte is the byte every random draw of the timer jitter returns; config.room the plaintext bytes for reliability frames.',
      'expect.sender is the sender A after the step: rto, srtt and rttvar (null before a sample), backoff K, timer (null when stopped), ids in flight, next deadline.',
      'The vocabulary of the steps and expectations is in spec 14.11.',
    ],
    {
      Basic: { bugType: 'BASIC', description: 'Coalescing, an ACK at once, the integer RTT estimate and the timer [SW-14.12-4] [SW-14.12-5].' },
      IntegerRtt: { bugType: 'FUNCTIONALITY', description: 'SRTT and RTTVAR in whole ms with the rounding of [SW-14.12-5].' },
      Window: { bugType: 'FUNCTIONALITY', description: 'At most DEVICE_WINDOW ids past FLOOR, and within CUM + WINDOW [SW-14.12-4].' },
      GapRule: { bugType: 'FUNCTIONALITY', description: 'A fragment below one newly acknowledged, sent no later, is declared lost [SW-14.12-5].' },
      OneTimer: { bugType: 'FUNCTIONALITY', description: 'One timer per peer: RTO for DEVICE_FAST_STEPS expiries, then doubling to the cap; one datagram per step [SW-14.12-6] [SW-14.12-17].' },
      EndOfBackoff: { bugType: 'FUNCTIONALITY', description: 'Progress or an ECHO ends the backoff [SW-14.12-6] [SW-14.12-17].' },
      Forward: { bugType: 'FUNCTIONALITY', description: 'A deadline gives a message up; FORWARD at once, then with the timer [SW-14.12-8].' },
      HoldBack: { bugType: 'FUNCTIONALITY', description: 'A device receiver holds ordered messages back instead of refusing them [SW-14.12-10].' },
      ControlReserve: { bugType: 'EDGE_CASE', description: 'Control operations take the reserved outbox room [SW-14.12-12].' },
      Limits: { bugType: 'EDGE_CASE', description: 'A message over the peer MAX_MESSAGE is refused; one within it is fragmented [SW-14.12-11].' },
      Unreachable: { bugType: 'FUNCTIONALITY', description: 'No transmission and no timer expiry while the peer is unreachable [SW-14.8-3].' },
      FullPeer: { bugType: 'FUNCTIONALITY', description: 'A device sender and a full-profile receiver, which delays its ACK [SW-14.12-1].' },
      HeldNotMissing: { bugType: 'FUNCTIONALITY', description: 'Towards a receiver that holds fragments back without acknowledging them (a hub for QoS 1): the early retransmission of the lowest fragment, once, when SRTT old [SW-14.12-20].' },
    },
  );

  const sc = f.group('RelDeviceScenario', {});
  const dev = { profile: 'device' as const };
  const base: DeviceScenarioConfig = { room: 416, randomByte: 128, A: { ...dev, send: { datagramBudget: 512 } }, B: dev };
  const scenario = (cfg: DeviceScenarioConfig, script: DeviceStep[], flags: string[], specRefs: string[], comment: string): void => {
    const steps = playDeviceScenario(cfg, script);
    assertIntegers(steps, comment);
    sc({ comment, flags, specRefs, config: cfg, steps, result: 'valid' });
  };
  const lossless = (sizes: number[], at: number[]): DeviceStep[] => at.flatMap((t, i) => [send(t, sizes[i]!), poll(t, 'A'), deliver(t + 20, `A${i + 1}`), poll(t + 20, 'B'), deliver(t + 40, `B${i + 1}`)]);

  scenario(
    base,
    [send(0, 100), send(0, 200), poll(0, 'A'), deliver(20, 'A1'), poll(20, 'B'), deliver(40, 'B1'), poll(40, 'A')],
    ['Basic'],
    ['SW-14.12-4', 'SW-14.12-5', 'SW-14.12-6', 'SW-14.12-9'],
    'two messages in one datagram; B acknowledges at once; RTT 40: SRTT 40, RTTVAR 20, RTO 200 (MIN_RTO); the timer (1000 + 1000 x 128 div 1024 = 1125) stops',
  );
  scenario(
    base,
    // the ACKs of ids 2 and 3 arrive 7 and 33 ms late: samples 40, 47, 73, 40
    lossless([10, 10, 10, 10], [0, 100, 200, 300]).map((s) => (s.do === 'deliver' && s.datagram === 'B2' ? { ...s, t: s.t + 7 } : s.do === 'deliver' && s.datagram === 'B3' ? { ...s, t: s.t + 33 } : s)),
    ['IntegerRtt'],
    ['SW-14.12-5', 'SW-14.12-2'],
    'RTT samples 40, 47, 73, 40: RTTVAR = (3 RTTVAR + |SRTT - R| + 2) div 4 and SRTT = (7 SRTT + R + 4) div 8, in whole ms',
  );
  scenario(
    { ...base, A: { ...dev, send: { datagramBudget: 512, outboxMessages: 16 } } },
    [...Array.from({ length: 10 }, (_, k) => send(0, 20, {}, 0x30 + k)), poll(0, 'A'), poll(0, 'A'), deliver(20, 'A1'), poll(20, 'B'), deliver(40, 'B1'), poll(40, 'A'), deliver(60, 'A2'), poll(60, 'B'), deliver(80, 'B2')],
    ['Window'],
    ['SW-14.12-4'],
    'ten small messages at once: ids 1 to 8 go in one datagram (DEVICE_WINDOW), nothing more until the ACK; then 9 and 10',
  );
  scenario(
    { ...base, room: 120 },
    [send(0, 100), poll(0, 'A'), send(1, 100), poll(1, 'A'), send(2, 100), poll(2, 'A'), deliver(21, 'A2'), poll(21, 'B'), deliver(22, 'A3'), poll(22, 'B'), deliver(41, 'B1'), poll(41, 'A'), deliver(61, 'A4'), poll(61, 'B'), deliver(81, 'B3'), deliver(82, 'B2')],
    ['GapRule'],
    ['SW-14.12-5', 'SW-14.12-4', 'SW-14.12-6', 'SW-14.12-16'],
    'three datagrams, the first lost: the ACK of id 2 (sent after id 1) declares id 1 lost at once, and it goes in the next datagram, long before the timer',
  );
  const deadSteps: DeviceStep[] = [send(0, 10), poll(0, 'A')];
  {
    // the peer is gone: the timer steps at 1125 ms (RTO 1000 + jitter) for 8 expiries, then doubles
    const b = 128;
    let at = 0;
    for (let k = 0; k < 11; k++) {
      const rto = 1000 * 2 ** Math.max(0, k - 8);
      at += rto + Math.floor((rto * b) / 1024);
      deadSteps.push(send(at - 1, 10), poll(at - 1, 'A'), tick(at, 'A'), poll(at, 'A'), poll(at, 'A'));
    }
  }
  scenario(
    { ...base, A: { ...dev, send: { datagramBudget: 512, outboxMessages: 64, outboxBytes: 4096 } } },
    deadSteps,
    ['OneTimer'],
    ['SW-14.12-6', 'SW-14.12-17'],
    'a dead peer while the application sends every step: after the first timer expiry one datagram per step (the fragments in flight, never the new ones); K counts the steps; the timer stays at RTO (1125 with jitter) for 8 expiries, then 2250, 4500, 9000',
  );
  scenario(
    base,
    [send(0, 10), poll(0, 'A'), send(5, 10), poll(5, 'A'), tick(1125, 'A'), poll(1125, 'A'), send(1200, 10), poll(1200, 'A'), tick(2250, 'A'), poll(2250, 'A'), deliver(2270, 'A4'), poll(2270, 'B'), deliver(2290, 'B1'), poll(2290, 'A')],
    ['EndOfBackoff', 'OneTimer'],
    ['SW-14.12-6', 'SW-14.12-17', 'SW-14.12-5'],
    'two expiries (K = 2); the step datagram carries ids 1 and 2; its ACK is progress: K = 0, no RTT sample (retransmitted, Karn), and the message queued meanwhile goes at once',
  );
  scenario(
    base,
    [send(0, 10), poll(0, 'A'), tick(1125, 'A'), poll(1125, 'A'), { t: 1500, do: 'echoed' }, poll(1500, 'A'), deliver(1520, 'A3'), poll(1520, 'B'), deliver(1540, 'B1')],
    ['EndOfBackoff'],
    ['SW-14.12-17'],
    'an ECHO of A\'s token ends the backoff: K = 0 and what is in flight goes again at once',
  );
  scenario(
    base,
    [send(0, 10, { deadline: 500 }), poll(0, 'A'), send(10, 10), tick(500, 'A'), poll(500, 'A'), deliver(520, 'A2'), poll(520, 'B'), deliver(540, 'B1'), poll(540, 'A')],
    ['Forward'],
    ['SW-14.12-8', 'SW-14.8-4', 'SW-14.7-5', 'SW-14.3-7'],
    'id 1 lost until its deadline (500): DeadlineExceeded, FORWARD 2 at once with the next message (id 2); B moves BASE past id 1 and acknowledges both',
  );
  scenario(
    { ...base, room: 120 },
    [send(0, 60, { ordered: true, channel: 2 }), poll(0, 'A'), send(1, 60, { ordered: true, channel: 2 }), poll(1, 'A'), send(2, 60, { ordered: true, channel: 2 }), poll(2, 'A'), deliver(21, 'A2'), deliver(22, 'A3'), poll(22, 'B'), deliver(42, 'B1'), poll(42, 'A'), deliver(62, 'A4'), poll(62, 'B')],
    ['HoldBack', 'GapRule'],
    ['SW-14.12-10', 'SW-14.7-3', 'SW-14.12-5', 'SW-14.12-16'],
    'three ordered messages, the first lost: B holds 2 and 3 back (acknowledged), and delivers 1, 2, 3 when the retransmission of 1 arrives',
  );
  scenario(
    { ...base, A: { ...dev, send: { datagramBudget: 512, outboxMessages: 2, outboxBytes: 1024, controlReserveMessages: 1, controlReserveBytes: 256 } } },
    [{ t: 0, do: 'reachable', reachable: false }, send(0, 100), send(0, 100), send(0, 100), send(0, 100, { control: true }), send(0, 100, { control: true }), { t: 10, do: 'reachable', reachable: true }, poll(10, 'A')],
    ['ControlReserve'],
    ['SW-14.12-12', 'SW-14.8-1'],
    'the hub is away; two publications fill the outbox; a third is refused (ERR_OUTBOX_FULL); a SYNC (control) takes the reserve; a second control operation is refused too',
  );
  scenario(
    { ...base, A: { ...dev, send: { datagramBudget: 512, peerMaxMessage: 512 } }, B: { ...dev, receive: { maxMessage: 512, reassemblyPerPeer: 512 } } },
    [send(0, 513), send(0, 500), poll(0, 'A'), poll(0, 'A'), deliver(20, 'A1'), deliver(21, 'A2'), poll(21, 'B'), deliver(41, 'B1')],
    ['Limits'],
    ['SW-14.12-11', 'SW-14.6-5', 'SW-14.6-7'],
    'B declares MAX_MESSAGE 512: 513 bytes are refused at once (ERR_MESSAGE_TOO_LARGE); 500 bytes go in two fragments (366 + 134 at a 512-byte budget), reassembled by B',
  );
  scenario(
    base,
    [send(0, 10), poll(0, 'A'), { t: 100, do: 'reachable', reachable: false }, tick(1125, 'A'), poll(1125, 'A'), tick(5000, 'A'), { t: 6000, do: 'reachable', reachable: true }, tick(6000, 'A'), poll(6000, 'A'), deliver(6020, 'A2'), poll(6020, 'B'), deliver(6040, 'B1')],
    ['Unreachable'],
    ['SW-14.8-3', 'SW-14.12-6'],
    'the peer unreachable from 100 to 6000: the timer does not expire meanwhile; reachable again, it expires at once and the step goes',
  );
  scenario(
    { ...base, B: {} },
    [send(0, 10), poll(0, 'A'), deliver(20, 'A1'), tick(40, 'B'), poll(40, 'B'), deliver(60, 'B1')],
    ['FullPeer'],
    ['SW-14.12-1', 'SW-14.3-6', 'SW-14.12-5'],
    'a full-profile receiver holds the lone in-order ACK ACK_DELAY (20 ms) and declares DELAY 20: the sample is 60 - 0 - 20 = 40',
  );
  // ---- held, not missing [SW-14.12-20]: B is a full-profile hub that defers channel 0 ----
  const one = (t: number, fill: number): DeviceStep[] => [send(t, 100, { ordered: true }, fill), poll(t, 'A')];
  scenario(
    { ...base, B: { deferAcks: [0] } },
    [
      ...one(0, 0x30), deliver(20, 'A1'), release(20, 1), poll(20, 'B'), deliver(40, 'B1'), // SRTT 40
      ...one(40, 0x31), ...one(41, 0x32), ...one(42, 0x33), ...one(43, 0x34), // ids 2-5; A2 (id 2) is lost
      deliver(61, 'A3'), poll(61, 'B'), deliver(62, 'A4'), poll(62, 'B'), deliver(63, 'A5'), poll(63, 'B'),
      deliver(75, 'B2'), deliver(81, 'B3'), poll(81, 'A'),
      deliver(101, 'A6'), ...[2, 3, 4, 5].map((id) => release(101, id)), poll(101, 'B'), deliver(121, 'B4'), poll(121, 'A'), deliver(121, 'B5'),
      ...one(130, 0x35), ...one(131, 0x36), ...one(132, 0x37), ...one(133, 0x38), // ids 6-9; A7 (id 6) is lost, and the ACKs but the first
      deliver(151, 'A8'), poll(151, 'B'), deliver(152, 'A9'), poll(152, 'B'), deliver(153, 'A10'), poll(153, 'B'),
      deliver(165, 'B6'), tick(371, 'A'), poll(371, 'A'),
      deliver(391, 'A11'), ...[6, 7, 8, 9].map((id) => release(391, id)), poll(391, 'B'), deliver(411, 'B9'), poll(411, 'A'),
    ],
    ['HeldNotMissing', 'FullPeer'],
    ['SW-14.12-20', 'SW-14.12-6', 'SW-14.12-16', 'SW-14.3-9', 'SW-14.5-1'],
    'an RTT of 40 ms to a hub that defers channel 0: ids 2-5 go in four datagrams and 2 is lost; the hub holds 3-5 and acknowledges none (WINDOW 63, 62, 61: Wmax 64, H = 1 to 3). Its first ACK comes 35 ms after id 2 was sent, less than SRTT: nothing; the next at 41 ms: id 2, sent once, is declared lost and sent at once (without [SW-14.12-20]: at TIMER, 40 + RTO); the third, late, finds its retransmission 40 ms old but leaves it alone (a retransmission never goes early). Then ids 6-9, 6 lost and every ACK but the first (H = 1, its ACK too early for id 6): at the expiry all four are declared lost, as [SW-14.12-6] says; H does not limit an expiry',
  );
  return f;
}
