// Evaluators for RelFrameTest and RelScenario (reliability.json): spec section 14.
// RelFrameTest: the plaintext is decoded with reliabilityframes.ts; a valid test must decode to
// exactly `frames` and re-encode to the same bytes; an invalid one must be refused as a whole
// ([SW-14.2-6]).
// RelScenario: a sender A (reliabilitysim.ts RelSender) and a receiver B (RelReceiver) run the steps;
// after each step the checker compares every field of `expect` it computes. Points where the spec
// does not determine the expected value are SPEC GAPS (reliabilitygaps.ts): the test fails with
// "SPEC GAP <id>" (once per gap), even if the natural reading agrees with the vector, so that the
// checker turns green only once the spec states it. Disagreements are reported as usual.
import { concat } from './bytes.js';
import { canonical, hex, Report, type Evaluator, type Json } from './evalcommon.js';
import { encodeRelFrame, parseRelFrames, type RelFrame } from './reliabilityframes.js';

/** A plaintext of these frames: the last one ends it (a MSG there has no LEN, [SW-14.2-8]). */
const encodeAll = (frames: RelFrame[]): Uint8Array => concat(...frames.map((f, k) => encodeRelFrame(f, k === frames.length - 1)));
import { GAPS, type GapId } from './reliabilitygaps.js';
import { D, RefusedSend, RelReceiver, RelSender, type SenderConfig } from './reliabilitysim.js';
import { DeferredAcks } from './reliabilitydefer.js';

export const evalRelFrame: Evaluator = (_g, t) => {
  const r = new Report();
  const p = hex(t, 'plaintext');
  const frames = parseRelFrames(p);
  if (t.result === 'valid') {
    if (!frames) r.fail('the vector is valid but this checker refuses the plaintext');
    else {
      r.eq('frames', frames, t.frames);
      r.hex('re-encoded plaintext', encodeAll(frames), t.plaintext);
    }
  } else {
    if (frames) r.fail(`the vector is invalid but this checker accepts it as ${canonical(frames)}`);
    if ('frames' in t) r.fail('an invalid test has frames');
  }
  return r.failures;
};

/** Error codes of the vectors for the SDK error classes the spec names (gap ERROR_CODES). */
const CODE: Record<string, string> = {
  MessageTooLargeError: 'ERR_MESSAGE_TOO_LARGE',
  OutboxFullError: 'ERR_OUTBOX_FULL',
  DeadlineExceededError: 'ERR_DEADLINE_EXCEEDED',
};

const SEND_KEYS = ['datagramBudget', 'initialPeerWindow', 'peerMaxMessage', 'outboxMessages', 'outboxBytes'];

export const evalRelScenario: Evaluator = (_g, t) => {
  const r = new Report();
  const gaps = new Map<GapId, string>();
  const gap = (id: GapId, detail: string): void => { if (!gaps.has(id)) gaps.set(id, detail); };
  if (t.result !== 'valid') r.fail(`result ${JSON.stringify(t.result)}: a scenario test is always "valid"`);
  const cfg: Json = t.config ?? {};
  for (const k of Object.keys(cfg)) if (!['room', 'random', 'A', 'B'].includes(k)) r.fail(`config.${k}: unknown to this checker`);
  for (const k of Object.keys(cfg.A ?? {})) if (k !== 'send') r.fail(`config.A.${k}: unknown to this checker`);
  for (const k of Object.keys(cfg.A?.send ?? {})) if (!SEND_KEYS.includes(k)) r.fail(`config.A.send.${k}: unknown to this checker`);
  for (const k of Object.keys(cfg.B ?? {})) if (k !== 'sleep' && k !== 'deferAcks') r.fail(`config.B.${k}: unknown to this checker`);
  if (typeof cfg.room !== 'number' || typeof cfg.random !== 'number' || !(cfg.random >= 0 && cfg.random < 1)) { r.fail('config.room / config.random missing or out of range'); return r.failures; }
  const s = cfg.A?.send ?? {};
  const sc: SenderConfig = {
    datagramBudget: s.datagramBudget ?? D.DATAGRAM_BUDGET,
    initialPeerWindow: s.initialPeerWindow ?? D.INITIAL_PEER_WINDOW,
    peerMaxMessage: s.peerMaxMessage ?? D.MAX_MESSAGE,
    outboxMessages: s.outboxMessages ?? D.OUTBOX_MESSAGES,
    outboxBytes: s.outboxBytes ?? D.OUTBOX_BYTES,
  };
  const A = new RelSender(sc, cfg.room, cfg.random, gap);
  const deferAcks = cfg.B?.deferAcks ?? [];
  if (!Array.isArray(deferAcks) || !deferAcks.every((c: unknown) => Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 255)) { r.fail('config.B.deferAcks: not an array of channels'); return r.failures; }
  const B = new RelReceiver(cfg.room, cfg.B?.sleep ?? null, gap, new DeferredAcks(deferAcks));
  const sent = new Map<string, Uint8Array>();
  const count = { A: 0, B: 0 };
  let ticket = 0;
  let lastT = -Infinity;
  if (!Array.isArray(t.steps) || t.steps.length === 0) { r.fail('steps missing or empty'); return r.failures; }
  for (const [i, st] of (t.steps as Json[]).entries()) {
    const where = `step ${i + 1} (t ${st.t}, ${st.do}${st.who ? ' ' + st.who : ''}${st.datagram ? ' ' + st.datagram : ''})`;
    const e: Json = st.expect ?? {};
    const now = st.t;
    if (!(now >= lastT)) r.fail(`${where}: time goes backwards`);
    lastT = now;
    A.events.length = 0;
    let events: unknown[] | undefined;
    switch (st.do) {
      case 'send': {
        ticket++;
        try {
          A.send(now, ticket, st.size, st.fill, st.opts ?? {});
          r.eq(`${where} ticket`, ticket, e.ticket);
          if ('error' in e) r.fail(`${where}: vector expects error ${e.error}, this checker accepts the message`);
        } catch (x) {
          if (!(x instanceof RefusedSend)) throw x;
          r.eq(`${where} error`, CODE[x.code], e.error);
        }
        break;
      }
      case 'poll': {
        const who = st.who as 'A' | 'B';
        const frames: RelFrame[] | null = who === 'A' ? A.poll(now) : B.poll(now);
        if (frames === null) { r.eq(`${where} datagram`, null, e.datagram); break; }
        const name = `${who}${++count[who]}`;
        const pt = encodeAll(frames);
        sent.set(name, pt);
        r.eq(`${where} datagram`, name, e.datagram);
        r.eq(`${where} frames`, frames, e.frames);
        if (typeof e.plaintext === 'string') r.hex(`${where} plaintext`, pt, e.plaintext);
        if (pt.length > cfg.room) r.fail(`${where}: plaintext ${pt.length} bytes exceeds room ${cfg.room}`);
        break;
      }
      case 'deliver': {
        const pt = sent.get(st.datagram);
        if (!pt) { r.fail(`${where}: datagram ${st.datagram} was never built by this checker`); break; }
        const frames = parseRelFrames(pt);
        if (!frames) { r.fail(`${where}: this checker's own datagram does not parse`); break; }
        let delivered: unknown[] = [];
        if (String(st.datagram).startsWith('A')) delivered = B.receive(now, frames);
        else A.receive(now, frames);
        r.eq(`${where} delivered`, delivered, e.delivered);
        events = A.events;
        break;
      }
      case 'tick': {
        if (st.who === 'A') A.tick(now);
        events = A.events;
        break;
      }
      case 'heard': {
        if (st.who === 'A') A.heard(now);
        else r.fail(`${where}: heard by B is not modelled`);
        break;
      }
      case 'release': { // [SW-14.3-9]: B's application releases a withheld id; B owes an ACK at once
        if (st.who !== 'B') r.fail(`${where}: release by ${st.who} is not modelled`);
        else B.release(now, st.id); // an id B does not withhold, or of a message not handed over yet, changes nothing
        for (const k of Object.keys(e)) if (k !== 'sender') r.fail(`${where}: expect.${k} on a release step`);
        break;
      }
      default:
        r.fail(`${where}: unknown step kind ${JSON.stringify(st.do)}`);
    }
    if (events !== undefined) {
      const mapped = events.map((ev: any) => {
        return { ...ev, code: CODE[ev.code] ?? ev.code };
      });
      if ('events' in e) r.eq(`${where} events`, mapped, e.events);
      else if (mapped.length) r.fail(`${where}: events ${canonical(mapped)} but the vector lists none`);
    }
    const snap = { rto: A.rto, srtt: A.srtt, cwnd: A.cwnd, inflightBytes: A.inflightBytes, nextDeadline: A.nextDeadline(now) };
    if (e.sender !== undefined) r.eq(`${where} sender`, snap, e.sender);
  }
  for (const [id, detail] of gaps) r.fail(`SPEC GAP ${id}: ${GAPS[id]} [here: ${detail}]`);
  return r.failures;
};

