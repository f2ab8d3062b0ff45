// Evaluator for RelDeviceScenario (reliability_device.json): spec 14.12, the device profile.
// A device-profile sender A (devicesim.ts DevSender) and a receiver B (DevReceiver, with a device's
// limits or the full profile's defaults, deferring the ACKs of `config.B.deferAcks` until a `release`
// step, [SW-14.3-9]) run the steps; after each step every field of `expect` is
// compared, and every number of the vector must be whole ([SW-14.12-15]).
import { concat } from './bytes.js';
import { Report, type Evaluator, type Json } from './evalcommon.js';
import { encodeRelFrame, parseRelFrames, type RelFrame } from './reliabilityframes.js';
import { DEV, DevReceiver, DevSender, Refused } from './devicesim.js';
import { DeferredAcks } from './reliabilitydefer.js';

const encodeAll = (frames: RelFrame[]): Uint8Array => concat(...frames.map((f, k) => encodeRelFrame(f, k === frames.length - 1)));

const SEND_KEYS = ['datagramBudget', 'peerMaxMessage', 'outboxMessages', 'outboxBytes', 'controlReserveMessages', 'controlReserveBytes'];

function fractions(x: unknown, where: string, out: string[]): void {
  if (typeof x === 'number' && !Number.isInteger(x)) out.push(`${where}: ${x} is not a whole number`);
  else if (Array.isArray(x)) x.forEach((v, i) => fractions(v, `${where}[${i}]`, out));
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) fractions(v, `${where}.${k}`, out);
}

export const evalRelDeviceScenario: Evaluator = (_g, t) => {
  const r = new Report();
  const whole: string[] = [];
  fractions(t, 'test', whole);
  for (const w of whole) r.fail(w);
  const cfg: Json = t.config ?? {};
  for (const k of Object.keys(cfg)) if (!['room', 'randomByte', 'A', 'B'].includes(k)) r.fail(`config.${k}: unknown to this checker`);
  if (cfg.A?.profile !== 'device') r.fail('config.A.profile: A must run the device profile');
  for (const k of Object.keys(cfg.A ?? {})) if (k !== 'profile' && k !== 'send') r.fail(`config.A.${k}: unknown to this checker`);
  for (const k of Object.keys(cfg.A?.send ?? {})) if (!SEND_KEYS.includes(k)) r.fail(`config.A.send.${k}: unknown to this checker`);
  for (const k of Object.keys(cfg.B ?? {})) if (!['profile', 'receive', 'deferAcks'].includes(k)) r.fail(`config.B.${k}: unknown to this checker`);
  for (const k of Object.keys(cfg.B?.receive ?? {})) if (k !== 'maxMessage' && k !== 'reassemblyPerPeer') r.fail(`config.B.receive.${k}: unknown to this checker`);
  if (typeof cfg.room !== 'number' || !Number.isInteger(cfg.randomByte) || cfg.randomByte < 0 || cfg.randomByte > 255) { r.fail('config.room / config.randomByte missing or out of range'); return r.failures; }
  const s = cfg.A?.send ?? {};
  const A = new DevSender({
    datagramBudget: s.datagramBudget ?? 1200,
    peerMaxMessage: s.peerMaxMessage ?? 65536,
    outboxMessages: s.outboxMessages ?? DEV.OUTBOX_MESSAGES,
    outboxBytes: s.outboxBytes ?? DEV.OUTBOX_BYTES,
    reserveMessages: s.controlReserveMessages ?? DEV.RESERVE_MESSAGES,
    reserveBytes: s.controlReserveBytes ?? DEV.RESERVE_BYTES,
    window: DEV.WINDOW,
    initialPeerWindow: DEV.WINDOW,
  }, cfg.room, cfg.randomByte);
  const deferAcks = cfg.B?.deferAcks ?? []; // [SW-14.3-9]: channels whose messages B acknowledges once released
  if (!Array.isArray(deferAcks) || !deferAcks.every((c: unknown) => Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 255)) { r.fail('config.B.deferAcks: not an array of channels'); return r.failures; }
  const device = cfg.B?.profile === 'device';
  const rc = cfg.B?.receive ?? {}; // B's declared MAX_MESSAGE and reassembly limit, over its profile's defaults
  const B = new DevReceiver(device
    ? { window: DEV.RECEIVE_WINDOW, maxRanges: DEV.MAX_ACK_RANGES, ackDelay: 0, holdBackMessages: DEV.RECEIVE_WINDOW, holdBackBytes: DEV.HOLD_BACK_BYTES, maxMessage: rc.maxMessage ?? DEV.MAX_MESSAGE, perPeer: rc.reassemblyPerPeer ?? DEV.MAX_MESSAGE }
    : { window: 64, maxRanges: 32, ackDelay: 20, holdBackMessages: 64, holdBackBytes: 256 * 1024, maxMessage: rc.maxMessage ?? 65536, perPeer: rc.reassemblyPerPeer ?? 128 * 1024 }, cfg.room, new DeferredAcks(deferAcks)); // 20.3: the SDK defaults
  const sent = new Map<string, Uint8Array>();
  const count = { A: 0, B: 0 };
  let ticket = 0;
  for (const [i, st] of (t.steps as Json[]).entries()) {
    const where = `step ${i + 1} (t ${st.t}, ${st.do})`;
    const e: Json = st.expect ?? {};
    const now = st.t;
    A.events.length = 0;
    let events: unknown[] | undefined;
    switch (st.do) {
      case 'send':
        try {
          A.send(now, ticket + 1, st.size, st.fill, st.opts ?? {});
          r.eq(`${where} ticket`, ++ticket, e.ticket); // accepted messages are numbered (14.11)
        } catch (x) {
          if (!(x instanceof Refused)) throw x;
          r.eq(`${where} error`, x.code, e.error);
        }
        break;
      case 'poll': {
        const who = st.who as 'A' | 'B';
        const frames = who === 'A' ? A.poll(now) : B.poll(now);
        if (frames === null) { r.eq(`${where} datagram`, null, e.datagram); break; }
        const name = `${who}${++count[who]}`;
        const pt = encodeAll(frames);
        sent.set(name, pt);
        r.eq(`${where} datagram`, name, e.datagram);
        r.eq(`${where} frames`, frames, e.frames);
        r.hex(`${where} plaintext`, pt, e.plaintext);
        break;
      }
      case 'deliver': {
        const pt = sent.get(st.datagram);
        const frames = pt && parseRelFrames(pt);
        if (!frames) { r.fail(`${where}: datagram ${st.datagram} was not built by this checker`); break; }
        const delivered = String(st.datagram).startsWith('A') ? B.receive(now, frames) : (A.receive(now, frames), []);
        r.eq(`${where} delivered`, delivered, e.delivered);
        events = A.events;
        break;
      }
      case 'tick':
        if (st.who === 'A') A.tick(now);
        events = A.events;
        break;
      case 'release': // [SW-14.3-9]: B's application releases a withheld id; B owes an ACK at once
        if (st.who !== 'B') r.fail(`${where}: release by ${st.who} is not modelled`);
        else B.release(now, st.id);
        for (const k of Object.keys(e)) if (k !== 'sender') r.fail(`${where}: expect.${k} on a release step`);
        break;
      case 'heard':
        break; // no sleep schedule in these vectors: hearing the peer changes nothing of A's
      case 'reachable':
        A.setReachable(st.reachable === true);
        break;
      case 'echoed':
        A.echoed();
        break;
      default:
        r.fail(`${where}: unknown step kind ${JSON.stringify(st.do)}`);
    }
    if (events !== undefined) r.eq(`${where} events`, events, e.events ?? []);
    const snap = { rto: A.rto, srtt: A.srtt, rttvar: A.rttvar, backoff: A.k, timer: A.timer, inFlight: A.inFlightIds(), nextDeadline: A.nextDeadline(now) };
    r.eq(`${where} sender`, snap, e.sender);
  }
  return r.failures;
};
