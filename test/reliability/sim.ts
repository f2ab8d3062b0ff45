// A tiny seeded channel simulator for two ReliableLinks (A sends, B receives; both directions carry
// frames). Loss, duplication, reordering and delay; virtual time; every loop bounded.
import { encodeRelFrames, decodeRelFrames, ReassemblyBudget, ReliableLink, type LinkConfig, type SendOptions } from '../../src/reliability/index.js';
import { Prng } from '../../src/util/prng.js';

export interface Channel {
  loss: number;
  dup: number;
  delay: number;
  jitter: number;
}

export interface AppMessage {
  at: number;
  size: number;
  opts: SendOptions;
}

export interface SimResult {
  /** ticket -> number of deliveries at B */
  deliveries: Map<number, number>;
  /** per channel: tickets in delivery order (ordered messages only) */
  orderedDelivery: Map<number, number[]>;
  failed: Set<number>;
  receipts: Set<number>;
  refused: number;
  tickets: Array<{ ticket: number; opts: SendOptions; size: number }>;
  maxReassembly: number;
  maxHold: number;
  maxOutbox: number;
  maxInflightIds: number;
  datagramsAtoB: number;
  endTime: number;
  /** ticket -> virtual time it was handed to A, and of its first delivery at B. */
  sentAt: Map<number, number>;
  deliveredAt: Map<number, number>;
  /** Times a link was set aside (cfg.park), both links together. */
  parks: number;
  /** Reliable MSG frames A sent that the channel dropped (the network's losses). */
  framesLostAtoB: number;
  /** A's retransmission totals at the end. */
  countersA: ReliableLink['counters'] | undefined;
}

const ROOM = (budget: number): number => budget - 51 - 16 - 29;

/** Payloads carry the sim's message number in their first 4 bytes, so B can tell them apart. */
function payload(k: number, size: number, rnd: Prng): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = rnd.int(256);
  new DataView(b.buffer).setUint32(0, k);
  return b;
}

export function simulate(
  seed: number,
  ch: Channel,
  messages: AppMessage[],
  cfg: {
    budget: number;
    a?: Partial<LinkConfig>;
    b?: Partial<LinkConfig>;
    horizon: number;
    reassemblyTotal?: number;
    park?: boolean;
    /** B defers the acknowledgement of these channels and releases each message `releaseMs` after its delivery, as a hub's journal does [SW-14.3-9]. */
    deferB?: { channels: readonly number[]; releaseMs: number };
  },
): SimResult {
  const rnd = new Prng(seed);
  const budgetB = new ReassemblyBudget(cfg.reassemblyTotal ?? 1 << 20);
  const a = new ReliableLink({ peer: 'B', ...cfg.a, send: { datagramBudget: cfg.budget, ...cfg.a?.send } }, () => rnd.next(), new ReassemblyBudget(1 << 20));
  const deferAcks = cfg.deferB === undefined ? undefined : new Set(cfg.deferB.channels);
  const b = new ReliableLink({ peer: 'A', ...cfg.b, ...(deferAcks === undefined ? {} : { receive: { ...cfg.b?.receive, deferAcks } }), send: { datagramBudget: cfg.budget, ...cfg.b?.send } }, () => rnd.next(), budgetB);
  const inFlight: Array<{ at: number; to: 'A' | 'B'; bytes: Uint8Array }> = [];
  const r: SimResult = {
    deliveries: new Map(),
    orderedDelivery: new Map(),
    failed: new Set(),
    receipts: new Set(),
    refused: 0,
    tickets: [],
    maxReassembly: 0,
    maxHold: 0,
    maxOutbox: 0,
    maxInflightIds: 0,
    datagramsAtoB: 0,
    endTime: 0,
    sentAt: new Map(),
    deliveredAt: new Map(),
    parks: 0,
    framesLostAtoB: 0,
    countersA: undefined,
  };
  const releases: Array<{ at: number; id: number }> = [];
  const numberOf = new Map<number, number>();
  const ticketOf = new Map<number, number>();
  const pending = [...messages].sort((x, y) => x.at - y.at);
  const put = (to: 'A' | 'B', bytes: Uint8Array, now: number): void => {
    if (to === 'B') r.datagramsAtoB++;
    const lost = rnd.next() < ch.loss;
    if (lost) {
      if (to === 'B') for (const f of decodeRelFrames(bytes) ?? []) if (f.type === 'MSG' && f.id !== undefined) r.framesLostAtoB++;
      return;
    }
    const copies = rnd.next() < ch.dup ? 2 : 1;
    for (let k = 0; k < copies; k++) inFlight.push({ at: now + ch.delay + Math.floor(rnd.next() * (ch.jitter + 1)), to, bytes });
  };
  const flush = (link: ReliableLink, to: 'A' | 'B', now: number): void => {
    for (let i = 0; i < 64; i++) {
      const frames = link.poll(now, ROOM(cfg.budget));
      if (frames === undefined) return;
      const bytes = encodeRelFrames(frames);
      if (bytes.length > ROOM(cfg.budget)) throw new Error(`datagram over budget: ${bytes.length}`);
      put(to, bytes, now);
    }
  };
  const onEvents = (evs: ReturnType<ReliableLink['tick']>): void => {
    for (const e of evs) (e.type === 'failed' ? r.failed : r.receipts).add(e.ticket);
  };
  let now = 0;
  for (let step = 0; step < 200_000; step++) {
    // the next time anything happens
    let t = Infinity;
    if (pending.length > 0) t = Math.min(t, pending[0]!.at);
    for (const d of inFlight) t = Math.min(t, d.at);
    for (const x of releases) t = Math.min(t, x.at);
    t = Math.min(t, a.nextDeadline(now), b.nextDeadline(now));
    if (!(t < Infinity) || t > cfg.horizon) break;
    now = Math.max(now, t);
    while (pending.length > 0 && pending[0]!.at <= now) {
      const m = pending.shift()!;
      const k = r.tickets.length + r.refused + 1; // the sim's message number, carried in the payload
      try {
        const ticket = a.send(payload(k, Math.max(4, m.size), rnd), m.opts, now);
        r.tickets.push({ ticket, opts: m.opts, size: Math.max(4, m.size) });
        r.sentAt.set(ticket, now);
        numberOf.set(ticket, k);
        ticketOf.set(k, ticket);
      } catch {
        r.refused++;
      }
    }
    for (let i = releases.length - 1; i >= 0; i--) if (releases[i]!.at <= now) b.receiver.release(releases.splice(i, 1)[0]!.id, now);
    // arrivals
    const arriving = inFlight.filter((d) => d.at <= now);
    for (let i = inFlight.length - 1; i >= 0; i--) if (inFlight[i]!.at <= now) inFlight.splice(i, 1);
    for (const d of arriving) {
      const frames = decodeRelFrames(d.bytes);
      if (frames === undefined) throw new Error('undecodable datagram');
      const dst = d.to === 'B' ? b : a;
      const got = dst.receive(frames, now);
      onEvents(got.events);
      if (d.to === 'B') {
        for (const m of got.delivered) {
          if (!m.reliable) continue;
          const ticket = ticketOf.get(new DataView(m.data.buffer, m.data.byteOffset).getUint32(0))!;
          r.deliveries.set(ticket, (r.deliveries.get(ticket) ?? 0) + 1);
          if (!r.deliveredAt.has(ticket)) r.deliveredAt.set(ticket, now);
          if (m.withheld !== undefined) releases.push({ at: now + cfg.deferB!.releaseMs, id: m.withheld });
          if (m.ordered) r.orderedDelivery.set(m.channel, [...(r.orderedDelivery.get(m.channel) ?? []), ticket]);
        }
      }
    }
    onEvents(a.tick(now));
    onEvents(b.tick(now));
    flush(a, 'B', now);
    flush(b, 'A', now);
    // a link with nothing due must not name now as its next deadline: a node would wake at once, forever
    for (const [name, l] of [['A', a], ['B', b]] as const) {
      if (!l.due(now) && l.nextDeadline(now) <= now) throw new Error(`${name} busy at ${now}: nextDeadline is now with nothing due`);
    }
    r.maxReassembly = Math.max(r.maxReassembly, budgetB.reserved);
    // a parked link holds nothing (reading its halves would rebuild it)
    if (!b.parked) r.maxHold = Math.max(r.maxHold, b.receiver.heldMessages);
    if (!a.parked) r.maxOutbox = Math.max(r.maxOutbox, a.sender.outbox.length);
    if (!a.parked) r.maxInflightIds = Math.max(r.maxInflightIds, a.sender.snapshot().inflightIds);
    // set aside at every chance (spec 14.13): each link is rebuilt by whatever needs it next
    if (cfg.park === true) for (const l of [a, b]) if (!l.parked && l.park(now)) r.parks++;
  }
  r.endTime = now;
  r.countersA = { ...a.counters };
  return r;
}
